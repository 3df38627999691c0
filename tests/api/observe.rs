//! What an operator sees (issue 13): a request id on every answer, in the
//! log lines written while answering and on error pages; `/metrics` for a
//! scraper with the token; `/readyz` only while the database takes writes.

use std::time::Duration;

use crate::cli::{counterpart, spawn_logging};
use crate::helpers::{fresh_database, spawn_app, spawn_app_with};

fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("every answer carries X-Request-Id")
        .to_string()
}

#[tokio::test]
async fn every_answer_and_error_page_carries_a_request_id() {
    let app = spawn_app().await;
    let a = request_id(&app.get("/healthz").await);
    let b = request_id(&app.get("/healthz").await);
    assert_eq!(a.len(), 16, "{a}");
    assert_ne!(a, b, "each request has its own id");
    // A proxy's id is kept when it is a plain token, replaced otherwise.
    for (given, kept) in [
        ("edge-42_a", true),
        ("a b", false),
        (&"x".repeat(65)[..], false),
    ] {
        let res = app
            .client
            .get(format!("{}/healthz", app.address))
            .header("X-Request-Id", given)
            .send()
            .await
            .unwrap();
        assert_eq!(request_id(&res) == given, kept, "{given:?}");
    }
    // An error page says its reference, for the reader to quote.
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let id = request_id(&res);
    let html = res.text().await.unwrap();
    assert!(html.contains(&id), "{html}");
    let res = app.get("/api/v1/authorities/999999").await;
    assert_eq!(res.status(), 404);
    request_id(&res);
}

#[test]
fn log_lines_written_while_answering_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let (mut child, rx) = spawn_logging(
        counterpart(&db.url, dir.path())
            .env("COUNTERPART_SERVER__BIND", "127.0.0.1:0")
            .env("COUNTERPART_LOG__FORMAT", "json")
            .env("COUNTERPART_LOG__LEVEL", "debug,diesel=warn,actix=warn")
            .arg("serve"),
    );
    let port = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server logs its port");
        let log: serde_json::Value = serde_json::from_str(&line).expect("JSON log lines");
        if let Some(port) = log["fields"]["port"].as_u64() {
            break port;
        }
    };
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port as u16)).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-me-7\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-request-id: trace-me-7"),
        "{answer}"
    );
    let line = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the request is logged");
        if line.contains("/nothing-here") {
            break line;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let log: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["span"]["id"], "trace-me-7", "{line}");
    assert_eq!(log["fields"]["status"], 404, "{line}");
}

#[tokio::test]
async fn metrics_are_for_the_scraper_with_the_token() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "no token set: no metrics"
    );

    let app = spawn_app_with(&[("COUNTERPART_METRICS__TOKEN", "scrape-secret-1")], None).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("scrape-secret-2")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
    assert_eq!(app.get("/api/v1/authorities/12345").await.status(), 404);
    let res = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth("scrape-secret-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    for wanted in [
        r#"http_requests_total{method="GET",route="/healthz",status="200"} 3"#,
        // By the route's pattern, not each id.
        r#"http_requests_total{method="GET",route="/api/v1/authorities/{id}",status="404"} 1"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 3"#,
        "counterpart_db_pool_connections ",
        "counterpart_db_pool_size 4",
        "counterpart_database_up 1",
        "counterpart_directory_authorities 0",
        "counterpart_bulletins 0",
        "process_resident_memory_bytes ",
    ] {
        assert!(text.contains(wanted), "{wanted} in\n{text}");
    }
}

#[tokio::test]
async fn metrics_count_the_outbox_and_the_last_bulletin() {
    let app = spawn_app_with(
        &[("COUNTERPART_METRICS__TOKEN", "scrape-secret-1")],
        Some(counterpart::directory::demo::DemoOptions {
            history: true,
            ..crate::helpers::demo().unwrap()
        }),
    )
    .await;
    let scrape = || async {
        app.client
            .get(format!("{}/metrics", app.address))
            .bearer_auth("scrape-secret-1")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let text = scrape().await;
    // The demo with its history has compiled three past bulletins.
    for wanted in [
        "counterpart_bulletins 3\n",
        "counterpart_bulletin_last_compiled_timestamp_seconds ",
        "counterpart_scheduler_last_slot_timestamp_seconds ",
        r#"counterpart_outbox_messages{status="sent"} 0"#,
    ] {
        assert!(text.contains(wanted), "{wanted} in\n{text}");
    }
    // A subscription's confirmation goes through the outbox.
    let res = app
        .client
        .post(format!("{}/subscribe", app.address))
        .form(&[("email", "watcher@metrics.example")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    app.mail_settled().await;
    let text = scrape().await;
    let sent = r#"counterpart_outbox_messages{status="sent"} 1"#;
    assert!(text.contains(sent), "{sent} in\n{text}");
}

#[tokio::test]
async fn ready_only_while_the_database_takes_writes() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    // A database that answers reads but refuses writes: a trigger that
    // fails every write of the probe stands for a full disk (the suite runs
    // as root, which file permissions do not stop).
    let url = app.database_url.clone();
    let on_postgres = url.starts_with("postgres");
    let mut admin: Box<dyn FnMut(&str)> = if on_postgres {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut c = diesel::PgConnection::establish(&url).unwrap();
        Box::new(move |sql| c.batch_execute(sql).unwrap())
    } else {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let path = url.trim_start_matches("sqlite://").to_string();
        let mut c = diesel::SqliteConnection::establish(&path).unwrap();
        Box::new(move |sql| c.batch_execute(sql).unwrap())
    };
    if on_postgres {
        admin(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'could not extend file: No space left on device'; END; \
             $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse BEFORE UPDATE ON readiness \
             FOR EACH ROW EXECUTE FUNCTION refuse();",
        );
    } else {
        admin(
            "CREATE TRIGGER refuse BEFORE UPDATE ON readiness \
             BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
        );
    }
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    // Pages that only read still answer.
    assert_eq!(app.get("/api/v1/countries").await.status(), 200);
    admin(if on_postgres {
        "DROP TRIGGER refuse ON readiness;"
    } else {
        "DROP TRIGGER refuse;"
    });
    // Ready again as soon as writes are taken, without a restart.
    let mut ready = 0;
    for _ in 0..20 {
        ready = app.get("/readyz").await.status().as_u16();
        if ready == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        ready,
        200,
        "{}",
        app.get("/readyz").await.text().await.unwrap()
    );
}
