//! The secretariat's review queue: each submitted update beside the measure
//! it would replace, naming the authority (State, ref) and who wrote it;
//! a warning with the fields in dispute when it was written against a
//! measure no longer in force, whose approval then needs a tick; the
//! updates scheduled to start later; the held changes to designations.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::audit::Actor;
use crate::db;
use crate::db::ids::{AuthorityId, ProposalId, UpdateId};
use crate::directory::proposals::{self, Proposal, ProposalStatus};
use crate::error::AppError;
use crate::measures::Described;
use crate::measures::lifecycle;
use crate::measures::{Disagreement, Status, Update, disagreements, fields, store};
use crate::web::pages::measures::view;
use crate::web::pages::updates::AuthorityLabel;
use crate::web::support::extract::AdminPage;
use crate::web::support::respond::page_with;
use crate::web::support::respond::see_other;
use crate::web::{AppState, Viewer};

/// One row of the comparison: a field before and after.
#[derive(Serialize)]
struct Row {
    label: &'static str,
    before: Option<String>,
    after: Option<String>,
    changed: bool,
}

#[derive(Serialize)]
struct StaleBase {
    base_id: Option<UpdateId>,
    current_id: Option<UpdateId>,
    disagreements: Vec<Disagreement>,
}

#[derive(Serialize)]
struct Item {
    id: UpdateId,
    authority: Option<AuthorityLabel>,
    authority_id: AuthorityId,
    author: Option<String>,
    submitted_at: Option<chrono::NaiveDateTime>,
    effective_from: chrono::NaiveDate,
    effective_until: Option<chrono::NaiveDate>,
    starts_later: bool,
    rows: Vec<Row>,
    /// The measure in force now, which the decision is taken against.
    replaces: Option<UpdateId>,
    stale: Option<StaleBase>,
}

/// The proposed update field by field beside the measure it would replace.
fn compare(u: &Update, current: Option<&Update>) -> Vec<Row> {
    let before = current.map(fields);
    fields(u)
        .into_iter()
        .enumerate()
        .map(|(i, (label, after))| {
            let before = before.as_ref().and_then(|b| b[i].1.clone());
            Row {
                label,
                changed: before != after,
                before,
                after,
            }
        })
        .filter(|r| r.before.is_some() || r.after.is_some())
        .collect()
}

#[derive(Serialize)]
struct Scheduled {
    authority: Option<AuthorityLabel>,
    authority_id: AuthorityId,
    measure: Described,
    in_force_now: Option<UpdateId>,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    alert: Option<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let today = now.date();
    let (submitted, scheduled, current, bases, authors, held) = db::run(&state.pool, move |c| {
        lifecycle::settle_due(c, now)?;
        let filter = store::Filter {
            statuses: Some(vec![Status::Submitted]),
            all: true,
            ..Default::default()
        };
        let (_, mut submitted) = store::list(c, &filter, 100, 0, today)?;
        submitted.reverse();
        let filter = store::Filter {
            statuses: Some(vec![Status::Scheduled]),
            all: true,
            ..Default::default()
        };
        let (_, scheduled) = store::list(c, &filter, 100, 0, today)?;
        let mut ids: Vec<AuthorityId> = submitted.iter().map(|u| u.authority_id).collect();
        ids.extend(scheduled.iter().map(|u| u.authority_id));
        let current: HashMap<AuthorityId, Update> = store::in_force(c, Some(&ids), today)?
            .into_iter()
            .map(|u| (u.authority_id, u))
            .collect();
        let base_ids: Vec<UpdateId> = submitted.iter().filter_map(|u| u.base_id).collect();
        let bases: HashMap<UpdateId, Update> = store::get_many(c, &base_ids, today)?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let update_ids: Vec<UpdateId> = submitted.iter().map(|u| u.id).collect();
        let authors = store::authors(c, &update_ids)?;
        let mut held = proposals::list(c, Some(ProposalStatus::Pending), None, 100)?;
        held.reverse();
        let held_ids: Vec<ProposalId> = held.iter().map(|p| p.id).collect();
        let proposers = proposals::authors(c, &held_ids)?;
        let held: Vec<(Proposal, Option<String>)> = held
            .into_iter()
            .map(|p| {
                let by = proposers.get(&p.id).cloned();
                (p, by)
            })
            .collect();
        Ok((submitted, scheduled, current, bases, authors, held))
    })
    .await?;
    let label = |id: AuthorityId| AuthorityLabel::live(state, id).ok();
    let items: Vec<Item> = submitted
        .iter()
        .map(|u| {
            let now_in_force = current.get(&u.authority_id);
            let current_id = now_in_force.map(|c| c.id);
            let stale = (u.base_id != current_id).then(|| StaleBase {
                base_id: u.base_id,
                current_id,
                disagreements: disagreements(
                    u.base_id.and_then(|b| bases.get(&b)),
                    now_in_force,
                    u,
                ),
            });
            Item {
                id: u.id,
                authority: label(u.authority_id),
                authority_id: u.authority_id,
                author: authors.get(&u.id).cloned(),
                submitted_at: u.submitted_at,
                effective_from: u.effective_from,
                effective_until: u.effective_until,
                starts_later: u.effective_from > today,
                rows: compare(u, now_in_force),
                replaces: current_id,
                stale,
            }
        })
        .collect();
    let scheduled: Vec<Scheduled> = scheduled
        .iter()
        .rev()
        .map(|u| Scheduled {
            authority: label(u.authority_id),
            authority_id: u.authority_id,
            measure: view(u),
            in_force_now: current.get(&u.authority_id).map(|c| c.id),
        })
        .collect();
    let held: Vec<Value> = held
        .iter()
        .map(|(p, by)| {
            json!({
                "id": p.id, "authority_id": p.authority_id, "authority": label(p.authority_id),
                "by": by, "proposal": proposals::describe(p),
            })
        })
        .collect();
    let data = json!({
        "title": "Updates to review", "nav": "review", "alert": alert,
        "items": items, "count": items.len(), "scheduled": scheduled,
        "held": held, "held_count": held.len(),
    });
    page_with(state, viewer, status, "pages/review", &data)
}

pub(crate) async fn queue(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
) -> Result<HttpResponse, AppError> {
    render(&state, &viewer, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub(crate) struct Decision {
    csrf_token: Option<String>,
    reason: Option<String>,
    /// The measure in force the reviewer saw beside the update ("" for none).
    base: Option<String>,
    /// Ticked to approve an update written against an earlier measure.
    confirm: Option<String>,
}

/// A refusal shown on the queue itself, above the items.
async fn refused(state: &AppState, viewer: &Viewer, e: AppError) -> Result<HttpResponse, AppError> {
    let status = match &e {
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } | AppError::StaleBase { .. } => StatusCode::CONFLICT,
        _ => return Err(e),
    };
    let message = match &e {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::StaleBase { message, .. } => {
            format!("{message} To approve it anyway, tick the box beside it and approve again.")
        }
        other => other.to_string(),
    };
    render(state, viewer, status, Some(message)).await
}

/// One decision taken from the queue: the admin's, with the form's token;
/// back to the queue when done, the queue with the refusal when not.
async fn decide<T: Send + 'static>(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: &Decision,
    back_to: &str,
    act: impl FnOnce(&mut crate::db::DbConnection, &Actor, chrono::NaiveDateTime) -> Result<T, AppError>
    + Send
    + 'static,
) -> Result<HttpResponse, AppError> {
    let user = viewer.admin()?.clone();
    viewer.check_csrf(form.csrf_token.as_deref())?;
    let (actor, now) = (Actor::user(&user), state.clock.now());
    let result = db::run(&state.pool, move |c| act(c, &actor, now)).await;
    state.mail.wake();
    state.in_force.forget();
    match result {
        Ok(_) => {
            // An approved proposal changes the directory.
            state.directory.refresh().await?;
            Ok(see_other(back_to))
        }
        Err(e) => refused(&state, &viewer, e).await,
    }
}

pub(crate) async fn approve(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<UpdateId>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // Only a ticked box says that the reviewer compared the update with the
    // measure in force now rather than with the one it was written against.
    let seen = (form.confirm.as_deref() == Some("yes")).then(|| {
        form.base
            .as_deref()
            .and_then(|b| b.trim().parse::<UpdateId>().ok())
    });
    decide(
        state,
        viewer,
        &form,
        "/admin/updates",
        move |c, actor, now| lifecycle::approve(c, id, seen, actor, now),
    )
    .await
}

pub(crate) async fn reject(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<UpdateId>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, AppError> {
    let (id, reason) = (path.into_inner(), form.reason.clone().unwrap_or_default());
    decide(
        state,
        viewer,
        &form,
        "/admin/updates",
        move |c, actor, now| lifecycle::reject(c, id, actor, &reason, now),
    )
    .await
}

pub(crate) async fn approve_proposal(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<ProposalId>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    decide(
        state,
        viewer,
        &form,
        "/admin/updates#proposals",
        move |c, actor, now| proposals::approve(c, id, actor, now),
    )
    .await
}

pub(crate) async fn reject_proposal(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<ProposalId>,
    form: web::Form<Decision>,
) -> Result<HttpResponse, AppError> {
    let (id, reason) = (path.into_inner(), form.reason.clone().unwrap_or_default());
    decide(
        state,
        viewer,
        &form,
        "/admin/updates#proposals",
        move |c, actor, now| proposals::reject(c, id, actor, &reason, now),
    )
    .await
}
