//! Faults (issue 13): a disk that fills up under the database and the
//! outbox. Writes are refused with 503 and change nothing, `/readyz` says
//! so, no partial file is left, and everything works again once there is
//! room, without a restart.

use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::{demo, spawn_app_in};
use crate::people::{api, cast};

/// A file system of `megabytes` mounted on a new temporary folder; unmounted
/// when dropped.
struct SmallDisk {
    dir: Option<tempfile::TempDir>,
    path: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={megabytes}m,mode=0700"),
                "tmpfs",
            ])
            .arg(&path)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root");
        SmallDisk {
            dir: Some(dir),
            path,
        }
    }

    /// Fills what room is left; returns the file that holds it.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 << 10];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        drop(self.dir.take());
    }
}

fn running_as_root() -> bool {
    // SAFETY: geteuid only reads the process's user id.
    unsafe { libc::geteuid() == 0 }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_recovers() {
    if !running_as_root() {
        eprintln!("skipped: mounting a small file system needs root");
        return;
    }
    let disk = SmallDisk::mount(24);
    let dir = tempfile::TempDir::new_in(&disk.path).unwrap();
    let outbox = dir.path().join("outbox");
    let app = spawn_app_in(dir, &[], demo()).await;
    let c = cast(&app).await;
    let path = format!("/api/v1/authorities/{}", c.own);
    let (_, before) = api(&app, Method::GET, &path, Some(&c.admin), None, None).await;
    let version = before["version"].as_i64().unwrap();
    assert_eq!(app.get("/readyz").await.status(), 200);

    let filler = disk.fill();
    let on_sqlite = !app.database_url.starts_with("postgres");
    if on_sqlite {
        // The database is on the full disk: an edit is refused as the
        // service being unavailable, not as a fault of the server.
        let (status, answer) = api(
            &app,
            Method::PATCH,
            &path,
            Some(&c.admin),
            Some(version),
            Some(json!({"notes": "x".repeat(3000)})),
        )
        .await;
        assert_eq!(status, 503, "{answer}");
        assert_eq!(answer["error"]["code"], "unavailable", "{answer}");
        assert_eq!(app.get("/readyz").await.status(), 503);
        // Reading still works, and the record is as it was.
        let (s, now) = api(&app, Method::GET, &path, Some(&c.admin), None, None).await;
        assert_eq!(s, 200);
        assert_eq!(now["version"], before["version"]);
        assert_eq!(now["notes"], before["notes"]);
    }
    // The outbox is on the full disk (on both databases): a message that
    // cannot be written is kept for later, and nothing half-written stays.
    let subscribe = || async {
        app.client
            .post(format!("{}/subscribe", app.address))
            .form(&[("email", "disk@faults.example")])
            .send()
            .await
            .unwrap()
            .status()
    };
    let first = subscribe().await;
    if on_sqlite {
        // The subscription itself cannot be stored.
        assert_eq!(first, 503);
    } else {
        assert!(first.is_success(), "{first}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let leftovers = |what: &str| -> Vec<String> {
        std::fs::read_dir(&outbox)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(what))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(leftovers(".partial").is_empty(), "{:?}", leftovers(""));

    // Room again: ready, edits go through, the message is written.
    std::fs::remove_file(filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.get("/readyz").await.status() != 200 {
        assert!(Instant::now() < deadline, "not ready again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, answer) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.admin),
        Some(version),
        Some(json!({"notes": "Written after the disk had room again."})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    if on_sqlite {
        let again = subscribe().await;
        assert!(again.is_success(), "{again}");
    }
    app.advance(chrono::Duration::hours(1)).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while leftovers(".eml").is_empty() {
        assert!(Instant::now() < deadline, "the message was never written");
        app.advance(chrono::Duration::minutes(10)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(leftovers(".partial").is_empty());
    drop(app);
}
