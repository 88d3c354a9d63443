//! Roles of API clients and what each may do.

use crate::vocabulary;

vocabulary! {
    /// What a client may do. `secretariat` may also do everything an `editor` may.
    Role {
        Secretariat => "secretariat",
        Editor => "editor",
        Delegate => "delegate",
        Commenter => "commenter",
        Reader => "reader",
    }
}

impl Role {
    /// Whether this role needs the client to belong to a member (it acts in a member's name).
    pub fn acts_for_member(self) -> bool {
        matches!(self, Role::Delegate | Role::Commenter)
    }
}

/// Roles are stored as one space-separated, sorted, de-duplicated text.
pub fn roles_to_text(roles: &[Role]) -> String {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn roles_from_text(text: &str) -> Vec<Role> {
    text.split_whitespace().filter_map(Role::parse).collect()
}

/// Checks the combination of roles and member for a new client.
pub fn check_client_roles(roles: &[Role], has_member: bool) -> Result<(), String> {
    if roles.is_empty() {
        return Err("at least one role is required".into());
    }
    if roles.contains(&Role::Secretariat) && has_member {
        return Err("a secretariat client belongs to no member: leave member out".into());
    }
    if roles.iter().any(|r| r.acts_for_member()) && !has_member {
        return Err("delegate and commenter clients act for a member: member is required".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_text_is_sorted_and_unique() {
        let text = roles_to_text(&[Role::Reader, Role::Delegate, Role::Reader]);
        assert_eq!(text, "delegate reader");
        assert_eq!(roles_from_text(&text), vec![Role::Delegate, Role::Reader]);
    }

    #[test]
    fn member_rules() {
        assert!(check_client_roles(&[Role::Secretariat], false).is_ok());
        assert!(check_client_roles(&[Role::Secretariat], true).is_err());
        assert!(check_client_roles(&[Role::Delegate], false).is_err());
        assert!(check_client_roles(&[Role::Delegate, Role::Commenter], true).is_ok());
        assert!(check_client_roles(&[Role::Editor], false).is_ok());
        assert!(check_client_roles(&[], false).is_err());
    }
}
