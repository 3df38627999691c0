//! HTTP: pages for people, JSON under `/api/v1` for programs.

mod account;
mod admin;
mod admin_mail;
mod api;
mod api_edit;
mod api_proposals;
mod api_updates;
mod bulletin;
mod downloads;
mod errors;
mod forms;
pub mod json;
mod measures_view;
mod pages;
pub mod templates;
mod updates;
pub mod viewer;

pub use viewer::Viewer;

use std::sync::Arc;

use actix_web::web;

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
    /// Signs the session cookie.
    pub key: actix_web::cookie::Key,
    /// Woken when a handler has queued mail.
    pub mail: Arc<crate::mail::Mailer>,
    /// The time, for everything that depends on the date.
    pub clock: Arc<crate::clock::Clock>,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::QueryConfig::default()
            .error_handler(|e, _| AppError::bad_param("query", e.to_string()).into()),
    )
    .app_data(
        web::FormConfig::default()
            .limit(256 << 10)
            .error_handler(|e, _| AppError::bad_param("form", e.to_string()).into()),
    )
    .app_data(
        web::JsonConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::bad_param("body", e.to_string()).into()),
    )
    .route("/healthz", web::get().to(api::healthz))
    .route("/readyz", web::get().to(api::readyz))
    .service(
        web::scope("/api/v1")
            .configure(api::configure)
            .configure(api_edit::configure)
            .configure(api_updates::configure)
            .configure(api_proposals::configure)
            .configure(bulletin::configure_api)
            .configure(admin_mail::configure_api),
    )
    .configure(account::configure)
    .configure(admin::configure)
    .configure(admin_mail::configure)
    .configure(updates::configure)
    .configure(bulletin::configure)
    // Before the pages: /authorities/new and /authorities/7.vcf are not ids.
    .configure(forms::configure)
    .configure(downloads::configure)
    .configure(pages::configure)
    .default_service(web::to(|| async {
        Err::<actix_web::HttpResponse, _>(AppError::not_found("no such page"))
    }));
}

pub use errors::html_error_pages;
