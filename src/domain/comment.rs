//! Comments on drafts, modelled on the ISO/IEC commenting template: types, statuses,
//! dispositions, and where a comment's clause went in later revisions.

use serde::Serialize;
use utoipa::ToSchema;

use crate::vocabulary;

vocabulary! {
    /// The ISO/IEC comment type: `ge`, `te` and `ed` in the resolution report.
    CommentType { General => "general", Technical => "technical", Editorial => "editorial" }
}

impl CommentType {
    /// The abbreviation of the ISO/IEC template.
    pub fn iso_code(self) -> &'static str {
        match self {
            Self::General => "ge",
            Self::Technical => "te",
            Self::Editorial => "ed",
        }
    }
}

vocabulary! {
    /// `open` until the editor records a disposition, or `withdrawn` by its author.
    CommentStatus {
        Open => "open",
        Accepted => "accepted",
        AcceptedModified => "accepted_modified",
        Rejected => "rejected",
        Noted => "noted",
        Withdrawn => "withdrawn",
    }
}

vocabulary! {
    /// What the editor decided about a comment.
    DispositionStatus {
        Accepted => "accepted",
        AcceptedModified => "accepted_modified",
        Rejected => "rejected",
        Noted => "noted",
    }
}

impl DispositionStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::AcceptedModified => "Accepted with modification",
            Self::Rejected => "Rejected",
            Self::Noted => "Noted",
        }
    }
}

pub const MAX_BODY: usize = 20_000;
pub const MAX_PROPOSED_CHANGE: usize = 20_000;
pub const MAX_RESPONSE: usize = 20_000;
pub const MAX_PARAGRAPH: usize = 100;

vocabulary! {
    /// What became of a comment's clause in the latest revision.
    AnchorState {
        /// Same text, same place.
        Unchanged => "unchanged",
        /// Same text, another place.
        Moved => "moved",
        /// Its heading or text changed.
        Changed => "changed",
        /// It is no longer in the latest revision.
        Removed => "removed",
    }
}

/// Where a comment's clause stands in the latest revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Anchor {
    /// The revision the comment was made on, and the clause's place in it.
    pub revision: i32,
    pub clause: String,
    pub position: i32,
    /// The latest revision of the standard.
    pub latest_revision: i32,
    pub state: AnchorState,
    /// The clause's place in the latest revision; null when removed.
    pub latest_position: Option<i32>,
}

impl Anchor {
    /// A comment is outdated when the text it commented on changed or went away.
    pub fn outdated(&self) -> bool {
        matches!(self.state, AnchorState::Changed | AnchorState::Removed)
    }
}

/// Locates a clause (`id` at `position` with text hash `hash` in `revision`) in the latest
/// revision, given as (id, position, hash) triples.
pub fn locate(
    revision: i32,
    id: &str,
    position: i32,
    hash: &str,
    latest_revision: i32,
    latest: &[(String, i32, String)],
) -> Anchor {
    let found = latest.iter().find(|(cid, _, _)| cid == id);
    let (state, latest_position) = match found {
        None => (AnchorState::Removed, None),
        Some((_, pos, h)) if h != hash => (AnchorState::Changed, Some(*pos)),
        Some((_, pos, _)) if *pos != position => (AnchorState::Moved, Some(*pos)),
        Some((_, pos, _)) => (AnchorState::Unchanged, Some(*pos)),
    };
    Anchor {
        revision,
        clause: id.to_string(),
        position,
        latest_revision,
        state,
        latest_position,
    }
}

/// The "observations of the secretariat" column of the resolution report.
pub fn observations(
    status: CommentStatus,
    response: Option<&str>,
    resolved_in: Option<i32>,
) -> String {
    let decided = match status {
        CommentStatus::Open => return String::new(),
        CommentStatus::Withdrawn => return "Withdrawn by the member.".to_string(),
        CommentStatus::Accepted => DispositionStatus::Accepted,
        CommentStatus::AcceptedModified => DispositionStatus::AcceptedModified,
        CommentStatus::Rejected => DispositionStatus::Rejected,
        CommentStatus::Noted => DispositionStatus::Noted,
    };
    let mut text = decided.label().to_string();
    if let Some(n) = resolved_in {
        text.push_str(&format!(" (revision {n})"));
    }
    if let Some(r) = response.filter(|r| !r.trim().is_empty()) {
        text.push_str(". ");
        text.push_str(r.trim());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latest() -> Vec<(String, i32, String)> {
        vec![
            ("1".into(), 1, "h1".into()),
            ("3".into(), 2, "h3".into()),
            ("2".into(), 3, "h2-new".into()),
        ]
    }

    #[test]
    fn anchors_follow_the_clause() {
        assert_eq!(
            locate(1, "1", 1, "h1", 3, &latest()).state,
            AnchorState::Unchanged
        );
        let moved = locate(1, "3", 3, "h3", 3, &latest());
        assert_eq!(
            (moved.state, moved.latest_position, moved.outdated()),
            (AnchorState::Moved, Some(2), false)
        );
        let changed = locate(1, "2", 2, "h2", 3, &latest());
        assert_eq!(
            (changed.state, changed.latest_position, changed.outdated()),
            (AnchorState::Changed, Some(3), true)
        );
        let removed = locate(1, "4", 4, "h4", 3, &latest());
        assert_eq!(
            (removed.state, removed.latest_position, removed.outdated()),
            (AnchorState::Removed, None, true)
        );
    }

    #[test]
    fn observations_read_like_the_template() {
        assert_eq!(observations(CommentStatus::Open, None, None), "");
        assert_eq!(
            observations(
                CommentStatus::AcceptedModified,
                Some("Deadline now 72 h."),
                Some(2)
            ),
            "Accepted with modification (revision 2). Deadline now 72 h."
        );
        assert_eq!(
            observations(CommentStatus::Rejected, Some("Out of scope."), None),
            "Rejected. Out of scope."
        );
        assert_eq!(
            observations(CommentStatus::Withdrawn, None, None),
            "Withdrawn by the member."
        );
    }

    #[test]
    fn iso_codes() {
        assert_eq!(
            [
                CommentType::General,
                CommentType::Technical,
                CommentType::Editorial
            ]
            .map(CommentType::iso_code),
            ["ge", "te", "ed"]
        );
    }
}
