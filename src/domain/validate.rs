//! Collecting every problem of a request before refusing it, so that a caller fixes all of them
//! in one round trip.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One offending field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Where the field is: a JSON path such as `clauses[3].id`, or a query parameter name.
    #[schema(example = "code")]
    pub field: String,
    /// A stable snake_case reason: `required`, `too_short`, `too_long`, `too_many`,
    /// `invalid_format`, `unknown_value`, `duplicate`, `not_found`, `immutable`, `out_of_range`,
    /// `not_allowed`, `invalid_type`, `unknown_field`.
    #[schema(example = "invalid_format")]
    pub reason: String,
    /// A sentence for humans.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.to_string(),
            message: message.into(),
        }
    }
}

/// The errors found so far.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, reason: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, reason, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A required value: records `required` when it is absent.
    pub fn required<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(field, "required", format!("{field} is required"));
        }
        value
    }

    /// Text whose length in characters lies within `min..=max`, after trimming when `min > 0`.
    /// Control characters other than newline and tab are refused.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> bool {
        let len = value.chars().count();
        if min > 0 && value.trim().is_empty() {
            self.add(field, "required", format!("{field} must not be empty"));
            false
        } else if len < min {
            self.add(
                field,
                "too_short",
                format!("{field} must have at least {min} characters"),
            );
            false
        } else if len > max {
            self.add(
                field,
                "too_long",
                format!("{field} must have at most {max} characters ({len} given)"),
            );
            false
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.add(
                field,
                "invalid_format",
                format!("{field} must not contain control characters"),
            );
            false
        } else {
            true
        }
    }

    /// A value of a closed vocabulary, parsed with `parse`.
    pub fn one_of<T>(
        &mut self,
        field: &str,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.add(
                field,
                "unknown_value",
                format!(
                    "{field} must be one of {}; `{value}` is not",
                    allowed.join(", ")
                ),
            );
        }
        parsed
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    pub fn extend(&mut self, other: Vec<FieldError>) {
        self.0.extend(other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut e = Errors::new();
        e.required::<&str>("name", None);
        e.text("title", "   ", 1, 10);
        e.text("scope", "x".repeat(11).as_str(), 0, 10);
        e.text("ok", "fine", 1, 10);
        e.text("ctl", "a\u{0}b", 0, 10);
        let errors = e.into_result().unwrap_err();
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("name", "required"),
                ("title", "required"),
                ("scope", "too_long"),
                ("ctl", "invalid_format")
            ]
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut e = Errors::new();
        assert!(e.text("name", "مصر", 1, 3));
        assert!(e.is_empty());
    }
}
