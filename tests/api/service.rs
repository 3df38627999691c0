use std::time::Duration;

use counterpart::domain::Article;

use crate::helpers::{record, spawn_app, spawn_app_with, spawn_instance_on};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    let expected = if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(body["database"], expected);
}

#[tokio::test]
async fn unknown_api_paths_answer_json_404() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn a_second_instance_sees_changes_made_through_the_first() {
    let refresh = [("COUNTERPART_DIRECTORY__REFRESH_INTERVAL", "200ms")];
    let first = spawn_app_with(&refresh, crate::helpers::demo()).await;
    let second = spawn_instance_on(&first.database_url, &refresh).await;
    let before = second.get_json("/api/v1/authorities?per_page=1").await.1["total"]
        .as_u64()
        .unwrap();
    first
        .insert(vec![record(
            "MX-T1",
            "MX",
            "Quolliq Fiscalía Especial",
            &[Article::EXTRADITION],
        )])
        .await;
    // The first sees it at once; the second within its refresh interval.
    assert_eq!(
        first.names("q=quolliq").await,
        ["Quolliq Fiscalía Especial"]
    );
    let mut seen = false;
    for _ in 0..50 {
        if second.names("q=quolliq+fiscalia").await == ["Quolliq Fiscalía Especial"] {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the second instance never saw the change");
    let after = second.get_json("/api/v1/authorities?per_page=1").await.1["total"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1);

    // An edit and an archiving made through the first: the second follows
    // them too, and answers as a fresh instance would.
    let c = crate::people::cast(&first).await;
    let own = format!("/api/v1/authorities/{}", c.own);
    let version = first.get_json(&own).await.1["version"].as_i64().unwrap();
    let (s, body) = crate::people::api(
        &first,
        reqwest::Method::PATCH,
        &own,
        Some(&c.admin),
        Some(version),
        Some(serde_json::json!({"name": "Quolliq Renamed Ministry"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let other = format!("/api/v1/authorities/{}", c.other);
    let (s, _) = crate::people::api(
        &first,
        reqwest::Method::DELETE,
        &other,
        Some(&c.admin),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let mut seen = false;
    for _ in 0..50 {
        if second.names("q=quolliq+renamed").await == ["Quolliq Renamed Ministry"]
            && second.get_json(&other).await.0 == 404
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen,
        "the second instance never saw the edit and the archiving"
    );
    let third = spawn_instance_on(&first.database_url, &refresh).await;
    for query in [
        "q=quolliq",
        "q=ministry+justice",
        "country=FR",
        "q=m&per_page=100",
    ] {
        let path = format!("/api/v1/authorities?{query}");
        assert_eq!(
            second.get_json(&path).await.1,
            third.get_json(&path).await.1,
            "{query}"
        );
    }
}

#[tokio::test]
async fn serve_demo_loads_only_into_an_empty_database() {
    let app = spawn_app().await;
    let total = app.get_json("/api/v1/authorities?per_page=1").await.1["total"]
        .as_u64()
        .unwrap();
    // Starting again with --demo on the same database adds nothing.
    let again = counterpart::startup::Application::build(
        crate::helpers::settings_for(&app.database_url, app.data_dir.path(), &[]),
        crate::helpers::demo(),
    )
    .await
    .unwrap();
    assert_eq!(again.state().directory.snapshot().len() as u64, total);
}
