//! Links that act without signing in: a subscription's unsubscribe link and
//! the confirmation link of a request to subscribe. Each carries the
//! subscription's id and a MAC made with the application's key, so nothing
//! secret is stored, a forged or altered link changes nothing, and a
//! confirmation link carries its own expiry.

use crate::db::ids::{SubscriptionId, UserId};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Makes and checks the links' tokens with one key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, purpose: &str, body: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(body.as_bytes());
        mac
    }

    fn sign(&self, purpose: &str, body: &str) -> String {
        self.sign_with(purpose, body, None)
    }

    /// A token whose MAC also covers `unsaid`, which the token does not
    /// carry: it opens only while `unsaid` is what it was.
    fn sign_with(&self, purpose: &str, body: &str, unsaid: Option<&str>) -> String {
        let mut mac = self.mac(purpose, body);
        if let Some(u) = unsaid {
            mac.update(b"\n");
            mac.update(u.as_bytes());
        }
        let tag = mac.finalize().into_bytes();
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(&tag[..20]))
    }

    /// The body of a token, if its MAC holds.
    fn open<'a>(&self, purpose: &str, token: &'a str) -> Option<&'a str> {
        self.open_with(purpose, token, None)
    }

    fn open_with<'a>(
        &self,
        purpose: &str,
        token: &'a str,
        unsaid: Option<&str>,
    ) -> Option<&'a str> {
        let (body, tag) = token.trim().rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = self.mac(purpose, body);
        if let Some(u) = unsaid {
            mac.update(b"\n");
            mac.update(u.as_bytes());
        }
        // Constant time, through the MAC's own comparison.
        mac.verify_truncated_left(&tag).ok()?;
        (tag.len() == 20).then_some(body)
    }

    /// A password reset token for an account, valid until `expires` (a
    /// Unix time) and while the password is the one it was made for: once
    /// used, it no longer opens.
    pub fn reset(&self, user_id: UserId, expires: i64, password_hash: &str) -> String {
        self.sign_with(
            "reset",
            &format!("{user_id}-{expires}"),
            Some(password_hash),
        )
    }

    /// The account and expiry a reset token says, not yet checked.
    pub fn reset_claims(token: &str) -> Option<(UserId, i64)> {
        let (body, _) = token.trim().rsplit_once('.')?;
        let (id, expires) = body.split_once('-')?;
        Some((UserId(id.parse().ok()?), expires.parse().ok()?))
    }

    /// Whether a reset token was made for this account's current password.
    pub fn reset_holds(&self, token: &str, password_hash: &str) -> bool {
        self.open_with("reset", token, Some(password_hash))
            .is_some()
    }

    /// The unsubscribe token of a subscription: the same for every message,
    /// so that any bulletin's link works.
    pub fn unsubscribe(&self, subscription_id: SubscriptionId) -> String {
        self.sign("unsubscribe", &subscription_id.to_string())
    }

    pub fn open_unsubscribe(&self, token: &str) -> Option<SubscriptionId> {
        self.open("unsubscribe", token)?.parse().ok()
    }

    /// A confirmation token valid until `expires` (a Unix time).
    pub fn confirm(&self, subscription_id: SubscriptionId, expires: i64) -> String {
        self.sign("confirm", &format!("{subscription_id}-{expires}"))
    }

    /// The subscription and the expiry a confirmation token names.
    pub fn open_confirm(&self, token: &str) -> Option<(SubscriptionId, i64)> {
        let (id, expires) = self.open("confirm", token)?.split_once('-')?;
        Some((id.parse().ok()?, expires.parse().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_only_as_it_was_made() {
        let s = Signer::new(b"k1");
        let t = s.unsubscribe(SubscriptionId(42));
        assert_eq!(s.open_unsubscribe(&t), Some(SubscriptionId(42)));
        assert_eq!(Signer::new(b"k2").open_unsubscribe(&t), None, "another key");
        let forged = t.replacen("42", "43", 1);
        assert_eq!(s.open_unsubscribe(&forged), None, "another id");
        assert_eq!(s.open_unsubscribe(&format!("{t}x")), None);
        assert_eq!(s.open_unsubscribe("42"), None);
        assert_eq!(s.open_unsubscribe(""), None);
        assert_eq!(s.open_confirm(&t), None, "another purpose");
        let c = s.confirm(SubscriptionId(7), 1_900_000_000);
        assert_eq!(s.open_confirm(&c), Some((SubscriptionId(7), 1_900_000_000)));
        assert_eq!(s.open_confirm(&c.replace("1900", "2900")), None);

        let r = s.reset(UserId(3), 1_900_000_000, "$argon2id$old");
        assert_eq!(Signer::reset_claims(&r), Some((UserId(3), 1_900_000_000)));
        assert!(s.reset_holds(&r, "$argon2id$old"));
        assert!(!s.reset_holds(&r, "$argon2id$new"), "the password changed");
        assert!(!s.reset_holds(&r.replacen('3', "4", 1), "$argon2id$old"));
        assert_eq!(s.open_confirm(&r), None, "another purpose");
    }
}
