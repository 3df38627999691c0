//! The key that signs session cookies: from `security.secret_key`, or made
//! once and kept in `data_dir`, so that sessions survive a restart.

use std::io::Write;
use std::path::Path;

use actix_web::cookie::Key;
use secrecy::ExposeSecret;

use crate::config::Settings;

pub fn load_or_create(settings: &Settings) -> anyhow::Result<Key> {
    let configured = settings.security.secret_key.expose_secret();
    if !configured.is_empty() {
        return Ok(Key::derive_from(configured.as_bytes()));
    }
    let path = settings.data_dir.join("secret.key");
    crate::private::tighten(&path);
    let secret = match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 64 => s.trim().to_string(),
        Ok(_) => anyhow::bail!(
            "{} is too short to be a key; delete it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path)?,
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    };
    Ok(Key::derive_from(secret.as_bytes()))
}

fn create(path: &Path) -> anyhow::Result<String> {
    if let Some(dir) = path.parent() {
        crate::private::create_dir_all(dir)?;
    }
    let secret = format!("{}{}", super::random_secret(), super::random_secret());
    // Written aside and renamed, so a crash never leaves half a key; created
    // readable by the owner only.
    let tmp = path.with_extension("key.tmp");
    let mut file = crate::private::file_options()
        .truncate(true)
        .open(&tmp)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()?;
    // Another instance may have made one meanwhile: keep the first.
    match std::fs::hard_link(&tmp, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            return Ok(std::fs::read_to_string(path)?.trim().to_string());
        }
        Err(e) => anyhow::bail!("cannot write {}: {e}", path.display()),
    }
    let _ = std::fs::remove_file(&tmp);
    tracing::info!(path = %path.display(), "made a new key for session cookies");
    Ok(secret)
}
