use counterpart::domain::{Article, AuthorityKind, join_codes};

use crate::helpers::{record, spawn_app};

#[tokio::test]
async fn the_counterpart_lookup_answers_with_the_designated_authorities() {
    let app = spawn_app().await;
    let mut focal = record(
        "LU-T1",
        "LU",
        "Quolliq Liaison Desk",
        &[Article::MUTUAL_LEGAL_ASSISTANCE],
    );
    focal.kind = AuthorityKind::FocalPoint.code().into();
    focal.languages = join_codes(&["de", "fr"]).into();
    app.insert(vec![focal]).await;

    let (status, body) = app
        .get_json("/api/v1/counterpart?country=LU&article=18")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["country"]["code"], "LU");
    assert_eq!(body["country"]["name"], "Luxembourg");
    assert_eq!(body["article"], 18);
    assert!(body["measures_in_force"].is_array());
    let list = body["authorities"].as_array().unwrap();
    assert!(list.len() >= 2, "{body}");
    for a in list {
        assert_eq!(a["country_code"], "LU");
        assert!(
            a["articles"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(18))
        );
        assert!(a["languages"].is_array() && a["channels"].is_array());
    }
    // The central authority is the one to write to: it comes first.
    assert_eq!(list[0]["kind"], "central_authority", "{body}");
    let rank = |k: &serde_json::Value| {
        ["central_authority", "competent_authority", "focal_point"]
            .iter()
            .position(|x| k == x)
            .unwrap()
    };
    let ranks: Vec<usize> = list.iter().map(|a| rank(&a["kind"])).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "central, then competent, then focal points: {body}"
    );
    let desk = list
        .iter()
        .find(|a| a["name"] == "Quolliq Liaison Desk")
        .expect("the new focal point is listed");
    let langs: Vec<&str> = desk["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(
        langs,
        ["de", "fr"],
        "languages keep their order of preference"
    );
}

#[tokio::test]
async fn the_lookup_accepts_alpha3_and_says_what_is_wrong() {
    let app = spawn_app().await;
    let (status, body) = app
        .get_json("/api/v1/counterpart?country=fra&article=art.%2016")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["country"]["code"], "FR");
    assert_eq!(body["article"], 16);
    for (query, field) in [
        ("article=18", "country"),
        ("country=FR", "article"),
        ("country=FR&article=99", "article"),
        ("country=123&article=18", "country"),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/counterpart?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

#[tokio::test]
async fn countries_list_every_state_party_with_regions() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/countries").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 196);
    let items = body["items"].as_array().unwrap();
    let eu = items.iter().find(|c| c["code"] == "EU").unwrap();
    assert_eq!(eu["status"], "organization");
    let bo = items.iter().find(|c| c["code"] == "BO").unwrap();
    assert_eq!(bo["region"]["name"], "Americas");
    assert_eq!(bo["subregion"]["name"], "South America");
    let members = items.iter().filter(|c| c["status"] == "member").count();
    assert_eq!(members, 193);
    assert!(
        items
            .iter()
            .filter(|c| c["status"] == "member")
            .all(|c| c["authority_count"].as_u64().unwrap() > 0),
        "every Member State has an authority in the demo"
    );
    let (_, africa) = app.get_json("/api/v1/countries?region=Africa").await;
    assert!(
        africa["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["region"]["code"] == "002")
    );
    let (status, _) = app.get_json("/api/v1/countries?region=Narnia").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_state_lists_its_authorities_by_article() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/countries/de").await;
    assert_eq!(status, 200);
    assert_eq!(body["country"]["code"], "DE");
    let groups = body["articles"].as_array().unwrap();
    let articles: Vec<&serde_json::Value> = groups.iter().map(|g| &g["article"]).collect();
    assert_eq!(
        &articles[..4],
        [
            &serde_json::json!(16),
            &serde_json::json!(17),
            &serde_json::json!(18),
            &serde_json::json!(31)
        ]
    );
    for g in groups {
        for a in g["authorities"].as_array().unwrap() {
            assert!(
                a["designations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|d| d["article"] == g["article"])
            );
        }
    }
    assert_eq!(
        body["authorities"].as_array().unwrap().len() as u64,
        body["country"]["authority_count"].as_u64().unwrap()
    );
    let (status, _) = app.get_json("/api/v1/countries/XK").await;
    assert_eq!(status, 404);
    let (status, body) = app.get_json("/api/v1/countries/F1").await;
    assert_eq!(status, 400, "{body}");
}
