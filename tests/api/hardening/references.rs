//! Ids that name nothing, sent through a form or the API: a clear 422
//! naming the field, not a database error, and nothing stored.

use reqwest::Method;
use serde_json::json;

use super::{fields_of, post_update};
use crate::helpers::spawn_app;
use crate::people::{api, cast};
use crate::updates::by_email;

#[tokio::test]
async fn an_update_naming_an_authority_or_base_that_does_not_exist_is_refused() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let browser = app.sign_in("secretariat@unodc.example").await;
    let r = browser
        .post_form(
            "/updates/new",
            &[
                ("authority_id", "999999"),
                ("operations", "normal"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("no authority with id 999999"), "{html}");

    // A draft naming as its starting point a measure that never existed
    // (a foreign key the database refused, a 500), through the form...
    let own = c.own.to_string();
    let r = browser
        .post_form(
            "/updates/new",
            &[
                ("authority_id", own.as_str()),
                ("operations", "normal"),
                ("base", "987654"),
                ("action", "draft"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("no update 987654"));
    // ... and the API, and one that is another authority's.
    let mut other = by_email();
    other["authority_id"] = json!(c.other);
    let (s, theirs) = post_update(&app, &c.other_focal, other).await;
    assert_eq!(s, 201, "{theirs}");
    for base in [json!(987654), theirs["id"].clone()] {
        let mut draft = by_email();
        draft["draft"] = json!(true);
        draft["base"] = base.clone();
        let (s, answer) = post_update(&app, &c.focal, draft).await;
        assert_eq!(s, 422, "{base}: {answer}");
        assert_eq!(fields_of(&answer), ["base"]);
    }
    let path = format!("/api/v1/updates?authority_id={}&status=draft", c.own);
    let (_, list) = api(&app, Method::GET, &path, Some(&c.focal), None, None).await;
    assert_eq!(list["total"], 0, "nothing stored: {list}");
}

/// Found while describing the API: a subscription for an unknown ref was
/// refused naming `authority` (the secretariat's form field), a field the
/// API does not have.
#[tokio::test]
async fn a_subscription_for_an_unknown_ref_names_the_field_that_was_sent() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (status, answer) = api(
        &app,
        Method::POST,
        "/api/v1/subscriptions",
        Some(&c.admin),
        None,
        Some(json!({"email": "desk@nowhere.example", "authority_ref": "ZZ-404"})),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(fields_of(&answer), ["authority_ref"]);
    let (_, list) = api(
        &app,
        Method::GET,
        "/api/v1/subscriptions?per_page=100",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert!(
        !list.to_string().contains("desk@nowhere.example"),
        "nothing stored"
    );
}
