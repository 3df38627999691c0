//! The bulletin on the web: subscribing and leaving, the archive and its
//! feed, the JSON API, and the pages of those who run it.

mod api;
mod manage;
mod public;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/subscribe", web::get().to(public::subscribe_form))
        .route("/subscribe", web::post().to(public::subscribe))
        .route("/subscribe/confirm", web::get().to(public::confirm))
        .route("/unsubscribe", web::get().to(public::unsubscribe_page))
        .route("/unsubscribe", web::post().to(public::unsubscribe))
        .route("/bulletins", web::get().to(public::list))
        .route("/bulletins.atom", web::get().to(public::feed))
        .route("/bulletins/{number}", web::get().to(public::show))
        .route("/admin/bulletin", web::get().to(manage::admin_page))
        .route("/admin/bulletin/preview", web::get().to(manage::preview))
        .route("/admin/bulletin/send-now", web::post().to(manage::send_now))
        .route("/admin/subscribers", web::post().to(manage::add))
        .route(
            "/admin/subscribers/{id}/unsubscribe",
            web::post().to(manage::remove),
        )
        .route("/subscriptions", web::get().to(manage::own_page))
        .route("/subscriptions", web::post().to(manage::add))
        .route(
            "/subscriptions/{id}/unsubscribe",
            web::post().to(manage::remove),
        );
}

pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.route("/bulletins", web::get().to(api::list))
        .route("/bulletins/{number}", web::get().to(api::get))
        .route("/subscriptions", web::post().to(api::create))
        .route("/subscriptions", web::get().to(api::index))
        .route("/subscriptions/{id}", web::delete().to(api::delete));
}
