//! A focal point's whole journey from the browser, without the API: a draft,
//! reopened, submitted, decided, withdrawn; and a change to designations or
//! type held for the secretariat.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};
use crate::people::{Browser, api, cast};

/// The templates of the messages queued so far, in order.
async fn mail_templates(app: &TestApp) -> Vec<(String, String)> {
    let pool = app.state.pool.clone();
    tokio::task::spawn_blocking(move || {
        use counterpart::db::schema::mail_outbox;
        use diesel::prelude::*;
        let mut conn = pool.get().unwrap();
        mail_outbox::table
            .order(mail_outbox::id)
            .select((mail_outbox::template, mail_outbox::recipient))
            .load(&mut conn)
            .unwrap()
    })
    .await
    .unwrap()
}

async fn follow(browser: &Browser, r: reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let page = browser.get(&to).await;
    assert_eq!(page.status(), 200, "{to}");
    page.text().await.unwrap()
}

/// The id in `done=...&id=N` of a redirect.
fn done_id(r: &reqwest::Response) -> i64 {
    let to = r.headers()["location"].to_str().unwrap();
    to.rsplit("id=").next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_focal_point_follows_its_updates_from_the_browser() {
    let app = spawn_app().await;
    cast(&app).await;
    let focal = app.sign_in("focal@fr.example").await;
    let admin = app.sign_in("secretariat@unodc.example").await;

    let page = focal.get("/updates").await.text().await.unwrap();
    assert!(
        page.contains("No measure is in force") && page.contains("No draft."),
        "{page}"
    );
    assert!(page.contains("FR-001") && page.contains("France"), "{page}");
    let form = focal.get("/updates/new").await.text().await.unwrap();
    assert!(form.contains("name=\"base\" value=\"\""), "{form}");

    // A draft: saved, confirmed, listed.
    let r = focal
        .post_form(
            "/updates/new",
            &[
                ("electronic_requests", "yes"),
                ("electronic_address", "entraide@justice.example"),
                ("remarks", "First thoughts."),
                ("base", ""),
                ("action", "draft"),
            ],
        )
        .await;
    let draft = done_id(&r);
    let page = follow(&focal, r).await;
    assert!(
        page.contains(&format!("Draft saved (update {draft})")),
        "{page}"
    );
    assert!(page.contains(&format!("/updates/{draft}/edit")) && page.contains("First thoughts."));
    assert!(page.contains("Nothing waits for the secretariat."));
    assert!(
        mail_templates(&app).await.is_empty(),
        "a draft tells nobody"
    );

    // Reopened: what was saved is in the form; changed and submitted.
    let form = focal
        .get(&format!("/updates/{draft}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("First thoughts.") && form.contains("value=\"entraide@justice.example\"")
    );
    assert!(
        form.contains(&format!("action=\"/updates/{draft}/edit\"")),
        "{form}"
    );
    let bad = focal
        .post_form(
            &format!("/updates/{draft}/edit"),
            &[
                ("effective_from", "someday"),
                ("remarks", "Kept"),
                ("base", ""),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("Kept") && html.contains("not a date"),
        "keeps what was typed"
    );
    assert!(
        html.contains("<a href=\"#u-effective_from\">In force from</a>:"),
        "the summary names the label: {html}"
    );
    let r = focal
        .post_form(
            &format!("/updates/{draft}/edit"),
            &[
                ("electronic_requests", "yes"),
                ("electronic_address", "entraide@justice.example"),
                ("video_hearings", "yes"),
                ("remarks", "Requests by email only."),
                ("base", ""),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(done_id(&r), draft);
    let page = follow(&focal, r).await;
    assert!(
        page.contains(&format!("Update {draft} was submitted for review")),
        "{page}"
    );
    assert!(page.contains("No draft.") && page.contains("Requests by email only."));
    let mail = mail_templates(&app).await;
    assert!(
        mail.contains(&("update_received".into(), "focal@fr.example".into())),
        "a receipt: {mail:?}"
    );
    assert!(mail.contains(&(
        "update_submitted".into(),
        "secretariat@unodc.example".into()
    )));
    // A draft no longer: it cannot be reopened.
    let r = focal.get(&format!("/updates/{draft}/edit")).await;
    assert_eq!(r.status(), 409);

    // Rejected: the reason is on the page.
    let r = admin
        .post_form(
            &format!("/admin/updates/{draft}/reject"),
            &[("reason", "Say until when.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = focal.get("/updates").await.text().await.unwrap();
    assert!(
        page.contains("Earlier updates") && page.contains("Say until when."),
        "{page}"
    );

    // Another, approved, in force, then withdrawn from the page.
    let r = focal
        .post_form(
            "/updates/new",
            &[
                ("operations", "remote"),
                ("remarks", "Remote until March."),
                ("effective_until", "2099-03-31"),
                ("base", ""),
                ("action", "submit"),
            ],
        )
        .await;
    let second = done_id(&r);
    follow(&focal, r).await;
    let r = admin
        .post_form(&format!("/admin/updates/{second}/approve"), &[("base", "")])
        .await;
    assert_eq!(r.status(), 303);
    let page = focal.get("/updates").await.text().await.unwrap();
    let in_force = &page
        [page.find("id=\"in-force-title\"").unwrap()..page.find("id=\"submitted-title\"").unwrap()];
    assert!(
        in_force.contains("Remote until March.")
            && in_force.contains(&format!("Withdraw update {second}")),
        "{in_force}"
    );
    let r = focal
        .post_form(&format!("/updates/{second}/withdraw"), &[])
        .await;
    let page = follow(&focal, r).await;
    assert!(
        page.contains(&format!("Update {second} was withdrawn.")),
        "{page}"
    );
    assert!(page.contains("No measure is in force"));
    let (_, found) = app
        .get_json("/api/v1/counterpart?country=FR&article=18")
        .await;
    assert_eq!(found["measures_in_force"], json!([]));

    // Another authority's updates are not this focal point's business.
    let de = app.authority_by_ref("DE-001").await.0;
    assert_eq!(
        focal
            .get(&format!("/updates?authority={de}"))
            .await
            .status(),
        403
    );
    let r = focal
        .post_form(&format!("/updates/{draft}/withdraw"), &[])
        .await;
    assert_eq!(r.status(), 409, "a rejected update is not withdrawn");
    let de_focal = app.sign_in("focal@de.example").await;
    let r = de_focal
        .post_form(&format!("/updates/{second}/withdraw"), &[])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        de_focal
            .get(&format!("/updates/{draft}/edit"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn designations_and_type_changed_by_a_focal_point_wait_for_the_secretariat() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/authorities/{}", c.own);
    let (_, before) = app.get_json(&path).await;
    let articles_before = before["articles"].clone();
    let mut articles: Vec<i64> = articles_before
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_i64().unwrap())
        .collect();
    let added = [16, 17, 18, 31]
        .into_iter()
        .find(|a| !articles.contains(a))
        .unwrap();
    articles.push(added);
    let (s, body) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.focal),
        Some(before["version"].as_i64().unwrap()),
        Some(json!({"articles": articles, "city": "Nouvelleville"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["city"], "Nouvelleville", "other fields apply at once");
    assert_eq!(body["articles"], articles_before, "designations wait");
    let held = &body["held_for_review"];
    assert_eq!(held["status"], "pending");
    assert!(held["designations_changed"].as_bool().unwrap());
    let proposal = held["id"].as_i64().unwrap();
    let mail = mail_templates(&app).await;
    assert!(
        mail.contains(&(
            "proposal_submitted".into(),
            "secretariat@unodc.example".into()
        )),
        "{mail:?}"
    );

    // Seen by the authority and the secretariat only.
    let (s, list) = api(
        &app,
        Method::GET,
        "/api/v1/proposals",
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)));
    let (s, _) = api(
        &app,
        Method::GET,
        &format!("/api/v1/proposals/{proposal}"),
        Some(&c.other_focal),
        None,
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &app,
        Method::GET,
        "/api/v1/proposals",
        Some(&c.reader),
        None,
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{proposal}/approve"),
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!(s, 403, "not one's own approval");

    // The review page shows it; approved there, it is in the directory.
    let admin = app.sign_in("secretariat@unodc.example").await;
    let queue = admin.get("/admin/updates").await.text().await.unwrap();
    assert!(
        queue.contains(&format!("proposal {proposal}")) && queue.contains("FR-001"),
        "{queue}"
    );
    let r = admin
        .post_form(&format!("/admin/proposals/{proposal}/approve"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, after) = app.get_json(&path).await;
    assert!(
        after["articles"]
            .as_array()
            .unwrap()
            .contains(&json!(added)),
        "{after}"
    );
    assert_eq!(after["city"], "Nouvelleville");
    let (_, history) = api(
        &app,
        Method::GET,
        &format!("{path}/history"),
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(history["items"][0]["action"], "approve designation change");
    let mail = mail_templates(&app).await;
    assert!(
        mail.contains(&("proposal_decided".into(), "focal@fr.example".into())),
        "{mail:?}"
    );

    // The type, changed in the edit form: held, said so, rejected with a reason.
    let focal = app.sign_in("focal@fr.example").await;
    let form = focal
        .get(&format!("/authorities/{}/edit", c.own))
        .await
        .text()
        .await
        .unwrap();
    let mut fields = form_fields(&form);
    let kind = if value_of(&fields, "kind") == "central_authority" {
        "competent_authority"
    } else {
        "central_authority"
    };
    set(&mut fields, "kind", kind);
    set(&mut fields, "notes", "Open on Saturdays.");
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = focal
        .post_form(&format!("/authorities/{}/edit", c.own), &pairs)
        .await;
    let page = follow(&focal, r).await;
    assert!(page.contains("waits for the secretariat"), "{page}");
    assert!(page.contains("Waiting for the secretariat: a change to designations or type"));
    assert!(page.contains("Open on Saturdays."));
    let (_, now) = app.get_json(&path).await;
    assert_eq!(now["kind"], before["kind"], "the type waits");
    let (_, pending) = api(
        &app,
        Method::GET,
        "/api/v1/proposals?status=pending",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    let second = pending["items"][0]["id"].as_i64().unwrap();
    let r = admin
        .post_form(
            &format!("/admin/proposals/{second}/reject"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 422, "a rejection needs its reason");
    let r = admin
        .post_form(
            &format!("/admin/proposals/{second}/reject"),
            &[("reason", "Notified otherwise.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, now) = app.get_json(&path).await;
    assert_eq!(now["kind"], before["kind"]);

    // The secretariat's own edits of designations apply at once.
    let (s, body) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.admin),
        Some(now["version"].as_i64().unwrap()),
        Some(json!({"articles": articles_before})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["articles"], articles_before);
    assert_eq!(body.get("held_for_review"), None);
}

/// The named fields of the first edit form of a page, as a browser posts them.
fn form_fields(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let form = scraper::Selector::parse("form.edit").unwrap();
    let inputs = scraper::Selector::parse("input, select, textarea").unwrap();
    let option = scraper::Selector::parse("option[selected]").unwrap();
    let form = doc.select(&form).next().expect("an edit form");
    let mut out = Vec::new();
    for el in form.select(&inputs) {
        let v = el.value();
        let Some(name) = v.attr("name") else { continue };
        if name == "csrf_token" {
            continue;
        }
        let value: Option<String> = match v.name() {
            "select" => el
                .select(&option)
                .next()
                .map(|o| o.value().attr("value").unwrap_or_default().to_string())
                .or(Some(String::new())),
            "textarea" => Some(el.text().collect()),
            _ => match v.attr("type") {
                Some("checkbox") | Some("radio") => v
                    .attr("checked")
                    .map(|_| v.attr("value").unwrap_or("on").to_string()),
                Some("submit") => None,
                _ => Some(v.attr("value").unwrap_or_default().to_string()),
            },
        };
        if let Some(value) = value {
            out.push((name.to_string(), value));
        }
    }
    out
}

fn value_of(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_string(), value.to_string()));
}

/// The hidden and text inputs of the first form posting to `action`.
fn inputs_of(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let form = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).unwrap();
    let input = scraper::Selector::parse("input").unwrap();
    let form = doc.select(&form).next().unwrap_or_else(|| panic!("{html}"));
    form.select(&input)
        .filter_map(|e| {
            let name = e.value().attr("name")?;
            Some((
                name.to_string(),
                e.value().attr("value").unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

#[tokio::test]
async fn an_update_typed_while_the_session_ended_is_kept_through_sign_in() {
    let app = spawn_app().await;
    cast(&app).await;
    let focal = app.sign_in("focal@fr.example").await;
    let form = focal.get("/updates/new").await.text().await.unwrap();
    assert!(form.contains("name=\"remarks\""));
    // Lunch: longer than any session may stay idle.
    app.advance(chrono::Duration::days(2)).await;
    let r = focal
        .post_form(
            "/updates/new",
            &[
                ("electronic_requests", "yes"),
                ("remarks", "Typed over a long lunch; ñ, 中文 & \"quotes\"."),
                ("base", ""),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(r.status(), 401);
    let login = r.text().await.unwrap();
    assert!(login.contains("what you typed is kept"), "{login}");
    let mut fields = inputs_of(&login, "/login");
    assert!(
        fields
            .iter()
            .any(|(k, v)| k == "resume_action" && v == "/updates/new")
    );
    assert!(
        !fields
            .iter()
            .any(|(k, v)| k == "resume_body" && v.contains("csrf_token")),
        "the old form token is not carried"
    );
    for (k, v) in fields.iter_mut() {
        match k.as_str() {
            "email" => *v = "focal@fr.example".into(),
            "password" => *v = crate::people::PASSWORD.into(),
            _ => {}
        }
    }
    let r = focal
        .client
        .post(format!("{}/login", app.address))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let again = r.text().await.unwrap();
    assert!(again.contains("Send what you typed"), "{again}");
    assert!(
        again.contains("<dt>Remarks</dt>")
            && again.contains("<dt>Requests accepted by electronic means</dt>"),
        "the form's labels: {again}"
    );
    assert!(
        again.contains("Typed over a long lunch; ñ, 中文 &amp; &quot;quotes&quot;."),
        "{again}"
    );
    let resend = inputs_of(&again, "/updates/new");
    assert!(
        resend
            .iter()
            .any(|(k, v)| k == "csrf_token" && !v.is_empty())
    );
    let r = focal
        .client
        .post(format!("{}/updates/new", app.address))
        .form(&resend)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let draft = done_id(&r);
    let page = follow(&focal, r).await;
    assert!(
        page.contains(&format!("Draft saved (update {draft})")),
        "{page}"
    );
    assert!(
        page.contains("Typed over a long lunch; ñ, 中文 &amp; &quot;quotes&quot;."),
        "{page}"
    );
}
