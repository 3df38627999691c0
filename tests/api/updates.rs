//! Measure updates: submitted by focal points, reviewed by the secretariat,
//! shown to practitioners while in force.

use reqwest::Method;
use serde_json::json;

use counterpart::auth::Role;

use crate::helpers::{TestApp, spawn_app};
use crate::people::{act, api, archive, cast};

pub fn by_email() -> serde_json::Value {
    json!({
        "operations": "remote", "electronic_requests": "yes",
        "electronic_address": "entraide@justice.example", "originals_required": "no",
        "video_hearings": "yes", "remarks": "Requests accepted by email; originals not required.",
        "language": "en",
    })
}

/// The measures in force of FR-001 as a signed-in reader sees them (with
/// the urgent contact and electronic address).
async fn in_force_for_france(app: &TestApp, reader: &str) -> Vec<serde_json::Value> {
    let (s, body) = api(
        app,
        Method::GET,
        "/api/v1/counterpart?country=FR&article=18",
        Some(reader),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    body["measures_in_force"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_life_of_an_update() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    // A draft is the focal point's own.
    let mut draft = by_email();
    draft["draft"] = json!(true);
    let (s, d) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(draft),
    )
    .await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "draft");
    assert_eq!(
        d["authority_id"], c.own,
        "a focal point's own authority by default"
    );
    let id = d["id"].as_i64().unwrap();
    let (s, _) = app.get_json(&format!("/api/v1/updates/{id}")).await;
    assert_eq!(s, 404, "nobody else sees a draft");
    let (s, _) = act(&app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 409, "a draft is not yet for review");
    let (s, d) = act(&app, &c.focal, id, "submit", None).await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "submitted");
    assert!(
        in_force_for_france(&app, &c.reader).await.is_empty(),
        "not in force before approval"
    );
    // The public finder page, seen (and kept) before the decision.
    let (_, before) = app.get_html("/counterpart?country=FR&article=18").await;
    assert!(!before.contains("Measures in force"), "{before}");
    let (_, state_before) = app.get_html("/countries/FR").await;
    assert!(
        !state_before.contains("Measures in force"),
        "{state_before}"
    );
    let (_, table_before) = app.get_html("/measures?country=FR").await;
    let (_, record_before) = app.get_html(&format!("/authorities/{}", c.own)).await;
    assert!(!record_before.contains("Requests accepted by email"));

    let (s, d) = act(&app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "approved");
    let shown = in_force_for_france(&app, &c.reader).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["electronic_address"], "entraide@justice.example");
    assert_eq!(shown[0]["video_hearings"], "yes");
    assert_eq!(shown[0]["originals_required"], "no");
    // The practitioner's pages show it beside the authority; the address
    // to use only to those who see contact details.
    app.add_user("reader@pages.example", Role::Reader, None)
        .await;
    let reader = app.sign_in("reader@pages.example").await;
    let html = reader
        .get("/counterpart?country=FR&article=18")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Measures in force"), "{html}");
    assert!(html.contains("Yes — send to entraide@justice.example"));
    assert!(html.contains("<dt>Hearings by videoconference</dt><dd>Yes</dd>"));
    let (_, public) = app.get_html("/counterpart?country=FR&article=18").await;
    assert!(public.contains("<dt>Hearings by videoconference</dt><dd>Yes</dd>"));
    assert!(!public.contains("entraide@justice.example"), "{public}");
    // The State's page too, kept apart for each audience.
    let html = reader.get("/countries/FR").await.text().await.unwrap();
    assert!(
        html.contains("Yes — send to entraide@justice.example"),
        "{html}"
    );
    let (_, public) = app.get_html("/countries/FR").await;
    assert!(public.contains("Measures in force"), "{public}");
    assert!(!public.contains("entraide@justice.example"), "{public}");
    let (_, table) = app.get_html("/measures?country=FR").await;
    assert_ne!(
        table, table_before,
        "the table of measures follows the approval"
    );
    assert!(
        table.contains(&format!("/authorities/{}", c.own)),
        "{table}"
    );
    let (_, html) = app.get_html(&format!("/authorities/{}", c.own)).await;
    assert!(html.contains("Requests accepted by email; originals not required."));

    // A newer approved update supersedes it.
    let mut newer = by_email();
    newer["operations"] = json!("normal");
    let (_, n) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(newer),
    )
    .await;
    assert_eq!(n["status"], "submitted");
    let nid = n["id"].as_i64().unwrap();
    let (s, d) = act(&app, &c.admin, nid, "approve", None).await;
    assert_eq!(s, 200);
    assert_eq!(d["superseded"], id);
    let (_, old) = app.get_json(&format!("/api/v1/updates/{id}")).await;
    assert_eq!(old["status"], "superseded");
    let shown = in_force_for_france(&app, &c.reader).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["id"], nid);

    // Withdrawn: nothing in force; the decision is in the history.
    let (s, d) = act(&app, &c.focal, nid, "withdraw", None).await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "withdrawn");
    assert!(in_force_for_france(&app, &c.reader).await.is_empty());
    let (_, public) = app.get_html("/countries/FR").await;
    assert!(!public.contains("Measures in force"), "{public}");
    let (_, table) = app.get_html("/measures?country=FR").await;
    assert_eq!(table, table_before, "and the withdrawal");
    let (_, history) = api(
        &app,
        Method::GET,
        &format!("/api/v1/authorities/{}/history", c.own),
        Some(&c.reader),
        None,
        None,
    )
    .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["withdraw update", "approve update", "approve update"]
    );
}

#[tokio::test]
async fn an_update_past_its_end_expires_by_itself() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let mut past = by_email();
    past["effective_from"] = json!("2020-03-16");
    past["effective_until"] = json!("2020-06-30");
    let (_, u) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(past),
    )
    .await;
    let id = u["id"].as_i64().unwrap();
    let (s, d) = act(&app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "expired");
    assert!(in_force_for_france(&app, &c.reader).await.is_empty());
    let (_, list) = app
        .get_json("/api/v1/updates?status=expired&country=FR")
        .await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn who_may_submit_and_review() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (s, _) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        None,
        None,
        Some(by_email()),
    )
    .await;
    assert_eq!(s, 401);
    let (s, _) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.reader),
        None,
        Some(json!({"authority_id": c.own})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.other_focal),
        None,
        Some(json!({"authority_id": c.own})),
    )
    .await;
    assert_eq!(s, 403, "for another authority");
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.admin),
        None,
        Some(by_email()),
    )
    .await;
    assert_eq!(s, 422, "an admin names the authority");
    assert_eq!(body["error"]["fields"][0]["field"], "authority_id");
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(json!({"operations": "closed", "colour": 1})),
    )
    .await;
    // Like an authority's edit: a 422 that names the field, not a bare 400.
    assert_eq!(s, 422, "unknown field: {body}");
    assert_eq!(body["error"]["fields"][0]["field"], "colour", "{body}");
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(json!({"operations": "closed"})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "operations");

    let (_, u) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(by_email()),
    )
    .await;
    let id = u["id"].as_i64().unwrap();
    let (s, _) = api(
        &app,
        Method::GET,
        &format!("/api/v1/updates/{id}"),
        Some(&c.other_focal),
        None,
        None,
    )
    .await;
    assert_eq!(s, 404, "a submission is not another authority's business");
    let (s, _) = act(&app, &c.focal, id, "approve", None).await;
    assert_eq!(s, 403, "no approving one's own");
    let (s, body) = act(&app, &c.admin, id, "reject", Some(json!({"reason": " "}))).await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "reason");
    let (s, d) = act(
        &app,
        &c.admin,
        id,
        "reject",
        Some(json!({"reason": "Please give the address to use."})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "rejected");
    assert_eq!(d["rejection_reason"], "Please give the address to use.");
    let (s, _) = act(&app, &c.admin, id, "approve", None).await;
    assert_eq!(s, 409, "decided once");
    // The focal point sees its rejected update; the public does not.
    let (_, mine) = api(
        &app,
        Method::GET,
        "/api/v1/updates?status=rejected",
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!(mine["total"], 1);
    let (_, public) = app.get_json("/api/v1/updates?status=rejected").await;
    assert_eq!(public["total"], 0);
}

#[tokio::test]
async fn submitted_from_the_form_and_reviewed_in_the_queue() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let focal = app.sign_in("focal@fr.example").await;
    let form = focal.get("/updates/new").await.text().await.unwrap();
    assert!(form.contains("Submit for review") && form.contains("Save as draft"));
    let bad = focal
        .post_form(
            "/updates/new",
            &[
                ("electronic_requests", "yes"),
                ("electronic_address", "by fax"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("value=\"by fax\" aria-invalid=\"true\""),
        "keeps what was typed"
    );
    let r = focal
        .post_form(
            "/updates/new",
            &[
                ("electronic_requests", "yes"),
                ("electronic_address", "entraide@justice.example"),
                ("originals_required", "no"),
                ("video_hearings", "yes"),
                ("remarks", "Requests accepted by email."),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = focal
        .get(&format!(
            "/updates/new?authority={}",
            app.authority_by_ref("DE-001").await.0
        ))
        .await;
    assert_eq!(r.status(), 403, "not for another authority");

    let admin = app.sign_in("secretariat@unodc.example").await;
    let queue = admin.get("/admin/updates").await.text().await.unwrap();
    assert!(queue.contains("1 update waits"), "{queue}");
    assert!(queue.contains("no measure in force now"));
    assert!(
        queue.contains("class=\"changed\""),
        "differences are marked"
    );
    let (_, list) = api(
        &app,
        Method::GET,
        "/api/v1/updates?status=submitted",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let r = admin
        .post_form(&format!("/admin/updates/{id}/reject"), &[("reason", "")])
        .await;
    assert_eq!(r.status(), 422, "a rejection needs its reason");
    let r = admin
        .post_form(&format!("/admin/updates/{id}/approve"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let shown = in_force_for_france(&app, &c.reader).await;
    assert_eq!(shown[0]["electronic_address"], "entraide@justice.example");
    let queue = admin.get("/admin/updates").await.text().await.unwrap();
    assert!(queue.contains("Nothing to review."));
}

#[tokio::test]
async fn measures_in_force_on_the_state_page_and_the_list() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (_, u) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(by_email()),
    )
    .await;
    let id = u["id"].as_i64().unwrap();
    act(&app, &c.admin, id, "approve", None).await;
    app.add_user("reader@pages.example", Role::Reader, None)
        .await;
    let reader = app.sign_in("reader@pages.example").await;
    let state = reader.get("/countries/FR").await.text().await.unwrap();
    assert!(
        state.contains("Measures in force")
            && state.contains("Yes — send to entraide@justice.example")
    );
    let (s, all) = app.get_html("/measures").await;
    assert_eq!(s, 200);
    assert!(
        all.contains("1 authority.") && all.contains("/countries/FR"),
        "{all}"
    );
    for filter in ["country=FR", "region=150", "electronic=yes&video=yes"] {
        let (_, html) = app.get_html(&format!("/measures?{filter}")).await;
        assert!(html.contains("1 authority."), "{filter}");
    }
    for filter in ["country=DE", "region=002"] {
        let (_, html) = app.get_html(&format!("/measures?{filter}")).await;
        assert!(html.contains("No measure in force matches."), "{filter}");
    }
    // One page of rows here; a page number past the last shows the last,
    // and a page that is not a number is refused, naming the parameter.
    let (s, html) = app.get_html("/measures?country=FR&page=3").await;
    assert_eq!(s, 200);
    assert!(html.contains("1 authority.") && !html.contains("class=\"pager\""));
    for bad in ["page=0", "page=two", "page=-1"] {
        let (s, html) = app.get_html(&format!("/measures?{bad}")).await;
        assert_eq!(s, 400, "{bad}");
        assert!(html.contains("page"), "{bad}: {html}");
    }
    let (s, _) = app.get_html("/measures?region=Atlantis").await;
    assert_eq!(s, 400);
    // Archived, its measure leaves the list though the measures in force
    // kept in memory were not read again (they did not change).
    archive(&app, &c.admin, c.own).await;
    let (_, html) = app.get_html("/measures").await;
    assert!(html.contains("No measure in force matches."), "{html}");
    let state = reader.get("/countries/FR").await.text().await.unwrap();
    assert!(!state.contains("entraide@justice.example"));
}
