//! Bad input (issue 13): refused at the edge with the field named, on both
//! databases alike, and nothing changed.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::people::{Cast, api};

mod email;
mod fields;
mod files;
mod http;
mod limits;
mod paging;
mod references;
mod sessions;
mod text;

/// The fields an invalid-fields answer names.
fn fields_of(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no fields in {body}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

/// Patches FR-001 as the secretariat; returns status and body.
/// A new update sent to the API by the holder of `token`.
async fn post_update(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    api(
        app,
        Method::POST,
        "/api/v1/updates",
        Some(token),
        None,
        Some(body),
    )
    .await
}

async fn patch_own(app: &TestApp, c: &Cast, body: Value) -> (u16, Value) {
    let (_, version) = app.authority_by_ref("FR-001").await;
    let path = format!("/api/v1/authorities/{}", c.own);
    api(
        app,
        Method::PATCH,
        &path,
        Some(&c.admin),
        Some(version),
        Some(body),
    )
    .await
}
