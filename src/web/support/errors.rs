//! Errors outside `/api` are shown as pages, not JSON.

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::ErrorInfo;
use crate::web::AppState;

pub fn html_error_pages<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(render)
}

fn render<B: 'static>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let path = res.request().path();
    if path.starts_with("/api/") || path == "/healthz" || path == "/readyz" {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    // A page that answered with its own HTML (a form shown again with its
    // error) is already what the reader should see.
    let is_html = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let info = res.response().extensions().get::<ErrorInfo>().cloned();
    let Some(state) = res.request().app_data::<web::Data<AppState>>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let (title, message) = match status.as_u16() {
        404 => ("Not found", "There is no page at this address.".to_string()),
        400 | 422 => (
            "Please check your request",
            info.map(|i| i.message).unwrap_or_default(),
        ),
        401 => (
            "Please sign in",
            "This page is for signed-in users.".to_string(),
        ),
        403 => ("Not allowed", "Your account may not do this.".to_string()),
        429 => (
            "Too many attempts",
            info.map(|i| i.message).unwrap_or_default(),
        ),
        _ => (
            "Something went wrong",
            "The error has been logged. Please try again in a moment.".to_string(),
        ),
    };
    let html = super::respond::render_page(
        &state.templates,
        "pages/error",
        &json!({
            "title": title, "message": message, "status": status.as_u16(), "nav": "",
            "request_id": crate::web::observe::RequestId::of_request(res.request()),
        }),
        &super::viewer::ViewerContext::anonymous(false),
    )
    .unwrap_or_else(|_| format!("<h1>{}</h1>", status));
    let (req, _) = res.into_parts();
    let response: HttpResponse<BoxBody> = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(html);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_body(|_, b| EitherBody::right(b)),
    ))
}
