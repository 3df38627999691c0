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

#[tokio::test]
async fn the_national_authority_first_then_each_territory_under_its_name() {
    let app = spawn_app().await;
    let authority = |ref_: &str, name: &str, kind: AuthorityKind, territory: Option<&str>| {
        let mut r = record(ref_, "IS", name, &[Article::MUTUAL_LEGAL_ASSISTANCE]);
        r.kind = kind.code().into();
        r.territory = territory.map(Into::into);
        r
    };
    // Names chosen so that reading order alone would put territories first.
    app.insert(vec![
        authority(
            "IS-T1",
            "Aaa Isles Central Office",
            AuthorityKind::CentralAuthority,
            Some("Northern Isles"),
        ),
        authority(
            "IS-T2",
            "Aab Isles Prosecutor",
            AuthorityKind::CompetentAuthority,
            Some("Northern Isles"),
        ),
        authority(
            "IS-T3",
            "Bbb National Prosecutor",
            AuthorityKind::CompetentAuthority,
            None,
        ),
        authority(
            "IS-T4",
            "Ccc Arctic Central Office",
            AuthorityKind::CentralAuthority,
            Some("Arctic Region"),
        ),
        authority(
            "IS-T5",
            "Zed National Central Authority",
            AuthorityKind::CentralAuthority,
            None,
        ),
    ])
    .await;
    let expected = [
        "Zed National Central Authority",
        "Bbb National Prosecutor",
        "Ccc Arctic Central Office",
        "Aaa Isles Central Office",
        "Aab Isles Prosecutor",
    ];

    let (status, body) = app
        .get_json("/api/v1/counterpart?country=IS&article=18")
        .await;
    assert_eq!(status, 200, "{body}");
    let ours: Vec<&str> = body["authorities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["ref"].as_str().unwrap().starts_with("IS-T"))
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(ours, expected, "{body}");
    let list = body["authorities"].as_array().unwrap();
    let first_territorial = list.iter().position(|a| !a["territory"].is_null()).unwrap();
    assert!(
        list[first_territorial..]
            .iter()
            .all(|a| !a["territory"].is_null()),
        "every national authority before the territories: {body}"
    );
    assert!(
        body["order"].as_str().unwrap().contains("territory"),
        "{body}"
    );

    // The page: the same order, each territory's group under its name, and
    // the rule in words.
    let (status, html) = app.get_html("/counterpart?country=IS&article=18").await;
    assert_eq!(status, 200);
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s} missing"));
    let places: Vec<usize> = expected.iter().map(|n| at(n)).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{html}");
    assert!(at("Bbb National Prosecutor") < at("For Arctic Region"));
    assert!(at("For Arctic Region") < at("Ccc Arctic Central Office"));
    assert!(at("Ccc Arctic Central Office") < at("For Northern Isles"));
    assert!(at("For Northern Isles") < at("Aaa Isles Central Office"));
    assert!(html.contains("national authorities come first"));
}

#[tokio::test]
async fn the_united_kingdom_and_china_begin_with_their_central_authority() {
    let app = spawn_app().await;
    for state in ["GB", "CN"] {
        let (status, body) = app
            .get_json(&format!("/api/v1/counterpart?country={state}&article=18"))
            .await;
        assert_eq!(status, 200, "{body}");
        let first = &body["authorities"][0];
        assert_eq!(first["kind"], "central_authority", "{state}: {body}");
        assert!(first["territory"].is_null(), "{state}: {body}");
    }
}
