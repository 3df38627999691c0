//! The measure in force that the bulletin compiles must be right: one per
//! authority whatever the concurrency, a future start scheduled, an update
//! written against an older measure caught, no update for an archived
//! authority.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::people::{act, api, archive, cast};
use crate::updates::by_email;

async fn submit(app: &TestApp, token: &str, body: Value) -> i64 {
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
    u["id"].as_i64().unwrap()
}

async fn status_of(app: &TestApp, token: &str, id: i64) -> String {
    let (s, u) = api(
        app,
        Method::GET,
        &format!("/api/v1/updates/{id}"),
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{u}");
    u["status"].as_str().unwrap().to_string()
}

/// The ids of the measures in force the finder shows for FR-001, art. 18.
async fn in_force_ids(app: &TestApp) -> Vec<i64> {
    let (s, body) = app
        .get_json("/api/v1/counterpart?country=FR&article=18")
        .await;
    assert_eq!(s, 200);
    body["measures_in_force"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn concurrent_approvals_leave_one_measure_in_force() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let mut body = by_email();
        body["remarks"] = json!(format!("version {i}"));
        ids.push(submit(&app, &c.focal, body).await);
    }
    // All eight approved at the same moment.
    let approvals = ids
        .iter()
        .map(|id| act(&app, &c.admin, *id, "approve", None));
    let answers = futures_join(approvals).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "one approval wins: {answers:?}"
    );
    // The others were written against no measure, and one is in force now:
    // each is refused with the one in force, never a server error.
    for (s, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(*s, 409, "{body}");
        assert_eq!(body["error"]["code"], "stale_base");
    }
    let winner = ids[statuses.iter().position(|s| *s == 200).unwrap()];
    assert_eq!(in_force_ids(&app).await, [winner]);
    let (_, approved) = app
        .get_json(&format!(
            "/api/v1/updates?status=approved&authority_id={}",
            c.own
        ))
        .await;
    assert_eq!(approved["total"], 1);
    // The rest, approved one after another against what is in force then,
    // each supersede the one before: still one in force.
    for id in ids.iter().filter(|id| **id != winner) {
        let current = in_force_ids(&app).await[0];
        let (s, body) = act(
            &app,
            &c.admin,
            *id,
            "approve",
            Some(json!({"base": current})),
        )
        .await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["superseded"], current);
    }
    let (_, approved) = app
        .get_json(&format!(
            "/api/v1/updates?status=approved&authority_id={}",
            c.own
        ))
        .await;
    assert_eq!(approved["total"], 1);
    let (_, superseded) = app
        .get_json(&format!(
            "/api/v1/updates?status=superseded&authority_id={}",
            c.own
        ))
        .await;
    assert_eq!(superseded["total"], 7);
    let (_, page) = app.get_html(&format!("/authorities/{}", c.own)).await;
    assert_eq!(page.matches("In force since").count(), 1, "{page}");
}

/// Runs the requests at once, as many clients would.
async fn futures_join<F: std::future::Future<Output = (u16, Value)>>(
    all: impl Iterator<Item = F>,
) -> Vec<(u16, Value)> {
    futures_util::future::join_all(all).await
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_measure_in_force() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let c = cast(&app).await;
    let first = submit(&app, &c.focal, by_email()).await;
    act(&app, &c.admin, first, "approve", None).await;
    let second = submit(&app, &c.focal, by_email()).await;
    let pool = app.state.pool.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        diesel::sql_query(format!(
            "UPDATE measure_updates SET status = 'approved' WHERE id = {second}"
        ))
        .execute(&mut conn)
    })
    .await
    .unwrap();
    let error = result.expect_err("a second approved update of one authority");
    assert!(
        matches!(
            error,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            )
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_future_start_is_scheduled_and_takes_over_on_its_day() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let now = submit(&app, &c.focal, by_email()).await;
    act(&app, &c.admin, now, "approve", None).await;
    let start = app.state.clock.today() + chrono::Duration::days(60);
    let mut later = by_email();
    later["operations"] = json!("normal");
    later["remarks"] = json!("Back to normal from spring.");
    later["effective_from"] = json!(start.to_string());
    let later = submit(&app, &c.focal, later).await;
    let (s, body) = act(&app, &c.admin, later, "approve", None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["status"], "scheduled");
    assert_eq!(body["superseded"], Value::Null, "nothing superseded yet");
    assert_eq!(in_force_ids(&app).await, [now], "the one in force stays");
    assert_eq!(status_of(&app, &c.admin, now).await, "approved");
    // The public does not see what is not yet decided to be in force.
    let (s, _) = app.get_json(&format!("/api/v1/updates/{later}")).await;
    assert_eq!(s, 404);
    // The secretariat and the focal point see both.
    let admin = app.sign_in("secretariat@unodc.example").await;
    let queue = admin.get("/admin/updates").await.text().await.unwrap();
    assert!(queue.contains("Approved, starting later"), "{queue}");
    assert!(
        queue.contains(&format!("Update {later} starts {start}")),
        "{queue}"
    );
    let focal = app.sign_in("focal@fr.example").await;
    let page = focal
        .get(&format!("/authorities/{}", c.own))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("replaces the measure in force on {start}")),
        "{page}"
    );
    let mine = focal.get("/updates").await.text().await.unwrap();
    assert!(
        mine.contains("Approved, starting later") && mine.contains("Back to normal from spring.")
    );

    // The day before, nothing changes; on the day, the finder switches.
    app.advance(chrono::Duration::days(59)).await;
    assert_eq!(in_force_ids(&app).await, [now]);
    app.advance(chrono::Duration::days(1)).await;
    assert_eq!(in_force_ids(&app).await, [later]);
    let (_, html) = app.get_html("/counterpart?country=FR&article=18").await;
    assert!(html.contains("Back to normal from spring."), "{html}");
    assert_eq!(status_of(&app, &c.admin, later).await, "approved");
    assert_eq!(status_of(&app, &c.admin, now).await, "superseded");
    let (_, history) = api(
        &app,
        Method::GET,
        &format!("/api/v1/authorities/{}/history", c.own),
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(history["items"][0]["action"], "scheduled update starts");
}

#[tokio::test]
async fn an_update_written_against_an_older_measure_needs_a_second_look() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let first = submit(&app, &c.focal, by_email()).await;
    act(&app, &c.admin, first, "approve", None).await;
    // Two updates drafted from the same measure in force.
    let mut b = by_email();
    b["electronic_address"] = json!("new-desk@justice.example");
    b["time_limits"] = json!("Suspended until further notice");
    let b = submit(&app, &c.focal, b).await;
    let mut second = by_email();
    second["video_hearings"] = json!("no");
    let second = submit(&app, &c.focal, second).await;
    let (_, u) = app.get_json(&format!("/api/v1/updates/{first}")).await;
    assert_eq!(u["id"], first);
    let (s, body) = act(&app, &c.admin, b, "approve", None).await;
    assert_eq!(s, 200, "{body}");
    // The second would blank what the first changed: refused, with the one
    // in force and the fields in dispute.
    let (s, body) = act(&app, &c.admin, second, "approve", None).await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["error"]["code"], "stale_base");
    assert_eq!(body["error"]["current"]["id"], b);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Address for electronic requests") && message.contains("Time limits"),
        "{message}"
    );
    assert!(!message.contains("Hearings"), "not in dispute: {message}");

    // The review page says so, and approving there needs the tick.
    let admin = app.sign_in("secretariat@unodc.example").await;
    let queue = admin.get("/admin/updates").await.text().await.unwrap();
    assert!(
        queue.contains(&format!(
            "Written against update {first}, which is no longer in force"
        )),
        "{queue}"
    );
    assert!(
        queue.contains("<th scope=\"row\">Time limits</th>"),
        "{queue}"
    );
    assert!(queue.contains("name=\"confirm\""), "{queue}");
    let r = admin
        .post_form(
            &format!("/admin/updates/{second}/approve"),
            &[("base", &b.to_string())],
        )
        .await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.unwrap();
    assert!(page.contains("tick the box"), "{page}");
    assert_eq!(status_of(&app, &c.admin, second).await, "submitted");
    let r = admin
        .post_form(
            &format!("/admin/updates/{second}/approve"),
            &[("base", &b.to_string()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(in_force_ids(&app).await, [second]);

    // A submission that names a measure no longer in force is refused too.
    let mut late = by_email();
    late["base"] = json!(first);
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(late),
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["error"]["current"]["id"], second);
    let mut fresh = by_email();
    fresh["base"] = json!(second);
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(fresh),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["base"], second);
    // Malformed confirmations are refused plainly.
    let (s, body) = act(
        &app,
        &c.admin,
        second,
        "approve",
        Some(json!({"base": "x"})),
    )
    .await;
    assert_eq!(s, 400, "{body}");
}

#[tokio::test]
async fn an_archived_authority_takes_no_update_by_any_path() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let waiting = submit(&app, &c.focal, by_email()).await;
    let focal = app.sign_in("focal@fr.example").await;
    let admin = app.sign_in("secretariat@unodc.example").await;
    archive(&app, &c.admin, c.own).await;
    let count = |app: &TestApp| {
        let pool = app.state.pool.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                use counterpart::db::schema::{mail_outbox, measure_updates};
                use diesel::prelude::*;
                let mut conn = pool.get().unwrap();
                let updates: i64 = measure_updates::table
                    .count()
                    .get_result(&mut conn)
                    .unwrap();
                let mail: i64 = mail_outbox::table.count().get_result(&mut conn).unwrap();
                (updates, mail)
            })
            .await
            .unwrap()
        }
    };
    let before = count(&app).await;
    // The form, the API, and decisions on what was already submitted.
    let r = focal
        .post_form(
            "/updates/new",
            &[("remarks", "Closed"), ("action", "submit"), ("base", "")],
        )
        .await;
    assert!(
        r.status() == 404 || r.status() == 409 || r.status() == 422,
        "{}",
        r.status()
    );
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(by_email()),
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "authority_id");
    let (s, body) = act(&app, &c.admin, waiting, "approve", None).await;
    assert_eq!(s, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("archived")
    );
    let r = admin
        .post_form(&format!("/admin/updates/{waiting}/approve"), &[])
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(count(&app).await, before, "nothing stored, nothing mailed");
    assert_eq!(status_of(&app, &c.admin, waiting).await, "submitted");
}

#[tokio::test]
async fn a_measure_decided_on_one_instance_shows_on_another() {
    let refresh = [("COUNTERPART_DIRECTORY__REFRESH_INTERVAL", "200ms")];
    let first = crate::helpers::spawn_app_with(&refresh, crate::helpers::demo()).await;
    let second = crate::helpers::spawn_instance_on(&first.database_url, &refresh).await;
    let c = cast(&first).await;
    // The second keeps what it showed, and the page made from it.
    assert!(in_force_ids(&second).await.is_empty());
    let (_, page) = second.get_html("/counterpart?country=FR&article=18").await;
    assert!(!page.contains("Measures in force"));

    let id = submit(&first, &c.focal, by_email()).await;
    let (s, d) = act(&first, &c.admin, id, "approve", None).await;
    assert_eq!(s, 200, "{d}");
    let mut seen = false;
    for _ in 0..50 {
        let (_, page) = second.get_html("/counterpart?country=FR&article=18").await;
        if in_force_ids(&second).await == [id] && page.contains("Measures in force") {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the second instance never showed the measure");

    let (s, _) = act(&first, &c.focal, id, "withdraw", None).await;
    assert_eq!(s, 200);
    let mut gone = false;
    for _ in 0..50 {
        if in_force_ids(&second).await.is_empty() {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the second instance kept a withdrawn measure");
}
