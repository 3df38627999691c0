//! Where messages go: an SMTP server (a pool of our own connections, TLS as
//! the URL says, see [`super::smtp`]), or, with no server set, `.eml` files
//! in the outbox folder.

use std::path::PathBuf;

use lettre::Message;
use lettre::address::Envelope;
use secrecy::ExposeSecret;

use super::smtp;
use crate::config::MailSettings;

/// Why a message did not go, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

pub enum Transport {
    Smtp(smtp::Pool),
    Folder(PathBuf),
}

impl Transport {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => Ok(Self::Smtp(smtp::Pool::new(
                url.expose_secret(),
                settings.tls_ca_file.as_deref(),
                settings.concurrency,
            )?)),
            None => {
                crate::private::create_dir_all(&settings.outbox_dir).map_err(|e| {
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
            Self::Smtp(pool) => pool.describe(),
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
        envelope: &Envelope,
        bytes: Vec<u8>,
        file_stem: &str,
    ) -> Result<(), SendError> {
        match self {
            Self::Smtp(pool) => pool.send(envelope, &bytes).await,
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
/// Owner-only: a message may carry restricted contact details.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let partial = path.with_extension("eml.partial");
    let written = crate::private::file_options()
        .truncate(true)
        .open(&partial)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&partial, path)
        });
    // A failed write (a full disk) must not leave a stub that a reader of
    // the folder could take for a message; the retry writes it again.
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    #[test]
    fn a_failed_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the message should go: the rename fails, after the
        // partial file was written in full.
        let path = dir.path().join("m.eml");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), b"").unwrap();
        assert!(write_atomically(&path, b"Subject: hi\r\n\r\nbody").is_err());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(left, ["m.eml"], "only the folder that was there");
    }
}
