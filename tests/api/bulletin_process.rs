//! The bulletin as the real program runs it: `serve` with a schedule of a
//! few seconds compiles and sends a bulletin at every slot, survives being
//! killed (kill -9) and restarted without losing a recipient, and
//! `bulletin send-now` delivers and reports.

use std::collections::HashMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use counterpart::clock::Clock;

use crate::bulletin_delivery::bulletins;
use crate::cli::{counterpart, run};
use crate::helpers::fresh_database;
use crate::smtp_sink::SmtpSink;

/// A `serve` of the real binary on a free port, with the demo directory
/// (no history), a schedule of `every`, and mail to `sink`.
fn serve(
    database_url: &str,
    dir: &std::path::Path,
    sink: &SmtpSink,
    every: &str,
    extra: &[(&str, &str)],
) -> Child {
    let first = (chrono::Utc::now() - chrono::Duration::seconds(60))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut cmd = counterpart(database_url, dir);
    cmd.arg("serve")
        .env("COUNTERPART_SERVER__BIND", "127.0.0.1:0")
        .env("COUNTERPART_MAIL__SMTP_URL", sink.url())
        .env("COUNTERPART_MAIL__POLL_INTERVAL", "100ms")
        .env("COUNTERPART_MAIL__RETRY_AFTER", "100ms")
        .env("COUNTERPART_MAIL__LEASE", "2s")
        .env("COUNTERPART_BULLETIN__EVERY", every)
        .env("COUNTERPART_BULLETIN__FIRST_ISSUE_AT", first)
        .env("COUNTERPART_BULLETIN__CHECK_CRON", "* * * * * *")
        .env("COUNTERPART_BULLETIN__SKIP_WHEN_EMPTY", "false")
        .env("COUNTERPART_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().expect("serve starts")
}

/// A database with the demo directory and `n` confirmed subscribers.
fn prepared(dir: &std::path::Path, n: usize) -> crate::helpers::TestDatabase {
    let db = fresh_database(dir);
    let (code, out, err) = run(counterpart(&db.url, dir).args(["demo-data"]));
    assert_eq!(code, 0, "{out}{err}");
    for i in 0..n {
        let email = format!("sub{i:03}@public.example");
        let (code, _, err) = run(counterpart(&db.url, dir).args(["subscriber", "add", &email]));
        assert_eq!(code, 0, "{err}");
    }
    db
}

/// Message-IDs received per address.
fn per_address(sink: &SmtpSink) -> HashMap<String, Vec<String>> {
    let mut by: HashMap<String, Vec<String>> = HashMap::new();
    for m in bulletins(sink) {
        by.entry(m.to[0].clone())
            .or_default()
            .push(m.parsed().message_id().unwrap().to_string());
    }
    by
}

fn kill(child: &mut Child) {
    // SIGKILL: no chance to finish anything.
    let _ = child.kill();
    let _ = child.wait();
}

fn connect(database_url: &str) -> counterpart::db::DbConnection {
    counterpart::db::DatabaseUrl::parse(database_url)
        .unwrap()
        .connect()
        .unwrap()
}

/// The slot the schedule compiled last, as the database holds it.
fn last_slot(database_url: &str) -> Option<chrono::NaiveDateTime> {
    use counterpart::db::schema::scheduler_state;
    use diesel::prelude::*;
    scheduler_state::table
        .find(1)
        .select(scheduler_state::last_slot_at)
        .first(&mut connect(database_url))
        .unwrap()
}

/// Messages queued or being sent (taken, their outcome not yet recorded).
fn in_flight(database_url: &str) -> i64 {
    use counterpart::db::schema::mail_outbox;
    use diesel::prelude::*;
    mail_outbox::table
        .filter(mail_outbox::status.eq_any(["queued", "sending"]))
        .count()
        .get_result(&mut connect(database_url))
        .unwrap()
}

/// Kills `server` at a moment when it holds no message: frozen first
/// (SIGSTOP), so that what the outbox says cannot change before the kill.
async fn kill_between_deliveries(server: &mut Child, database_url: &str) {
    let signal = |name: &str| {
        let pid = server.id().to_string();
        let status = std::process::Command::new("kill")
            .args([name, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {name} {pid}");
    };
    let start = Instant::now();
    loop {
        signal("-STOP");
        if in_flight(database_url) == 0 {
            break;
        }
        signal("-CONT");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the server was never between deliveries"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill(server);
}

async fn until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < within {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

#[tokio::test]
async fn serve_sends_a_bulletin_every_slot_and_survives_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let db = prepared(dir.path(), 5);
    let sink = SmtpSink::start();
    let mut server = serve(&db.url, dir.path(), &sink, "3s", &[]);
    // Two slots at least: each subscriber receives each bulletin once.
    let got_two = until(Duration::from_secs(20), || {
        per_address(&sink).values().all(|v| v.len() >= 2) && per_address(&sink).len() == 5
    })
    .await;
    assert!(got_two, "{:?}", per_address(&sink));
    // Killed between deliveries: a message received but not yet recorded as
    // sent would rightly go again after its lease (the next test kills in
    // the middle of sending).
    kill_between_deliveries(&mut server, &db.url).await;
    let before = bulletins(&sink).len();
    // Down across a slot, then back: the missed slot is compiled once, and
    // the rhythm goes on. The program runs on the system's clock, so the
    // slot after the last one compiled has to come in real time.
    let last = last_slot(&db.url).expect("a slot was compiled");
    let missed = until(Duration::from_secs(10), || {
        Clock::system().now() >= last + chrono::Duration::seconds(3)
    })
    .await;
    assert!(missed, "the next slot after {last} never came");
    let mut server = serve(&db.url, dir.path(), &sink, "3s", &[]);
    let more = until(Duration::from_secs(20), || {
        bulletins(&sink).len() >= before + 10
    })
    .await;
    kill(&mut server);
    assert!(more, "sent after the restart: {}", bulletins(&sink).len());
    for (address, ids) in per_address(&sink) {
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{address} got a bulletin twice: {ids:?}"
        );
    }
    // The bulletins' slots are on the schedule, three seconds apart.
    let (code, out, err) = run(counterpart(&db.url, dir.path())
        .args(["bulletin", "status"])
        .env("COUNTERPART_BULLETIN__EVERY", "3s"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("every:          3s"), "{out}");
    let number: usize = out
        .split("last bulletin:  no. ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Each subscriber got every bulletin compiled, once.
    assert!(number >= 4, "{out}");
    assert!(
        per_address(&sink).values().all(|ids| ids.len() == number),
        "{out}"
    );
}

#[tokio::test]
async fn a_kill_while_sending_loses_no_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let n = 120;
    let db = prepared(dir.path(), n);
    let sink = SmtpSink::start();
    sink.slow(Duration::from_millis(25));
    // A schedule that never comes: the bulletin is sent by send-now, which
    // is killed halfway; a server started afterwards finishes the work.
    let mut sender = counterpart(&db.url, dir.path());
    sender
        .args(["bulletin", "send-now"])
        .env("COUNTERPART_MAIL__SMTP_URL", sink.url())
        .env("COUNTERPART_MAIL__CONCURRENCY", "2")
        .env("COUNTERPART_MAIL__LEASE", "2s")
        .env("COUNTERPART_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = sender.spawn().unwrap();
    let halfway = until(Duration::from_secs(20), || bulletins(&sink).len() >= n / 3).await;
    assert!(halfway, "sending started");
    kill(&mut child);
    let at_kill = bulletins(&sink).len();
    assert!(at_kill < n, "killed before the end ({at_kill})");
    let mut server = serve(
        &db.url,
        dir.path(),
        &sink,
        "3650d",
        &[(
            "COUNTERPART_BULLETIN__FIRST_ISSUE_AT",
            "2099-01-01T00:00:00Z",
        )],
    );
    let all = until(Duration::from_secs(30), || per_address(&sink).len() == n).await;
    kill(&mut server);
    assert!(
        all,
        "every recipient served: {} of {n}",
        per_address(&sink).len()
    );
    // Only a message in flight at the kill may have come twice: those the
    // killed sender held (two connections, a batch of 16 claimed).
    let twice = per_address(&sink)
        .values()
        .filter(|ids| ids.len() > 1)
        .count();
    assert!(twice <= 16, "{twice} duplicates");
}
