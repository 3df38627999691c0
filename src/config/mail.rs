//! The `[mail]` section: where messages go and how hard the sender tries.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::{ConfigError, redact_url};

#[derive(Debug, Clone, Deserialize)]
pub(super) struct RawMail {
    from: String,
    smtp_url: SecretString,
    outbox_dir: String,
    concurrency: usize,
    max_per_second: u32,
    max_attempts: u32,
    retry_after: String,
    poll_interval: String,
    lease: String,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub from: lettre::message::Mailbox,
    /// `None`: messages are written into `outbox_dir`. Secret: it may hold
    /// the SMTP password.
    pub smtp_url: Option<SecretString>,
    pub outbox_dir: PathBuf,
    pub concurrency: usize,
    /// 0: no limit.
    pub max_per_second: u32,
    pub max_attempts: u32,
    pub retry_after: Duration,
    pub poll_interval: Duration,
    /// How long a sender holds a message it took; one still held after this
    /// (its sender stopped) is sent again.
    pub lease: Duration,
}

pub(super) fn validate(raw: &RawMail, data_dir: &Path) -> Result<MailSettings, ConfigError> {
    use secrecy::ExposeSecret;
    let invalid = |setting: &'static str, value: &str, reason: String| ConfigError::Invalid {
        setting,
        value: value.to_string(),
        reason,
    };
    let from = raw
        .from
        .trim()
        .parse::<lettre::message::Mailbox>()
        .map_err(|e| {
            invalid(
                "mail.from",
                &raw.from,
                format!("{e}; write an address such as \"Counterpart <no-reply@un.example>\""),
            )
        })?;
    let url = raw.smtp_url.expose_secret().trim();
    let smtp_url = if url.is_empty() {
        None
    } else {
        // An address that does not parse may still hold a password.
        let shown = if url::Url::parse(url).is_ok() {
            redact_url(url)
        } else {
            "(not shown)".to_string()
        };
        let parsed =
            url::Url::parse(url).map_err(|e| invalid("mail.smtp_url", &shown, e.to_string()))?;
        if !matches!(parsed.scheme(), "smtp" | "smtps") || parsed.host_str().is_none() {
            return Err(invalid(
                "mail.smtp_url",
                &shown,
                "write smtp://HOST:PORT, smtp://HOST:PORT?tls=required or smtps://USER:PASSWORD@HOST:PORT".into(),
            ));
        }
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| invalid("mail.smtp_url", &shown, e.to_string()))?;
        Some(SecretString::from(url.to_string()))
    };
    let outbox_dir = match raw.outbox_dir.trim() {
        "" => data_dir.join("outbox"),
        dir => PathBuf::from(dir),
    };
    if !(1..=64).contains(&raw.concurrency) {
        return Err(invalid(
            "mail.concurrency",
            &raw.concurrency.to_string(),
            "must be between 1 and 64".into(),
        ));
    }
    if !(1..=100).contains(&raw.max_attempts) {
        return Err(invalid(
            "mail.max_attempts",
            &raw.max_attempts.to_string(),
            "must be between 1 and 100".into(),
        ));
    }
    let duration = |setting: &'static str, value: &str, least: Duration| {
        let d = humantime::parse_duration(value.trim()).map_err(|e| {
            invalid(
                setting,
                value,
                format!("{e}; write a duration such as 30s or 5m"),
            )
        })?;
        if d < least {
            return Err(invalid(
                setting,
                value,
                format!("must be at least {}", humantime::format_duration(least)),
            ));
        }
        Ok(d)
    };
    Ok(MailSettings {
        from,
        smtp_url,
        outbox_dir,
        concurrency: raw.concurrency,
        max_per_second: raw.max_per_second,
        max_attempts: raw.max_attempts,
        retry_after: duration(
            "mail.retry_after",
            &raw.retry_after,
            Duration::from_millis(10),
        )?,
        poll_interval: duration(
            "mail.poll_interval",
            &raw.poll_interval,
            Duration::from_millis(10),
        )?,
        lease: duration("mail.lease", &raw.lease, Duration::from_secs(1))?,
    })
}
