//! A bulletin sent to a real SMTP server: one message per subscriber with
//! the headers of a mailing list, the edition each may read, hostile text
//! escaped, failures recorded and passing ones retried, and the archive
//! showing what was sent.

use std::time::Duration;

use counterpart::db::ids::SubscriptionId;
use reqwest::Method;
use serde_json::json;

use crate::bulletin_subscriptions::{bulletin_env, text_of};
use crate::helpers::TestApp;
use crate::mail::spawn_with_env;
use crate::people::{Cast, act, api, cast};
use crate::smtp_sink::SmtpSink;
use crate::updates::by_email;

const HOSTILE: &str = "<script>alert('x')</script> & \"quotes\"";

/// A measure in force for FR-001 with hostile remarks and an address only
/// the full edition shows.
pub async fn measure_for_france(app: &TestApp, c: &Cast) -> i64 {
    let mut body = by_email();
    body["remarks"] = json!(HOSTILE);
    body["electronic_address"] = json!("full-edition-only@justice.example");
    let (s, u) = api(
        app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(body),
    )
    .await;
    assert_eq!(s, 201, "{u}");
    let id = u["id"].as_i64().unwrap();
    let (s, _) = act(app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 200);
    id
}

/// A bulletin's Message-ID: `cp.b<bulletin>.s<subscription>@...` (other
/// mail has `cp.<32 hex digits>`).
fn is_bulletin_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("cp.b") else {
        return false;
    };
    let (b, rest) = rest.split_once(".s").unwrap_or(("", ""));
    let s = rest.split('@').next().unwrap_or("");
    !b.is_empty() && !s.is_empty() && b.bytes().chain(s.bytes()).all(|c| c.is_ascii_digit())
}

/// The bulletin messages the sink received (other mail left out).
pub fn bulletins(sink: &SmtpSink) -> Vec<crate::smtp_sink::Received> {
    sink.received()
        .into_iter()
        .filter(|m| m.parsed().message_id().is_some_and(is_bulletin_id))
        .collect()
}

pub fn bulletins_to(sink: &SmtpSink, address: &str) -> Vec<crate::smtp_sink::Received> {
    bulletins(sink)
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == address))
        .collect()
}

/// Waits until `n` bulletin messages have arrived.
pub async fn wait_for_bulletins(sink: &SmtpSink, n: usize, within: Duration) {
    for _ in 0..(within.as_millis() / 50) {
        if bulletins(sink).len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "expected {n} bulletin messages, received {}",
        bulletins(sink).len()
    );
}

/// Adds confirmed subscriptions through the API; returns their ids.
pub async fn subscribe(app: &TestApp, admin: &str, list: &[(&str, Option<&str>)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (email, authority) in list {
        let mut body = json!({"email": email});
        if let Some(r) = authority {
            body["authority_ref"] = json!(r);
        }
        let (s, sub) = api(
            app,
            Method::POST,
            "/api/v1/subscriptions",
            Some(admin),
            None,
            Some(body),
        )
        .await;
        assert_eq!(s, 201, "{sub}");
        ids.push(sub["id"].as_i64().unwrap());
    }
    ids
}

/// A server with `env`, a measure in force for FR-001 (see
/// [`measure_for_france`]) and confirmed `subscriptions`, whose ids come
/// back in their order, with the cast.
pub async fn subscribed_to_a_measure(
    env: &[(&'static str, String)],
    subscriptions: &[(&str, Option<&str>)],
) -> (TestApp, Cast, Vec<i64>) {
    let app = spawn_with_env(env).await;
    let c = cast(&app).await;
    measure_for_france(&app, &c).await;
    let ids = subscribe(&app, &c.admin, subscriptions).await;
    (app, c, ids)
}

/// Sends a bulletin now from the secretariat's page; returns its number.
pub async fn send_now(app: &TestApp) -> i64 {
    let admin = app.sign_in("secretariat@unodc.example").await;
    let r = admin.post_form("/admin/bulletin/send-now", &[]).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    to.rsplit("number=").next().unwrap().parse().unwrap()
}

/// The outbox rows of a bulletin, by status.
pub async fn deliveries(app: &TestApp, number: i64) -> Vec<(String, String, i32)> {
    let pool = app.state.pool.clone();
    tokio::task::spawn_blocking(move || {
        use counterpart::db::schema::{bulletins, mail_outbox};
        use diesel::prelude::*;
        mail_outbox::table
            .inner_join(bulletins::table.on(mail_outbox::bulletin_id.eq(bulletins::id.nullable())))
            .filter(bulletins::number.eq(number as i32))
            .order(mail_outbox::id)
            .select((
                mail_outbox::recipient,
                mail_outbox::status,
                mail_outbox::attempts,
            ))
            .load(&mut pool.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_bulletin_reaches_each_subscriber_once_in_the_edition_they_may_read() {
    let sink = SmtpSink::start();
    let (app, c, ids) = subscribed_to_a_measure(
        &bulletin_env(&sink),
        &[
            ("desk@fr-authority.example", Some("FR-001")),
            ("reader@it.example", None),
            ("someone@public.example", None),
        ],
    )
    .await;
    // The secretariat's preview shows the full edition and stores nothing.
    let preview = app
        .sign_in("secretariat@unodc.example")
        .await
        .get("/admin/bulletin/preview")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        preview.contains("Preview: Counterpart bulletin no. 1")
            && preview.contains("full-edition-only@justice.example")
            && preview.contains("&lt;script&gt;")
            && !preview.contains(HOSTILE),
        "{preview}"
    );
    let (_, list) = app.get_json("/api/v1/bulletins").await;
    assert_eq!(list["total"], 0, "a preview is not a bulletin: {list}");
    // reader@it.example has an account: an official.
    let n = send_now(&app).await;
    assert_eq!(n, 1);
    wait_for_bulletins(&sink, 3, Duration::from_secs(10)).await;
    app.mail_settled().await;
    assert_eq!(bulletins(&sink).len(), 3, "one message each");
    for (m, id) in [
        "desk@fr-authority.example",
        "reader@it.example",
        "someone@public.example",
    ]
    .iter()
    .zip(&ids)
    {
        let mine = bulletins_to(&sink, m);
        assert_eq!(mine.len(), 1, "{m}");
        let p = mine[0].parsed();
        assert_eq!(
            p.message_id(),
            Some(format!("cp.b1.s{id}@counterpart.example").as_str())
        );
        let token = app.state.mail.signer().unsubscribe(SubscriptionId(*id));
        let lu = p.header_raw("List-Unsubscribe").unwrap().to_string();
        assert!(
            lu.contains(&format!(
                "<https://counterpart.example/unsubscribe?token={token}>"
            )) && lu.contains("<mailto:bulletin@counterpart.example?subject=unsubscribe%20"),
            "{lu}"
        );
        assert_eq!(
            p.header_raw("List-Unsubscribe-Post").map(str::trim),
            Some("List-Unsubscribe=One-Click")
        );
        let text = text_of(&mine[0]);
        assert!(
            text.contains(&format!(
                "https://counterpart.example/unsubscribe?token={token}"
            )),
            "{text}"
        );
        assert!(
            text.contains("[NEW] Office of the Prosecutor General (FR-001)"),
            "{text}"
        );
        assert!(text.contains(HOSTILE), "text is not HTML: no escaping");
        let html = p.body_html(0).unwrap().to_string();
        assert!(
            !html.contains("<script>") && html.contains("&lt;script&gt;"),
            "escaped in HTML"
        );
        assert!(
            !html.to_lowercase().contains("<img") && !html.contains("<script"),
            "email-safe"
        );
        assert!(
            html.contains(&format!("/unsubscribe?token={token}")),
            "the link in the body"
        );
        let full = text.contains("full-edition-only@justice.example");
        assert_eq!(full, *m != "someone@public.example", "{m} edition");
    }
    let rows = deliveries(&app, 1).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|(_, s, a)| s == "sent" && *a == 1),
        "{rows:?}"
    );

    // The archive shows what was sent, in the reader's edition.
    let (s, list) = app.get_json("/api/v1/bulletins").await;
    assert_eq!(s, 200);
    assert_eq!(list["items"][0]["number"], 1);
    assert_eq!(list["items"][0]["summary"]["new"], 1);
    let (_, one) = app.get_json("/api/v1/bulletins/1").await;
    assert_eq!(one["full_edition"], false);
    assert!(!one["html"].as_str().unwrap().contains("full-edition-only"));
    let (_, full) = api(
        &app,
        Method::GET,
        "/api/v1/bulletins/1",
        Some(&c.reader),
        None,
        None,
    )
    .await;
    assert!(
        full["text"]
            .as_str()
            .unwrap()
            .contains("full-edition-only@justice.example")
    );
    let (s, page) = app.get_html("/bulletins/1").await;
    assert_eq!(s, 200);
    assert!(page.contains("Counterpart bulletin no. 1") && page.contains("&lt;script&gt;"));
    // The site's styles, not the mail's (its policy keeps browsers from
    // applying inline ones), the fields named as its table of measures names
    // them, and its own links relative.
    assert!(
        page.contains("<b class=\"new\">NEW</b> <a href=\"/authorities/")
            && page.contains("; Video hearings: <b>Yes</b>")
            && !page.contains("Hearings by videoconference")
            && !page.contains(" style=\"")
            && !page.contains("https://counterpart.example/authorities/"),
        "{page}"
    );
    assert!(
        !page.contains("full-edition-only"),
        "the public archive has no hidden contact"
    );
    let (s, _) = app.get_html("/bulletins/2").await;
    assert_eq!(s, 404);
    let (s, _) = app.get_html("/bulletins/x").await;
    assert_eq!(s, 404);
    let feed = app.get("/bulletins.atom").await;
    assert_eq!(
        feed.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let xml = feed.text().await.unwrap();
    assert!(xml.contains("<entry>") && xml.contains("https://counterpart.example/bulletins/1"));
    // Without the mail's inline styles, its links whole: a feed is read
    // elsewhere.
    assert!(
        !xml.contains(" style&#x3D;")
            && xml.contains("href&#x3D;&quot;https://counterpart.example/authorities/"),
        "{xml}"
    );
    // Kept compressed for clients that take gzip: the same feed.
    for _ in 0..2 {
        let zipped = app
            .client
            .get(format!("{}/bulletins.atom", app.address))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        let mut unpacked = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&zipped.bytes().await.unwrap()[..]),
            &mut unpacked,
        )
        .unwrap();
        assert!(unpacked == xml, "the compressed feed differs");
    }
    assert!(
        !xml.contains("full-edition-only") && !xml.contains("<script>"),
        "{xml}"
    );
    let secretariat = app.sign_in("secretariat@unodc.example").await;
    let status = secretariat
        .get("/admin/bulletin")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        status.contains("no. 1") && status.contains("3 sent"),
        "{status}"
    );
    // Someone who sees contacts reads the full edition in the archive.
    let page = secretariat.get("/bulletins/1").await.text().await.unwrap();
    assert!(
        page.contains("full-edition-only@justice.example")
            && page.contains("edition with contact details"),
        "{page}"
    );
    assert!(
        !page.contains("Unsubscribe"),
        "the recipient's footer is left out"
    );
    // Kept pages are kept by edition: the full one, kept now, is not shown
    // to a reader who may not see contacts.
    let (s, page) = app.get_html("/bulletins/1").await;
    assert_eq!(s, 200);
    assert!(page.contains("edition without contact details"), "{page}");
    assert!(!page.contains("full-edition-only"), "{page}");
}

#[tokio::test]
async fn a_refused_address_fails_while_the_others_are_sent_and_a_busy_server_is_waited_for() {
    let sink = SmtpSink::start();
    sink.refuse("bounce@public.example");
    let mut env = bulletin_env(&sink);
    // Retried when the test moves the clock on.
    env.push(("COUNTERPART_MAIL__RETRY_AFTER", "1m".into()));
    let app = spawn_with_env(&env).await;
    let c = cast(&app).await;
    measure_for_france(&app, &c).await;
    // The mail of the update first (2 admins, a receipt, 2 focal points).
    sink.wait_for(5).await;
    sink.busy_for(3);
    let list: Vec<String> = (0..12)
        .map(|i| format!("reader{i}@public.example"))
        .collect();
    let mut all: Vec<(&str, Option<&str>)> = list.iter().map(|e| (e.as_str(), None)).collect();
    all.push(("bounce@public.example", None));
    subscribe(&app, &c.admin, &all).await;
    let n = send_now(&app).await;
    // The three turned away wait for their next attempt; then all is done.
    let waiting = app.wait_for_mail(|n| n["retry"] == 3).await;
    app.mail_idle().await;
    assert_eq!(bulletins(&sink).len(), 9, "{waiting:?}");
    app.advance(chrono::Duration::minutes(1)).await;
    wait_for_bulletins(&sink, 12, Duration::from_secs(10)).await;
    app.mail_settled().await;
    let rows = deliveries(&app, n).await;
    let failed: Vec<_> = rows.iter().filter(|(_, s, _)| s == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:?}");
    assert_eq!(failed[0].0, "bounce@public.example");
    assert_eq!(failed[0].2, 1, "a 550 is not retried");
    let retried = rows
        .iter()
        .filter(|(_, s, a)| s == "sent" && *a > 1)
        .count();
    assert_eq!(retried, 3, "the 451s were retried: {rows:?}");
    for e in &list {
        assert_eq!(bulletins_to(&sink, e).len(), 1, "{e} once");
    }
    let (_, outbox) = api(
        &app,
        Method::GET,
        "/api/v1/mail?status=failed",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    let error = outbox["items"][0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("550"),
        "the server's answer is kept: {error}"
    );
}

#[tokio::test]
async fn who_unsubscribes_while_a_bulletin_goes_out_gets_nothing_more() {
    let sink = SmtpSink::start();
    sink.slow(Duration::from_millis(60));
    let mut env = bulletin_env(&sink);
    env.push(("COUNTERPART_MAIL__CONCURRENCY", "2".into()));
    let app = spawn_with_env(&env).await;
    let c = cast(&app).await;
    measure_for_france(&app, &c).await;
    sink.wait_for_within(5, Duration::from_secs(10)).await;
    let list: Vec<String> = (0..30).map(|i| format!("r{i:02}@public.example")).collect();
    let all: Vec<(&str, Option<&str>)> = list.iter().map(|e| (e.as_str(), None)).collect();
    let ids = subscribe(&app, &c.admin, &all).await;
    let n = send_now(&app).await;
    // The last to be sent leaves by its link while the others go out.
    let last = *ids.last().unwrap();
    let token = app.state.mail.signer().unsubscribe(SubscriptionId(last));
    let r = app
        .client
        .post(format!("{}/unsubscribe?token={token}", app.address))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    wait_for_bulletins(&sink, 29, Duration::from_secs(20)).await;
    app.mail_settled().await;
    assert!(
        bulletins_to(&sink, "r29@public.example").is_empty(),
        "no message after leaving"
    );
    let rows = deliveries(&app, n).await;
    let cancelled: Vec<&(String, String, i32)> =
        rows.iter().filter(|r| r.1 == "cancelled").collect();
    assert_eq!(cancelled.len(), 1, "{rows:?}");
    assert_eq!(bulletins(&sink).len(), 29);
}
