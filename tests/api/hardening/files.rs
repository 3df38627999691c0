//! Files the server writes are for its owner only (issue 13): the database
//! and its journal, the outbox's messages, the key, and their folders.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use counterpart::auth::Role;

use crate::cli::{counterpart, run};
use crate::helpers::{fresh_database, spawn_app_with};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_database_and_the_outbox_are_readable_by_the_owner_only() {
    // The data folder itself is the test's (made 0700 by tempfile); what
    // the server makes inside it is what counts.
    let app = spawn_app_with(&[], None).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    let r = app
        .client
        .post(format!("{}/password/forgot", app.address))
        .form(&[("email", "ana@justice.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.mail_settled().await;

    let data = app.data_dir.path();
    let outbox = data.join("outbox");
    assert_eq!(mode(&outbox), 0o700, "the outbox folder");
    let messages: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        messages
            .iter()
            .any(|p| p.extension() == Some("eml".as_ref())),
        "a message in {messages:?}"
    );
    let mut written = messages;
    written.push(data.join("secret.key"));
    if app.database_url.starts_with("sqlite") {
        let db = data.join("test.db");
        written.extend(["", "-wal", "-shm"].map(|s| format!("{}{s}", db.display()).into()));
    }
    for path in written {
        assert_eq!(
            mode(&path) & 0o077,
            0,
            "{} is {:o}",
            path.display(),
            mode(&path)
        );
    }
}

#[test]
fn what_the_command_line_writes_is_for_the_owner_only() {
    // No code of ours sets these files' mode: the process's mask does.
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let file = dir.path().join("directory.csv");
    let (code, out, err) =
        run(counterpart(&db.url, dir.path()).args(["export", "--output", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(mode(&file) & 0o077, 0, "the export is {:o}", mode(&file));
}

#[tokio::test]
async fn files_an_older_version_left_readable_are_made_owner_only_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("secret.key");
    std::fs::write(&key, "k".repeat(64)).unwrap();
    let mut old = vec![key];
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        let db = dir.path().join("test.db");
        let url = format!("sqlite://{}", db.display());
        let (code, out, err) = run(counterpart(&url, dir.path()).arg("migrate"));
        assert_eq!(code, 0, "{out}{err}");
        old.push(db);
    }
    for path in &old {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let app = crate::helpers::spawn_app_in(dir, &[], None).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    for path in &old {
        assert_eq!(mode(path), 0o600, "{}", path.display());
    }
}
