//! The `[mail]` section: where messages go and how hard the sender tries.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;
use crate::redact::redact_url;

#[derive(Debug, Clone, Deserialize)]
pub(super) struct RawMail {
    from: String,
    smtp_url: SecretString,
    tls_ca_file: String,
    outbox_dir: String,
    concurrency: usize,
    max_per_second: u32,
    max_attempts: u32,
    retry_after: String,
    poll_interval: String,
    lease: String,
    bulletin_max_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub from: lettre::message::Mailbox,
    /// `None`: messages are written into `outbox_dir`. Secret: it may hold
    /// the SMTP password.
    pub smtp_url: Option<SecretString>,
    /// Certificates (PEM) trusted for the SMTP server besides the public
    /// roots, for a server whose certificate comes from a private CA.
    pub tls_ca_file: Option<PathBuf>,
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
    /// A bulletin whose edition (text and HTML) is longer than this is
    /// mailed as its summary and a link to the archive.
    pub bulletin_max_bytes: usize,
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
    let tls_ca_file = match raw.tls_ca_file.trim() {
        "" => None,
        file => {
            let pem = std::fs::read(file)
                .map_err(|e| invalid("mail.tls_ca_file", file, format!("cannot read it: {e}")))?;
            // lettre takes a file without any certificate as an empty list.
            let has_certificate =
                String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----");
            if !has_certificate
                || lettre::transport::smtp::client::Certificate::from_pem(&pem).is_err()
            {
                return Err(invalid(
                    "mail.tls_ca_file",
                    file,
                    "holds no readable PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
                ));
            }
            Some(PathBuf::from(file))
        }
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
    if raw.bulletin_max_bytes < 1_000 {
        return Err(invalid(
            "mail.bulletin_max_bytes",
            &raw.bulletin_max_bytes.to_string(),
            "must be at least 1000 (a bulletin mailed as its summary is about 3 KB)".into(),
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
        tls_ca_file,
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
        bulletin_max_bytes: raw.bulletin_max_bytes,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Settings;

    fn with_ca(file: &str) -> Result<Settings, super::ConfigError> {
        let env: HashMap<String, String> = [
            ("COUNTERPART_DATA_DIR", "/tmp/cp"),
            ("COUNTERPART_MAIL__TLS_CA_FILE", file),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Settings::load_from(None, &env)
    }

    #[test]
    fn a_ca_file_must_hold_a_certificate() {
        let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/tls/ca.pem");
        assert_eq!(
            with_ca(ca).unwrap().mail.tls_ca_file.as_deref(),
            Some(std::path::Path::new(ca))
        );
        assert!(with_ca("").unwrap().mail.tls_ca_file.is_none());
        let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/tls/localhost.key");
        for wrong in ["/nonexistent/ca.pem", key] {
            let err = with_ca(wrong).unwrap_err().to_string();
            assert!(err.contains("mail.tls_ca_file"), "{wrong}: {err}");
        }
    }
}
