//! The schedule, driven by the application's clock: NEW and UPDATED marks
//! across bulletins, the withdrawn section, a slot with nothing new skipped,
//! a missed slot compiled once after downtime, one compile per slot with
//! two instances checking at once; and the freshness reminders.

use std::time::Duration;

use counterpart::bulletin::Outcome;
use counterpart::tasks::{CheckReport, check};
use reqwest::Method;
use serde_json::json;

use crate::bulletin_delivery::{bulletins, bulletins_to, subscribe, wait_for_bulletins};
use crate::bulletin_subscriptions::{bulletin_env, text_of};
use crate::helpers::{TestApp, spawn_instance_on};
use crate::mail::spawn_with_env;
use crate::people::{Cast, act, api, cast};
use crate::smtp_sink::SmtpSink;
use crate::updates::by_email;

/// Settings whose first slot is now and whose slots are a day apart.
fn daily(sink: &SmtpSink) -> Vec<(&'static str, String)> {
    let mut env = bulletin_env(sink);
    let first = chrono::Utc::now() - chrono::Duration::seconds(5);
    env.push((
        "COUNTERPART_BULLETIN__FIRST_ISSUE_AT",
        first.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    ));
    env.push(("COUNTERPART_BULLETIN__EVERY", "1d".into()));
    env
}

async fn approve(app: &TestApp, c: &Cast, token: &str, authority: i64, remarks: &str) -> i64 {
    let mut body = by_email();
    body["authority_id"] = json!(authority);
    body["remarks"] = json!(remarks);
    let (s, u) = api(
        app,
        Method::POST,
        "/api/v1/updates",
        Some(token),
        None,
        Some(body),
    )
    .await;
    assert_eq!(s, 201, "{u}");
    let id = u["id"].as_i64().unwrap();
    let (s, body) = act(app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 200, "{body}");
    id
}

fn compiled(c: &CheckReport) -> Option<i32> {
    match c.bulletin {
        Some(Outcome::Compiled { number, .. }) => Some(number),
        _ => None,
    }
}

/// The text of the bulletin numbered `n`, in the full edition.
async fn text(app: &TestApp, token: &str, n: i32) -> String {
    let (s, b) = api(
        app,
        Method::GET,
        &format!("/api/v1/bulletins/{n}"),
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["text"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn marks_skips_and_downtime_follow_the_schedule() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&daily(&sink)).await;
    let c = cast(&app).await;
    subscribe(&app, &c.admin, &[("desk@fr.example", Some("FR-001"))]).await;
    approve(&app, &c, &c.focal, c.own, "First measure.").await;

    let first = check(&app.state).await.unwrap();
    assert_eq!(compiled(&first), Some(1));
    assert_eq!(
        check(&app.state).await.unwrap().bulletin,
        None,
        "a slot is compiled once"
    );
    let t = text(&app, &c.admin, 1).await;
    assert!(
        t.contains("[NEW] Office of the Prosecutor General (FR-001)"),
        "{t}"
    );

    // A day later: FR-001 has a new measure, DE-001 its first.
    approve(&app, &c, &c.focal, c.own, "Second measure.").await;
    let de = approve(&app, &c, &c.other_focal, c.other, "German measure.").await;
    app.advance(chrono::Duration::days(1)).await;
    assert_eq!(compiled(&check(&app.state).await.unwrap()), Some(2));
    let t = text(&app, &c.admin, 2).await;
    assert!(
        t.contains("[UPDATED] Office of the Prosecutor General (FR-001)"),
        "{t}"
    );
    assert!(t.contains("Second measure.") && !t.contains("First measure."));
    assert!(t.contains("[NEW] ") && t.contains("German measure."), "{t}");
    assert!(t.contains("- 1 new, 1 updated"), "{t}");
    // France and Germany: one region heading, then each State under it.
    let (region, france, germany) = (
        t.find("\n== "),
        t.find("\n-- France --\n"),
        t.find("\n-- Germany --\n"),
    );
    assert!(
        region.is_some() && region < france && france < germany,
        "{t}"
    );
    assert_eq!(t.matches("\n== ").count(), 1, "{t}");

    // DE-001 withdraws; FR-001's entry stays, unmarked.
    let (s, _) = act(&app, &c.other_focal, de, "withdraw", None).await;
    assert_eq!(s, 200);
    app.advance(chrono::Duration::days(1)).await;
    assert_eq!(compiled(&check(&app.state).await.unwrap()), Some(3));
    let t = text(&app, &c.admin, 3).await;
    assert!(t.contains(&format!("update {de} withdrawn")), "{t}");
    assert!(
        t.contains("\nOffice of the Prosecutor General (FR-001)"),
        "unmarked: {t}"
    );
    assert!(!t.contains("German measure."));

    // Nothing new: the slot is recorded as skipped, without a number.
    app.advance(chrono::Duration::days(1)).await;
    let skipped = check(&app.state).await.unwrap();
    assert!(
        matches!(skipped.bulletin, Some(Outcome::Skipped { .. })),
        "{skipped:?}"
    );
    let (_, list) = app.get_json("/api/v1/bulletins").await;
    assert_eq!(list["total"], 3);

    // Down for five days and a half: one bulletin, for the latest slot, and
    // the next slot is the schedule's, not a day after the restart.
    let third = approve(&app, &c, &c.focal, c.own, "Third measure.").await;
    app.advance(chrono::Duration::hours(5 * 24 + 12)).await;
    let after = check(&app.state).await.unwrap();
    assert_eq!(compiled(&after), Some(4));
    assert_eq!(check(&app.state).await.unwrap().bulletin, None);
    let (_, list) = app.get_json("/api/v1/bulletins").await;
    let slot4: chrono::NaiveDateTime = list["items"][0]["slot_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let slot3: chrono::NaiveDateTime = list["items"][1]["slot_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // Slot 3 was day 2, day 3 was skipped, and the clock stands at day 8
    // and a half: the latest slot is day 8.
    assert_eq!(
        slot4 - slot3,
        chrono::Duration::days(6),
        "the latest slot, on the schedule"
    );
    app.advance(chrono::Duration::hours(11)).await;
    assert_eq!(
        check(&app.state).await.unwrap().bulletin,
        None,
        "not yet the next slot"
    );
    app.advance(chrono::Duration::hours(2)).await;
    assert!(
        check(&app.state).await.unwrap().bulletin.is_some(),
        "the next slot, on time"
    );

    // The subscriber received each numbered bulletin once.
    wait_for_bulletins(&sink, 4, Duration::from_secs(10)).await;
    app.mail_settled().await;
    let got = bulletins_to(&sink, "desk@fr.example");
    let mut ids: Vec<String> = got
        .iter()
        .map(|m| m.parsed().message_id().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "no duplicate: {ids:?}");
    assert_eq!(got.len(), 4);
    assert!(text_of(&got[0]).contains("First measure."));

    // The last measure withdrawn: the bulletin says that none is in force.
    let (s, _) = act(&app, &c.focal, third, "withdraw", None).await;
    assert_eq!(s, 200);
    app.advance(chrono::Duration::days(1)).await;
    let last = compiled(&check(&app.state).await.unwrap()).expect("compiled");
    let t = text(&app, &c.admin, last).await;
    assert!(
        t.contains("MEASURES IN FORCE\nNo measure is in force.\n\nWITHDRAWN"),
        "{t}"
    );
    assert!(t.contains(&format!("update {third} withdrawn")), "{t}");
}

#[tokio::test]
async fn two_instances_checking_at_once_compile_a_slot_once_and_send_it_once() {
    let sink = SmtpSink::start();
    let env = daily(&sink);
    let a = spawn_with_env(&env).await;
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let b = spawn_instance_on(&a.database_url, &pairs).await;
    let c = cast(&a).await;
    let list: Vec<String> = (0..40).map(|i| format!("s{i}@public.example")).collect();
    let all: Vec<(&str, Option<&str>)> = list.iter().map(|e| (e.as_str(), None)).collect();
    subscribe(&a, &c.admin, &all).await;
    approve(&a, &c, &c.focal, c.own, "Shared.").await;
    for round in 0..3 {
        let (x, y) = tokio::join!(check(&a.state), check(&b.state));
        let made = [x.unwrap(), y.unwrap()]
            .iter()
            .filter(|c| compiled(c).is_some())
            .count();
        assert_eq!(made, 1, "round {round}: one instance compiles the slot");
        approve(&a, &c, &c.focal, c.own, &format!("Round {round}.")).await;
        a.advance(chrono::Duration::days(1)).await;
        b.advance(chrono::Duration::days(1)).await;
    }
    // Both senders share the deliveries: each address gets each once.
    wait_for_bulletins(&sink, 120, Duration::from_secs(20)).await;
    a.mail_settled().await;
    assert_eq!(bulletins(&sink).len(), 120);
    for e in &list {
        assert_eq!(bulletins_to(&sink, e).len(), 3, "{e}");
    }
}

#[tokio::test]
async fn a_stale_record_is_reminded_once_in_a_while_until_confirmed() {
    let sink = SmtpSink::start();
    let mut env = daily(&sink);
    env.push(("COUNTERPART_DIRECTORY__STALE_AFTER", "180d".into()));
    env.push(("COUNTERPART_DIRECTORY__REMIND_EVERY", "30d".into()));
    let app = spawn_with_env(&env).await;
    let c = cast(&app).await;
    let reminders = |sink: &SmtpSink| {
        sink.to("focal@fr.example")
            .into_iter()
            .filter(|m| {
                m.parsed()
                    .subject()
                    .unwrap_or_default()
                    .starts_with("Please check")
            })
            .count()
    };
    // Confirmed today, FR-001 is fresh: no reminder.
    let focal = app.sign_in("focal@fr.example").await;
    let r = focal
        .post_form(&format!("/authorities/{}/confirm", c.own), &[])
        .await;
    assert_eq!(r.status(), 303);
    check(&app.state).await.unwrap();
    app.mail_settled().await;
    assert_eq!(reminders(&sink), 0);
    // Half a year and more later it is stale: reminded once.
    app.advance(chrono::Duration::days(200)).await;
    let first = check(&app.state).await.unwrap();
    assert!(first.reminders >= 1, "{first:?}");
    app.mail_settled().await;
    assert_eq!(reminders(&sink), 1);
    let m = sink
        .to("focal@fr.example")
        .into_iter()
        .find(|m| {
            m.parsed()
                .subject()
                .unwrap_or_default()
                .starts_with("Please check")
        })
        .unwrap();
    let text = text_of(&m);
    assert!(
        text.contains(&format!(
            "https://counterpart.example/authorities/{}/edit",
            c.own
        )),
        "{text}"
    );
    // Not again before remind_every; again after it.
    app.advance(chrono::Duration::days(10)).await;
    check(&app.state).await.unwrap();
    app.mail_settled().await;
    assert_eq!(reminders(&sink), 1);
    app.advance(chrono::Duration::days(25)).await;
    check(&app.state).await.unwrap();
    app.mail_settled().await;
    assert_eq!(reminders(&sink), 2);
    // The secretariat sees who was reminded (the list is paged: among
    // France's records).
    let admin = app.sign_in("secretariat@unodc.example").await;
    let stale = admin.text("/admin/stale?country=FR").await;
    assert!(
        stale.contains("focal@fr.example"),
        "who was reminded: {stale}"
    );
    // Confirmed: no more reminders, however long. (Months have passed on
    // the app's clock: the focal point's session has ended meanwhile.)
    let focal = app.sign_in("focal@fr.example").await;
    let r = focal
        .post_form(&format!("/authorities/{}/confirm", c.own), &[])
        .await;
    assert_eq!(r.status(), 303);
    app.advance(chrono::Duration::days(31)).await;
    check(&app.state).await.unwrap();
    app.mail_settled().await;
    assert_eq!(reminders(&sink), 2);
}
