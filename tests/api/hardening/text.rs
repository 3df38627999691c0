//! Control characters, line breaks in names and direction overrides:
//! refused the same way on SQLite and PostgreSQL (which cannot store a NUL).

use reqwest::Method;
use serde_json::json;

use super::{fields_of, patch_own, post_update};
use crate::helpers::spawn_app;
use crate::people::{act, api, cast};
use crate::updates::by_email;

#[tokio::test]
async fn control_characters_are_refused_in_update_text_and_reasons() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for (field, text) in [
        ("remarks", "closed\u{0}"),
        ("time_limits", "suspended\u{1b}[31m"),
        ("urgent_contact", "duty desk\ncall +33 1 00"),
        ("electronic_address", "https://justice.example/\u{0}"),
    ] {
        let mut body = by_email();
        body[field] = json!(text);
        let (s, answer) = post_update(&app, &c.focal, body).await;
        assert_eq!(s, 422, "{field}: {answer}");
        assert_eq!(fields_of(&answer), [field], "{answer}");
    }
    // Remarks of several lines, with tabs, are fine.
    let mut body = by_email();
    body["remarks"] = json!("Requests by email.\r\n\tOriginals later.\nThank you.");
    let (s, u) = post_update(&app, &c.focal, body).await;
    assert_eq!(s, 201, "{u}");
    let id = u["id"].as_i64().unwrap();

    // A rejection's reason: refused, and the update still waits for review.
    for reason in ["no\u{0}", "see \u{7}"] {
        let (s, answer) = act(
            &app,
            &c.admin,
            id,
            "reject",
            Some(json!({"reason": reason})),
        )
        .await;
        assert_eq!(s, 422, "{answer}");
        assert_eq!(fields_of(&answer), ["reason"]);
    }
    let (s, u) = api(
        &app,
        Method::GET,
        &format!("/api/v1/updates/{id}"),
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!((s, u["status"].as_str()), (200, Some("submitted")));
    let (s, u) = act(
        &app,
        &c.admin,
        id,
        "reject",
        Some(json!({"reason": "Too vague:\n\tsay which office."})),
    )
    .await;
    assert_eq!((s, u["status"].as_str()), (200, Some("rejected")), "{u}");

    // The form refuses the same, naming the field, and stores nothing.
    let browser = app.sign_in("focal@fr.example").await;
    let r = browser
        .post_form(
            "/updates/new",
            &[
                ("operations", "normal"),
                ("remarks", "a\u{0}b"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("control characters"));
    let (_, list) = api(
        &app,
        Method::GET,
        "/api/v1/updates?status=submitted",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(list["total"], 0, "{list}");
}

#[tokio::test]
async fn names_are_one_line_without_direction_overrides() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for (body, field) in [
        (json!({"name": "Ministry\nof Justice"}), "name"),
        (json!({"name": "Ministry\tof Justice"}), "name"),
        (json!({"name": "Ministry of \u{202E}ecitsuJ"}), "name"),
        (json!({"city": "Paris\u{2066}"}), "city"),
        (json!({"acronym": "M\rJ"}), "acronym"),
        (json!({"notes": "a\u{0}b"}), "notes"),
        (
            json!({"contacts": [{"name": "Ana\nSilva"}]}),
            "contacts[0].name",
        ),
        (
            json!({"contacts": [{"name": "Ana", "position": "Head\u{202D}"}]}),
            "contacts[0].position",
        ),
        (
            json!({"designations": [{"article": 18, "note": "x\u{0}"}]}),
            "designations[0].note",
        ),
    ] {
        let (s, answer) = patch_own(&app, &c, body.clone()).await;
        assert_eq!(s, 422, "{body}: {answer}");
        assert_eq!(fields_of(&answer), [field], "{answer}");
    }
    // Notes and the postal address keep their lines and tabs.
    let (s, answer) = patch_own(
        &app,
        &c,
        json!({"notes": "First line\n\tindented\r\nlast", "address": "13 place Vendôme\n75001 Paris"}),
    )
    .await;
    assert_eq!(s, 200, "{answer}");
}

#[tokio::test]
async fn a_name_stored_before_names_were_checked_does_not_block_other_edits() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let c = cast(&app).await;
    // As an import before issue 13 could leave it: a line break and a
    // direction override in the name.
    let pool = app.state.pool.clone();
    let own = c.own;
    tokio::task::spawn_blocking(move || {
        diesel::sql_query(format!(
            "UPDATE authorities SET name = 'Ministry\nof \u{202E}Justice' WHERE id = {own}"
        ))
        .execute(&mut pool.get().unwrap())
        .unwrap()
    })
    .await
    .unwrap();
    let (s, answer) = patch_own(&app, &c, json!({"phone": "+33 1 44 77 60 60"})).await;
    assert_eq!(s, 200, "an edit of another field goes through: {answer}");
    assert_eq!(
        answer["name"], "Ministry\nof \u{202E}Justice",
        "kept as it was"
    );
    // Changing the name itself is checked in full.
    let (s, answer) = api(
        &app,
        Method::PATCH,
        &format!("/api/v1/authorities/{own}"),
        Some(&c.admin),
        Some(answer["version"].as_i64().unwrap()),
        Some(json!({"name": "Ministry\nof Justice"})),
    )
    .await;
    assert_eq!(s, 422, "{answer}");
    assert_eq!(fields_of(&answer), ["name"]);
}
