//! The clause-level difference between two revisions: clauses added, removed, moved and changed,
//! each changed clause with a line-level diff of its text.
//!
//! A clause is matched by its id. Of the clauses present in both, those that keep their relative
//! order (the longest common subsequence of ids) are in place; the others are `moved`.

use serde::Serialize;
use std::time::{Duration, Instant};

use similar::{Algorithm, ChangeTag, DiffOp, TextDiff, capture_diff_slices_deadline};
use utoipa::ToSchema;

use super::standard::Clause;

/// A clause that exists in only one of the two revisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClauseRef {
    pub id: String,
    /// 1-based position in the revision it belongs to.
    pub position: usize,
    pub heading: String,
}

/// A clause whose place among the others changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MovedClause {
    pub id: String,
    pub from_position: usize,
    pub to_position: usize,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiffLine {
    /// `equal`, `delete` or `insert`.
    pub op: String,
    /// 1-based line number in the older text (absent for inserted lines).
    pub old_line: Option<usize>,
    /// 1-based line number in the newer text (absent for deleted lines).
    pub new_line: Option<usize>,
    /// The line, without its line break.
    pub text: String,
}

/// A group of changed lines with up to three lines of context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Hunk {
    pub old_start: usize,
    pub old_lines: usize,
    pub new_start: usize,
    pub new_lines: usize,
    pub lines: Vec<DiffLine>,
}

/// The old and new value of a heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HeadingChange {
    pub from: String,
    pub to: String,
}

/// A clause present in both revisions whose heading or text differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChangedClause {
    pub id: String,
    pub from_position: usize,
    pub to_position: usize,
    /// Present when the heading changed.
    pub heading: Option<HeadingChange>,
    /// Line hunks of the text (empty when only the heading changed).
    pub hunks: Vec<Hunk>,
    /// The same change as a unified diff.
    pub unified: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ClauseDiff {
    pub added: Vec<ClauseRef>,
    pub removed: Vec<ClauseRef>,
    pub moved: Vec<MovedClause>,
    pub changed: Vec<ChangedClause>,
    /// Clauses identical in both revisions (moved or not).
    pub unchanged: usize,
}

fn position_map(clauses: &[Clause]) -> std::collections::HashMap<&str, usize> {
    clauses
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect()
}

/// The text with a final line break, so that a last line compares equal to the same line
/// followed by more.
fn terminated(text: &str) -> std::borrow::Cow<'_, str> {
    if text.ends_with('\n') {
        text.into()
    } else {
        format!("{text}\n").into()
    }
}

/// How long one comparison may search for the smallest diff. Past it, `similar` finishes with a
/// correct but coarser diff (whole runs as deleted and inserted) in linear time, so two large,
/// unrelated texts cannot hold a thread for minutes.
pub const SEARCH_BUDGET: Duration = Duration::from_millis(1500);

fn text_diff<'a>(old: &'a str, new: &'a str, deadline: Instant) -> TextDiff<'a, 'a, str> {
    TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .deadline(deadline)
        .diff_lines(old, new)
}

/// Line hunks between two texts.
pub fn line_hunks(old: &str, new: &str) -> Vec<Hunk> {
    let (old, new) = (terminated(old), terminated(new));
    hunks_of(&text_diff(&old, &new, Instant::now() + SEARCH_BUDGET))
}

fn hunks_of(diff: &TextDiff<'_, '_, str>) -> Vec<Hunk> {
    diff.grouped_ops(3)
        .into_iter()
        .map(|group| {
            let (first, last) = (group.first(), group.last());
            let old_start = first.map(|o| o.old_range().start).unwrap_or(0);
            let new_start = first.map(|o| o.new_range().start).unwrap_or(0);
            let old_end = last.map(|o| o.old_range().end).unwrap_or(old_start);
            let new_end = last.map(|o| o.new_range().end).unwrap_or(new_start);
            let mut lines = Vec::new();
            for op in &group {
                for change in diff.iter_changes(op) {
                    let tag = match change.tag() {
                        ChangeTag::Equal => "equal",
                        ChangeTag::Delete => "delete",
                        ChangeTag::Insert => "insert",
                    };
                    lines.push(DiffLine {
                        op: tag.to_string(),
                        old_line: change.old_index().map(|i| i + 1),
                        new_line: change.new_index().map(|i| i + 1),
                        text: change.value().trim_end_matches(['\n', '\r']).to_string(),
                    });
                }
            }
            Hunk {
                old_start: old_start + 1,
                old_lines: old_end - old_start,
                new_start: new_start + 1,
                new_lines: new_end - new_start,
                lines,
            }
        })
        .collect()
}

/// The hunks and the unified text of one changed clause, from a single comparison.
fn text_change(
    id: &str,
    (from, to): (i32, i32),
    old: &str,
    new: &str,
    deadline: Instant,
) -> (Vec<Hunk>, String) {
    let (old, new) = (terminated(old), terminated(new));
    let diff = text_diff(&old, &new, deadline);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{id} (revision {from})"),
            &format!("{id} (revision {to})"),
        )
        .to_string();
    (hunks_of(&diff), unified)
}

/// Compares revision `from_number` (`old`) with `to_number` (`new`).
pub fn diff(from_number: i32, old: &[Clause], to_number: i32, new: &[Clause]) -> ClauseDiff {
    let old_pos = position_map(old);
    let new_pos = position_map(new);
    let mut out = ClauseDiff::default();

    for (i, c) in new.iter().enumerate() {
        if !old_pos.contains_key(c.id.as_str()) {
            out.added.push(ClauseRef {
                id: c.id.clone(),
                position: i + 1,
                heading: c.heading.clone(),
            });
        }
    }
    for (i, c) in old.iter().enumerate() {
        if !new_pos.contains_key(c.id.as_str()) {
            out.removed.push(ClauseRef {
                id: c.id.clone(),
                position: i + 1,
                heading: c.heading.clone(),
            });
        }
    }

    // Common ids in each order; those outside the longest common subsequence moved.
    let common_old: Vec<&str> = old
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| new_pos.contains_key(id))
        .collect();
    let common_new: Vec<&str> = new
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| old_pos.contains_key(id))
        .collect();
    let deadline = Instant::now() + SEARCH_BUDGET;
    let mut in_place = std::collections::HashSet::new();
    let order =
        capture_diff_slices_deadline(Algorithm::Myers, &common_old, &common_new, Some(deadline));
    for op in order {
        if let DiffOp::Equal { old_index, len, .. } = op {
            in_place.extend(common_old[old_index..old_index + len].iter().copied());
        }
    }
    for id in &common_new {
        let (from, to) = (old_pos[id], new_pos[id]);
        if !in_place.contains(id) {
            out.moved.push(MovedClause {
                id: id.to_string(),
                from_position: from + 1,
                to_position: to + 1,
            });
        }
        let (a, b) = (&old[from], &new[to]);
        if a.heading == b.heading && a.text == b.text {
            out.unchanged += 1;
            continue;
        }
        let (hunks, unified) = if a.text == b.text {
            (Vec::new(), String::new())
        } else {
            text_change(id, (from_number, to_number), &a.text, &b.text, deadline)
        };
        out.changed.push(ChangedClause {
            id: id.to_string(),
            from_position: from + 1,
            to_position: to + 1,
            heading: (a.heading != b.heading).then(|| HeadingChange {
                from: a.heading.clone(),
                to: b.heading.clone(),
            }),
            hunks,
            unified,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_its_budget_the_diff_is_coarser_but_still_exact() {
        let old: String = (0..3000).map(|i| format!("line {i}\n")).collect();
        let new: String = (0..3000)
            .map(|i| format!("line {}\n", i * 7 % 3001))
            .collect();
        let diff = text_diff(&old, &new, Instant::now());
        let (mut back_old, mut back_new) = (String::new(), String::new());
        for change in diff.iter_all_changes() {
            if change.tag() != ChangeTag::Insert {
                back_old.push_str(change.value());
            }
            if change.tag() != ChangeTag::Delete {
                back_new.push_str(change.value());
            }
        }
        assert_eq!((back_old, back_new), (old, new));
    }

    fn c(id: &str, text: &str) -> Clause {
        Clause {
            id: id.into(),
            heading: format!("Heading {id}"),
            text: text.into(),
        }
    }

    #[test]
    fn added_removed_moved_and_changed() {
        let old = vec![
            c("1", "a\n"),
            c("2", "b\n"),
            c("3", "c\nd\ne\n"),
            c("4", "x\n"),
        ];
        let new = vec![
            c("1", "a\n"),
            c("3", "c\nD\ne\n"),
            c("2", "b\n"),
            c("5", "new\n"),
        ];
        let d = diff(1, &old, 2, &new);
        assert_eq!(
            d.added,
            vec![ClauseRef {
                id: "5".into(),
                position: 4,
                heading: "Heading 5".into()
            }]
        );
        assert_eq!(
            d.removed,
            vec![ClauseRef {
                id: "4".into(),
                position: 4,
                heading: "Heading 4".into()
            }]
        );
        // 1,2,3 -> 1,3,2: the longest order kept is 1,3 (or 1,2); exactly one clause moved.
        assert_eq!(d.moved.len(), 1);
        assert_eq!(d.changed.len(), 1);
        let ch = &d.changed[0];
        assert_eq!(
            (ch.id.as_str(), ch.from_position, ch.to_position),
            ("3", 3, 2)
        );
        assert!(ch.heading.is_none());
        let lines: Vec<(&str, &str)> = ch.hunks[0]
            .lines
            .iter()
            .map(|l| (l.op.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("equal", "c"),
                ("delete", "d"),
                ("insert", "D"),
                ("equal", "e")
            ]
        );
        assert_eq!(ch.hunks[0].old_start, 1);
        assert!(ch.unified.contains("-d\n+D\n"), "{}", ch.unified);
        assert_eq!(d.unchanged, 2);
    }

    #[test]
    fn a_last_line_without_a_break_matches_the_same_line_with_one() {
        let hunks = line_hunks("a\nb", "a\nb\nc");
        let ops: Vec<(&str, &str)> = hunks[0]
            .lines
            .iter()
            .map(|l| (l.op.as_str(), l.text.as_str()))
            .collect();
        assert_eq!(ops, vec![("equal", "a"), ("equal", "b"), ("insert", "c")]);
    }

    #[test]
    fn heading_only_change_has_no_hunks() {
        let old = vec![c("1", "same")];
        let mut renamed = old.clone();
        renamed[0].heading = "New heading".into();
        let d = diff(1, &old, 2, &renamed);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(
            d.changed[0].heading.as_ref().map(|h| h.to.as_str()),
            Some("New heading")
        );
        assert!(d.changed[0].hunks.is_empty());
    }

    #[test]
    fn identical_revisions_differ_in_nothing() {
        let old = vec![c("1", "a"), c("2", "b")];
        let d = diff(1, &old, 2, &old);
        assert_eq!(
            d,
            ClauseDiff {
                unchanged: 2,
                ..Default::default()
            }
        );
    }
}
