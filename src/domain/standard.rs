//! Standards and their revisions: references, topics, clauses, the content hash, and the
//! Markdown rendering of a revision.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::canonical::{canonical_json, sha256_hex};
use super::validate::Errors;

pub const MAX_CLAUSES: usize = 2_000;
pub const MAX_CLAUSE_TEXT: usize = 100_000;
pub const MAX_HEADING: usize = 300;
pub const MAX_CLAUSE_ID: usize = 64;
pub const MAX_SUMMARY: usize = 5_000;
/// All clause texts of one revision together, in characters.
pub const MAX_REVISION_TEXT: usize = 5_000_000;
pub const MAX_TITLE: usize = 300;
pub const MAX_SCOPE: usize = 5_000;
pub const MAX_COMMITTEE: usize = 100;
pub const MAX_TOPICS: usize = 20;
pub const MAX_TOPIC: usize = 40;
pub const MAX_REFERENCE: usize = 32;

/// One clause of a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Clause {
    /// Stable across revisions (`4.2`, `risk-management`): 1 to 64 letters, digits, `.`, `_`, `-`,
    /// starting with a letter or digit; unique within the revision.
    #[schema(example = "4.2")]
    pub id: String,
    #[schema(example = "Reporting timelines")]
    pub heading: String,
    /// Markdown.
    pub text: String,
}

/// `^[A-Z][A-Z0-9-]{1,31}$`
pub fn valid_reference(reference: &str) -> bool {
    let b = reference.as_bytes();
    (2..=MAX_REFERENCE).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-')
}

/// `^[a-z0-9][a-z0-9-]{0,39}$`
pub fn valid_topic(topic: &str) -> bool {
    let b = topic.as_bytes();
    (1..=MAX_TOPIC).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// `^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`
pub fn valid_clause_id(id: &str) -> bool {
    let b = id.as_bytes();
    (1..=MAX_CLAUSE_ID).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
}

/// Checks a topic list, recording problems under `field`; returns the topics sorted and unique.
pub fn check_topics(e: &mut Errors, field: &str, topics: &[String]) -> Vec<String> {
    if topics.len() > MAX_TOPICS {
        e.add(field, "too_many", format!("at most {MAX_TOPICS} topics"));
    }
    for (i, t) in topics.iter().enumerate() {
        if !valid_topic(t) {
            e.add(
                format!("{field}[{i}]"),
                "invalid_format",
                format!("a topic is 1 to {MAX_TOPIC} lower-case letters, digits or hyphens (such as incident-reporting); `{t}` is not"),
            );
        }
    }
    let mut sorted = topics.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
}

/// A clause as submitted: every part optional so that all missing parts are reported together.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClauseInput {
    #[schema(value_type = String, required = true, example = "4.2", pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    pub id: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300)]
    pub heading: Option<String>,
    /// Markdown, 1 to 100,000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100000)]
    pub text: Option<String>,
}

/// Checks the clauses of a new revision (order kept), recording every problem.
pub fn check_clauses(e: &mut Errors, clauses: Vec<ClauseInput>) -> Vec<Clause> {
    if clauses.is_empty() {
        e.add("clauses", "too_short", "a revision has at least one clause");
    }
    if clauses.len() > MAX_CLAUSES {
        e.add(
            "clauses",
            "too_many",
            format!(
                "a revision has at most {MAX_CLAUSES} clauses ({} given)",
                clauses.len()
            ),
        );
        return Vec::new();
    }
    let mut seen = std::collections::HashMap::new();
    let mut total = 0usize;
    let mut out = Vec::with_capacity(clauses.len());
    for (i, c) in clauses.into_iter().enumerate() {
        let at = |part: &str| format!("clauses[{i}].{part}");
        let id = e.required(&at("id"), c.id);
        let heading = e.required(&at("heading"), c.heading);
        let text = e.required(&at("text"), c.text);
        if let Some(id) = &id {
            if !valid_clause_id(id) {
                e.add(at("id"), "invalid_format", format!(
                    "a clause id is 1 to {MAX_CLAUSE_ID} letters, digits, `.`, `_` or `-`, starting with a letter or digit; `{}` is not",
                    id.chars().take(80).collect::<String>()
                ));
            } else if let Some(first) = seen.insert(id.clone(), i) {
                e.add(
                    at("id"),
                    "duplicate",
                    format!("clause id {id} is already used by clauses[{first}]"),
                );
            }
        }
        if let Some(h) = &heading {
            e.text(&at("heading"), h, 1, MAX_HEADING);
        }
        if let Some(t) = &text {
            e.text(&at("text"), t, 1, MAX_CLAUSE_TEXT);
            total += t.chars().count();
        }
        if let (Some(id), Some(heading), Some(text)) = (id, heading, text) {
            out.push(Clause { id, heading, text });
        }
    }
    if total > MAX_REVISION_TEXT {
        e.add("clauses", "too_long", format!("the clauses of a revision hold at most {MAX_REVISION_TEXT} characters in all ({total} given)"));
    }
    out
}

/// The content hash of a revision: lower-case hex SHA-256 of the RFC 8785 canonical JSON of its
/// clause array, in order, each clause as `{"heading", "id", "text"}`.
pub fn content_hash(clauses: &[Clause]) -> String {
    sha256_hex(canonical_json(clauses))
}

/// The hash of one clause alone (same canonical form), used to see whether a clause changed.
pub fn clause_hash(clause: &Clause) -> String {
    sha256_hex(canonical_json(clause))
}

/// The whole draft as one Markdown document.
pub fn render_markdown(
    reference: &str,
    title: &str,
    number: i32,
    content_hash: &str,
    summary: &str,
    clauses: &[Clause],
) -> String {
    let mut out =
        format!("# {reference} — {title}\n\nRevision {number} · content hash `{content_hash}`\n");
    if !summary.trim().is_empty() {
        out.push_str(&format!("\n> {}\n", summary.trim().replace('\n', "\n> ")));
    }
    for clause in clauses {
        out.push_str(&format!(
            "\n## {} {}\n\n{}\n",
            clause.id,
            clause.heading.trim(),
            clause.text.trim_end()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(id: &str, heading: &str, text: &str) -> Clause {
        Clause {
            id: id.into(),
            heading: heading.into(),
            text: text.into(),
        }
    }

    #[test]
    fn reference_topic_and_clause_id_patterns() {
        assert!(valid_reference("AIS-0001") && valid_reference("AB"));
        assert!(
            !valid_reference("ais-1")
                && !valid_reference("A")
                && !valid_reference("1AIS")
                && !valid_reference(&"A".repeat(33))
        );
        assert!(valid_topic("incident-reporting") && valid_topic("9"));
        assert!(!valid_topic("Safety") && !valid_topic("-x") && !valid_topic(""));
        assert!(valid_clause_id("4.2") && valid_clause_id("annex-a") && valid_clause_id("A_1"));
        assert!(!valid_clause_id(".1") && !valid_clause_id("4 2") && !valid_clause_id(""));
    }

    #[test]
    fn content_hash_is_over_the_canonical_clause_array() {
        let clauses = vec![
            clause("1", "Scope", "This standard…"),
            clause("2", "Terms", "**AI system**: …"),
        ];
        let text = r#"[{"heading":"Scope","id":"1","text":"This standard…"},{"heading":"Terms","id":"2","text":"**AI system**: …"}]"#;
        assert_eq!(canonical_json(&clauses), text);
        assert_eq!(content_hash(&clauses), sha256_hex(text));
        let reordered = vec![clauses[1].clone(), clauses[0].clone()];
        assert_ne!(
            content_hash(&reordered),
            content_hash(&clauses),
            "order is part of the text"
        );
    }

    #[test]
    fn clause_checks_report_every_problem_with_its_path() {
        let mut e = Errors::new();
        let input = vec![
            ClauseInput {
                id: Some("1".into()),
                heading: Some("Scope".into()),
                text: Some("ok".into()),
            },
            ClauseInput {
                id: Some("1".into()),
                heading: None,
                text: Some("".into()),
            },
            ClauseInput {
                id: Some("bad id".into()),
                heading: Some("h".into()),
                text: Some("x".repeat(MAX_CLAUSE_TEXT + 1)),
            },
        ];
        check_clauses(&mut e, input);
        let fields: Vec<_> = e
            .into_vec()
            .into_iter()
            .map(|f| (f.field, f.reason))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("clauses[1].heading".to_string(), "required".to_string()),
                ("clauses[1].id".into(), "duplicate".into()),
                ("clauses[1].text".into(), "required".into()),
                ("clauses[2].id".into(), "invalid_format".into()),
                ("clauses[2].text".into(), "too_long".into()),
            ]
        );
    }

    #[test]
    fn too_many_clauses_is_one_error() {
        let mut e = Errors::new();
        let input = vec![ClauseInput::default(); MAX_CLAUSES + 1];
        assert!(check_clauses(&mut e, input).is_empty());
        let errors = e.into_vec();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].reason, "too_many");
    }

    #[test]
    fn markdown_rendering() {
        let md = render_markdown(
            "AIS-0001",
            "Incident reporting",
            2,
            "abc",
            "Tightened 4.2.",
            &[
                clause("1", "Scope", "Text.\n"),
                clause("4.2", "Deadlines", "- 72 hours"),
            ],
        );
        assert_eq!(
            md,
            "# AIS-0001 — Incident reporting\n\nRevision 2 · content hash `abc`\n\n> Tightened 4.2.\n\n## 1 Scope\n\nText.\n\n## 4.2 Deadlines\n\n- 72 hours\n"
        );
    }
}
