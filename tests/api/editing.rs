//! Changing the directory through the API: who may do what, versions,
//! validation, and the history of changes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::people::{api, cast};

async fn version_of(app: &TestApp, id: i64) -> i64 {
    let (_, body) = app.get_json(&format!("/api/v1/authorities/{id}")).await;
    body["version"].as_i64().unwrap()
}

fn new_authority(ref_: &str) -> Value {
    json!({
        "ref": ref_, "country_code": "PT", "name": "Quolliq Central Authority",
        "name_local": "Autoridade Central Quolliq", "kind": "central_authority",
        "email": "central@quolliq.example", "phone": "+351 21 555 0100",
        "website": "https://quolliq.example/", "languages": ["pt", "en"],
        "channels": ["email", "post"], "time_zone": "Europe/Lisbon",
        "designations": [{"article": 18, "functions": ["receives", "transmits"]}, {"article": 16}],
        "contacts": [{"name": "Inês Quolliq", "position": "Head", "email": "ines@quolliq.example", "languages": ["pt"]}]
    })
}

#[tokio::test]
async fn who_may_do_what() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let tokens: [(&str, Option<&str>); 4] = [
        ("anonymous", None),
        ("reader", Some(&c.reader)),
        ("focal point", Some(&c.focal)),
        ("admin", Some(&c.admin)),
    ];
    // (action, expected status for anonymous, reader, focal point, admin)
    for (who, token) in tokens {
        let expect = |anon: u16, reader: u16, focal: u16, admin: u16| match who {
            "anonymous" => anon,
            "reader" => reader,
            "focal point" => focal,
            _ => admin,
        };
        let own = format!("/api/v1/authorities/{}", c.own);
        let other = format!("/api/v1/authorities/{}", c.other);
        let v = version_of(&app, c.own).await;
        let (s, body) = api(
            &app,
            Method::PATCH,
            &own,
            token,
            Some(v),
            Some(json!({"office_hours": format!("9-17 ({who})")})),
        )
        .await;
        assert_eq!(s, expect(401, 403, 200, 200), "{who} edits FR-001: {body}");
        let v = version_of(&app, c.other).await;
        let (s, body) = api(
            &app,
            Method::PATCH,
            &other,
            token,
            Some(v),
            Some(json!({"office_hours": "8-16"})),
        )
        .await;
        assert_eq!(s, expect(401, 403, 403, 200), "{who} edits DE-001: {body}");
        let (s, _) = api(
            &app,
            Method::POST,
            &format!("{own}/confirm"),
            token,
            None,
            None,
        )
        .await;
        assert_eq!(s, expect(401, 403, 200, 200), "{who} confirms FR-001");
        let (s, _) = api(
            &app,
            Method::GET,
            &format!("{own}/history"),
            token,
            None,
            None,
        )
        .await;
        assert_eq!(s, expect(401, 200, 200, 200), "{who} reads the history");
        let (s, _) = api(&app, Method::GET, "/api/v1/changes", token, None, None).await;
        assert_eq!(
            s,
            expect(401, 403, 403, 200),
            "{who} reads the log of all changes"
        );
        let (s, body) = api(
            &app,
            Method::POST,
            "/api/v1/authorities",
            token,
            None,
            Some(new_authority(&format!("PT-Q-{}", who.len()))),
        )
        .await;
        assert_eq!(s, expect(401, 403, 403, 201), "{who} creates: {body}");
        let (s, _) = api(&app, Method::DELETE, &other, token, None, None).await;
        assert_eq!(s, expect(401, 403, 403, 200), "{who} archives DE-001");
    }
    // Archived: gone from the directory.
    let (s, _) = app
        .get_json(&format!("/api/v1/authorities/{}", c.other))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_focal_point_cannot_move_its_authority_to_another_state() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let v = version_of(&app, c.own).await;
    let path = format!("/api/v1/authorities/{}", c.own);
    let (s, body) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.focal),
        Some(v),
        Some(json!({"country_code": "DE", "ref": "X-1"})),
    )
    .await;
    assert_eq!(s, 422, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["ref", "country_code"]);
    assert_eq!(version_of(&app, c.own).await, v, "nothing changed");
}

#[tokio::test]
async fn a_stale_version_is_refused_with_the_current_one() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/authorities/{}", c.own);
    let v = version_of(&app, c.own).await;
    let (s, first) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.focal),
        Some(v),
        Some(json!({"city": "Lyon"})),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["version"], v + 1);
    // The admin read version v too, before the focal point saved.
    let (s, body) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.admin),
        Some(v),
        Some(json!({"city": "Marseille"})),
    )
    .await;
    assert_eq!(s, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(body["error"]["current_version"], v + 1);
    let (_, now) = app.get_json(&path).await;
    assert_eq!(
        now["city"], "Lyon",
        "the later write did not overwrite the first"
    );
    // A version field in the body works as If-Match does; none at all is a 400.
    let (s, _) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.admin),
        None,
        Some(json!({"city": "Nice", "version": v + 1})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, body) = api(
        &app,
        Method::PATCH,
        &path,
        Some(&c.admin),
        None,
        Some(json!({"city": "Nice"})),
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(body["error"]["field"], "version");
}

#[tokio::test]
async fn every_invalid_field_is_named_and_nothing_changes() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/authorities/{}", c.own);
    let v = version_of(&app, c.own).await;
    let mut bad = json!({
        "email": "not-an-email", "phone": "call us", "website": "ftp://x",
        "languages": ["fr", "klingon"], "time_zone": "Europe/Atlantis",
        "designations": [], "channels": ["pigeon"], "colour": "blue",
    });
    let patch = |body: serde_json::Value| {
        api(
            &app,
            Method::PATCH,
            &path,
            Some(&c.admin),
            Some(v),
            Some(body),
        )
    };
    let (s, body) = patch(bad.clone()).await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(
        body["error"]["fields"][0]["field"], "colour",
        "unknown fields are named first"
    );
    bad.as_object_mut().unwrap().remove("colour");
    bad["country_code"] = json!("XX");
    let (s, body) = patch(bad).await;
    assert_eq!(s, 422, "{body}");
    let mut fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "channels",
            "country_code",
            "designations",
            "email",
            "languages",
            "phone",
            "time_zone",
            "website"
        ]
    );
    assert_eq!(version_of(&app, c.own).await, v, "nothing changed");
}

#[tokio::test]
async fn phones_are_stored_in_e164_and_creation_is_recorded() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (s, created) = api(
        &app,
        Method::POST,
        "/api/v1/authorities",
        Some(&c.admin),
        None,
        Some(new_authority("PT-Q-1")),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["phone"], "+351215550100");
    assert_eq!(created["version"], 1);
    assert_eq!(created["contacts"][0]["name"], "Inês Quolliq");
    let id = created["id"].as_i64().unwrap();
    // It is found by search at once.
    assert_eq!(
        app.names("q=quolliq+central").await,
        ["Quolliq Central Authority"]
    );
    // A number without its country code is read as one of the authority's State.
    let (s, body) = api(
        &app,
        Method::PATCH,
        &format!("/api/v1/authorities/{id}"),
        Some(&c.admin),
        Some(1),
        Some(json!({"fax": "21 555 0199"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["fax"], "+351215550199");
    // The same ref twice is refused.
    let (s, body) = api(
        &app,
        Method::POST,
        "/api/v1/authorities",
        Some(&c.admin),
        None,
        Some(new_authority("PT-Q-1")),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(body["error"]["fields"][0]["field"], "ref");

    let (s, history) = api(
        &app,
        Method::GET,
        &format!("/api/v1/authorities/{id}/history"),
        Some(&c.reader),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{history}");
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor"], "secretariat@unodc.example");
    assert_eq!(
        items[0]["fields"],
        json!([{"field": "fax", "old": null, "new": "+351215550199"}])
    );
    assert_eq!(items[1]["action"], "create");
}

#[tokio::test]
async fn confirming_sets_today_and_is_recorded() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/authorities/{}", c.own);
    let (s, body) = api(
        &app,
        Method::POST,
        &format!("{path}/confirm"),
        Some(&c.focal),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        body["verified_at"],
        chrono::Utc::now().date_naive().to_string()
    );
    let (_, log) = api(
        &app,
        Method::GET,
        "/api/v1/changes",
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(log["items"][0]["action"], "confirm");
    assert_eq!(log["items"][0]["actor"], "focal@fr.example");
}
