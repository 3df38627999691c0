//! One rule for contact details wherever they appear: an authority's
//! contacts, a measure's urgent contact and electronic address, contact
//! persons (also as search terms), downloads. Every path that shows an
//! authority or a measure is tried anonymously and signed in.

use counterpart::directory::write::NewContact;
use counterpart::domain::Article;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, record, spawn_app};
use crate::people::{act, api, cast};

/// Text that may appear only to readers who see contacts.
const SECRETS: [&str; 6] = [
    "hidden-desk@secret.example",
    "+15555550177",
    "Night duty officer Vantrell",
    "Ormsvik",
    "measure-desk@secret.example",
    "Call the Vantrell line",
];

fn leaks(body: &str) -> Vec<&'static str> {
    SECRETS.into_iter().filter(|s| body.contains(s)).collect()
}

async fn setup(app: &TestApp) -> (i64, i64, String, String) {
    let c = cast(app).await;
    let mut r = record(
        "IS-900",
        "IS",
        "Hidden Contacts Authority",
        &[Article::MUTUAL_LEGAL_ASSISTANCE],
    );
    r.email = Some("hidden-desk@secret.example".into());
    r.phone = Some("+15555550177".into());
    r.urgent_contact = Some("Night duty officer Vantrell".into());
    r.contacts = vec![NewContact {
        name: "Ormsvik Thule".into(),
        position: Some("Liaison".into()),
        email: Some("ormsvik@secret.example".into()),
        phone: None,
        languages: vec!["en".into()],
    }];
    app.insert(vec![r]).await;
    let id = app.authority_by_ref("IS-900").await.0;
    let (s, u) = api(
        app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.admin),
        None,
        Some(json!({
            "authority_id": id, "electronic_requests": "yes",
            "electronic_address": "measure-desk@secret.example",
            "urgent_contact": "Call the Vantrell line", "video_hearings": "yes",
            "remarks": "Open as usual.",
        })),
    )
    .await;
    assert_eq!(s, 201, "{u}");
    let update = u["id"].as_i64().unwrap();
    let (s, _) = act(app, &c.admin, update, "approve", None).await;
    assert_eq!(s, 200);
    (id, update, c.reader, c.admin)
}

fn paths(id: i64, update: i64) -> Vec<String> {
    [
        "/api/v1/authorities?country=IS".to_string(),
        "/api/v1/authorities?q=hidden+contacts".into(),
        "/api/v1/authorities?q=ormsvik".into(),
        format!("/api/v1/authorities/{id}"),
        "/api/v1/countries/IS".into(),
        "/api/v1/counterpart?country=IS&article=18".into(),
        format!("/api/v1/updates?authority_id={id}"),
        format!("/api/v1/updates/{update}"),
        "/authorities?q=hidden+contacts".into(),
        "/authorities?q=ormsvik".into(),
        format!("/authorities/{id}"),
        "/countries/IS".into(),
        "/counterpart?country=IS&article=18".into(),
        "/measures".into(),
        "/measures?country=IS".into(),
        "/authorities.csv".into(),
        "/authorities.json".into(),
        format!("/authorities/{id}.vcf"),
    ]
    .into()
}

#[tokio::test]
async fn no_anonymous_path_shows_a_hidden_contact() {
    let app = spawn_app().await;
    let (id, update, reader, _) = setup(&app).await;
    for path in paths(id, update) {
        let r = app.get(&path).await;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(status < 500, "{path}: {status}");
        assert!(leaks(&body).is_empty(), "{path} shows {:?}", leaks(&body));
    }
    // The measure itself is public, only its contact details are not.
    let (_, found) = app
        .get_json("/api/v1/counterpart?country=IS&article=18")
        .await;
    let m = &found["measures_in_force"][0];
    assert_eq!(m["id"], update);
    assert_eq!(m["video_hearings"], "yes");
    assert_eq!(m["electronic_requests"], "yes");
    assert_eq!(m["contacts_visible"], false);
    assert_eq!(m["electronic_address"], json!(null));
    let (_, none) = app.get_json("/api/v1/authorities?q=ormsvik").await;
    assert_eq!(none["total"], 0, "a contact person's name finds nothing");

    // A signed-in reader sees every one of them, by the same paths.
    let mut seen = std::collections::BTreeSet::new();
    for path in paths(id, update) {
        let (status, body) = api(&app, Method::GET, &path, Some(&reader), None, None).await;
        assert!(status < 500, "{path}: {status}");
        seen.extend(leaks(&body.to_string().replace("\\n", "\n")));
    }
    assert_eq!(seen.len(), SECRETS.len(), "{seen:?}");
    let (_, found) = api(
        &app,
        Method::GET,
        "/api/v1/counterpart?country=IS&article=18",
        Some(&reader),
        None,
        None,
    )
    .await;
    assert_eq!(
        found["measures_in_force"][0]["electronic_address"],
        "measure-desk@secret.example"
    );
}

#[tokio::test]
async fn with_public_contacts_everyone_sees_them() {
    let app = crate::helpers::spawn_app_with(
        &[("COUNTERPART_DIRECTORY__PUBLIC_CONTACTS", "true")],
        crate::helpers::demo(),
    )
    .await;
    let (_, update, _, _) = setup(&app).await;
    let (_, u) = app.get_json(&format!("/api/v1/updates/{update}")).await;
    assert_eq!(u["urgent_contact"], "Call the Vantrell line");
    let (_, found) = app.get_json("/api/v1/authorities?q=ormsvik").await;
    assert_eq!(found["total"], 1);
}

#[tokio::test]
async fn the_secretariat_pages_say_who_and_where() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (_, u) = api(
        &app,
        Method::POST,
        "/api/v1/updates",
        Some(&c.focal),
        None,
        Some(crate::updates::by_email()),
    )
    .await;
    let id = u["id"].as_i64().unwrap();
    let admin = app.sign_in("secretariat@unodc.example").await;
    let nanoseconds = regex_like_seconds;
    let queue = admin.get("/admin/updates").await.text().await.unwrap();
    assert!(queue.contains("FR-001 · France"), "{queue}");
    assert!(queue.contains("by focal@fr.example"), "{queue}");
    assert!(queue.contains(" UTC"), "{queue}");
    assert!(!nanoseconds(&queue), "{queue}");
    act(&app, &c.admin, id, "approve", None).await;
    let changes = admin.get("/admin/changes").await.text().await.unwrap();
    assert!(changes.contains("FR-001 · France"), "{changes}");
    assert!(
        changes.contains(" UTC") && !nanoseconds(&changes),
        "{changes}"
    );
    let mail = admin.get("/admin/mail").await.text().await.unwrap();
    assert!(
        mail.contains("FR-001") && mail.contains("(France)"),
        "{mail}"
    );
    assert!(mail.contains("by focal@fr.example"), "{mail}");
    assert!(mail.contains(" UTC") && !nanoseconds(&mail), "{mail}");
}

/// Whether a page shows a time with seconds or fractions ("12:34:56").
fn regex_like_seconds(html: &str) -> bool {
    let b = html.as_bytes();
    b.windows(8).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
            && w[5] == b':'
            && w[6].is_ascii_digit()
            && w[7].is_ascii_digit()
    })
}
