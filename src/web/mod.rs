//! HTTP: pages for people, JSON under `/api/v1` for programs.

mod admin;
mod api;
pub mod observe;
mod pages;
mod routes;
pub mod support;

pub use support::errors::html_error_pages;
pub use support::templates;
pub use support::viewer::{self, Viewer};

use std::sync::Arc;

use actix_web::web;

use crate::config::Settings;
use crate::db::Pool;
use crate::directory::cache::DirectoryCache;
use crate::error::AppError;

/// What every handler may reach.
pub struct AppState {
    pub pool: Pool,
    pub directory: Arc<DirectoryCache>,
    pub templates: templates::Templates,
    pub settings: Settings,
    /// Signs the session cookie.
    pub key: actix_web::cookie::Key,
    /// Woken when a handler has queued mail.
    pub mail: Arc<crate::mail::Mailer>,
    /// The time, for everything that depends on the date.
    pub clock: Arc<crate::clock::Clock>,
    /// Page bodies rendered once per directory snapshot.
    pub bodies: support::respond::Bodies,
    /// Pages anonymous readers share, kept compressed.
    pub zipped: support::zipped::Zipped,
    /// Option lists compressed once, for pages made around them.
    pub segments: support::zipped::Segments,
    /// Authority cards rendered once per directory snapshot.
    pub cards: support::respond::Cards,
    /// The measures in force, in memory.
    pub in_force: pages::measures::InForce,
    /// Request counts and latencies for `/metrics`.
    pub metrics: observe::Metrics,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        // A path segment that does not read as the id it stands for names
        // nothing: 404 like an unknown id, in JSON under /api.
        web::PathConfig::default().error_handler(|e, _| AppError::not_found(e.to_string()).into()),
    )
    .app_data(
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
    .configure(routes::table)
    .default_service(web::to(|| async {
        Err::<actix_web::HttpResponse, _>(AppError::not_found("no such page"))
    }));
}
