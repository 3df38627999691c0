//! Search that forgives: close spellings, a State by any of its names in
//! the six UN languages and its common aliases, references, articles and
//! channels by their names, and a "did you mean" when nothing matches.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

async fn search(app: &TestApp, q: &str) -> Value {
    let path = format!(
        "/api/v1/authorities?per_page=100&q={}",
        percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
    );
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200, "{q}: {body}");
    body
}

fn states_of(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["country_code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_state_is_found_by_its_names_in_six_languages_and_its_aliases() {
    let app = spawn_app().await;
    for (q, code) in [
        ("Allemagne", "DE"),
        ("Alemania", "DE"),
        ("Германия", "DE"),
        ("ألمانيا", "DE"),
        ("德国", "DE"),
        ("Turkey", "TR"),
        ("Ivory Coast", "CI"),
        ("Holland", "NL"),
        ("UK", "GB"),
    ] {
        let body = search(&app, q).await;
        let states = states_of(&body);
        assert!(!states.is_empty(), "{q}: {body}");
        assert!(states.iter().all(|s| *s == code), "{q}: {states:?}");
    }
    // "UK" is not the start of "Ukraine" here: it names a State.
    assert!(!states_of(&search(&app, "uk").await).contains(&"UA"));
    // A State's name narrows the other words to it.
    let body = search(&app, "ministry Allemagne").await;
    assert!(states_of(&body).iter().all(|s| *s == "DE"), "{body}");
    assert!(body["total"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn close_spellings_are_found_and_said() {
    let app = spawn_app().await;
    let exact = search(&app, "ministry of justice").await;
    let typo = search(&app, "ministry of justise").await;
    assert_eq!(typo["total"], exact["total"], "{typo}");
    assert_eq!(typo["items"][0]["id"], exact["items"][0]["id"]);
    assert_eq!(
        typo["corrections"],
        serde_json::json!([{"typed": "justise", "read": "justice"}])
    );
    assert!(exact.get("corrections").is_none(), "{exact}");
    // Four letters are taken as typed; two edits only from nine letters.
    assert_eq!(search(&app, "jstc").await["total"], 0);
    assert_eq!(search(&app, "jsutcie").await["total"], 0);
    assert!(search(&app, "prosecutorr generall").await["total"].as_u64() > Some(0));
    // The first two letters swapped are a slip too; numbers are not words.
    assert_eq!(
        search(&app, "ujstice").await["total"],
        exact_justice(&app).await
    );
    assert_eq!(search(&app, "justic3").await["total"], 0);

    // Nothing found: the question as the directory spells it.
    let none = search(&app, "jstce").await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["did_you_mean"], "justice", "{none}");
    let (_, page) = app.get_html("/authorities?q=jstce").await;
    assert!(
        page.contains("Did you mean <a href=\"/authorities?q&#x3D;justice\">justice</a>?"),
        "{page}"
    );
    let (_, page) = app.get_html("/authorities?q=ministry+of+justise").await;
    assert!(
        page.contains("Including close spellings: <strong>justice</strong> for “justise”."),
        "{page}"
    );
    // Nothing close either: no suggestion.
    assert!(
        search(&app, "zzzz qqqq")
            .await
            .get("did_you_mean")
            .is_none()
    );
}

async fn exact_justice(app: &TestApp) -> Value {
    search(app, "justice").await["total"].clone()
}

#[tokio::test]
async fn references_articles_and_channels_are_found_by_their_names() {
    let app = spawn_app().await;
    for q in ["FR-001", "fr 001", "fr001"] {
        let body = search(&app, q).await;
        assert_eq!(body["items"][0]["ref"], "FR-001", "{q}: {body}");
    }
    let designated = |body: &Value, article: u64| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["articles"].as_array().unwrap().contains(&article.into()))
    };
    for (q, article) in [
        ("MLA", 18),
        ("mutual legal assistance", 18),
        ("art. 16", 16),
        ("extradition", 16),
    ] {
        let body = search(&app, q).await;
        assert!(body["total"].as_u64() > Some(0), "{q}: {body}");
        assert!(designated(&body, article), "{q}: {body}");
    }
    let body = search(&app, "INTERPOL").await;
    assert!(body["total"].as_u64() > Some(0), "{body}");
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["channels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == "interpol")),
        "{body}"
    );
}
