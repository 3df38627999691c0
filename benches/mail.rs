//! Mail throughput and latency through the real sender: messages queued in a
//! SQLite (or BENCH_DATABASE_URL PostgreSQL) outbox, sent to an SMTP server
//! in this process, or written as .eml files; then the SMTP transport alone,
//! one message built once and sent N times, without the outbox.
//!
//! cargo bench --bench mail            (N=500 messages, 5 rounds each)
//!
//! BENCH_MESSAGES=N changes N; BENCH_SMTP_URL=smtp://HOST:PORT sends to
//! another server instead (e.g. postfix's `smtp-sink -c 127.0.0.1:PORT 1000`,
//! which keeps up better than the sink in this process), and leaves out the
//! latency, which needs the sink's count.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use counterpart::clock::Clock;
use counterpart::config::Settings;
use counterpart::mail::transport::Transport;
use counterpart::mail::{Mailer, Outgoing, enqueue, outbox};
use mailin_embedded::{Handler, Response, Server, response};
use serde_json::json;

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

impl Handler for Counter {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
    fn data(&mut self, _buf: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::SeqCst);
        response::OK
    }
}

fn sink() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let handler = Counter(count.clone());
    std::thread::spawn(move || {
        let mut server = Server::new(handler);
        server.with_num_threads(32).with_tcp_listener(listener);
        let _ = server.serve();
    });
    (format!("smtp://127.0.0.1:{port}"), count)
}

fn settings(dir: &std::path::Path, smtp: Option<&str>, concurrency: usize) -> Settings {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("COUNTERPART_DATA_DIR".into(), dir.display().to_string());
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        env.insert("COUNTERPART_DATABASE__URL".into(), url);
    }
    if let Some(url) = smtp {
        env.insert("COUNTERPART_MAIL__SMTP_URL".into(), url.into());
    }
    env.insert(
        "COUNTERPART_MAIL__CONCURRENCY".into(),
        concurrency.to_string(),
    );
    Settings::load_from(None, &env).unwrap()
}

fn messages(n: usize) -> Vec<Outgoing> {
    let context = json!({
        "by": "A focal point", "reason": null,
        "authority": {"id": 1, "ref": "XX-1", "name": "Central Authority", "country_name": "Xland"},
        "update": {"id": 1, "status": "submitted", "language": "en",
            "effective_from": "2026-01-01", "effective_until": null,
            "remarks": "Requests accepted by email; originals not required.",
            "rows": [{"label": "Operations", "value": "Remote"},
                     {"label": "Originals required", "value": "No"}]},
    });
    (0..n)
        .map(|i| Outgoing {
            template: counterpart::mail::message::Template::UpdateSubmitted,
            to: format!("person{i}@authority.example"),
            context: context.clone(),
        })
        .collect()
}

/// Queues `n` messages in one transaction and times until all are sent.
async fn round(smtp: Option<&str>, concurrency: usize, n: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), smtp, concurrency);
    let pool = counterpart::startup::prepare_database(&settings).unwrap();
    {
        // A PostgreSQL database is shared between rounds: start empty.
        use diesel::connection::SimpleConnection;
        pool.get()
            .unwrap()
            .batch_execute("DELETE FROM mail_outbox")
            .unwrap();
    }
    let mailer = Mailer::new(&settings).unwrap();
    let clock = Arc::new(Clock::system());
    let (list, now) = (messages(n), clock.now());
    let p = pool.clone();
    let started = Instant::now();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = p.get().unwrap();
        conn.transaction(|c| enqueue(c, &list, now)).unwrap();
    })
    .await
    .unwrap();
    let sender = mailer.start(pool.clone(), clock);
    loop {
        let p = pool.clone();
        let sent =
            tokio::task::spawn_blocking(move || outbox::counts(&mut p.get().unwrap()).unwrap())
                .await
                .unwrap()
                .into_iter()
                .find(|(s, _)| *s == outbox::MailStatus::Sent)
                .map_or(0, |(_, n)| n);
        if sent as usize >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    sender.stop(Duration::from_secs(5)).await;
    elapsed
}

/// `n` sends of one message straight through the transport, `concurrency`
/// at a time, as the sender would.
async fn transport_alone(url: &str, concurrency: usize, n: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), Some(url), concurrency);
    let transport = Arc::new(Transport::new(&settings.mail).unwrap());
    let message = counterpart::mail::message::compose(
        &settings.mail.from,
        "person@authority.example",
        counterpart::mail::message::Rendered {
            subject: "Update to review".into(),
            text: "Requests accepted by email; originals not required.\n".repeat(40),
            html: "<p>Requests accepted by email; originals not required.</p>\n".repeat(40),
        },
        "bench.1",
        std::time::SystemTime::now(),
    )
    .unwrap();
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let (transport, message) = (transport.clone(), message.clone());
        let share = n / concurrency + usize::from(worker < n % concurrency);
        running.spawn(async move {
            for _ in 0..share {
                transport.send(message.clone(), "bench").await.unwrap();
            }
        });
    }
    while running.join_next().await.is_some() {}
    started.elapsed()
}

/// One message at a time: queued, sender woken, accepted by the server.
async fn latency(url: &str, count: &Arc<AtomicUsize>, rounds: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let settings = settings(dir.path(), Some(url), 4);
    let pool = counterpart::startup::prepare_database(&settings).unwrap();
    let mailer = Mailer::new(&settings).unwrap();
    let clock = Arc::new(Clock::system());
    let sender = mailer.start(pool.clone(), clock.clone());
    let mut times = Vec::new();
    for _ in 0..rounds {
        let before = count.load(Ordering::SeqCst);
        let (p, now) = (pool.clone(), clock.now());
        let started = Instant::now();
        tokio::task::spawn_blocking(move || {
            enqueue(&mut p.get().unwrap(), &messages(1), now).unwrap()
        })
        .await
        .unwrap();
        mailer.wake();
        while count.load(Ordering::SeqCst) == before {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        times.push(started.elapsed());
    }
    sender.stop(Duration::from_secs(5)).await;
    times
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (url, count) = sink();
    let external = std::env::var("BENCH_SMTP_URL").ok();
    let url = external.clone().unwrap_or(url);
    println!("{n} messages a round, 5 rounds, medians, SMTP to {url}");
    for (label, smtp, concurrency) in [
        (".eml files", None, 4),
        ("SMTP, 1 connection", Some(url.as_str()), 1),
        ("SMTP, 4 connections", Some(url.as_str()), 4),
        ("SMTP, 10 connections", Some(url.as_str()), 10),
    ] {
        let mut times = Vec::new();
        for _ in 0..5 {
            times.push(round(smtp, concurrency, n).await);
        }
        let m = median(times);
        println!(
            "{label:<22} {:>8.2} s  {:>7.0} messages/s",
            m.as_secs_f64(),
            n as f64 / m.as_secs_f64()
        );
    }
    for concurrency in [1, 4, 10] {
        let mut times = Vec::new();
        for _ in 0..5 {
            times.push(transport_alone(&url, concurrency, n).await);
        }
        let m = median(times);
        println!(
            "{:<22} {:>8.2} s  {:>7.0} messages/s",
            format!("transport alone, {concurrency}"),
            m.as_secs_f64(),
            n as f64 / m.as_secs_f64()
        );
    }
    if external.is_some() {
        return;
    }
    let times = latency(&url, &count, 51).await;
    println!(
        "one message, queued to accepted by SMTP (4 connections), median of 51: {:.1} ms",
        median(times).as_secs_f64() * 1000.0
    );
}
