//! Settings in layers: the compiled-in `config/default.toml`, an optional file,
//! `COUNTERPART_<SECTION>__<KEY>` variables and `DATABASE_URL`.

use std::collections::HashMap;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;

use crate::db::DatabaseUrl;
use crate::redact::redact_url;

mod mail;
pub use mail::MailSettings;
use mail::RawMail;
mod bulletin;
pub use bulletin::BulletinSettings;

const DEFAULTS: &str = include_str!("../../config/default.toml");

/// A setting that could not be read, always naming the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Source(#[from] config::ConfigError),
    #[error("configuration: setting `{setting}` = {value:?} is invalid: {reason}")]
    Invalid {
        setting: &'static str,
        value: String,
        reason: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
struct RawSettings {
    data_dir: PathBuf,
    server: RawServer,
    database: RawDatabase,
    directory: RawDirectory,
    security: RawSecurity,
    mail: RawMail,
    bulletin: bulletin::RawBulletin,
    log: LogSettings,
    metrics: MetricsSettings,
}

#[derive(Debug, Clone, Deserialize)]
struct RawServer {
    bind: String,
    public_url: String,
    workers: usize,
    trusted_proxies: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawDatabase {
    url: String,
    pool_size: u32,
    connect_timeout: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawDirectory {
    public_contacts: bool,
    stale_after: String,
    remind_every: String,
    refresh_interval: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawSecurity {
    secret_key: SecretString,
    session_idle: String,
}

/// `/metrics`: answered only to a scraper that sends this token.
#[derive(Debug, Clone, Deserialize)]
pub struct MetricsSettings {
    /// Empty: `/metrics` is not served.
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub level: String,
    pub format: String,
}

/// Settings after validation: every value here is usable as it is.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub directory: DirectorySettings,
    pub security: SecuritySettings,
    pub mail: MailSettings,
    pub bulletin: BulletinSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
}

#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: url::Url,
    pub workers: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    pub pool_size: u32,
    pub connect_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct DirectorySettings {
    pub public_contacts: bool,
    pub stale_after: Duration,
    /// A focal point of a stale record is reminded at most this often.
    pub remind_every: Duration,
    pub refresh_interval: Duration,
}

impl DirectorySettings {
    /// Days after which a record not verified again is stale.
    pub fn stale_days(&self) -> i64 {
        (self.stale_after.as_secs() / 86_400) as i64
    }

    /// Whether a record last verified on `verified` (`None`: never) is
    /// stale on `today`.
    pub fn is_stale(&self, verified: Option<chrono::NaiveDate>, today: chrono::NaiveDate) -> bool {
        verified.is_none_or(|d| (today - d).num_days() > self.stale_days())
    }
}

#[derive(Debug, Clone)]
pub struct SecuritySettings {
    /// Empty when the key is to be generated and kept in `data_dir`.
    pub secret_key: SecretString,
    /// A session unused for this long ends.
    pub session_idle: Duration,
}

impl Settings {
    /// Reads the settings from the process environment and an optional file.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load_from(file, &env)
    }

    /// Reads the settings with an explicit environment, so tests need not touch
    /// the process's own.
    pub fn load_from(
        file: Option<&Path>,
        env: &HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env.get("COUNTERPART_CONFIG").map(PathBuf::from));
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = &file {
            if !path.is_file() {
                return Err(ConfigError::Invalid {
                    setting: "--config",
                    value: path.display().to_string(),
                    reason: "no such file".into(),
                });
            }
            builder = builder.add_source(File::from(path.as_path()).required(true));
        }
        let prefixed: config::Map<String, String> = env
            .iter()
            .filter(|(k, _)| k.starts_with("COUNTERPART_") && k.as_str() != "COUNTERPART_CONFIG")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        builder = builder.add_source(
            Environment::with_prefix("COUNTERPART")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .source(Some(prefixed)),
        );
        if let Some(url) = env.get("DATABASE_URL").filter(|u| !u.is_empty()) {
            builder = builder.set_override("database.url", url.clone())?;
        }
        let raw: RawSettings = builder.build()?.try_deserialize()?;
        Self::validate(raw)
    }

    fn validate(raw: RawSettings) -> Result<Self, ConfigError> {
        let invalid = |setting: &'static str, value: &str, reason: String| ConfigError::Invalid {
            setting,
            value: value.to_string(),
            reason,
        };
        let bind = raw.server.bind.trim().to_string();
        bind.to_socket_addrs()
            .map_err(|e| invalid("server.bind", &bind, format!("not an address:port ({e})")))?;
        let public_url = url::Url::parse(raw.server.public_url.trim())
            .map_err(|e| invalid("server.public_url", &raw.server.public_url, e.to_string()))?;
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(invalid(
                "server.public_url",
                &raw.server.public_url,
                "must start with http:// or https://".into(),
            ));
        }
        let trusted_proxies = raw
            .server
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<std::net::IpAddr>().map_err(|e| {
                    invalid(
                        "server.trusted_proxies",
                        &raw.server.trusted_proxies,
                        format!(
                            "{a:?} is not an IP address ({e}); list addresses, comma-separated"
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let url = if raw.database.url.trim().is_empty() {
            DatabaseUrl::Sqlite(raw.data_dir.join("counterpart.db"))
        } else {
            DatabaseUrl::parse(raw.database.url.trim())
                .map_err(|reason| invalid("database.url", &redact_url(&raw.database.url), reason))?
        };
        if raw.database.pool_size == 0 || raw.database.pool_size > 512 {
            return Err(invalid(
                "database.pool_size",
                &raw.database.pool_size.to_string(),
                "must be between 1 and 512".into(),
            ));
        }
        let duration = |setting: &'static str, value: &str| {
            humantime::parse_duration(value.trim()).map_err(|e| {
                invalid(
                    setting,
                    value,
                    format!("{e}; write a duration such as 30s, 15m, 2h or 14d"),
                )
            })
        };
        let connect_timeout = duration("database.connect_timeout", &raw.database.connect_timeout)?;
        let stale_after = duration("directory.stale_after", &raw.directory.stale_after)?;
        let remind_every = duration("directory.remind_every", &raw.directory.remind_every)?;
        let session_idle = duration("security.session_idle", &raw.security.session_idle)?;
        let refresh_interval = duration(
            "directory.refresh_interval",
            &raw.directory.refresh_interval,
        )?;
        if refresh_interval < Duration::from_millis(100) {
            return Err(invalid(
                "directory.refresh_interval",
                &raw.directory.refresh_interval,
                "must be at least 100ms".into(),
            ));
        }
        let mail = mail::validate(&raw.mail, &raw.data_dir)?;
        let bulletin = bulletin::validate(&raw.bulletin)?;
        if !matches!(raw.log.format.as_str(), "text" | "json") {
            return Err(invalid(
                "log.format",
                &raw.log.format,
                "must be \"text\" or \"json\"".into(),
            ));
        }
        {
            use secrecy::ExposeSecret;
            let key = raw.security.secret_key.expose_secret();
            if !key.is_empty() && key.len() < 64 {
                return Err(invalid(
                    "security.secret_key",
                    "(hidden)",
                    "must be at least 64 characters, or empty to generate one".into(),
                ));
            }
        }
        Ok(Settings {
            data_dir: raw.data_dir,
            server: ServerSettings {
                bind,
                public_url,
                workers: raw.server.workers,
                trusted_proxies,
            },
            database: DatabaseSettings {
                url,
                pool_size: raw.database.pool_size,
                connect_timeout,
            },
            directory: DirectorySettings {
                public_contacts: raw.directory.public_contacts,
                stale_after,
                remind_every,
                refresh_interval,
            },
            security: SecuritySettings {
                secret_key: raw.security.secret_key,
                session_idle,
            },
            mail,
            bulletin,
            log: raw.log,
            metrics: raw.metrics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_complete_and_valid() {
        let s = Settings::load_from(None, &env(&[])).unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:8080");
        assert!(!s.directory.public_contacts);
        assert_eq!(s.directory.stale_after, Duration::from_secs(180 * 86400));
        assert!(
            matches!(s.database.url, DatabaseUrl::Sqlite(ref p) if p.ends_with("counterpart.db"))
        );
    }

    #[test]
    fn environment_overrides_sections_and_database_url() {
        let s = Settings::load_from(
            None,
            &env(&[
                ("COUNTERPART_SERVER__BIND", "127.0.0.1:0"),
                ("COUNTERPART_DIRECTORY__PUBLIC_CONTACTS", "true"),
                ("COUNTERPART_DATA_DIR", "/tmp/cp"),
                ("DATABASE_URL", "postgres://root@127.0.0.1:5432/cp"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "127.0.0.1:0");
        assert!(s.directory.public_contacts);
        assert_eq!(s.data_dir, PathBuf::from("/tmp/cp"));
        assert!(matches!(s.database.url, DatabaseUrl::Postgres(_)));
    }

    #[test]
    fn a_wrong_value_names_its_setting() {
        let cases = [
            ("COUNTERPART_SERVER__BIND", "not an address", "server.bind"),
            (
                "COUNTERPART_DIRECTORY__STALE_AFTER",
                "soon",
                "directory.stale_after",
            ),
            ("COUNTERPART_DATABASE__URL", "mysql://x/y", "database.url"),
            ("COUNTERPART_DATABASE__POOL_SIZE", "0", "database.pool_size"),
            ("COUNTERPART_DATABASE__POOL_SIZE", "many", "pool_size"),
            ("COUNTERPART_LOG__FORMAT", "xml", "log.format"),
            ("COUNTERPART_MAIL__FROM", "nobody", "mail.from"),
            ("COUNTERPART_MAIL__SMTP_URL", "http://x", "mail.smtp_url"),
            ("COUNTERPART_MAIL__SMTP_URL", "smtp://", "mail.smtp_url"),
            ("COUNTERPART_MAIL__CONCURRENCY", "0", "mail.concurrency"),
            ("COUNTERPART_MAIL__MAX_ATTEMPTS", "0", "mail.max_attempts"),
            ("COUNTERPART_MAIL__RETRY_AFTER", "later", "mail.retry_after"),
            (
                "COUNTERPART_MAIL__BULLETIN_MAX_BYTES",
                "999",
                "mail.bulletin_max_bytes",
            ),
            (
                "COUNTERPART_SECURITY__SECRET_KEY",
                "short",
                "security.secret_key",
            ),
        ];
        for (key, value, setting) in cases {
            let err = Settings::load_from(None, &env(&[(key, value)])).unwrap_err();
            assert!(
                err.to_string().contains(setting),
                "{key}={value}: {err} does not name {setting}"
            );
        }
    }

    #[test]
    fn mail_goes_to_the_outbox_unless_smtp_is_set() {
        let s = Settings::load_from(None, &env(&[("COUNTERPART_DATA_DIR", "/tmp/cp")])).unwrap();
        assert!(s.mail.smtp_url.is_none());
        assert_eq!(s.mail.outbox_dir, PathBuf::from("/tmp/cp/outbox"));
        let s = Settings::load_from(
            None,
            &env(&[(
                "COUNTERPART_MAIL__SMTP_URL",
                "smtps://u:pw@mail.example:465",
            )]),
        )
        .unwrap();
        assert!(s.mail.smtp_url.is_some());
        let err = Settings::load_from(
            None,
            &env(&[("COUNTERPART_MAIL__SMTP_URL", "ftp://u:hidden@mail.example")]),
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("hidden"), "the password is not shown: {err}");
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err =
            Settings::load_from(Some(Path::new("/nonexistent/c.toml")), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("no such file"));
    }
}
