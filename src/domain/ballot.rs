//! Ratification ballots: approval rules as data with exact rational thresholds, and the tally.
//!
//! Every comparison is done in integer arithmetic (`a/b ≥ n/d` as `a·d ≥ n·b`), so a boundary is
//! never decided by a rounding error.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use crate::vocabulary;

vocabulary! {
    /// A member's decision in a ballot.
    Decision { Ratify => "ratify", Decline => "decline", Abstain => "abstain" }
}

vocabulary! {
    /// `pending` while the ballot is open; then `ratified`, `rejected`, or `cancelled` when the
    /// standard was withdrawn.
    Outcome { Pending => "pending", Ratified => "ratified", Rejected => "rejected", Cancelled => "cancelled" }
}

/// An exact fraction between 0 and 1, written `"2/3"` or `{"num": 2, "den": 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    pub num: u64,
    pub den: u64,
}

impl Fraction {
    pub const fn new(num: u64, den: u64) -> Self {
        Self { num, den }
    }

    pub fn check(&self) -> Result<(), String> {
        if self.den == 0 {
            Err("the denominator must not be zero".into())
        } else if self.num > self.den {
            Err(format!("{self} is more than 1"))
        } else {
            Ok(())
        }
    }

    /// `part / whole ≥ self`, exactly.
    pub fn at_most(&self, part: u64, whole: u64) -> bool {
        u128::from(part) * u128::from(self.den) >= u128::from(self.num) * u128::from(whole)
    }

    /// `part / whole ≤ self`, exactly.
    pub fn at_least(&self, part: u64, whole: u64) -> bool {
        u128::from(part) * u128::from(self.den) <= u128::from(self.num) * u128::from(whole)
    }
}

impl utoipa::PartialSchema for Fraction {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]+/[0-9]+$"))
            .examples(["2/3"]);
        let parts = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "num",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .property(
                "den",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1)),
            )
            .required("num")
            .required("den");
        OneOfBuilder::new()
            .item(text)
            .item(parts)
            .description(Some("An exact fraction between 0 and 1, as \"n/d\" or {\"num\": n, \"den\": d}; always answered as \"n/d\"."))
            .into()
    }
}

impl ToSchema for Fraction {}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl Serialize for Fraction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Parts { num: u64, den: u64 },
        }
        let f = match Raw::deserialize(d)
            .map_err(|_| de::Error::custom("a fraction is \"n/d\" or {\"num\": n, \"den\": d}"))?
        {
            Raw::Parts { num, den } => Fraction::new(num, den),
            Raw::Text(text) => {
                let (n, d) = text
                    .split_once('/')
                    .ok_or_else(|| de::Error::custom(format!("`{text}` is not a fraction n/d")))?;
                let parse = |s: &str| {
                    s.trim()
                        .parse::<u64>()
                        .map_err(|_| de::Error::custom(format!("`{text}` is not a fraction n/d")))
                };
                Fraction::new(parse(n)?, parse(d)?)
            }
        };
        Ok(f)
    }
}

/// When a ballot passes. A criterion that is absent is not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Ratify must be at least this share of ratify + decline.
    pub approval: Option<Fraction>,
    /// Decline may be at most this share of ratify + decline.
    pub max_decline_share: Option<Fraction>,
    /// Responses (abstentions included) must be at least this share of the electorate.
    pub quorum: Option<Fraction>,
    /// At least this many ratifications.
    pub min_ratifications: Option<u64>,
}

impl Default for Rule {
    /// The ISO/IEC DIS/FDIS rule.
    fn default() -> Self {
        Self {
            approval: Some(Fraction::new(2, 3)),
            max_decline_share: Some(Fraction::new(1, 4)),
            quorum: Some(Fraction::new(1, 2)),
            min_ratifications: None,
        }
    }
}

impl Rule {
    /// Every problem with the rule, as (field, message).
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (name, f) in [
            ("approval", &self.approval),
            ("max_decline_share", &self.max_decline_share),
            ("quorum", &self.quorum),
        ] {
            if let Some(Err(e)) = f.as_ref().map(Fraction::check) {
                out.push((format!("rule.{name}"), e));
            }
        }
        if self.approval.is_none()
            && self.max_decline_share.is_none()
            && self.quorum.is_none()
            && self.min_ratifications.is_none()
        {
            out.push(("rule".into(), "a rule needs at least one criterion".into()));
        }
        out
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub ratify: u64,
    pub decline: u64,
    pub abstain: u64,
}

impl Counts {
    pub fn add(&mut self, d: Decision) {
        match d {
            Decision::Ratify => self.ratify += 1,
            Decision::Decline => self.decline += 1,
            Decision::Abstain => self.abstain += 1,
        }
    }

    pub fn responses(&self) -> u64 {
        self.ratify + self.decline + self.abstain
    }
}

/// One criterion of the rule, evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Criterion {
    /// `approval`, `max_decline_share`, `quorum` or `min_ratifications`.
    pub criterion: String,
    /// What the rule requires: a fraction `n/d`, or a count.
    #[schema(example = "2/3")]
    pub required: String,
    /// What the votes give, unreduced (`8/10`: 8 ratify of 10 ratify + decline), or a count.
    #[schema(example = "8/10")]
    pub actual: String,
    pub met: bool,
}

/// The evaluation of a rule on counts.
pub fn evaluate(rule: &Rule, counts: &Counts, electorate: u64) -> (Vec<Criterion>, bool) {
    let cast = counts.ratify + counts.decline;
    let mut criteria = Vec::new();
    if let Some(f) = rule.approval {
        criteria.push(Criterion {
            criterion: "approval".into(),
            required: f.to_string(),
            actual: format!("{}/{cast}", counts.ratify),
            // No ratify or decline at all approves nothing.
            met: cast > 0 && f.at_most(counts.ratify, cast),
        });
    }
    if let Some(f) = rule.max_decline_share {
        criteria.push(Criterion {
            criterion: "max_decline_share".into(),
            required: f.to_string(),
            actual: format!("{}/{cast}", counts.decline),
            met: f.at_least(counts.decline, cast),
        });
    }
    if let Some(f) = rule.quorum {
        criteria.push(Criterion {
            criterion: "quorum".into(),
            required: f.to_string(),
            actual: format!("{}/{electorate}", counts.responses()),
            met: electorate > 0 && f.at_most(counts.responses(), electorate),
        });
    }
    if let Some(n) = rule.min_ratifications {
        criteria.push(Criterion {
            criterion: "min_ratifications".into(),
            required: n.to_string(),
            actual: counts.ratify.to_string(),
            met: counts.ratify >= n,
        });
    }
    let passes = criteria.iter().all(|c| c.met);
    (criteria, passes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(ratify: u64, decline: u64, abstain: u64) -> Counts {
        Counts {
            ratify,
            decline,
            abstain,
        }
    }

    fn met(rule: &Rule, c: Counts, electorate: u64, name: &str) -> bool {
        evaluate(rule, &c, electorate)
            .0
            .into_iter()
            .find(|x| x.criterion == name)
            .unwrap()
            .met
    }

    #[test]
    fn approval_at_exactly_two_thirds_passes_and_one_vote_less_fails() {
        let rule = Rule::default();
        assert!(met(&rule, counts(8, 4, 0), 20, "approval"), "8/12 = 2/3");
        assert!(!met(&rule, counts(7, 4, 0), 20, "approval"), "7/11 < 2/3");
        assert!(met(&rule, counts(2, 1, 0), 6, "approval"), "2/3");
        assert!(
            !met(&rule, counts(0, 0, 3), 6, "approval"),
            "no votes approve nothing"
        );
    }

    #[test]
    fn declines_at_exactly_one_quarter_pass_and_one_more_fails() {
        let rule = Rule::default();
        assert!(
            met(&rule, counts(9, 3, 0), 20, "max_decline_share"),
            "3/12 = 1/4"
        );
        assert!(
            !met(&rule, counts(9, 4, 0), 20, "max_decline_share"),
            "4/13 > 1/4"
        );
        assert!(
            met(&rule, counts(0, 0, 0), 20, "max_decline_share"),
            "no declines"
        );
    }

    #[test]
    fn quorum_exactly_met_and_one_short() {
        let rule = Rule::default();
        assert!(
            met(&rule, counts(3, 0, 2), 10, "quorum"),
            "5/10 = 1/2, abstentions count"
        );
        assert!(!met(&rule, counts(3, 0, 1), 10, "quorum"), "4/10 < 1/2");
        assert!(met(&rule, counts(4, 0, 0), 7, "quorum"), "4/7 > 1/2");
        assert!(!met(&rule, counts(3, 0, 0), 7, "quorum"), "3/7 < 1/2");
    }

    #[test]
    fn the_default_rule_passes_only_when_every_criterion_is_met() {
        let rule = Rule::default();
        assert!(evaluate(&rule, &counts(9, 3, 0), 20).1);
        assert!(
            !evaluate(&rule, &counts(9, 3, 0), 25).1,
            "12/25 responses miss the quorum"
        );
        assert!(
            !evaluate(&rule, &counts(8, 4, 0), 20).1,
            "4/12 declines exceed 1/4"
        );
        let (criteria, _) = evaluate(&rule, &counts(8, 2, 1), 13);
        assert_eq!(
            criteria
                .iter()
                .map(|c| (
                    c.criterion.as_str(),
                    c.required.as_str(),
                    c.actual.as_str(),
                    c.met
                ))
                .collect::<Vec<_>>(),
            vec![
                ("approval", "2/3", "8/10", true),
                ("max_decline_share", "1/4", "2/10", true),
                ("quorum", "1/2", "11/13", true)
            ]
        );
    }

    #[test]
    fn other_rules_are_expressible() {
        let ieee = Rule {
            approval: Some(Fraction::new(3, 4)),
            quorum: Some(Fraction::new(3, 4)),
            max_decline_share: None,
            min_ratifications: None,
        };
        assert!(
            evaluate(&ieee, &counts(6, 2, 1), 12).1,
            "6/8 approval, 9/12 return"
        );
        assert!(
            !evaluate(&ieee, &counts(6, 2, 0), 12).1,
            "8/12 return < 3/4"
        );
        let unanimity = Rule {
            approval: Some(Fraction::new(1, 1)),
            ..Rule {
                approval: None,
                max_decline_share: None,
                quorum: None,
                min_ratifications: None,
            }
        };
        assert!(evaluate(&unanimity, &counts(5, 0, 2), 7).1);
        assert!(!evaluate(&unanimity, &counts(5, 1, 0), 7).1);
        let majority = Rule {
            approval: Some(Fraction::new(1, 2)),
            min_ratifications: Some(3),
            max_decline_share: None,
            quorum: None,
        };
        assert!(evaluate(&majority, &counts(3, 3, 0), 10).1);
        assert!(
            !evaluate(&majority, &counts(2, 1, 0), 10).1,
            "too few ratifications"
        );
    }

    #[test]
    fn fractions_parse_both_ways_and_are_checked() {
        let a: Fraction = serde_json::from_str(r#""2/3""#).unwrap();
        let b: Fraction = serde_json::from_str(r#"{"num": 2, "den": 3}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#""2/3""#);
        assert!(serde_json::from_str::<Fraction>(r#""two thirds""#).is_err());
        assert!(serde_json::from_str::<Fraction>(r#""-1/3""#).is_err());
        assert!(Fraction::new(1, 0).check().is_err());
        assert!(Fraction::new(4, 3).check().is_err());
        assert!(Fraction::new(0, 5).check().is_ok());
        let rule = Rule {
            approval: Some(Fraction::new(1, 0)),
            quorum: Some(Fraction::new(3, 2)),
            max_decline_share: None,
            min_ratifications: None,
        };
        assert_eq!(rule.problems().len(), 2);
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        let f = Fraction::new(u64::MAX - 1, u64::MAX);
        assert!(f.at_most(u64::MAX, u64::MAX));
        assert!(!f.at_most(u64::MAX - 2, u64::MAX));
    }
}
