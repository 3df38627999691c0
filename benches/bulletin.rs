//! Bulletin delivery throughput: a bulletin of BENCH_MEASURES measures in
//! force (200) compiled and sent to BENCH_SUBSCRIBERS confirmed subscribers
//! (10,000) through the real outbox and sender, to the SMTP server at
//! BENCH_SMTP (for instance postfix's `smtp-sink`), on SQLite or on the
//! PostgreSQL database of BENCH_DATABASE_URL. Prints the compile time, the
//! messages per second, the peak resident memory, and the size of a message.
//!
//! benches/bulletin_load.sh runs it beside the sink's own ceiling.
//!
//!   BENCH_SMTP=smtp://127.0.0.1:2525 cargo bench --bench bulletin

use std::collections::HashMap;
use std::time::{Duration, Instant};

use counterpart::bulletin::{Compiler, Outcome};
use counterpart::config::Settings;
use counterpart::db::schema::{authorities, measure_updates, subscriptions};
use counterpart::mail::Mailer;
use diesel::prelude::*;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident memory of this process so far, in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let smtp = std::env::var("BENCH_SMTP").expect("BENCH_SMTP=smtp://HOST:PORT of a sink");
    let subscribers = env_or("BENCH_SUBSCRIBERS", 10_000);
    let measures = env_or("BENCH_MEASURES", 200);
    let concurrency = env_or("BENCH_CONCURRENCY", 4);
    let dir = tempfile::tempdir().unwrap();
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert(
        "COUNTERPART_DATA_DIR".into(),
        dir.path().display().to_string(),
    );
    env.insert("COUNTERPART_MAIL__SMTP_URL".into(), smtp.clone());
    env.insert(
        "COUNTERPART_MAIL__CONCURRENCY".into(),
        concurrency.to_string(),
    );
    env.insert("COUNTERPART_MAIL__POLL_INTERVAL".into(), "50ms".into());
    env.insert("COUNTERPART_LOG__LEVEL".into(), "warn".into());
    let backend = match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => {
            env.insert("COUNTERPART_DATABASE__URL".into(), url);
            "postgres"
        }
        Err(_) => "sqlite",
    };
    let settings = Settings::load_from(None, &env).unwrap();
    let pool = counterpart::startup::prepare_database(&settings).unwrap();
    {
        use diesel::connection::SimpleConnection;
        // A PostgreSQL database is reused between runs: start empty.
        let mut conn = pool.get().unwrap();
        conn.batch_execute(
            "DELETE FROM mail_outbox; DELETE FROM bulletins; DELETE FROM subscriptions; \
             DELETE FROM measure_updates; UPDATE scheduler_state SET last_slot_at = NULL",
        )
        .unwrap();
        let n: i64 = authorities::table.count().get_result(&mut conn).unwrap();
        if n == 0 {
            let records = counterpart::demo::generate(counterpart::demo::options(None, 1));
            counterpart::directory::write::insert_many(&mut conn, &records, |_| {}).unwrap();
        }
        let ids: Vec<(i64, String)> = authorities::table
            .order(authorities::id)
            .limit(measures as i64)
            .select((authorities::id, authorities::ref_))
            .load(&mut conn)
            .unwrap();
        let now = chrono::Utc::now().naive_utc();
        for (i, (id, r)) in ids.iter().enumerate() {
            diesel::insert_into(measure_updates::table)
                .values((
                    measure_updates::authority_id.eq(id),
                    measure_updates::status.eq("approved"),
                    measure_updates::operations.eq(Some(["normal", "reduced", "remote"][i % 3])),
                    measure_updates::electronic_requests.eq(Some("yes")),
                    measure_updates::electronic_address
                        .eq(Some(format!("requests@{}.example", r.to_lowercase()))),
                    measure_updates::originals_required.eq(Some(["no", "later"][i % 2])),
                    measure_updates::video_hearings.eq(Some("yes")),
                    measure_updates::surrenders.eq(Some("partly")),
                    measure_updates::transfers.eq(Some("no")),
                    measure_updates::urgent_contact.eq(Some("Duty officer, +1 555 0100")),
                    measure_updates::remarks.eq(Some(
                        "Requests are accepted by email; originals follow by post within 30 days.",
                    )),
                    measure_updates::language.eq(Some("en")),
                    measure_updates::effective_from.eq(now.date() - chrono::Duration::days(10)),
                    measure_updates::created_at.eq(now),
                    measure_updates::decided_at.eq(Some(now)),
                    measure_updates::updated_at.eq(now),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        let conn: &mut counterpart::db::DbConnection = &mut conn;
        conn.transaction(|c| -> QueryResult<()> {
            for chunk in (0..subscribers).collect::<Vec<_>>().chunks(500) {
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|i| {
                        (
                            subscriptions::email.eq(format!("reader{i:05}@bench.example")),
                            subscriptions::authority_id.eq((i % 3 == 0).then_some(ids[i % ids.len()].0)),
                            subscriptions::status.eq("confirmed"),
                            subscriptions::source.eq("bench"),
                            subscriptions::created_at.eq(now),
                            subscriptions::updated_at.eq(now),
                        )
                    })
                    .collect();
                counterpart::each_backend!(c, x => diesel::insert_into(subscriptions::table).values(&rows).execute(x)?);
            }
            Ok(())
        })
        .unwrap();
    }
    let mailer = Mailer::new(&settings).unwrap();
    let clock = std::sync::Arc::new(counterpart::clock::Clock::system());
    let compiled_at = Instant::now();
    let outcome = {
        let mut conn = pool.get().unwrap();
        Compiler {
            settings: &settings.bulletin,
            templates: mailer.templates(),
            base_url: mailer.base_url(),
        }
        .send_now(&mut conn, clock.now(), "bench")
        .unwrap()
    };
    let compile = compiled_at.elapsed();
    let Outcome::Compiled {
        bulletin_id,
        deliveries,
        ..
    } = outcome
    else {
        panic!("no bulletin compiled");
    };
    let size = {
        let mut conn = pool.get().unwrap();
        let (text, html) =
            counterpart::bulletin::archive::edition(&mut conn, bulletin_id, true).unwrap();
        text.len() + html.len()
    };
    let started = Instant::now();
    let sender = mailer.start(pool.clone(), clock);
    mailer.wake();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let p = pool.clone();
        let done: i64 = tokio::task::spawn_blocking(move || {
            use counterpart::db::schema::mail_outbox;
            mail_outbox::table
                .filter(mail_outbox::bulletin_id.eq(bulletin_id))
                .filter(mail_outbox::status.eq_any(["sent", "failed"]))
                .count()
                .get_result(&mut p.get().unwrap())
                .unwrap()
        })
        .await
        .unwrap();
        if done as usize >= deliveries {
            break;
        }
    }
    let elapsed = started.elapsed();
    sender.stop(Duration::from_secs(5)).await;
    println!(
        "{backend}: {deliveries} messages ({measures} measures, {:.0} KB of text and HTML a message), \
         compiled and queued in {:.0} ms, sent in {:.2} s = {:.0} messages/s with {concurrency} connections; \
         peak resident memory {:.0} MB",
        size as f64 / 1024.0,
        compile.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64(),
        deliveries as f64 / elapsed.as_secs_f64(),
        peak_rss_mb()
    );
}
