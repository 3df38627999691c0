//! HTTP: pages for people, JSON under `/api/v1` for programs.

mod api;
mod errors;
pub mod json;
mod pages;
pub mod templates;

use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::config::Settings;
use crate::db::Pool;
use crate::directory::store::DirectoryStore;
use crate::error::AppError;

/// What every handler may reach.
pub struct AppState {
    pub pool: Pool,
    pub directory: Arc<DirectoryStore>,
    pub templates: templates::Templates,
    pub settings: Settings,
}

/// Who is asking, and so what they may see.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub sees_contacts: bool,
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req
            .app_data::<web::Data<AppState>>()
            .expect("AppState is registered");
        std::future::ready(Ok(Viewer {
            sees_contacts: state.settings.directory.public_contacts,
        }))
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| AppError::bad_param("query", e.to_string()).into()),
    )
    .app_data(
        web::JsonConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::bad_param("body", e.to_string()).into()),
    )
    .route("/healthz", web::get().to(api::healthz))
    .route("/readyz", web::get().to(api::readyz))
    .service(web::scope("/api/v1").configure(api::configure))
    .configure(pages::configure)
    .default_service(web::to(|| async {
        Err::<actix_web::HttpResponse, _>(AppError::not_found("no such page"))
    }));
}

pub use errors::html_error_pages;
