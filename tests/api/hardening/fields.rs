//! Values of the wrong shape: dates in no sane year, JSON of the wrong type,
//! a version that is not a number; each refused naming its field.

use serde_json::json;

use super::{fields_of, patch_own, post_update};
use crate::helpers::spawn_app;
use crate::people::cast;
use crate::updates::by_email;

#[tokio::test]
async fn dates_outside_sane_years_are_refused() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for date in ["-0001-01-01", "0000-06-01", "1899-12-31", "+10000-01-01"] {
        let mut body = by_email();
        body["effective_from"] = json!(date);
        let (s, answer) = post_update(&app, &c.focal, body).await;
        assert_eq!(s, 422, "{date}: {answer}");
        assert_eq!(fields_of(&answer), ["effective_from"]);
        let mut body = by_email();
        body["effective_until"] = json!(date);
        let (s, answer) = post_update(&app, &c.focal, body).await;
        assert_eq!(s, 422, "{date}: {answer}");
        assert!(
            fields_of(&answer).contains(&"effective_until".to_string()),
            "{answer}"
        );
        let (s, answer) = patch_own(&app, &c, json!({"verified_at": date})).await;
        assert_eq!(s, 422, "{date}: {answer}");
        assert_eq!(fields_of(&answer), ["verified_at"]);
    }
}

#[tokio::test]
async fn a_json_value_of_the_wrong_type_names_its_field() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for (body, field) in [
        (json!({"notes": 5}), "notes"),
        (json!({"languages": "fr"}), "languages"),
        (json!({"contacts": {"name": "Ana"}}), "contacts"),
        (json!({"contacts": [{"name": 5}]}), "contacts"),
        (
            json!({"designations": [{"article": 18, "functions": "receives"}]}),
            "designations",
        ),
    ] {
        let (s, answer) = patch_own(&app, &c, body.clone()).await;
        assert_eq!(s, 422, "{body}: {answer}");
        assert_eq!(fields_of(&answer), [field], "{body}: {answer}");
    }
}

#[tokio::test]
async fn a_wrong_value_in_an_update_or_a_reason_names_its_field() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for (change, field) in [
        (json!({"remarks": 5}), "remarks"),
        (json!({"authority_id": "FR-001"}), "authority_id"),
        (json!({"draft": "yes"}), "draft"),
        (json!({"base": [1]}), "base"),
        (json!({"remark": "typed wrong"}), "remark"),
    ] {
        let mut body = by_email();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (s, answer) = post_update(&app, &c.focal, body).await;
        assert_eq!(s, 422, "{change}: {answer}");
        assert_eq!(fields_of(&answer), [field], "{change}: {answer}");
    }
    let (s, answer) = post_update(&app, &c.focal, json!(["not", "an", "object"])).await;
    assert_eq!(s, 422, "{answer}");
    assert_eq!(fields_of(&answer), ["body"]);

    let (s, draft) = post_update(&app, &c.focal, by_email()).await;
    assert_eq!(s, 201, "{draft}");
    let (s, answer) = crate::people::act(
        &app,
        &c.admin,
        draft["id"].as_i64().unwrap(),
        "reject",
        Some(json!({"reason": false})),
    )
    .await;
    assert_eq!(s, 422, "{answer}");
    assert_eq!(fields_of(&answer), ["reason"]);
}

#[tokio::test]
async fn the_archive_form_refuses_a_version_that_is_not_a_number() {
    let app = spawn_app().await;
    let _c = cast(&app).await;
    let browser = app.sign_in("secretariat@unodc.example").await;
    let (id, version) = app.authority_by_ref("DE-001").await;
    for bad in ["abc", "", "1.5"] {
        let r = browser
            .post_form(&format!("/authorities/{id}/archive"), &[("version", bad)])
            .await;
        assert_eq!(r.status(), 400, "{bad:?}");
        assert!(r.text().await.unwrap().contains("version"));
    }
    let (s, _) = app.get_json(&format!("/api/v1/authorities/{id}")).await;
    assert_eq!(s, 200, "still in the directory");
    let r = browser
        .post_form(
            &format!("/authorities/{id}/archive"),
            &[("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status(), 303);
}
