//! Responses that pages share: an HTML page in the site's layout, and the
//! redirect after a form.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde::Serialize;

use super::templates::render;
use super::viewer::ViewerContext;
use crate::error::AppError;
use crate::web::{AppState, Viewer};

pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body)
}

pub fn page<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    data: &T,
) -> Result<HttpResponse, AppError> {
    page_with(state, viewer, StatusCode::OK, name, data)
}

/// A page's own view with the viewer the layout shows beside it.
#[derive(Serialize)]
struct WithViewer<'a, T: Serialize> {
    #[serde(flatten)]
    data: &'a T,
    viewer: ViewerContext<'a>,
}

/// Renders a page with the viewer the layout shows (signed in or not).
pub fn page_with<T: Serialize>(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    name: &str,
    data: &T,
) -> Result<HttpResponse, AppError> {
    let data = WithViewer {
        data,
        viewer: viewer.context(),
    };
    Ok(html(status, render(&state.templates, name, &data)?))
}

/// After a form: the browser goes to `to` with a GET.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}
