//! Who may sign in and what each role may do: people with passwords and
//! cookie sessions, programs with bearer tokens.

pub mod key;
pub mod limits;
pub mod password;
pub mod reset;
pub mod sessions;
pub mod tokens;
pub mod users;

use crate::db::ids::{AuthorityId, UserId};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What a signed-in account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Role {
    /// The secretariat: everything.
    #[serde(rename = "admin")]
    Admin,
    /// Bound to one authority: edits it and submits its updates.
    #[serde(rename = "focal-point")]
    FocalPoint,
    /// A signed-in official who may see restricted details.
    #[serde(rename = "reader")]
    Reader,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::FocalPoint, Role::Reader];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::FocalPoint => "focal-point",
            Role::Reader => "reader",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|r| r.code() == raw)
            .ok_or_else(|| format!("unknown role \"{raw}\"; use admin, focal-point or reader"))
    }
}

/// A signed-in account, as the rest of the program sees it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    pub authority_id: Option<AuthorityId>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Admins edit every authority; a focal point only its own.
    pub fn may_edit(&self, authority_id: AuthorityId) -> bool {
        match self.role {
            Role::Admin => true,
            Role::FocalPoint => self.authority_id == Some(authority_id),
            Role::Reader => false,
        }
    }

    /// How the change log names this person.
    pub fn label(&self) -> String {
        self.email.clone()
    }
}

/// A random secret for ids and tokens, as 64 hex digits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Secrets are stored hashed; they carry 256 bits, so one fast hash suffices.
pub fn hash_secret(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_their_codes() {
        assert_eq!(Role::parse("focal-point"), Ok(Role::FocalPoint));
        assert_eq!(Role::parse("Focal_Point"), Ok(Role::FocalPoint));
        assert_eq!(Role::parse("ADMIN"), Ok(Role::Admin));
        assert!(
            Role::parse("root")
                .unwrap_err()
                .contains("admin, focal-point or reader")
        );
    }

    #[test]
    fn focal_points_edit_only_their_own_authority() {
        let user = |role, authority_id| User {
            id: UserId(1),
            email: "a@b.example".into(),
            name: None,
            role,
            authority_id,
        };
        assert!(user(Role::Admin, None).may_edit(AuthorityId(7)));
        assert!(user(Role::FocalPoint, Some(AuthorityId(7))).may_edit(AuthorityId(7)));
        assert!(!user(Role::FocalPoint, Some(AuthorityId(7))).may_edit(AuthorityId(8)));
        assert!(!user(Role::Reader, None).may_edit(AuthorityId(7)));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_secret());
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_ne!(hash_secret(&a), a);
    }
}
