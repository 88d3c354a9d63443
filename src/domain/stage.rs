//! The life of a standard: its stages and the only moves between them.
//!
//! ```text
//! drafting ──open comment period──▶ public_comment ──period closes──▶ drafting
//! drafting ──open ballot──────────▶ ratification ──ballot passes──▶ ratified ──successor ratified──▶ superseded
//!                                                  └─ballot fails──▶ drafting
//! any stage but ratified/superseded ──secretariat──▶ withdrawn
//! ```

use crate::vocabulary;

vocabulary! {
    /// Where a standard is in its life.
    Stage {
        Drafting => "drafting",
        PublicComment => "public_comment",
        Ratification => "ratification",
        Ratified => "ratified",
        Superseded => "superseded",
        Withdrawn => "withdrawn",
    }
}

vocabulary! {
    /// What moves a standard from one stage to the next.
    Transition {
        OpenCommentPeriod => "open_comment_period",
        CloseCommentPeriod => "close_comment_period",
        OpenBallot => "open_ballot",
        BallotPassed => "ballot_passed",
        BallotFailed => "ballot_failed",
        SuccessorRatified => "successor_ratified",
        Withdraw => "withdraw",
    }
}

use Stage::*;
use Transition::*;

/// Every allowed move, and nothing else.
pub const TRANSITIONS: &[(Stage, Transition, Stage)] = &[
    (Drafting, OpenCommentPeriod, PublicComment),
    (PublicComment, CloseCommentPeriod, Drafting),
    (Drafting, OpenBallot, Ratification),
    (Ratification, BallotPassed, Ratified),
    (Ratification, BallotFailed, Drafting),
    (Ratified, SuccessorRatified, Superseded),
    (Drafting, Withdraw, Withdrawn),
    (PublicComment, Withdraw, Withdrawn),
    (Ratification, Withdraw, Withdrawn),
];

/// A refused move: where the standard is and where it could go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub current: Stage,
    pub transition: Transition,
    pub allowed: Vec<(Transition, Stage)>,
}

impl Refused {
    pub fn message(&self, reference: &str) -> String {
        let allowed = if self.allowed.is_empty() {
            "no further stage".to_string()
        } else {
            self.allowed
                .iter()
                .map(|(t, s)| format!("{s} (by {t})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{reference} is in stage {}, where {} is not possible; from {} it can move to {allowed}",
            self.current, self.transition, self.current
        )
    }
}

/// The moves possible from `stage`.
pub fn allowed_from(stage: Stage) -> Vec<(Transition, Stage)> {
    TRANSITIONS
        .iter()
        .filter(|(from, _, _)| *from == stage)
        .map(|(_, t, to)| (*t, *to))
        .collect()
}

/// The stage `transition` leads to from `stage`, or why it cannot happen.
pub fn apply(stage: Stage, transition: Transition) -> Result<Stage, Refused> {
    TRANSITIONS
        .iter()
        .find(|(from, t, _)| *from == stage && *t == transition)
        .map(|(_, _, to)| *to)
        .ok_or_else(|| Refused {
            current: stage,
            transition,
            allowed: allowed_from(stage),
        })
}

/// New revisions are accepted only while drafting.
pub fn accepts_revisions(stage: Stage) -> bool {
    stage == Drafting
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_STAGES: [Stage; 6] = [
        Drafting,
        PublicComment,
        Ratification,
        Ratified,
        Superseded,
        Withdrawn,
    ];
    const ALL_TRANSITIONS: [Transition; 7] = [
        OpenCommentPeriod,
        CloseCommentPeriod,
        OpenBallot,
        BallotPassed,
        BallotFailed,
        SuccessorRatified,
        Withdraw,
    ];

    #[test]
    fn every_allowed_move() {
        let expected = [
            (Drafting, OpenCommentPeriod, PublicComment),
            (PublicComment, CloseCommentPeriod, Drafting),
            (Drafting, OpenBallot, Ratification),
            (Ratification, BallotPassed, Ratified),
            (Ratification, BallotFailed, Drafting),
            (Ratified, SuccessorRatified, Superseded),
            (Drafting, Withdraw, Withdrawn),
            (PublicComment, Withdraw, Withdrawn),
            (Ratification, Withdraw, Withdrawn),
        ];
        for (from, t, to) in expected {
            assert_eq!(apply(from, t), Ok(to), "{from} --{t}-->");
        }
    }

    #[test]
    fn every_other_move_is_refused_and_names_the_way_out() {
        let mut refused = 0;
        for from in ALL_STAGES {
            for t in ALL_TRANSITIONS {
                if TRANSITIONS.iter().any(|(f, tt, _)| *f == from && *tt == t) {
                    continue;
                }
                let r = apply(from, t).unwrap_err();
                assert_eq!(r.current, from);
                assert_eq!(r.allowed, allowed_from(from));
                refused += 1;
            }
        }
        assert_eq!(refused, 6 * 7 - 9);
    }

    #[test]
    fn final_stages_lead_nowhere_but_ratified_can_be_superseded() {
        assert!(allowed_from(Superseded).is_empty());
        assert!(allowed_from(Withdrawn).is_empty());
        assert_eq!(
            allowed_from(Ratified),
            vec![(SuccessorRatified, Superseded)]
        );
        assert_eq!(
            apply(Ratified, Withdraw).unwrap_err().allowed,
            vec![(SuccessorRatified, Superseded)]
        );
    }

    #[test]
    fn only_drafting_accepts_revisions() {
        for s in ALL_STAGES {
            assert_eq!(accepts_revisions(s), s == Drafting, "{s}");
        }
    }

    #[test]
    fn refusal_message_names_stage_and_options() {
        let r = apply(PublicComment, OpenBallot).unwrap_err();
        let m = r.message("AIS-0001");
        assert!(
            m.contains("public_comment") && m.contains("drafting (by close_comment_period)"),
            "{m}"
        );
    }
}
