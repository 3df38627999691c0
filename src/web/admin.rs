//! The secretariat's pages: the log of every change, and the records that
//! have not been verified for too long.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::pages::page;
use super::{AppState, Viewer};
use crate::db;
use crate::directory::edit::history;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/changes", web::get().to(changes))
        .route("/admin/stale", web::get().to(stale));
}

fn to_login(path: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/login?next={path}")))
        .finish()
}

#[derive(Deserialize)]
struct PageParam {
    page: Option<u32>,
}

const PER_PAGE: i64 = 50;

async fn changes(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<PageParam>,
) -> Result<HttpResponse, AppError> {
    if viewer.user.is_none() {
        return Ok(to_login("/admin/changes"));
    }
    viewer.admin()?;
    let page_no = params.page.unwrap_or(1).max(1) as i64;
    let (total, items) = db::run(&state.pool, move |c| {
        Ok(history::list(c, None, PER_PAGE, (page_no - 1) * PER_PAGE)?)
    })
    .await?;
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    page(
        &state,
        &viewer,
        "pages/changes",
        &json!({
            "title": "Changes to the directory", "nav": "admin", "items": items, "total": total,
            "prev": (page_no > 1).then(|| page_no - 1),
            "next": (page_no < pages).then(|| page_no + 1),
        }),
    )
}

async fn stale(state: web::Data<AppState>, viewer: Viewer) -> Result<HttpResponse, AppError> {
    if viewer.user.is_none() {
        return Ok(to_login("/admin/stale"));
    }
    viewer.admin()?;
    let stale_days = (state.settings.directory.stale_after.as_secs() / 86_400) as i64;
    let today = state.clock.today();
    let directory = state.directory.snapshot();
    let mut list: Vec<_> = directory
        .authorities()
        .iter()
        .filter(|a| {
            a.verified_at
                .is_none_or(|d| (today - d).num_days() > stale_days)
        })
        .map(|a| {
            json!({
                "id": a.id, "ref": a.ref_, "name": a.name, "country_name": a.country.state().name,
                "verified_at": a.verified_at,
                "days": a.verified_at.map(|d| (today - d).num_days()),
            })
        })
        .collect();
    // Never verified first, then the oldest.
    list.sort_by_key(|v| std::cmp::Reverse(v["days"].as_i64().unwrap_or(i64::MAX)));
    let ids: Vec<i64> = list.iter().filter_map(|v| v["id"].as_i64()).collect();
    let reminded = db::run(&state.pool, move |c| {
        Ok(crate::directory::reminders::last_sent(c, &ids)?)
    })
    .await?;
    for v in &mut list {
        if let Some((at, to)) = v["id"].as_i64().and_then(|id| reminded.get(&id)) {
            v["reminded_at"] = json!(at);
            v["reminded_to"] = json!(to);
        }
    }
    page(
        &state,
        &viewer,
        "pages/stale",
        &json!({
            "title": "Records to verify", "nav": "admin", "items": list,
            "count": list.len(), "stale_days": stale_days,
            "remind_days": state.settings.directory.remind_every.as_secs() / 86_400,
        }),
    )
}
