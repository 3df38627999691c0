//! Page numbers past any list: refused naming `page` or `per_page`, never
//! turned into a negative offset (PostgreSQL) or page 1 (SQLite).

use reqwest::Method;

use crate::helpers::spawn_app;
use crate::people::{api, cast};

#[tokio::test]
async fn page_numbers_past_any_list_are_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let huge = "9223372036854775807";
    for path in [
        format!("/api/v1/changes?page={huge}"),
        format!("/api/v1/authorities/{}/history?page={huge}", c.own),
        format!("/api/v1/mail?page={huge}"),
        format!("/api/v1/updates?page={huge}"),
        format!("/api/v1/bulletins?page={huge}"),
        format!("/api/v1/subscriptions?page={huge}"),
        format!("/api/v1/authorities?page={huge}"),
        "/api/v1/authorities?page=4294967295".to_string(),
        "/api/v1/changes?page=-1".to_string(),
    ] {
        let (s, body) = api(&app, Method::GET, &path, Some(&c.admin), None, None).await;
        assert_eq!(s, 400, "{path}: {body}");
        assert_eq!(body["error"]["field"], "page", "{path}: {body}");
    }
    for path in ["/api/v1/changes", "/api/v1/mail", "/api/v1/authorities"] {
        let path = format!("{path}?per_page={huge}");
        let (s, body) = api(&app, Method::GET, &path, Some(&c.admin), None, None).await;
        assert_eq!(s, 400, "{path}: {body}");
        assert_eq!(body["error"]["field"], "per_page", "{path}: {body}");
    }
    // The secretariat's pages read their page number the same way.
    let browser = app.sign_in("secretariat@unodc.example").await;
    for path in [
        "/admin/changes",
        "/admin/bulletin",
        "/admin/stale",
        "/measures",
    ] {
        let r = browser.get(&format!("{path}?page={huge}")).await;
        assert_eq!(r.status(), 400, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("page: "), "{path}: {html}");
    }
}
