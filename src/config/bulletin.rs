//! The `[bulletin]` section: when bulletins are compiled, and what is done
//! with a slot that has nothing new.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Clone, Deserialize)]
pub(super) struct RawBulletin {
    every: String,
    first_issue_at: String,
    check_cron: String,
    skip_when_empty: bool,
}

#[derive(Debug, Clone)]
pub struct BulletinSettings {
    /// The time between two slots.
    pub every: Duration,
    /// The first slot; the others are this plus a whole number of `every`.
    pub first_issue_at: NaiveDateTime,
    /// When the scheduler checks whether a slot is due (6 fields, seconds
    /// first, UTC).
    pub check_cron: String,
    pub skip_when_empty: bool,
}

pub(super) fn validate(raw: &RawBulletin) -> Result<BulletinSettings, ConfigError> {
    let invalid = |setting: &'static str, value: &str, reason: String| ConfigError::Invalid {
        setting,
        value: value.to_string(),
        reason,
    };
    let every = humantime::parse_duration(raw.every.trim()).map_err(|e| {
        invalid(
            "bulletin.every",
            &raw.every,
            format!("{e}; write a duration such as 14d, 1h or 10s"),
        )
    })?;
    if every < Duration::from_secs(1) {
        return Err(invalid(
            "bulletin.every",
            &raw.every,
            "must be at least 1s".into(),
        ));
    }
    let first_issue_at = DateTime::parse_from_rfc3339(raw.first_issue_at.trim())
        .map(|d| d.with_timezone(&Utc).naive_utc())
        .map_err(|e| {
            invalid(
                "bulletin.first_issue_at",
                &raw.first_issue_at,
                format!("{e}; write a time such as 2026-01-05T07:00:00Z"),
            )
        })?;
    let check_cron = raw.check_cron.trim().to_string();
    if check_cron.split_whitespace().count() != 6 {
        return Err(invalid(
            "bulletin.check_cron",
            &raw.check_cron,
            "write 6 fields, seconds first, such as \"0 * * * * *\" (every minute)".into(),
        ));
    }
    Ok(BulletinSettings {
        every,
        first_issue_at,
        check_cron,
        skip_when_empty: raw.skip_when_empty,
    })
}

impl BulletinSettings {
    /// The latest slot at or before `now`, if the first has come.
    pub fn slot_at_or_before(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let since = (now - self.first_issue_at).num_milliseconds();
        if since < 0 {
            return None;
        }
        let every = self.every.as_millis() as i64;
        Some(self.first_issue_at + chrono::Duration::milliseconds(since / every * every))
    }

    /// The first slot after `now`.
    pub fn slot_after(&self, now: NaiveDateTime) -> NaiveDateTime {
        match self.slot_at_or_before(now) {
            Some(s) => s + chrono::Duration::milliseconds(self.every.as_millis() as i64),
            None => self.first_issue_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(every: &str, first: &str) -> BulletinSettings {
        validate(&RawBulletin {
            every: every.into(),
            first_issue_at: first.into(),
            check_cron: "0 * * * * *".into(),
            skip_when_empty: true,
        })
        .unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        DateTime::parse_from_rfc3339(s).unwrap().naive_utc()
    }

    #[test]
    fn slots_follow_the_schedule_not_the_clock() {
        let s = settings("14d", "2026-01-05T07:00:00Z");
        assert_eq!(s.slot_at_or_before(at("2026-01-05T06:59:59Z")), None);
        assert_eq!(
            s.slot_after(at("2026-01-01T00:00:00Z")),
            at("2026-01-05T07:00:00Z")
        );
        assert_eq!(
            s.slot_at_or_before(at("2026-01-05T07:00:00Z")),
            Some(at("2026-01-05T07:00:00Z"))
        );
        // Down for five weeks: the latest slot only, and the rhythm holds.
        assert_eq!(
            s.slot_at_or_before(at("2026-02-10T12:00:00Z")),
            Some(at("2026-02-02T07:00:00Z"))
        );
        assert_eq!(
            s.slot_after(at("2026-02-10T12:00:00Z")),
            at("2026-02-16T07:00:00Z")
        );
        let fast = settings("10s", "2026-01-01T00:00:00Z");
        assert_eq!(
            fast.slot_at_or_before(at("2026-01-01T00:00:25Z")),
            Some(at("2026-01-01T00:00:20Z"))
        );
    }

    #[test]
    fn bad_values_name_their_setting() {
        let e = validate(&RawBulletin {
            every: "fortnightly".into(),
            first_issue_at: "2026-01-05T07:00:00Z".into(),
            check_cron: "0 * * * * *".into(),
            skip_when_empty: true,
        })
        .unwrap_err();
        assert!(e.to_string().contains("bulletin.every"), "{e}");
        let e = validate(&RawBulletin {
            every: "14d".into(),
            first_issue_at: "next monday".into(),
            check_cron: "0 * * * * *".into(),
            skip_when_empty: true,
        })
        .unwrap_err();
        assert!(e.to_string().contains("bulletin.first_issue_at"), "{e}");
    }
}
