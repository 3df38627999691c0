//! Passwords: argon2id hashes and a policy that refuses the weak ones.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// Why a password is refused, or nothing.
pub fn check_policy(password: &str, email: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters long"));
    }
    if length > MAX_LENGTH {
        return Err(format!("must be at most {MAX_LENGTH} characters long"));
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or("");
    if lower.contains(&email) || (local.len() >= 4 && lower.contains(local)) {
        return Err("must not contain the email address".into());
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err("must use at least 5 different characters".into());
    }
    Ok(())
}

/// An argon2id hash in PHC string format, salt included.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the account does not exist, so that a wrong
/// email takes as long to refuse as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash("decoy password that matches nothing").unwrap_or_default()
    });
    &DECOY
}

/// A password that meets the policy, for accounts created without one.
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_what_is_wrong() {
        let email = "ana.lopez@justice.example";
        assert!(
            check_policy("short", email)
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(
            check_policy("aaaaaaaaaaaaaaaa", email)
                .unwrap_err()
                .contains("different")
        );
        assert!(
            check_policy("ana.lopez@justice.example1", email)
                .unwrap_err()
                .contains("email")
        );
        assert!(
            check_policy("xxANA.LOPEZ-2026!", email)
                .unwrap_err()
                .contains("email")
        );
        assert!(
            check_policy(&"ab1!".repeat(40), email)
                .unwrap_err()
                .contains("at most")
        );
        assert_eq!(check_policy("correct horse battery", email), Ok(()));
        assert_eq!(check_policy(&generate(), email), Ok(()));
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse batterY"));
        assert!(!verify("not a hash", "x"));
        assert_ne!(h, hash("correct horse battery").unwrap(), "salted");
    }
}
