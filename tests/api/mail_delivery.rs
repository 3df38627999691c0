//! Delivery: a message that meets a busy, refusing or absent mail server is
//! retried or kept, never lost, and shown to the secretariat; several
//! instances share the outbox without sending a message twice.

use std::time::Duration;

use counterpart::mail::Outgoing;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_instance_on};
use crate::mail::{ADMIN, post, smtp_env, spawn_with_env};
use crate::people::{api, cast};
use crate::smtp_sink::SmtpSink;
use crate::updates::by_email;

/// `n` messages as a submission would queue them, to person0@..., person1@...
fn messages(n: usize) -> Vec<Outgoing> {
    let context = json!({
        "by": "A test", "reason": null,
        "authority": {"id": 1, "ref": "XX-1", "name": "Central Authority", "country_name": "Xland"},
        "update": {"id": 1, "rows": [], "remarks": null, "language": "en",
                   "effective_from": "2026-01-01", "effective_until": null, "status": "submitted"},
    });
    (0..n)
        .map(|i| Outgoing {
            template: counterpart::mail::message::Template::UpdateSubmitted,
            to: format!("person{i}@authority.example"),
            context: context.clone(),
        })
        .collect()
}

async fn outbox(app: &TestApp, token: &str, status: &str) -> Value {
    let (s, body) = api(
        app,
        Method::GET,
        &format!("/api/v1/mail?status={status}"),
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    body
}

/// Waits until the outbox holds `n` messages with `status`.
async fn wait_for_status(app: &TestApp, token: &str, status: &str, n: i64) -> Value {
    wait_for_attempts(app, token, status, n, None).await
}

/// Waits until the outbox holds `n` messages with `status`, each tried
/// `attempts` times when that is given.
async fn wait_for_attempts(
    app: &TestApp,
    token: &str,
    status: &str,
    n: i64,
    attempts: Option<i64>,
) -> Value {
    for _ in 0..200 {
        let body = outbox(app, token, status).await;
        let tried = |m: &Value| attempts.is_none_or(|a| m["attempts"] == a);
        if body["total"] == n && body["items"].as_array().unwrap().iter().all(tried) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {n} {status} messages: {}", outbox(app, token, "").await);
}

/// Settings for an app that sends to `url` and tries a message again a
/// minute after a passing failure: only when a test moves its clock.
fn retrying_after_a_minute(url: &str) -> Vec<(&'static str, String)> {
    let mut env = smtp_env(url);
    env.push(("COUNTERPART_MAIL__RETRY_AFTER", "1m".into()));
    env
}

#[tokio::test]
async fn a_busy_server_is_tried_again_until_it_takes_the_message() {
    let sink = SmtpSink::start();
    sink.busy_for(2);
    let app = spawn_with_env(&retrying_after_a_minute(&sink.url())).await;
    let c = cast(&app).await;
    post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    // Two admins are told and the focal point gets a receipt; the server
    // turns the first two tries away, which wait for their next attempt.
    wait_for_status(&app, &c.admin, "retry", 2).await;
    app.mail_idle().await;
    assert_eq!(sink.received().len(), 1, "not tried again before its time");
    app.advance(chrono::Duration::minutes(1)).await;
    sink.wait_for(3).await;
    let sent = wait_for_status(&app, &c.admin, "sent", 3).await;
    let attempts: i64 = sent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["attempts"].as_i64().unwrap())
        .sum();
    assert_eq!(attempts, 5, "two refusals, then all three sent: {sent}");
    app.mail_settled().await;
    assert_eq!(sink.received().len(), 3, "each sent once");
    assert_eq!(sink.to(ADMIN).len(), 1);
}

#[tokio::test]
async fn a_refused_message_is_kept_for_the_secretariat_and_can_be_sent_again() {
    let sink = SmtpSink::start();
    sink.refuse(ADMIN);
    let app = spawn_with_env(&smtp_env(&sink.url())).await;
    let c = cast(&app).await;
    post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    let failed = wait_for_status(&app, &c.admin, "failed", 1).await;
    let entry = &failed["items"][0];
    assert_eq!(entry["attempts"], 1, "a permanent refusal is not retried");
    assert_eq!(entry["recipient"], ADMIN);
    assert!(
        entry["last_error"].as_str().unwrap().contains("550"),
        "{entry}"
    );
    assert_eq!(failed["counts"]["failed"], 1);
    let id = entry["id"].as_i64().unwrap();

    // Only the secretariat sees the outbox.
    for token in [&c.focal, &c.reader] {
        let (s, _) = api(&app, Method::GET, "/api/v1/mail", Some(token), None, None).await;
        assert_eq!(s, 403);
    }
    let (s, _) = app.get_json("/api/v1/mail").await;
    assert_eq!(s, 401);
    let (s, _) = post(
        &app,
        &c.focal,
        &format!("/api/v1/mail/{id}/send-again"),
        None,
    )
    .await;
    assert_eq!(s, 403);

    // The page shows it, with the reason and a button.
    let admin = app.sign_in(ADMIN).await;
    let page = admin.get("/admin/mail?status=failed").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(ADMIN), "{html}");
    assert!(html.contains("550"), "{html}");
    assert!(
        html.contains(&format!("/admin/mail/{id}/send-again")),
        "{html}"
    );

    // Once the address works, sending again delivers it.
    sink.accept_all();
    let r = admin
        .post_form(&format!("/admin/mail/{id}/send-again"), &[])
        .await;
    assert_eq!(r.status(), 303);
    // The other admin's message and the receipt went at once; this one now.
    sink.wait_for(3).await;
    assert_eq!(sink.to(ADMIN).len(), 1);
    wait_for_status(&app, &c.admin, "sent", 3).await;
    let (s, body) = post(
        &app,
        &c.admin,
        &format!("/api/v1/mail/{id}/send-again"),
        None,
    )
    .await;
    assert_eq!(s, 409, "a sent message is not sent again: {body}");
    let (s, _) = post(&app, &c.admin, "/api/v1/mail/999999/send-again", None).await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &app,
        Method::GET,
        "/api/v1/mail?status=lost",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_message_that_never_gets_through_fails_after_its_attempts() {
    let sink = SmtpSink::start();
    sink.busy_for(1000);
    let mut env = retrying_after_a_minute(&sink.url());
    env.push(("COUNTERPART_MAIL__MAX_ATTEMPTS", "3".into()));
    let app = spawn_with_env(&env).await;
    let c = cast(&app).await;
    post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    // Tried at once, a minute later, then two minutes after that.
    wait_for_attempts(&app, &c.admin, "retry", 3, Some(1)).await;
    app.advance(chrono::Duration::minutes(1)).await;
    wait_for_attempts(&app, &c.admin, "retry", 3, Some(2)).await;
    app.advance(chrono::Duration::minutes(2)).await;
    let failed = wait_for_status(&app, &c.admin, "failed", 3).await;
    for entry in failed["items"].as_array().unwrap() {
        assert_eq!(entry["attempts"], 3);
        let error = entry["last_error"].as_str().unwrap();
        assert!(error.starts_with("gave up after 3 attempts"), "{error}");
    }
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn mail_waits_while_the_server_is_down_and_goes_when_it_is_back() {
    // A port with nobody listening, taken again later by the server.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_with_env(&retrying_after_a_minute(&format!(
        "smtp://127.0.0.1:{port}"
    )))
    .await;
    let c = cast(&app).await;
    post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    let waiting = wait_for_status(&app, &c.admin, "retry", 3).await;
    let error = waiting["items"][0]["last_error"].as_str().unwrap();
    assert!(error.starts_with("SMTP"), "{error}");
    let sink = SmtpSink::start_on(std::net::TcpListener::bind(("127.0.0.1", port)).unwrap());
    app.advance(chrono::Duration::minutes(1)).await;
    sink.wait_for(3).await;
    assert_eq!(sink.to(ADMIN).len(), 1);
    wait_for_status(&app, &c.admin, "sent", 3).await;
}

#[tokio::test]
async fn two_instances_share_the_outbox_and_send_each_message_once() {
    let sink = SmtpSink::start();
    let env = smtp_env(&sink.url());
    let first = spawn_with_env(&env).await;
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let second = spawn_instance_on(&first.database_url, &pairs).await;
    let messages = messages(60);
    let (pool, now) = (first.state.pool.clone(), first.state.clock.now());
    tokio::task::spawn_blocking(move || {
        counterpart::mail::enqueue(&mut pool.get().unwrap(), &messages, now).unwrap()
    })
    .await
    .unwrap();
    first.state.mail.wake();
    second.state.mail.wake();
    let got = sink.wait_for(60).await;
    let counts = first.mail_settled().await;
    assert_eq!(counts["sent"], 60, "{counts:?}");
    let got_after = sink.received();
    assert_eq!(got_after.len(), 60, "no message twice");
    let mut ids: Vec<String> = got
        .iter()
        .map(|m| m.parsed().message_id().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    let mut to: Vec<String> = got_after.iter().map(|m| m.to[0].clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 60, "every recipient once");
}

#[tokio::test]
async fn a_message_left_by_a_sender_that_stopped_goes_out_after_its_lease() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&smtp_env(&sink.url())).await;
    let c = cast(&app).await;
    let (pool, now) = (app.state.pool.clone(), app.state.clock.now());
    // Queued and taken by a sender that then died: the row is "sending",
    // leased for five minutes.
    let taken = tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = pool.get().unwrap();
        conn.transaction(|conn| {
            counterpart::mail::enqueue(
                conn,
                &[Outgoing {
                    to: "orphan@authority.example".into(),
                    ..messages(1).remove(0)
                }],
                now,
            )?;
            counterpart::mail::outbox::claim(conn, now, 10, Duration::from_secs(300))
        })
        .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(taken.len(), 1);
    // Not `app.advance`, which would wait for the orphan to be sent.
    app.state.clock.advance(chrono::Duration::seconds(301));
    app.state.mail.wake();
    let got = sink.wait_for(1).await;
    assert_eq!(got[0].to, ["orphan@authority.example"]);
    let sent = wait_for_status(&app, &c.admin, "sent", 1).await;
    assert_eq!(sent["items"][0]["attempts"], 2, "the lost attempt counts");
}

#[tokio::test]
async fn the_sender_keeps_to_its_rate() {
    let sink = SmtpSink::start();
    let mut env = smtp_env(&sink.url());
    env.push(("COUNTERPART_MAIL__MAX_PER_SECOND", "10".into()));
    let app = spawn_with_env(&env).await;
    let messages = messages(11);
    let (pool, now) = (app.state.pool.clone(), app.state.clock.now());
    let started = std::time::Instant::now();
    tokio::task::spawn_blocking(move || {
        counterpart::mail::enqueue(&mut pool.get().unwrap(), &messages, now).unwrap()
    })
    .await
    .unwrap();
    app.state.mail.wake();
    sink.wait_for(11).await;
    // Eleven messages at ten a second: the last leaves a second after the
    // first, however fast the server is.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}
