//! The secretariat's pages: the log of every change, and the records that
//! have not been verified for too long.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::audit;
use crate::db;
use crate::db::ids::AuthorityId;
use crate::error::AppError;
use crate::web::AppState;
use crate::web::support::extract::{AdminPage, page_param};
use crate::web::support::filters::{PlaceFilter, pager};
use crate::web::support::respond::page;

#[derive(Deserialize)]
pub(crate) struct PageParam {
    page: Option<String>,
}

const PER_PAGE: i64 = 50;

pub(crate) async fn changes(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
    params: web::Query<PageParam>,
) -> Result<HttpResponse, AppError> {
    let page_no = page_param(&params.page)?;
    let (total, items) = db::run(&state.pool, move |c| {
        Ok(audit::list(c, None, PER_PAGE, (page_no - 1) * PER_PAGE)?)
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

/// A record to verify, as the stale page shows it.
#[derive(serde::Serialize)]
struct StaleRow {
    id: AuthorityId,
    #[serde(rename = "ref")]
    ref_: String,
    name: String,
    country_name: String,
    verified_at: Option<chrono::NaiveDate>,
    days: Option<i64>,
    reminded_at: Option<chrono::NaiveDateTime>,
    reminded_to: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct StaleFilters {
    country: Option<String>,
    region: Option<String>,
    page: Option<String>,
}

/// Rows of the records to verify on one page.
const STALE_PER_PAGE: usize = 100;

pub(crate) async fn stale(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
    params: web::Query<StaleFilters>,
) -> Result<HttpResponse, AppError> {
    let filter = PlaceFilter::parse(&params.country, &params.region, &params.page)?;
    let settings = &state.settings.directory;
    let today = state.clock.today();
    let directory = state.directory.snapshot();
    let mut list: Vec<StaleRow> = directory
        .authorities()
        .filter(|a| filter.admits(a.country))
        .filter(|a| settings.is_stale(a.verified_at(), today))
        .map(|a| StaleRow {
            id: a.id,
            ref_: a.ref_().to_string(),
            name: a.name().to_string(),
            country_name: a.country.state().name.clone(),
            verified_at: a.verified_at(),
            days: a.verified_at().map(|d| (today - d).num_days()),
            reminded_at: None,
            reminded_to: None,
        })
        .collect();
    // Never verified first, then the oldest.
    list.sort_by_key(|v| std::cmp::Reverse(v.days.unwrap_or(i64::MAX)));
    let count = list.len();
    let link = |n: usize| {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        filter.pairs(&mut q);
        q.append_pair("page", &n.to_string());
        format!("/admin/stale?{}", q.finish())
    };
    let (page_no, pager) = pager(filter.page, count, STALE_PER_PAGE, link);
    let mut list: Vec<StaleRow> = list
        .into_iter()
        .skip((page_no - 1) * STALE_PER_PAGE)
        .take(STALE_PER_PAGE)
        .collect();
    let ids: Vec<AuthorityId> = list.iter().map(|v| v.id).collect();
    let reminded = db::run(&state.pool, move |c| {
        Ok(crate::directory::reminders::last_sent(c, &ids)?)
    })
    .await?;
    for v in &mut list {
        if let Some((at, to)) = reminded.get(&v.id) {
            v.reminded_at = Some(*at);
            v.reminded_to = Some(to.clone());
        }
    }
    let (states, regions) = filter.choices();
    page(
        &state,
        &viewer,
        "pages/stale",
        &json!({
            "title": "Records to verify", "nav": "stale", "items": list,
            "count": count, "pager": pager, "states": states, "regions": regions,
            "stale_days": settings.stale_days(),
            "remind_days": state.settings.directory.remind_every.as_secs() / 86_400,
        }),
    )
}
