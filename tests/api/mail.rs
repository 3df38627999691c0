//! The mail that measure updates cause, received by a real SMTP server: the
//! secretariat hears of a submission, the focal point of the decision.

use mail_parser::MimeHeaders;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo, spawn_app, spawn_app_with};
use crate::people::{act, api, cast};
use crate::smtp_sink::{Received, SmtpSink};
use crate::updates::by_email;

/// The cast's people, and the demo's (`serve --demo` adds them too).
pub const ADMIN: &str = "secretariat@unodc.example";
pub const FOCAL: &str = "focal@fr.example";
const DEMO_ADMIN: &str = "secretariat@counterpart.example";
const DEMO_FOCAL: &str = "focal.point@fr-001.example";

/// Settings for an app that sends to `sink`, retrying quickly.
pub fn smtp_env(sink_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("COUNTERPART_MAIL__SMTP_URL", sink_url.to_string()),
        ("COUNTERPART_MAIL__RETRY_AFTER", "100ms".into()),
        ("COUNTERPART_MAIL__POLL_INTERVAL", "100ms".into()),
        (
            "COUNTERPART_MAIL__FROM",
            "Counterpart Secretariat <bulletin@counterpart.example>".into(),
        ),
        (
            "COUNTERPART_SERVER__PUBLIC_URL",
            "http://counterpart.example".into(),
        ),
    ]
}

pub async fn spawn_with_env(env: &[(&'static str, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    spawn_app_with(&pairs, demo()).await
}

pub async fn post(app: &TestApp, token: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    api(app, Method::POST, path, Some(token), None, body).await
}

/// What a message says, decoded: subject, text, HTML.
fn read(m: &Received) -> (String, String, String) {
    let p = m.parsed();
    (
        p.subject().unwrap_or_default().to_string(),
        // Lines end in CRLF on the wire.
        p.body_text(0).unwrap_or_default().replace("\r\n", "\n"),
        p.body_html(0).unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn the_focal_point_hears_of_the_decision_and_the_secretariat_of_the_submission() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&smtp_env(&sink.url())).await;
    let c = cast(&app).await;

    // A draft tells nobody.
    let mut draft = by_email();
    draft["draft"] = json!(true);
    let (s, d) = post(&app, &c.focal, "/api/v1/updates", Some(draft)).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    // Submitting it tells the secretariat: both admins (the demo's and ours).
    let (s, _) = act(&app, &c.focal, id, "submit", None).await;
    assert_eq!(s, 200);
    sink.wait_for(3).await;
    // The focal point has a receipt.
    let receipts = sink.to(FOCAL);
    assert_eq!(receipts.len(), 1);
    let (subject, text, _) = read(&receipts[0]);
    assert!(
        subject.starts_with("Received: your update for "),
        "{subject}"
    );
    assert!(
        text.contains("http://counterpart.example/updates"),
        "{text}"
    );
    let ours = sink.to(ADMIN);
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].from, "bulletin@counterpart.example");
    assert_eq!(sink.to(DEMO_ADMIN).len(), 1);
    let (subject, text, html) = read(&ours[0]);
    assert!(subject.starts_with("Update to review: "), "{subject}");
    assert!(subject.contains("France"), "{subject}");
    assert!(text.contains("entraide@justice.example"), "{text}");
    assert!(
        text.contains("http://counterpart.example/admin/updates"),
        "{text}"
    );
    assert!(
        html.contains("href=\"http://counterpart.example/admin/updates\""),
        "{html}"
    );

    // Approved: FR-001's focal points are told, in text and in HTML; the
    // admin who decided is not.
    let (s, _) = act(&app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 200);
    sink.wait_for(5).await;
    assert_eq!(sink.to(DEMO_FOCAL).len(), 1);
    assert_eq!(sink.to(ADMIN).len(), 1);
    let to_focal = sink.to(FOCAL);
    assert_eq!(to_focal.len(), 2, "the receipt, then the decision");
    let approved = &to_focal[1];
    let (subject, text, html) = read(approved);
    assert!(
        subject.starts_with("Approved: your update for "),
        "{subject}"
    );
    for said in [
        "Requests by electronic means: Yes — send to entraide@justice.example",
        "Originals required: No",
        "Hearings by videoconference: Yes",
        "Requests accepted by email; originals not required.",
    ] {
        assert!(text.contains(said), "{said} missing from {text}");
    }
    assert!(html.contains("Hearings by videoconference</th>"), "{html}");
    let p = approved.parsed();
    let ct = p.content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let mid = p.message_id().unwrap();
    assert!(
        mid.starts_with("cp.") && mid.ends_with("@counterpart.example"),
        "{mid}"
    );
    assert!(p.date().is_some(), "a Date header");
    assert_eq!(
        p.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    // The practitioner sees it next to the authority's contacts.
    let (_, found) = api(
        &app,
        Method::GET,
        "/api/v1/counterpart?country=FR&article=18",
        Some(&c.reader),
        None,
        None,
    )
    .await;
    assert_eq!(
        found["measures_in_force"][0]["electronic_address"],
        "entraide@justice.example"
    );

    // Rejected: the reason reaches the focal point, escaped only in HTML.
    let (_, d) = post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    let second = d["id"].as_i64().unwrap();
    sink.wait_for(8).await;
    let reason = "Give the <address> & the hours,\nplease";
    let (s, _) = act(
        &app,
        &c.admin,
        second,
        "reject",
        Some(json!({"reason": reason})),
    )
    .await;
    assert_eq!(s, 200);
    sink.wait_for(10).await;
    let to_focal = sink.to(FOCAL);
    assert_eq!(to_focal.len(), 4, "two receipts, two decisions");
    let (subject, text, html) = read(&to_focal[3]);
    assert!(subject.starts_with("Not approved: "), "{subject}");
    assert!(text.contains(reason), "{text}");
    assert!(
        html.contains("Give the &lt;address&gt; &amp; the hours,"),
        "{html}"
    );
    assert!(!html.contains("<address>"), "{html}");

    // A refused action sends nothing: it would have queued its mail before
    // answering, so once the outbox has settled all mail is in.
    let (s, _) = act(&app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 409);
    app.mail_settled().await;
    assert_eq!(sink.received().len(), 10);
    let (s, outbox) = api(
        &app,
        Method::GET,
        "/api/v1/mail",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(outbox["counts"]["sent"], 10, "{outbox}");
    assert_eq!(outbox["total"], 10);
}

#[tokio::test]
async fn decisions_made_in_the_review_queue_send_mail_too() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&smtp_env(&sink.url())).await;
    let c = cast(&app).await;
    let (_, d) = post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    let id = d["id"].as_i64().unwrap();
    sink.wait_for(3).await;
    let admin = app.sign_in(ADMIN).await;
    let r = admin
        .post_form(
            &format!("/admin/updates/{id}/reject"),
            &[("reason", "Wrong dates")],
        )
        .await;
    assert_eq!(r.status(), 303);
    sink.wait_for(5).await;
    let told = sink.to(FOCAL);
    assert_eq!(told.len(), 2, "the receipt, then the decision");
    assert!(read(&told[1]).1.contains("Wrong dates"));
}

#[tokio::test]
async fn without_a_mail_server_messages_are_eml_files_in_the_outbox() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (_, d) = post(&app, &c.focal, "/api/v1/updates", Some(by_email())).await;
    let id = d["id"].as_i64().unwrap();
    act(&app, &c.admin, id, "approve", None).await;
    // A message is recorded as sent once its file is whole.
    let counts = app.mail_settled().await;
    assert_eq!(counts["sent"], 5, "{counts:?}");
    let outbox = app.data_dir.path().join("outbox");
    let mut files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        files.iter().all(|f| f.extension().unwrap() == "eml"),
        "nothing partial left: {files:?}"
    );
    files.sort();
    // Two admins told of the submission, a receipt for the focal point, two
    // focal points told of the decision.
    assert_eq!(files.len(), 5, "{files:?}");
    let messages: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let to_focal = messages
        .iter()
        .map(|b| mail_parser::MessageParser::default().parse(b).unwrap())
        .find(|m| {
            m.to().unwrap().first().unwrap().address().unwrap() == FOCAL
                && m.subject().unwrap().starts_with("Approved: ")
        })
        .expect("a file for the focal point");
    assert!(to_focal.subject().unwrap().starts_with("Approved: "));
    assert!(
        to_focal
            .body_text(0)
            .unwrap()
            .contains("Originals required: No")
    );
}
