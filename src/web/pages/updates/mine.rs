//! A focal point's updates: what is in force and scheduled, what waits for
//! review, drafts to reopen, and the decisions with their reasons; with a
//! word on what was just done, and withdrawal from the page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{AuthorityLabel, acts_for, authority_for, mine_link};
use crate::audit::Actor;
use crate::db;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::error::AppError;
use crate::measures::Described;
use crate::measures::lifecycle;
use crate::measures::{Status, Update, store};
use crate::web::pages::measures::view;
use crate::web::support::extract::SignedIn;
use crate::web::support::respond::page_with;
use crate::web::support::respond::see_other;
use crate::web::{AppState, Viewer};

#[derive(Deserialize)]
pub(crate) struct Params {
    authority: Option<AuthorityId>,
    done: Option<String>,
    id: Option<UpdateId>,
}

/// One update as the page lists it.
#[derive(Serialize)]
struct Item {
    id: UpdateId,
    status: Status,
    status_label: &'static str,
    measure: Described,
    rejection_reason: Option<String>,
    submitted_at: Option<chrono::NaiveDateTime>,
    decided_at: Option<chrono::NaiveDateTime>,
    updated_at: chrono::NaiveDateTime,
    may_withdraw: bool,
    is_draft: bool,
}

impl Item {
    fn new(u: &Update) -> Self {
        Self {
            id: u.id,
            status: u.status,
            status_label: u.status.label(),
            measure: view(u),
            rejection_reason: u.rejection_reason.clone(),
            submitted_at: u.submitted_at,
            decided_at: u.decided_at,
            updated_at: u.updated_at,
            may_withdraw: matches!(
                u.status,
                Status::Draft | Status::Submitted | Status::Scheduled | Status::Approved
            ),
            is_draft: u.status == Status::Draft,
        }
    }
}

/// What was just done, in words; nothing for an unknown word.
fn notice(done: Option<&str>, id: Option<UpdateId>) -> Option<String> {
    let id = id?;
    Some(match done? {
        "draft" => format!(
            "Draft saved (update {id}). Nobody else sees it until you submit it; reopen it below."
        ),
        "submitted" => format!(
            "Update {id} was submitted for review. A receipt is on its way to you by email, \
             and you will be told when the secretariat decides."
        ),
        "withdrawn" => format!("Update {id} was withdrawn."),
        _ => return None,
    })
}

const SHOWN: i64 = 200;

pub(crate) async fn page(
    state: web::Data<AppState>,
    SignedIn(viewer): SignedIn,
    params: web::Query<Params>,
) -> Result<HttpResponse, AppError> {
    let p = params.into_inner();
    if p.authority.is_none() && viewer.user.as_ref().is_some_and(|u| u.is_admin()) {
        return Ok(see_other("/admin/updates"));
    }
    let authority_id = authority_for(&viewer, p.authority)?;
    let authority = AuthorityLabel::live(&state, authority_id)?;
    let now = state.clock.now();
    let (total, all) = db::run(&state.pool, move |c| {
        lifecycle::settle_due(c, now)?;
        let filter = store::Filter {
            authority_id: Some(authority_id),
            all: true,
            ..Default::default()
        };
        store::list(c, &filter, SHOWN, 0, now.date())
    })
    .await?;
    let pick = |wanted: &[Status]| -> Vec<Item> {
        all.iter()
            .filter(|u| wanted.contains(&u.status))
            .map(Item::new)
            .collect()
    };
    let mut scheduled = pick(&[Status::Scheduled]);
    scheduled.reverse();
    let data = json!({
        "title": format!("Updates of {}", authority.name),
        "nav": "updates",
        "authority": authority,
        "notice": notice(p.done.as_deref(), p.id),
        "in_force": pick(&[Status::Approved]),
        "scheduled": scheduled,
        "submitted": pick(&[Status::Submitted]),
        "drafts": pick(&[Status::Draft]),
        "earlier": pick(&[Status::Rejected, Status::Superseded, Status::Withdrawn, Status::Expired]),
        "total": total,
        "more": total > SHOWN,
    });
    page_with(&state, &viewer, StatusCode::OK, "pages/updates", &data)
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    csrf_token: Option<String>,
}

pub(crate) async fn withdraw(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<UpdateId>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let user = viewer.signed_in()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let now = state.clock.now();
    let u = db::run(&state.pool, move |c| store::get(c, id, now.date())).await?;
    if acts_for(&user, u.authority_id).is_err() {
        return Err(AppError::not_found(format!("no update with id {id}")));
    }
    let actor = Actor::user(&user);
    db::run(&state.pool, move |c| {
        lifecycle::withdraw(c, id, &actor, now)
    })
    .await?;
    state.in_force.forget();
    Ok(see_other(&mine_link(
        &viewer,
        u.authority_id,
        "withdrawn",
        id,
    )))
}
