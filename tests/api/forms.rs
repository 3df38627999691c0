//! The edit forms as a browser uses them: the form is read from the page,
//! changed, and posted back whole.

use counterpart::auth::Role;
use scraper::{Html, Selector};

use crate::helpers::{TestApp, spawn_app};
use crate::people::Browser;

/// The fields a browser would submit from the form posting to `action`.
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form = doc
        .select(&Selector::parse(&format!("form[action=\"{action}\"]")).unwrap())
        .next()
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let mut out = Vec::new();
    for input in form.select(&Selector::parse("input, textarea, select").unwrap()) {
        let el = input.value();
        let Some(name) = el.attr("name") else {
            continue;
        };
        let value = match el.name() {
            "textarea" => input.text().collect::<String>(),
            "select" => input
                .select(&Selector::parse("option[selected]").unwrap())
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string(),
            _ => {
                if el.attr("type") == Some("checkbox") && el.attr("checked").is_none() {
                    continue;
                }
                el.attr("value").unwrap_or("").to_string()
            }
        };
        out.push((name.to_string(), value));
    }
    out
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

async fn edit_page(browser: &Browser, id: i64) -> String {
    let r = browser.get(&format!("/authorities/{id}/edit")).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn post(browser: &Browser, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    browser
        .client
        .post(format!("{}{path}", browser.address))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn setup() -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    app.add_user("focal@fr.example", Role::FocalPoint, Some("FR-001"))
        .await;
    app.add_user("secretariat@unodc.example", Role::Admin, None)
        .await;
    let own = app.authority_by_ref("FR-001").await.0;
    let other = app.authority_by_ref("DE-001").await.0;
    (app, own, other)
}

#[tokio::test]
async fn a_focal_point_edits_its_authority_and_the_change_is_in_its_history() {
    let (app, own, _) = setup().await;
    let browser = app.sign_in("focal@fr.example").await;
    let html = edit_page(&browser, own).await;
    assert!(
        !html.contains("name=\"ref\""),
        "the ref is the secretariat's"
    );
    let action = format!("/authorities/{own}/edit");
    let mut fields = form_fields(&html, &action);
    set(&mut fields, "city", "Lyon");
    set(&mut fields, "phone", "04 72 55 50 00");
    let blank = fields
        .iter()
        .filter(|(k, v)| k.starts_with("contact_name_") && v.is_empty())
        .map(|(k, _)| k.clone())
        .next()
        .unwrap();
    let i = blank.trim_start_matches("contact_name_").to_string();
    set(&mut fields, &blank, "Élodie Quolliq");
    set(
        &mut fields,
        &format!("contact_email_{i}"),
        "e.quolliq@justice.example",
    );
    let r = post(&browser, &action, &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, a) = browser
        .get_json(&format!("/api/v1/authorities/{own}"))
        .await;
    assert_eq!(a["city"], "Lyon");
    assert_eq!(a["phone"], "+33472555000", "E.164, read as a French number");
    assert!(
        a["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Élodie Quolliq")
    );
    let page = browser
        .get(&format!("/authorities/{own}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<ins>Lyon</ins>") && page.contains("focal@fr.example"),
        "history on the page"
    );
    // Everything else came back unchanged from the form.
    let (_, history) = browser
        .get_json(&format!("/api/v1/authorities/{own}/history"))
        .await;
    let changed: Vec<&str> = history["items"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["city", "phone", "contacts"]);
}

#[tokio::test]
async fn invalid_input_is_shown_again_with_its_errors_and_nothing_is_saved() {
    let (app, own, _) = setup().await;
    let browser = app.sign_in("focal@fr.example").await;
    let action = format!("/authorities/{own}/edit");
    let mut fields = form_fields(&edit_page(&browser, own).await, &action);
    set(&mut fields, "email", "greffe at justice");
    set(&mut fields, "time_zone", "Europe/Lyon");
    set(&mut fields, "city", "Quolliqville");
    fields.retain(|(k, _)| k != "designated");
    let r = post(&browser, &action, &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Nothing was saved: please correct 3 fields"),
        "{html}"
    );
    assert!(html.contains("href=\"#f-email\""));
    assert!(
        html.contains(
            "&quot;greffe at justice&quot; is not an email address; write it as name@office.example"
        ),
        "in plain words, not the library's: {html}"
    );
    assert!(
        html.contains("value=\"greffe at justice\" aria-invalid=\"true\""),
        "keeps what was typed"
    );
    assert!(html.contains("value=\"Quolliqville\""));
    let (_, a) = browser
        .get_json(&format!("/api/v1/authorities/{own}"))
        .await;
    assert_ne!(a["city"], "Quolliqville");
}

#[tokio::test]
async fn others_may_not_open_the_form() {
    let (app, own, other) = setup().await;
    let r = app.browser().get(&format!("/authorities/{own}/edit")).await;
    assert_eq!(r.status(), 303, "anonymous: to sign-in");
    let browser = app.sign_in("focal@fr.example").await;
    let r = browser.get(&format!("/authorities/{other}/edit")).await;
    assert_eq!(r.status(), 403);
    let r = browser
        .post_form(
            &format!("/authorities/{other}/edit"),
            &[("version", "1"), ("name", "Taken over")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = browser
        .post_form(&format!("/authorities/{own}/archive"), &[])
        .await;
    assert_eq!(r.status(), 403, "only the secretariat archives");
    assert_eq!(browser.get("/admin/changes").await.status(), 403);
    let page = browser
        .get(&format!("/authorities/{other}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Edit this authority"));
}

#[tokio::test]
async fn a_form_read_before_someone_else_saved_is_refused_and_kept() {
    let (app, own, _) = setup().await;
    let focal = app.sign_in("focal@fr.example").await;
    let admin = app.sign_in("secretariat@unodc.example").await;
    let action = format!("/authorities/{own}/edit");
    let mut by_focal = form_fields(&edit_page(&focal, own).await, &action);
    let mut by_admin = form_fields(&edit_page(&admin, own).await, &action);
    set(&mut by_admin, "city", "Marseille");
    assert_eq!(post(&admin, &action, &by_admin).await.status(), 303);
    set(&mut by_focal, "city", "Lille");
    let r = post(&focal, &action, &by_focal).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Someone else saved this authority"));
    assert!(
        html.contains("value=\"Lille\""),
        "the focal point's typing is kept"
    );
    let (_, a) = focal.get_json(&format!("/api/v1/authorities/{own}")).await;
    assert_eq!(a["city"], "Marseille");
}

#[tokio::test]
async fn still_correct_archive_and_the_admin_pages() {
    let (app, own, other) = setup().await;
    let focal = app.sign_in("focal@fr.example").await;
    let r = focal
        .post_form(&format!("/authorities/{own}/confirm"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, a) = focal.get_json(&format!("/api/v1/authorities/{own}")).await;
    assert_eq!(
        a["verified_at"],
        chrono::Utc::now().date_naive().to_string()
    );

    let admin = app.sign_in("secretariat@unodc.example").await;
    // Among France's records, where it was (the list is paged).
    let stale = admin.text("/admin/stale?country=FR").await;
    assert!(stale.contains("not been verified within 180 days"));
    assert!(
        !stale.contains(&format!("href=\"/authorities/{own}\"")),
        "just confirmed"
    );
    let log = admin.get("/admin/changes").await.text().await.unwrap();
    assert!(log.contains("confirm") && log.contains("focal@fr.example"));

    let r = admin
        .post_form(&format!("/authorities/{other}/archive"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.get(&format!("/authorities/{other}")).await.status(),
        404
    );

    // A new authority through the form.
    let html = admin.get("/authorities/new").await.text().await.unwrap();
    let mut fields = form_fields(&html, "/authorities/new");
    set(&mut fields, "ref", "LU-Q-9");
    set(&mut fields, "country_code", "LU");
    set(&mut fields, "name", "Quolliq Liaison Office");
    set(&mut fields, "languages", "fr de");
    fields.push(("designated".into(), "18".into()));
    fields.push(("channels".into(), "email".into()));
    let r = post(&admin, "/authorities/new", &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(
        app.names("q=quolliq+liaison").await,
        ["Quolliq Liaison Office"]
    );
}

#[tokio::test]
async fn api_writes_by_cookie_need_the_form_token_header() {
    let (app, own, _) = setup().await;
    let focal = app.sign_in("focal@fr.example").await;
    let (_, a) = focal.get_json(&format!("/api/v1/authorities/{own}")).await;
    let url = format!("{}/api/v1/authorities/{own}", app.address);
    let body = serde_json::json!({"city": "Nantes", "version": a["version"]});
    let r = focal.client.patch(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403, "no token: a forged cross-site request");
    let r = focal
        .client
        .patch(&url)
        .header("X-CSRF-Token", &focal.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn languages_are_shown_and_read_by_their_names() {
    let (app, own, _) = setup().await;
    let browser = app.sign_in("focal@fr.example").await;
    let action = format!("/authorities/{own}/edit");
    let html = edit_page(&browser, own).await;
    let mut fields = form_fields(&html, &action);
    let shown = fields
        .iter()
        .find(|(k, _)| k == "languages")
        .unwrap()
        .1
        .clone();
    assert_eq!(shown, "French, English", "names, not codes");
    assert!(
        html.contains("list=\"language-names\"") && html.contains("<option value=\"Arabic\">"),
        "languages offered by name while typing"
    );
    set(&mut fields, "languages", "français; spanish, العربية, ru");
    let r = post(&browser, &action, &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, a) = browser
        .get_json(&format!("/api/v1/authorities/{own}"))
        .await;
    assert_eq!(a["languages"], serde_json::json!(["fr", "es", "ar", "ru"]));

    let mut fields = form_fields(&edit_page(&browser, own).await, &action);
    set(&mut fields, "languages", "French, Klingonese");
    let r = post(&browser, &action, &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("&quot;Klingonese&quot; is not a language we know; write its name (French) or its two-letter code (fr)"),
        "{html}"
    );
    assert!(
        html.contains("value=\"French, Klingonese\""),
        "kept as typed: {html}"
    );
}

#[tokio::test]
async fn time_zones_are_read_by_city_and_errors_are_in_plain_words() {
    let (app, own, _) = setup().await;
    let browser = app.sign_in("focal@fr.example").await;
    let action = format!("/authorities/{own}/edit");
    let html = edit_page(&browser, own).await;
    assert!(
        html.contains("list=\"time-zones\"") && html.contains("<option value=\"Europe/Vienna\">"),
        "the zones are offered while typing"
    );
    let mut fields = form_fields(&html, &action);
    set(&mut fields, "time_zone", "new york");
    let r = post(&browser, &action, &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, a) = browser
        .get_json(&format!("/api/v1/authorities/{own}"))
        .await;
    assert_eq!(a["time_zone"], "America/New_York");

    let mut fields = form_fields(&edit_page(&browser, own).await, &action);
    set(&mut fields, "time_zone", "Lyon");
    set(&mut fields, "website", "www.justice.example");
    let html = post(&browser, &action, &fields).await.text().await.unwrap();
    assert!(
        html.contains("&quot;Lyon&quot; is not a time zone we know; write the city that names it (Vienna) or its full name (Europe/Vienna)"),
        "{html}"
    );
    assert!(
        html.contains("is not a complete web address; write it whole, starting with https://")
            && !html.contains("relative URL without a base"),
        "{html}"
    );
}

#[tokio::test]
async fn errors_name_the_labels_and_a_person_s_errors_sit_beside_their_fields() {
    let (app, own, _) = setup().await;
    let browser = app.sign_in("focal@fr.example").await;
    let action = format!("/authorities/{own}/edit");
    let mut fields = form_fields(&edit_page(&browser, own).await, &action);
    set(&mut fields, "time_zone", "Lyon");
    set(&mut fields, "contact_email_0", "not an address");
    let r = post(&browser, &action, &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<a href=\"#f-time_zone\">Time zone</a>:"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"#c-email-0\">Person 1, email</a>:"),
        "{html}"
    );
    assert!(
        !html.contains(">time_zone<") && !html.contains("contacts[0]"),
        "{html}"
    );
    // Beside the field, tied to it for screen readers.
    let doc = scraper::Html::parse_document(&html);
    let input = doc
        .select(&scraper::Selector::parse("#c-email-0").unwrap())
        .next()
        .unwrap();
    assert_eq!(input.value().attr("aria-invalid"), Some("true"));
    assert_eq!(input.value().attr("aria-describedby"), Some("ce-email-0"));
    assert_eq!(input.value().attr("value"), Some("not an address"));
    assert!(
        doc.select(&scraper::Selector::parse("#ce-email-0").unwrap())
            .next()
            .is_some()
    );
}
