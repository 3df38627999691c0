//! Subscribing to the bulletin and leaving it: double opt-in that tells a
//! stranger nothing, links that expire or are forged, one-click unsubscribe,
//! subscriptions kept by the secretariat and by focal points.

use counterpart::db::ids::SubscriptionId;
use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;
use crate::mail::spawn_with_env;
use crate::people::{api, cast};
use crate::smtp_sink::{Received, SmtpSink};

/// Settings for bulletin tests: mail to `sink`, links on an https site.
pub fn bulletin_env(sink: &SmtpSink) -> Vec<(&'static str, String)> {
    let mut env = crate::mail::smtp_env(&sink.url());
    env.retain(|(k, _)| *k != "COUNTERPART_SERVER__PUBLIC_URL");
    env.push((
        "COUNTERPART_SERVER__PUBLIC_URL",
        "https://counterpart.example".into(),
    ));
    env
}

pub fn text_of(m: &Received) -> String {
    m.parsed()
        .body_text(0)
        .unwrap_or_default()
        .replace("\r\n", "\n")
}

/// The first link in a message's text that starts with `prefix`.
pub fn link_in(m: &Received, prefix: &str) -> String {
    let text = text_of(m);
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[at..].split_whitespace().next().unwrap().to_string()
}

/// A path of this site from one of its absolute links.
pub fn local(url: &str) -> String {
    url.trim_start_matches("https://counterpart.example")
        .to_string()
}

async fn post_subscribe(app: &TestApp, email: &str) -> (u16, String) {
    let r = app
        .client
        .post(format!("{}/subscribe", app.address))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn status_of(app: &TestApp, email: &str) -> Option<String> {
    let pool = app.state.pool.clone();
    let email = email.to_string();
    tokio::task::spawn_blocking(move || {
        use counterpart::db::schema::subscriptions;
        use diesel::prelude::*;
        subscriptions::table
            .filter(subscriptions::email.eq(email))
            .select(subscriptions::status)
            .first::<String>(&mut pool.get().unwrap())
            .optional()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn subscribing_takes_a_link_by_mail_and_tells_a_stranger_nothing() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&bulletin_env(&sink)).await;
    let me = "Someone@Authority.example";

    let (s, page) = post_subscribe(&app, me).await;
    assert_eq!(s, 200);
    assert!(page.contains("Check your mailbox"), "{page}");
    let first = sink.wait_for(1).await;
    assert_eq!(
        first[0].to,
        ["someone@authority.example"],
        "the address, normalised"
    );
    let (subject, _) = (first[0].parsed().subject().unwrap().to_string(), ());
    assert!(
        subject.starts_with("Confirm your subscription"),
        "{subject}"
    );
    assert_eq!(
        status_of(&app, "someone@authority.example")
            .await
            .as_deref(),
        Some("pending")
    );

    // Asking again at once: the same answer, one row, no second message.
    let (_, again) = post_subscribe(&app, me).await;
    assert_eq!(again, page, "the same page whatever the address's state");
    app.mail_settled().await;
    assert_eq!(sink.received().len(), 1, "nobody floods a mailbox");

    // A forged or changed link does nothing.
    let confirm = local(&link_in(
        &first[0],
        "https://counterpart.example/subscribe/confirm",
    ));
    let forged = confirm.replace("token=", "token=9");
    let (s, _) = app.get_html(&forged).await;
    assert_eq!(s, 400);
    assert_eq!(
        status_of(&app, "someone@authority.example")
            .await
            .as_deref(),
        Some("pending")
    );
    let (s, html) = app.get_html(&confirm).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("someone@authority.example will receive the bulletin"));
    assert_eq!(
        status_of(&app, "someone@authority.example")
            .await
            .as_deref(),
        Some("confirmed")
    );

    // Later, asking again for a subscribed address: the same page; its owner
    // (only) is told it already receives the bulletin.
    app.advance(chrono::Duration::minutes(11)).await;
    let (_, third) = post_subscribe(&app, me).await;
    assert_eq!(third, page);
    let got = sink.wait_for(2).await;
    assert!(
        got[1]
            .parsed()
            .subject()
            .unwrap()
            .starts_with("You already receive")
    );

    // The API answers alike for any address.
    for email in ["someone@authority.example", "never.seen@elsewhere.example"] {
        let (s, body) = api(
            &app,
            Method::POST,
            "/api/v1/subscriptions",
            None,
            None,
            Some(json!({"email": email})),
        )
        .await;
        assert_eq!(s, 202, "{body}");
        assert_eq!(body["status"], "requested");
    }
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/subscriptions",
        None,
        None,
        Some(json!({"email": "not an address"})),
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "email");
    let (s, page) = post_subscribe(&app, "nobody").await;
    assert_eq!(s, 422);
    assert!(
        page.contains("Email address:") && page.contains("value=\"nobody\""),
        "{page}"
    );

    // A link older than a week has expired.
    let late = sink.wait_for(3).await;
    let stranger = late
        .iter()
        .find(|m| m.to == ["never.seen@elsewhere.example"])
        .expect("the stranger's own confirmation");
    let link = local(&link_in(
        stranger,
        "https://counterpart.example/subscribe/confirm",
    ));
    app.advance(chrono::Duration::days(8)).await;
    let (s, html) = app.get_html(&link).await;
    assert_eq!(s, 410, "{html}");
    assert_eq!(
        status_of(&app, "never.seen@elsewhere.example")
            .await
            .as_deref(),
        Some("pending")
    );
}

#[tokio::test]
async fn leaving_takes_one_click_and_coming_back_works() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&bulletin_env(&sink)).await;
    let c = cast(&app).await;
    let (s, sub) = api(
        &app,
        Method::POST,
        "/api/v1/subscriptions",
        Some(&c.admin),
        None,
        Some(json!({"email": "desk@fr.example", "authority_ref": "FR-001", "name": "MLA desk"})),
    )
    .await;
    assert_eq!(s, 201, "{sub}");
    assert_eq!(sub["status"], "confirmed");
    let id = sub["id"].as_i64().unwrap();
    let token = app.state.mail.signer().unsubscribe(SubscriptionId(id));

    // The page shows a button; a forged token changes nothing.
    let (s, page) = app.get_html(&format!("/unsubscribe?token={token}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Unsubscribe desk@fr.example") && page.contains("method=\"post\""));
    let other = app.state.mail.signer().unsubscribe(SubscriptionId(id + 1));
    let altered = format!("{}{}", &other[..other.len() - 2], "xx");
    for bad in [altered.as_str(), "1.AAAA", "", &token[..token.len() - 1]] {
        let r = app
            .client
            .post(format!("{}/unsubscribe?token={bad}", app.address))
            .body("List-Unsubscribe=One-Click")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    assert_eq!(
        status_of(&app, "desk@fr.example").await.as_deref(),
        Some("confirmed")
    );

    // One click, as a mail program does it (RFC 8058).
    let r = app
        .client
        .post(format!("{}/unsubscribe?token={token}", app.address))
        .body("List-Unsubscribe=One-Click")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        status_of(&app, "desk@fr.example").await.as_deref(),
        Some("unsubscribed")
    );
    let (_, page) = app.get_html(&format!("/unsubscribe?token={token}")).await;
    assert!(page.contains("does not receive the bulletin"), "{page}");

    // Back by the double opt-in.
    post_subscribe(&app, "desk@fr.example").await;
    let mail = sink.wait_for(1).await;
    let link = local(&link_in(
        &mail[0],
        "https://counterpart.example/subscribe/confirm",
    ));
    let (s, _) = app.get_html(&link).await;
    assert_eq!(s, 200);
    assert_eq!(
        status_of(&app, "desk@fr.example").await.as_deref(),
        Some("confirmed")
    );
}

#[tokio::test]
async fn the_secretariat_and_focal_points_keep_their_subscriber_lists() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&bulletin_env(&sink)).await;
    let c = cast(&app).await;
    let focal = app.sign_in("focal@fr.example").await;
    let r = focal
        .post_form(
            "/subscriptions",
            &[
                ("email", "Registry@Prosecution.fr.example"),
                ("name", "Registry"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = focal
        .get("/subscriptions?done=added")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("registry@prosecution.fr.example") && page.contains("FR-001"),
        "{page}"
    );
    let (_, mine) = api(
        &app,
        Method::GET,
        "/api/v1/subscriptions",
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(
        mine["items"][0]["authority_id"], c.own,
        "a focal point's are its authority's"
    );
    let (s, _) = api(
        &app,
        Method::GET,
        &format!("/api/v1/subscriptions?authority_id={}", c.other),
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &app,
        Method::GET,
        "/api/v1/subscriptions",
        Some(&c.reader),
        None,
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = app.get_json("/api/v1/subscriptions").await;
    assert_eq!(s, 401);

    // The secretariat adds by ref, sees everyone's, and a focal point cannot
    // end another authority's subscription.
    let admin = app.sign_in("secretariat@unodc.example").await;
    let r = admin
        .post_form(
            "/admin/subscribers",
            &[("email", "desk@de.example"), ("authority", "DE-001")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post_form(
            "/admin/subscribers",
            &[("email", "x@y.example"), ("authority", "ZZ-999")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("no authority with ref"));
    let (_, all) = api(
        &app,
        Method::GET,
        "/api/v1/subscriptions",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(all["total"], 2);
    let de = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["email"] == "desk@de.example")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = focal
        .post_form(&format!("/subscriptions/{de}/unsubscribe"), &[])
        .await;
    assert_eq!(r.status(), 404);
    let (s, _) = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/subscriptions/{de}"),
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (s, body) = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/subscriptions/{de}"),
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!((s, body["status"].as_str()), (200, Some("unsubscribed")));
    let page = admin.get("/admin/bulletin").await.text().await.unwrap();
    assert!(
        page.contains("desk@de.example") && page.contains("unsubscribed"),
        "{page}"
    );
    assert!(
        sink.received().is_empty(),
        "added by officials: no confirmation needed"
    );
}
