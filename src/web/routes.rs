//! Every path the service answers, in one table. Order matters where a
//! literal segment and a parameter share a place: `/authorities/new` and
//! `/authorities/7.vcf` are registered before `/authorities/{id}`.

use actix_web::guard;
use actix_web::web::{self, ServiceConfig, delete, patch, post, put};

use super::admin::{bulletin as admin_bulletin, changes, mail, preview, review};
use super::api::{bulletin as api_bulletin, directory as api, edit, openapi, proposals, updates};
use super::pages::{
    account, api_docs, authority_edit, bulletin, directory, downloads, measures, password, resume,
    updates as focal,
};
use crate::error::AppError;

/// GET, and HEAD with it: HTTP asks that HEAD be answered wherever GET is
/// (monitors and link checkers send it). The handler runs as for GET and
/// the server leaves the body out of a HEAD answer.
fn get() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The JSON interface under `/api/v1` (DESIGN.md names its paths).
fn api_v1(cfg: &mut ServiceConfig) {
    cfg.route("/authorities", get().to(api::list_authorities))
        .route("/authorities", post().to(edit::create))
        .route("/authorities/{id}", get().to(api::get_authority))
        .route("/authorities/{id}", put().to(edit::replace))
        .route("/authorities/{id}", patch().to(edit::patch))
        .route("/authorities/{id}", delete().to(edit::archive))
        .route("/authorities/{id}/confirm", post().to(edit::confirm))
        .route(
            "/authorities/{id}/history",
            get().to(edit::authority_history),
        )
        .route("/changes", get().to(edit::all_changes))
        .route("/countries", get().to(api::list_countries))
        .route("/countries/{code}", get().to(api::get_country))
        .route("/counterpart", get().to(api::counterpart))
        .route("/articles", get().to(api::list_articles))
        .route("/updates", post().to(updates::create))
        .route("/updates", get().to(updates::list))
        .route("/updates/{id}", get().to(updates::get))
        .route("/updates/{id}/submit", post().to(updates::submit))
        .route("/updates/{id}/approve", post().to(updates::approve))
        .route("/updates/{id}/reject", post().to(updates::reject))
        .route("/updates/{id}/withdraw", post().to(updates::withdraw))
        .route("/proposals", get().to(proposals::list))
        .route("/proposals/{id}", get().to(proposals::get))
        .route("/proposals/{id}/approve", post().to(proposals::approve))
        .route("/proposals/{id}/reject", post().to(proposals::reject))
        .route("/proposals/{id}/withdraw", post().to(proposals::withdraw))
        .route("/bulletins", get().to(api_bulletin::list))
        .route("/bulletins/{number}", get().to(api_bulletin::get))
        .route("/subscriptions", post().to(api_bulletin::create))
        .route("/subscriptions", get().to(api_bulletin::index))
        .route("/subscriptions/{id}", delete().to(api_bulletin::delete))
        .route("/mail", get().to(mail::list_api))
        .route("/mail/{id}/send-again", post().to(mail::send_again_api));
    // Last: a path above asked with a method it does not take answers 405
    // with the methods it does, not "no such page". The methods are the
    // document's, which `tests/api/openapi.rs` holds equal to the table.
    for (path, allowed) in openapi::methods_by_path() {
        cfg.route(
            &path,
            web::route().to(move || {
                let allowed = allowed.clone();
                async move { Err::<actix_web::HttpResponse, _>(AppError::MethodNotAllowed(allowed)) }
            }),
        );
    }
}

/// Pages for people: the directory, the focal point's, then the secretariat's.
/// A form that needs an account, whose typed work survives a session that
/// ended meanwhile (see `pages::resume`).
fn kept(route: actix_web::Route) -> actix_web::Route {
    route.wrap(actix_web::middleware::from_fn(resume::keep_typed_work))
}

fn pages(cfg: &mut ServiceConfig) {
    cfg.route("/", get().to(directory::home))
        .route("/counterpart", get().to(directory::counterpart))
        .route("/about", get().to(directory::about))
        .route("/static/{file:.*}", get().to(directory::static_file))
        .route("/countries", get().to(directory::countries))
        .route("/countries/{code}", get().to(directory::country))
        .route("/measures", get().to(measures::list_page))
        .route("/authorities", get().to(directory::authorities))
        .route("/authorities.csv", get().to(downloads::as_csv))
        .route("/authorities.vcf", get().to(downloads::as_vcards))
        .route("/authorities.json", get().to(downloads::as_json))
        .route("/authorities/new", get().to(authority_edit::new_form))
        .route("/authorities/new", kept(post().to(authority_edit::create)))
        .route("/authorities/{id}.vcf", get().to(downloads::as_vcard))
        .route("/authorities/{id}", get().to(directory::authority))
        .route(
            "/authorities/{id}/edit",
            get().to(authority_edit::edit_form),
        )
        .route(
            "/authorities/{id}/edit",
            kept(post().to(authority_edit::save)),
        )
        .route(
            "/authorities/{id}/confirm",
            post().to(authority_edit::confirm),
        )
        .route(
            "/authorities/{id}/archive",
            post().to(authority_edit::archive),
        )
        .route("/login", get().to(account::login_page))
        .route("/login", post().to(account::login))
        .route("/password/forgot", get().to(password::forgot_form))
        .route("/password/forgot", post().to(password::forgot))
        .route("/password/reset", get().to(password::reset_page))
        .route("/password/reset", post().to(password::reset))
        .route("/logout", post().to(account::logout))
        .route("/account", get().to(account::account))
        .route("/account/tokens", post().to(account::issue_token))
        .route(
            "/account/tokens/{id}/revoke",
            post().to(account::revoke_token),
        )
        .route("/updates", get().to(focal::mine::page))
        .route("/updates/new", get().to(focal::form::new_form))
        .route("/updates/new", kept(post().to(focal::form::create)))
        .route("/updates/{id}/edit", get().to(focal::form::edit_form))
        .route(
            "/updates/{id}/edit",
            kept(post().to(focal::form::save_draft)),
        )
        .route("/updates/{id}/withdraw", post().to(focal::mine::withdraw))
        .route("/subscribe", get().to(bulletin::subscribe_form))
        .route("/subscribe", post().to(bulletin::subscribe))
        .route("/subscribe/confirm", get().to(bulletin::confirm))
        .route("/unsubscribe", get().to(bulletin::unsubscribe_page))
        .route("/unsubscribe", post().to(bulletin::unsubscribe))
        .route("/bulletins", get().to(bulletin::list))
        .route("/bulletins.atom", get().to(bulletin::feed))
        .route("/bulletins/{number}", get().to(bulletin::show))
        .route("/subscriptions", get().to(admin_bulletin::own_page))
        .route("/subscriptions", post().to(admin_bulletin::add))
        .route(
            "/subscriptions/{id}/unsubscribe",
            post().to(admin_bulletin::remove),
        );
}

fn admin(cfg: &mut ServiceConfig) {
    cfg.route("/admin/updates", get().to(review::queue))
        .route("/admin/updates/{id}/approve", post().to(review::approve))
        .route("/admin/updates/{id}/reject", post().to(review::reject))
        .route(
            "/admin/proposals/{id}/approve",
            post().to(review::approve_proposal),
        )
        .route(
            "/admin/proposals/{id}/reject",
            post().to(review::reject_proposal),
        )
        .route("/admin/changes", get().to(changes::changes))
        .route("/admin/stale", get().to(changes::stale))
        .route("/admin/mail", get().to(mail::mail_page))
        .route(
            "/admin/mail/{id}/send-again",
            post().to(mail::send_again_form),
        )
        .route("/admin/bulletin", get().to(admin_bulletin::admin_page))
        .route("/admin/bulletin/preview", get().to(preview::preview))
        .route(
            "/admin/bulletin/send-now",
            post().to(admin_bulletin::send_now),
        )
        .route("/admin/subscribers", post().to(admin_bulletin::add))
        .route(
            "/admin/subscribers/{id}/unsubscribe",
            post().to(admin_bulletin::remove),
        );
}

pub fn table(cfg: &mut ServiceConfig) {
    cfg.route("/healthz", get().to(api::healthz))
        .route("/readyz", get().to(api::readyz))
        .route("/metrics", get().to(super::observe::metrics))
        .route("/api/openapi.json", get().to(openapi::openapi_json))
        .route("/api/docs", get().to(api_docs::reference_page))
        .service(web::scope("/api/v1").configure(api_v1))
        .configure(pages)
        .configure(admin);
}
