//! HTTP itself (issue 13): HEAD wherever GET answers, ETag and
//! If-None-Match on an authority, JSON errors for every path under the API,
//! and pages for signed-in readers that no cache keeps.

use reqwest::Method;
use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use serde_json::json;

use crate::helpers::spawn_app;
use crate::people::{api, cast};

#[tokio::test]
async fn head_is_answered_wherever_get_is() {
    let app = spawn_app().await;
    let (id, _) = app.authority_by_ref("FR-001").await;
    for path in [
        "/healthz".to_string(),
        "/readyz".into(),
        "/".into(),
        "/authorities?q=justice".into(),
        format!("/authorities/{id}"),
        format!("/api/v1/authorities/{id}"),
        "/api/v1/countries".into(),
        "/bulletins.atom".into(),
    ] {
        let get = app.get(&path).await;
        assert_eq!(get.status(), 200, "GET {path}");
        let get_type = get.headers().get("content-type").cloned();
        let head = app
            .client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type").cloned(),
            get_type,
            "{path}"
        );
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
    let head = app
        .client
        .head(format!("{}/no/such/page", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);
    // HEAD is a read: it does not reach a handler that only writes.
    let head = app
        .client
        .head(format!("{}/logout", app.address))
        .send()
        .await
        .unwrap();
    assert_ne!(head.status(), 200);
}

#[tokio::test]
async fn an_authority_carries_its_version_as_etag_and_answers_304_when_unchanged() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("{}/api/v1/authorities/{}", app.address, c.own);
    let first = app
        .client
        .get(&path)
        .bearer_auth(&c.reader)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers().get(ETAG).expect("an ETag").clone();
    let body: serde_json::Value = first.json().await.unwrap();
    assert_eq!(etag.to_str().unwrap(), format!("\"{}\"", body["version"]));

    let again = app
        .client
        .get(&path)
        .bearer_auth(&c.reader)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers().get(ETAG), Some(&etag));
    assert!(again.bytes().await.unwrap().is_empty());
    let listed = app
        .client
        .get(&path)
        .bearer_auth(&c.reader)
        .header(
            IF_NONE_MATCH,
            format!("\"0\", W/{}", etag.to_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 304, "weak comparison, as RFC 9110 asks");

    // The ETag also serves the If-Match of a write.
    let (s, _) = api(
        &app,
        Method::PATCH,
        &format!("/api/v1/authorities/{}", c.own),
        Some(&c.admin),
        Some(body["version"].as_i64().unwrap()),
        Some(json!({"city": "Lyon"})),
    )
    .await;
    assert_eq!(s, 200);
    let changed = app
        .client
        .get(&path)
        .bearer_auth(&c.reader)
        .header(IF_NONE_MATCH, etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "a new version is sent whole");
    assert_ne!(changed.headers().get(ETAG), Some(&etag));

    // An anonymous reader sees another representation (without contacts):
    // its tag differs, so a cache never mixes the two.
    let anonymous = app.client.get(&path).send().await.unwrap();
    assert_eq!(anonymous.status(), 200);
    assert_ne!(anonymous.headers().get(ETAG), changed.headers().get(ETAG));
}

#[tokio::test]
async fn every_path_under_the_api_answers_errors_in_json() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    for (method, path) in [
        (Method::POST, "/api/v1/mail/abc/send-again"),
        (Method::GET, "/api/v1/updates/abc"),
        (Method::POST, "/api/v1/updates/abc/approve"),
        (Method::GET, "/api/v1/proposals/abc"),
        (Method::DELETE, "/api/v1/subscriptions/abc"),
        (Method::GET, "/api/v1/bulletins/abc"),
        (Method::GET, "/api/v1/no-such-thing"),
    ] {
        let r = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(&c.admin)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{method} {path}: {status}");
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(ct.as_deref(), Some("application/json"), "{method} {path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
    }
}

#[tokio::test]
async fn pages_for_signed_in_readers_are_not_stored_by_caches() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let browser = app.sign_in("reader@it.example").await;
    let (id, _) = app.authority_by_ref("FR-001").await;
    for path in [
        "/account".to_string(),
        format!("/authorities/{id}"),
        "/authorities?q=justice".into(),
        "/countries/FR".into(),
        "/counterpart?country=FR&article=18".into(),
        "/authorities.csv".into(),
        format!("/authorities/{id}.vcf"),
    ] {
        let r = browser.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        let cc = r
            .headers()
            .get(CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_string());
        assert!(
            cc.as_deref().is_some_and(|v| v.contains("no-store")),
            "{path}: {cc:?}"
        );
    }
    // So are the API's answers to a token, which carry contact details.
    let r = app
        .client
        .get(format!("{}/api/v1/authorities/{id}", app.address))
        .bearer_auth(&c.reader)
        .send()
        .await
        .unwrap();
    let cc = r
        .headers()
        .get(CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_string());
    assert!(
        cc.as_deref().is_some_and(|v| v.contains("no-store")),
        "{cc:?}"
    );
    // The public directory may still be kept.
    let r = app.get(&format!("/authorities/{id}")).await;
    let cc = r
        .headers()
        .get(CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_string());
    assert!(!cc.unwrap_or_default().contains("no-store"));
}

/// Found by schemathesis (`unsupported_method`): a path of the API asked
/// with a method it does not take answered 404 "no such page", as if the
/// path did not exist.
#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/articles", "GET, HEAD"),
        (Method::TRACE, "/api/v1/authorities", "GET, HEAD, POST"),
        (
            Method::POST,
            "/api/v1/authorities/1",
            "GET, HEAD, PUT, PATCH, DELETE",
        ),
        (Method::GET, "/api/v1/updates/1/approve", "POST"),
        (Method::PUT, "/api/v1/mail/abc/send-again", "POST"),
    ] {
        let r = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
    // A path that is not the API's is still not found.
    let r = app
        .client
        .delete(format!("{}/api/v1/nothing", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
