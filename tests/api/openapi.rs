//! The OpenAPI document describes exactly the routes of `/api/v1`, and the
//! reference page names every one of them.

use std::collections::BTreeSet;

use crate::helpers::spawn_app_with;

/// The `(METHOD, path)` pairs `api_v1` in `src/web/routes.rs` registers,
/// read from the source: a route added there without a description in the
/// document fails [`the_document_describes_every_api_route`].
fn routes_in_source() -> BTreeSet<(String, String)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/web/routes.rs"))
        .expect("src/web/routes.rs");
    let start = source.find("fn api_v1(").expect("routes.rs has fn api_v1");
    let body = &source[start..];
    let body = &body[..body.find("\n}\n").expect("api_v1 ends")];
    let mut routes = BTreeSet::new();
    for call in body.split(".route(").skip(1) {
        // The fallbacks that answer 405 take their paths from the document.
        if !call.trim_start().starts_with('"') {
            continue;
        }
        let path = call.split('"').nth(1).expect("a route's path is a literal");
        let method = ["get", "post", "put", "patch", "delete"]
            .into_iter()
            .find(|m| call.contains(&format!("{m}().to(")))
            .unwrap_or_else(|| panic!("route {path}: no method found"));
        routes.insert((method.to_uppercase(), format!("/api/v1{path}")));
    }
    assert!(routes.len() > 30, "found only {routes:?}");
    routes
}

#[tokio::test]
async fn the_document_describes_every_api_route() {
    let app = spawn_app_with(&[], None).await;
    let r = app.get("/api/openapi.json").await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{ct}");
    let doc: serde_json::Value = r.json().await.unwrap();

    let version = doc["openapi"].as_str().expect("an openapi version");
    assert!(version.starts_with("3."), "{version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            described.insert((method.to_uppercase(), path.clone()));
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}: no responses"
            );
        }
    }
    assert_eq!(described, routes_in_source());

    // Every reference names a schema the document holds, and every security
    // requirement a scheme it defines.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(schemas.contains_key(name), "a reference to {name}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer");
    // Errors are described with the shape the server sends.
    let error = &schemas["ErrorDetail"]["properties"];
    for key in ["code", "message", "field", "fields"] {
        assert!(error.get(key).is_some(), "ErrorDetail lacks {key}");
    }
}

#[tokio::test]
async fn the_reference_page_names_every_operation() {
    let app = spawn_app_with(&[], None).await;
    let (status, html) = app.get_html("/api/docs").await;
    assert_eq!(status, 200);
    let page = scraper::Html::parse_document(&html);
    let heading = scraper::Selector::parse("article.operation h3").unwrap();
    let shown: BTreeSet<(String, String)> = page
        .select(&heading)
        .map(|h| {
            let words: Vec<String> = h
                .text()
                .collect::<String>()
                .split_whitespace()
                .map(String::from)
                .collect();
            (words[0].clone(), words[1].clone())
        })
        .collect();
    assert_eq!(shown, routes_in_source());
    // Nothing from elsewhere: the page works offline and under the CSP.
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("https://"), "nothing from another site");
    // The pages that speak of the API link to it.
    let (_, about) = app.get_html("/about").await;
    assert!(about.contains("href=\"/api/docs\""));
}
