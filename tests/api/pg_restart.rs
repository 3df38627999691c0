//! A PostgreSQL server that stops under load and comes back (issue 13):
//! meanwhile `/readyz` says 503 and no request gets a 500; afterwards the
//! service recovers without a restart. The test runs a PostgreSQL cluster
//! of its own (initdb, as the `postgres` user), so it can stop it without
//! disturbing the other tests; it runs in the PostgreSQL pass of the suite.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::helpers::spawn_instance_on;

struct Cluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl Cluster {
    fn pg_ctl(&self, args: &[&str]) {
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-w", "-l"])
            .arg(self.dir.path().join("log"))
            .args(args)
            .status()
            .expect("pg_ctl runs");
        assert!(status.success(), "pg_ctl {args:?}");
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.pg_ctl(&["-o", &options, "start"]);
    }

    fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "stop"]);
    }

    fn new() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .args(["-A", "trust", "-U", "root", "-D"])
            .arg(dir.path().join("data"))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb runs");
        assert!(status.success(), "initdb");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Cluster { dir, bin, port };
        cluster.start();
        cluster
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .status();
    }
}

#[tokio::test]
async fn postgres_restarted_under_load_is_reported_and_survived() {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        eprintln!("skipped: runs in the PostgreSQL pass (TEST_DATABASE_URL)");
        return;
    }
    let cluster = Cluster::new();
    let url = format!("postgres://root@127.0.0.1:{}/postgres", cluster.port);
    let app =
        Arc::new(spawn_instance_on(&url, &[("COUNTERPART_DATABASE__CONNECT_TIMEOUT", "1s")]).await);
    assert_eq!(app.get("/readyz").await.status(), 200);

    // Load: readers of the JSON API and of what needs the database.
    let stop = Arc::new(AtomicBool::new(false));
    let server_errors = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for i in 0..4 {
        let (app, stop, errors, answered) = (
            app.clone(),
            stop.clone(),
            server_errors.clone(),
            answered.clone(),
        );
        load.push(tokio::spawn(async move {
            let paths = [
                "/api/v1/authorities?q=justice",
                "/api/v1/bulletins",
                "/bulletins",
                "/readyz",
            ];
            let mut n = i;
            while !stop.load(Ordering::Relaxed) {
                let path = paths[n % paths.len()];
                n += 1;
                if let Ok(res) = app
                    .client
                    .get(format!("{}{path}", app.address))
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await
                {
                    answered.fetch_add(1, Ordering::Relaxed);
                    let s = res.status().as_u16();
                    if s >= 500 && s != 503 {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("{path}: {s} {}", res.text().await.unwrap_or_default());
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.get("/readyz").await.status(), 503, "down: not ready");
    // Pages from the directory in memory still answer.
    assert_eq!(app.get("/api/v1/authorities?q=justice").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.start();
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.get("/readyz").await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "not ready again after PostgreSQL came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every path that needs the database works again.
    for path in ["/api/v1/bulletins", "/bulletins", "/readyz"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    assert!(answered.load(Ordering::Relaxed) > 100, "the load ran");
    assert_eq!(server_errors.load(Ordering::Relaxed), 0, "no 5xx but 503");
}
