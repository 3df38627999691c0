//! Files and folders only the owner may read or write. The database, the
//! outbox and the key hold accounts, restricted contacts and mail; another
//! user of the machine has no business reading them.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;

/// Makes the process create everything owner-only, also files no code of
/// ours opens (SQLite's journal, an export). Called once at start, before
/// any thread that might create a file.
pub fn restrict_new_files() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file mode mask.
    unsafe {
        libc::umask(0o077);
    }
}

/// `create_dir_all`, the folders it makes `0700`. Those that exist keep
/// their mode: they may be shared on purpose.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Options that create a file `0600`: without a umask the library would
/// make it `0644`.
pub fn file_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Creates an empty file `0600` unless it exists. SQLite takes an empty file
/// for a new database and gives its `-wal` and `-shm` files the database's
/// mode, so one call covers all three.
pub fn create_empty(path: &Path) -> io::Result<()> {
    file_options().open(path).map(drop)
}

/// Takes group and other access away from a file of ours that an earlier
/// version (or a restore) left readable by them: the database and the key
/// are never meant to be shared. A file that is missing or not ours to
/// change is left as it is, with a warning for the latter.
pub fn tighten(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            return;
        }
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)) {
            Ok(()) => tracing::warn!(
                path = %path.display(),
                was = format!("{mode:o}"),
                "made readable by its owner only"
            ),
            Err(e) => tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:o}"),
                error = %e,
                "readable by other users of this machine, and cannot be changed"
            ),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_made_for_the_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        create_dir_all(&nested).unwrap();
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let file = nested.join("db");
        create_empty(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        std::fs::write(&file, b"kept").unwrap();
        create_empty(&file).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"kept", "never truncated");
    }

    #[test]
    fn a_file_left_readable_by_others_is_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("counterpart.db");
        std::fs::write(&file, b"old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        tighten(&file);
        assert_eq!(mode(&file), 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
        tighten(&file);
        assert_eq!(mode(&file), 0o400, "an owner-only mode is kept as it is");
        tighten(&dir.path().join("missing"));
    }
}
