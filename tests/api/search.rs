use counterpart::directory::write::NewContact;
use counterpart::domain::{Article, AuthorityKind, join_codes};

use crate::helpers::{TestApp, record, spawn_app, spawn_app_with};

/// A small directory of its own on top of the demo, with words that the demo
/// does not use, so that results can be asserted exactly.
async fn app_with_fixtures() -> TestApp {
    let app = spawn_app().await;
    let mut a = record(
        "T-1",
        "FR",
        "Zentrale Aufsichtsbehörde Quolliq",
        &[Article::MUTUAL_LEGAL_ASSISTANCE],
    );
    a.name_local = Some("Ministère Quolliq de la Coopération".into());
    a.acronym = Some("ZAQ".into());
    a.kind = AuthorityKind::CentralAuthority.code().into();
    a.languages = join_codes(&["fr", "en"]).into();
    let mut b = record(
        "T-2",
        "ES",
        "MINISTERIO QUOLLIQ DEL INTERIOR",
        &[Article::PREVENTION],
    );
    b.city = Some("Xantoria".into());
    b.languages = join_codes(&["es"]).into();
    let mut c = record(
        "T-3",
        "KE",
        "Quolliq Prosecution Office",
        &[Article::EXTRADITION, Article::MUTUAL_LEGAL_ASSISTANCE],
    );
    c.contacts = vec![NewContact {
        name: "Wambui Zeltrova".into(),
        position: Some("Prosecutor".into()),
        email: Some("w.zeltrova@test.example".into()),
        phone: None,
        languages: vec!["en".into(), "sw".into()],
    }];
    let mut d = record(
        "T-4",
        "CN",
        "Quolliq Cooperation Bureau",
        &[Article::TRANSFER],
    );
    d.name_local = Some("国际合作局".into());
    d.languages = join_codes(&["zh"]).into();
    app.insert(vec![a, b, c, d]).await;
    app
}

#[tokio::test]
async fn search_ignores_accents_and_case() {
    let app = app_with_fixtures().await;
    assert_eq!(
        app.names("q=ministere+quolliq").await,
        ["Zentrale Aufsichtsbehörde Quolliq"]
    );
    assert_eq!(
        app.names("q=aufsichtsbehorde+quolliq").await,
        ["Zentrale Aufsichtsbehörde Quolliq"]
    );
    assert_eq!(
        app.names("q=ministerio+quolliq").await,
        ["MINISTERIO QUOLLIQ DEL INTERIOR"]
    );
    assert_eq!(
        app.names("q=MINISTÈRE%20QUOLLIQ").await,
        ["Zentrale Aufsichtsbehörde Quolliq"]
    );
}

#[tokio::test]
async fn search_matches_word_prefixes_in_every_field() {
    let app = app_with_fixtures().await;
    let mut all = app.names("q=quoll").await;
    all.sort();
    assert_eq!(all.len(), 4, "{all:?}");
    // acronym, city, State name, contact person, local script
    assert_eq!(
        app.names("q=zaq").await,
        ["Zentrale Aufsichtsbehörde Quolliq"]
    );
    assert_eq!(
        app.names("q=xantor").await,
        ["MINISTERIO QUOLLIQ DEL INTERIOR"]
    );
    assert_eq!(
        app.names("q=quolliq+kenya").await,
        ["Quolliq Prosecution Office"]
    );
    // A contact person's name finds the authority only for readers who may
    // see contact details: otherwise a search would say who works where.
    assert!(app.names("q=zeltrov").await.is_empty());
    let reader = app
        .add_user(
            "reader@search.example",
            counterpart::auth::Role::Reader,
            None,
        )
        .await;
    let token = app.token_for(reader).await;
    let (s, found) = crate::people::api(
        &app,
        reqwest::Method::GET,
        "/api/v1/authorities?q=zeltrov",
        Some(&token),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(found["items"][0]["name"], "Quolliq Prosecution Office");
    assert_eq!(
        app.names("q=合作局").await.first().map(String::as_str),
        Some("Quolliq Cooperation Bureau")
    );
    // One letter too many is a close spelling; three are another word.
    assert_eq!(app.names("q=quolliqx").await.len(), 4);
    assert!(app.names("q=quolliqxyz").await.is_empty());
}

#[tokio::test]
async fn the_best_match_comes_first() {
    let app = app_with_fixtures().await;
    // The acronym and the exact phrase outrank a mere mention.
    let names = app.names("q=quolliq+prosecution+office").await;
    assert_eq!(names[0], "Quolliq Prosecution Office");
    // Central authorities before others at equal relevance.
    let names = app.names("q=quolliq").await;
    assert_eq!(names[0], "Zentrale Aufsichtsbehörde Quolliq");
    // A State's name finds that State's authorities, central authority first.
    let (_, body) = app
        .get_json("/api/v1/authorities?q=france&per_page=100")
        .await;
    let items = body["items"].as_array().unwrap();
    assert!(items.len() >= 2, "{body}");
    // Prefixes match too ("france" is the start of "Francesco", a contact
    // person elsewhere), but the State's own authorities come before them.
    let french = items
        .iter()
        .take_while(|a| a["country_code"] == "FR")
        .count();
    assert!(french >= 2, "{body}");
    assert!(
        items[french..].iter().all(|a| a["country_code"] != "FR"),
        "{body}"
    );
    assert_eq!(items[0]["kind"], "central_authority", "{body}");
}

#[tokio::test]
async fn filters_combine_with_words_and_each_other() {
    let app = app_with_fixtures().await;
    assert_eq!(
        app.names("q=quolliq&country=fra").await,
        ["Zentrale Aufsichtsbehörde Quolliq"]
    );
    assert_eq!(
        app.names("q=quolliq&article=31").await,
        ["MINISTERIO QUOLLIQ DEL INTERIOR"]
    );
    assert_eq!(
        app.names("q=quolliq&article=16").await,
        ["Quolliq Prosecution Office"]
    );
    assert_eq!(
        app.names("q=quolliq&region=Eastern+Asia").await,
        ["Quolliq Cooperation Bureau"]
    );
    assert_eq!(
        app.names("q=quolliq&region=150&language=es").await,
        ["MINISTERIO QUOLLIQ DEL INTERIOR"]
    );
    assert!(
        app.names("q=quolliq&country=FR&article=31")
            .await
            .is_empty()
    );

    // Filters alone page through everything that passes them.
    let (_, body) = app
        .get_json("/api/v1/authorities?country=FR&article=18&per_page=100")
        .await;
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert_eq!(body["total"].as_u64().unwrap() as usize, items.len());
    for a in items {
        assert_eq!(a["country_code"], "FR");
        assert!(
            a["articles"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!(18))
        );
    }
    let (_, body) = app
        .get_json("/api/v1/authorities?region=002&per_page=100")
        .await;
    for a in body["items"].as_array().unwrap() {
        let code = a["country_code"].as_str().unwrap();
        let state = counterpart::domain::states::find(code).unwrap();
        assert_eq!(state.region.name, "Africa", "{code}");
    }
}

#[tokio::test]
async fn lists_are_paged() {
    let app = spawn_app().await;
    let (status, p1) = app.get_json("/api/v1/authorities?per_page=7").await;
    assert_eq!(status, 200);
    assert_eq!(p1["page"], 1);
    assert_eq!(p1["per_page"], 7);
    assert_eq!(p1["items"].as_array().unwrap().len(), 7);
    let total = p1["total"].as_u64().unwrap();
    assert!(total >= 500, "demo has {total}");
    let (_, p2) = app.get_json("/api/v1/authorities?per_page=7&page=2").await;
    assert_ne!(p1["items"][0]["id"], p2["items"][0]["id"]);
    let last = total.div_ceil(7);
    let (_, end) = app
        .get_json(&format!("/api/v1/authorities?per_page=7&page={last}"))
        .await;
    let rest = total - (last - 1) * 7;
    assert_eq!(end["items"].as_array().unwrap().len() as u64, rest);
    let (_, beyond) = app
        .get_json(&format!("/api/v1/authorities?per_page=7&page={}", last + 1))
        .await;
    assert!(beyond["items"].as_array().unwrap().is_empty());
    assert_eq!(beyond["total"], total);
}

#[tokio::test]
async fn bad_parameters_answer_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, param) in [
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("page=abc", "page"),
        ("article=19", "article"),
        ("article=eighteen", "article"),
        ("country=F1", "country"),
        ("country=France", "country"),
        ("country=XK", "country"),
        ("region=Atlantis", "region"),
        ("language=xx", "language"),
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/authorities?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{query}");
        assert_eq!(body["error"]["field"], param, "{query}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(param),
            "{query}"
        );
    }
}

#[tokio::test]
async fn authorities_are_fetched_by_id_and_unknown_ids_are_404() {
    let app = spawn_app().await;
    let (_, list) = app.get_json("/api/v1/authorities?per_page=1").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, one) = app.get_json(&format!("/api/v1/authorities/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["id"], id);
    for key in [
        "ref",
        "country_code",
        "country_name",
        "name",
        "name_local",
        "acronym",
        "kind",
        "articles",
        "languages",
        "channels",
        "city",
        "verified_at",
        "version",
    ] {
        assert!(one.get(key).is_some(), "missing {key}: {one}");
    }
    for path in ["/api/v1/authorities/999999999", "/api/v1/authorities/abc"] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
}

#[tokio::test]
async fn contact_details_follow_the_public_contacts_setting() {
    let hidden = spawn_app().await;
    let (_, body) = hidden.get_json("/api/v1/authorities?per_page=3").await;
    for a in body["items"].as_array().unwrap() {
        assert_eq!(a["contacts_visible"], false);
        for key in [
            "email",
            "phone",
            "fax",
            "address",
            "urgent_contact",
            "contacts",
        ] {
            assert!(a.get(key).is_none(), "{key} shown to an anonymous reader");
        }
    }
    let shown = spawn_app_with(
        &[("COUNTERPART_DIRECTORY__PUBLIC_CONTACTS", "true")],
        crate::helpers::demo(),
    )
    .await;
    let (_, body) = shown.get_json("/api/v1/authorities?per_page=3").await;
    let a = &body["items"][0];
    assert_eq!(a["contacts_visible"], true);
    assert!(a["email"].as_str().unwrap().ends_with(".example"));
    assert!(a["contacts"].is_array());
}

#[tokio::test]
async fn lists_carry_summaries_and_the_record_carries_the_detail() {
    let app = app_with_fixtures().await;
    let (_, list) = app.get_json("/api/v1/authorities?q=zaq").await;
    let item = &list["items"][0];
    assert_eq!(item["name"], "Zentrale Aufsichtsbehörde Quolliq");
    for field in [
        "id",
        "ref",
        "country_code",
        "country_name",
        "kind",
        "articles",
        "languages",
        "channels",
        "version",
    ] {
        assert!(item.get(field).is_some(), "{field} in list items: {item}");
    }
    assert!(
        item.get("designations").is_none(),
        "lists stay small: {item}"
    );
    let (_, full) = app
        .get_json(&format!("/api/v1/authorities/{}", item["id"]))
        .await;
    assert_eq!(full["designations"][0]["article"], 18, "{full}");
    assert!(full.get("updated_at").is_some());
}

/// A question asked again is answered from what was kept for it, for as
/// long as the directory is the same, and never across audiences: readers
/// who may not see contact details never get the answer of one who may.
#[tokio::test]
async fn a_search_asked_again_follows_the_directory_and_the_reader() {
    let app = app_with_fixtures().await;
    let reader = app
        .add_user("kept@search.example", counterpart::auth::Role::Reader, None)
        .await;
    let token = app.token_for(reader).await;
    let as_reader = |path: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let (s, body) =
                crate::people::api(app, reqwest::Method::GET, path, Some(token), None, None).await;
            assert_eq!(s, 200, "{path}: {body}");
            body
        }
    };
    for _ in 0..3 {
        // A contact person's name: found for the reader only.
        assert!(app.names("q=zeltrov").await.is_empty());
        let found = as_reader("/api/v1/authorities?q=zeltrov").await;
        assert_eq!(found["items"][0]["name"], "Quolliq Prosecution Office");
        // The same authority by its name: contact details for the reader only.
        let (_, anonymous) = app
            .get_json("/api/v1/authorities?q=quolliq+prosecution")
            .await;
        assert_eq!(anonymous["items"][0]["contacts_visible"], false);
        assert!(anonymous["items"][0].get("email").is_none(), "{anonymous}");
        let full = as_reader("/api/v1/authorities?q=quolliq+prosecution").await;
        assert_eq!(full["items"][0]["contacts_visible"], true, "{full}");
    }
    let mut e = record(
        "T-5",
        "KE",
        "Zeltrova Liaison Desk",
        &[Article::EXTRADITION],
    );
    e.languages = join_codes(&["en"]).into();
    app.insert(vec![e]).await;
    assert_eq!(app.names("q=zeltrov").await, ["Zeltrova Liaison Desk"]);
    let found = as_reader("/api/v1/authorities?q=zeltrov").await;
    assert_eq!(found["total"], 2, "{found}");
}
