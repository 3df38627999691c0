//! Responses that pages share: an HTML page in the site's layout, and the
//! redirect after a form.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde_json::Value;

use super::templates::render;
use crate::error::AppError;
use crate::web::{AppState, Viewer};

pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body)
}

pub fn page(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    data: &Value,
) -> Result<HttpResponse, AppError> {
    page_with(state, viewer, StatusCode::OK, name, data)
}

/// Renders a page with the viewer the layout shows (signed in or not).
pub fn page_with(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    name: &str,
    data: &Value,
) -> Result<HttpResponse, AppError> {
    let mut data = data.clone();
    data["viewer"] = viewer.context();
    Ok(html(status, render(&state.templates, name, &data)?))
}

/// After a form: the browser goes to `to` with a GET.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}
