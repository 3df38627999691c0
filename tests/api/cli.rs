use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::fresh_database;

pub fn counterpart(database_url: &str, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_counterpart"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("COUNTERPART_DATA_DIR", dir)
        .current_dir(dir);
    cmd
}

pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `cmd` with its log (stderr) read as it comes, as a supervisor
/// would: the child, and its log lines.
pub fn spawn_logging(
    cmd: &mut Command,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

#[tokio::test]
async fn migrate_and_demo_data_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let (code, out, err) = run(counterpart(&db.url, dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("up to date"));
    // Migrations are idempotent.
    let (code, _, err) = run(counterpart(&db.url, dir.path()).arg("migrate"));
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = run(counterpart(&db.url, dir.path()).args([
        "demo-data",
        "--authorities",
        "3000",
        "--seed",
        "7",
    ]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("added 3000 demo authorities"), "{out}");
    let (code, _, err) = run(counterpart(&db.url, dir.path()).arg("demo-data"));
    assert_eq!(code, 1);
    assert!(err.contains("already holds 3000 authorities"), "{err}");
    let (code, out, err) = run(counterpart(&db.url, dir.path()).args(["demo-data", "--replace"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("deleted 3000"), "{out}");
    let (code, _, err) =
        run(counterpart(&db.url, dir.path()).args(["demo-data", "--authorities", "0"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn wrong_settings_are_named_and_stop_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("x.db").display());
    let (code, _, err) = run(counterpart(&sqlite, dir.path())
        .env("COUNTERPART_SERVER__BIND", "nowhere")
        .arg("migrate"));
    assert_eq!(code, 2);
    assert!(err.contains("server.bind"), "{err}");
    let (code, _, err) = run(counterpart("mysql://x/y", dir.path()).arg("migrate"));
    assert_eq!(code, 2);
    assert!(err.contains("database.url"), "{err}");
    let (code, _, err) =
        run(counterpart("postgres://nobody@127.0.0.1:1/none", dir.path()).arg("migrate"));
    assert_eq!(code, 1);
    assert!(
        err.contains("postgres") && err.to_lowercase().contains("refused"),
        "{err}"
    );
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let (mut child, rx) = spawn_logging(
        counterpart(&db.url, dir.path())
            .env("COUNTERPART_SERVER__BIND", "127.0.0.1:0")
            .args(["serve", "--demo"]),
    );
    let next_line = |what: &str| {
        rx.recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no log line while waiting for {what}"))
    };
    let port = loop {
        let line = next_line("the port");
        if let Some(rest) = line.split("port=").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .expect("a port number");
        }
    };
    // An idle client connection must not hold the shutdown up.
    let _idle = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The child has exited, so the log ends and the reader hangs up.
    let rest: Vec<String> = rx.iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("signal=\"SIGTERM\"")),
        "{rest:?}"
    );
    assert!(
        rest.last().is_some_and(|l| l.ends_with("stopped")),
        "{rest:?}"
    );
}

#[test]
fn bulletin_preview_writes_the_text_or_the_html_of_the_full_edition() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let (code, out, err) =
        run(counterpart(&db.url, dir.path()).args(["demo-data", "--authorities", "40"]));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(counterpart(&db.url, dir.path()).args(["bulletin", "preview"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Subject: Counterpart bulletin no. 1")
            && out.contains("COUNTERPART BULLETIN NO. 1")
            && !out.contains("<!DOCTYPE"),
        "{out}"
    );
    for (name, html) in [("next.html", true), ("next.txt", false)] {
        let path = dir.path().join(name);
        let (code, _, err) = run(counterpart(&db.url, dir.path()).args([
            "bulletin",
            "preview",
            "--output",
            path.to_str().unwrap(),
        ]));
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("bulletin no. 1 previewed into"), "{err}");
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(written.starts_with("<!DOCTYPE html>"), html, "{name}");
        assert_eq!(
            written.contains("COUNTERPART BULLETIN NO. 1"),
            !html,
            "{name}"
        );
    }
}
