//! The OpenAPI 3 document of `/api/v1`, made from the handlers' own
//! descriptions (`#[utoipa::path]` beside each) and the types they answer
//! with, built once and served at `/api/openapi.json`. The reference page
//! (`/api/docs`) is rendered from the same document.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::{bulletin, directory, edit, proposals, updates};
use crate::web::admin::mail;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Counterpart API",
        description = "The directory of the authorities designated under the UN Convention \
against Transnational Organized Crime, their measures in force, and the bulletin. Lists answer \
`{items, total, page, per_page}`; errors answer `{error: {code, message, field?, fields?}}` \
with the status that says what went wrong. Contact details are present only for readers who \
may see them (`contacts_visible`). Every GET also answers HEAD.",
    ),
    paths(
        directory::list_authorities,
        edit::create,
        directory::get_authority,
        edit::replace,
        edit::patch,
        edit::archive,
        edit::confirm,
        edit::authority_history,
        edit::all_changes,
        directory::list_countries,
        directory::get_country,
        directory::counterpart,
        directory::list_articles,
        updates::create,
        updates::list,
        updates::get,
        updates::submit,
        updates::approve,
        updates::reject,
        updates::withdraw,
        proposals::list,
        proposals::get,
        proposals::approve,
        proposals::reject,
        proposals::withdraw,
        bulletin::list,
        bulletin::get,
        bulletin::create,
        bulletin::index,
        bulletin::delete,
        mail::list_api,
        mail::send_again_api,
    ),
    modifiers(&Security),
    tags(
        (name = "directory", description = "Authorities, States and articles: read by anyone"),
        (name = "editing", description = "Changing the directory, and its history"),
        (name = "measures", description = "Measure updates and held changes to designations"),
        (name = "bulletin", description = "The bulletin's archive and subscriptions"),
        (name = "mail", description = "The outbox, for the secretariat"),
    )
)]
struct ApiDoc;

/// The bearer token scheme the operations name.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer TOKEN`, a token from `counterpart token issue` \
or the account page. A signed-in browser's session cookie works too; its writes must carry \
the session's form token in `X-CSRF-Token`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, built on first use and kept: it depends on the code only.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// The document as JSON text, made once.
fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut doc = serde_json::to_value(document()).expect("the OpenAPI document serialises");
        link_names(&mut doc);
        serde_json::to_string_pretty(&doc).expect("JSON serialises")
    })
}

/// utoipa 5 writes a link's fields in snake case (`operation_id`), which
/// no tool reads (fixed in utoipa 6); OpenAPI names them in camel case.
fn link_names(doc: &mut serde_json::Value) {
    let operations = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for op in operations {
        let responses = op["responses"].as_object_mut().into_iter().flatten();
        for (_, response) in responses {
            let links = response.get_mut("links").and_then(|l| l.as_object_mut());
            for link in links.into_iter().flat_map(|l| l.values_mut()) {
                let Some(link) = link.as_object_mut() else {
                    continue;
                };
                for (snake, camel) in [
                    ("operation_id", "operationId"),
                    ("operation_ref", "operationRef"),
                    ("request_body", "requestBody"),
                ] {
                    if let Some(v) = link.remove(snake) {
                        link.insert(camel.to_string(), v);
                    }
                }
            }
        }
    }
}

/// Each path under `/api/v1` (without that prefix) and the methods it takes,
/// as `Allow` says them: GET brings HEAD with it.
pub fn methods_by_path() -> Vec<(String, String)> {
    document()
        .paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut methods = Vec::new();
            for (method, op) in [
                ("GET", &item.get),
                ("HEAD", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ] {
                if op.is_some() {
                    methods.push(method);
                }
            }
            let path = path.strip_prefix("/api/v1").unwrap_or(path).to_string();
            (path, methods.join(", "))
        })
        .collect()
}

pub(crate) async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(header::ContentType::json())
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(json())
}
