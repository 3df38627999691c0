//! Where messages go: an SMTP server (pooled connections, TLS as the URL
//! says), or, with no server set, `.eml` files in the outbox folder.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::MailSettings;

/// Why a message did not go, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

impl Transport {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => {
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())?
                        .pool_config(
                            PoolConfig::new()
                                .max_size(settings.concurrency as u32)
                                .min_idle(0)
                                .idle_timeout(Duration::from_secs(60)),
                        )
                        .timeout(Some(Duration::from_secs(30)))
                        .build();
                Ok(Self::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot create the mail outbox {} (mail.outbox_dir): {e}",
                        settings.outbox_dir.display()
                    )
                })?;
                Ok(Self::Folder(settings.outbox_dir.clone()))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "SMTP".into(),
            Self::Folder(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// Sends one message; `file_stem` names its file in the outbox folder, so
    /// that sending the same message again replaces the file.
    pub async fn send(&self, message: Message, file_stem: &str) -> Result<(), SendError> {
        let envelope = message.envelope().clone();
        self.send_raw(&envelope, message.formatted(), file_stem)
            .await
    }

    /// Sends a message already formatted (a bulletin's, built once per
    /// edition and addressed per recipient).
    pub async fn send_raw(
        &self,
        envelope: &lettre::address::Envelope,
        bytes: Vec<u8>,
        file_stem: &str,
    ) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp
                .send_raw(envelope, &bytes)
                .await
                .map(|_| ())
                .map_err(|e| SendError {
                    // 5xx: the server refuses this message and will again.
                    // Anything else (4xx, connection, timeout, TLS) may pass.
                    permanent: e.is_permanent(),
                    message: format!("SMTP: {e}"),
                }),
            Self::Folder(dir) => {
                let path = dir.join(format!("{file_stem}.eml"));
                let written =
                    tokio::task::spawn_blocking(move || write_atomically(&path, &bytes)).await;
                // A full disk or a folder made unwritable may pass: retry.
                match written {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                }
                .map_err(|e| SendError {
                    permanent: false,
                    message: format!("outbox: {e}"),
                })
            }
        }
    }
}

/// A reader of the folder sees a whole message or none: written beside,
/// flushed to disk, then renamed into place.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let partial = path.with_extension("eml.partial");
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&partial, path)
}
