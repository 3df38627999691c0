//! The update form: a new update starts from the measure in force; a draft
//! reopens with what was saved. Either is saved again as a draft or
//! submitted. When the measure in force changed while the person was
//! writing, the form comes back with their text and what now differs.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{AuthorityLabel, acts_for, authority_for, mine_link};
use crate::audit::Actor;
use crate::db;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::error::{AppError, FieldError};
use crate::measures::Described;
use crate::measures::input::{UpdateInput, ValidUpdate};
use crate::measures::lifecycle::{self, SeenBase};
use crate::measures::{
    Disagreement, Operations, Originals, Status, Update, YesNo, YesNoPartly, disagreements, store,
};
use crate::web::pages::measures::view;
use crate::web::support::extract::SignedIn;
use crate::web::support::respond::page_with;
use crate::web::support::respond::see_other;
use crate::web::{AppState, Viewer};

#[derive(Deserialize)]
pub(crate) struct Which {
    authority: Option<AuthorityId>,
}

fn choices<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    chosen: &Option<String>,
) -> Value {
    json!(all.iter().map(|v| json!({"code": code(*v), "label": label(*v), "selected": chosen.as_deref() == Some(code(*v))})).collect::<Vec<_>>())
}

/// The label the form shows for a field, for the error summary.
pub(crate) fn label_of(field: &str) -> &str {
    match field {
        "operations" => "Operations",
        "electronic_requests" => "Requests accepted by electronic means",
        "electronic_address" => "Address to send them to",
        "originals_required" => "Originals required",
        "time_limits" => "Time limits",
        "video_hearings" => "Hearings by videoconference possible",
        "surrenders" => "Surrenders (extradition) possible",
        "transfers" => "Transfers of sentenced persons possible",
        "urgent_contact" => "Urgent contact",
        "remarks" => "Remarks",
        "language" => "Language of the text",
        "effective_from" => "In force from",
        "effective_until" => "Until",
        "authority_id" => "Authority",
        other => other,
    }
}

fn form_context(input: &UpdateInput, errors: &[FieldError]) -> Value {
    let error = |f: &str| {
        errors
            .iter()
            .find(|e| e.field == f)
            .map(|e| e.message.clone())
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    json!({
        "operations": choices(Operations::ALL, Operations::code, Operations::label, &input.operations),
        "electronic_requests": choices(YesNoPartly::ALL, YesNoPartly::code, YesNoPartly::label, &input.electronic_requests),
        "originals_required": choices(Originals::ALL, Originals::code, Originals::label, &input.originals_required),
        "video_hearings": choices(YesNo::ALL, YesNo::code, YesNo::label, &input.video_hearings),
        "surrenders": choices(YesNoPartly::ALL, YesNoPartly::code, YesNoPartly::label, &input.surrenders),
        "transfers": choices(YesNoPartly::ALL, YesNoPartly::code, YesNoPartly::label, &input.transfers),
        "electronic_address": text(&input.electronic_address),
        "time_limits": text(&input.time_limits),
        "urgent_contact": text(&input.urgent_contact),
        "remarks": text(&input.remarks),
        "language": text(&input.language),
        "effective_from": text(&input.effective_from),
        "effective_until": text(&input.effective_until),
        "errors": errors.iter().map(|e| json!({
            "field": e.field, "label": label_of(&e.field), "message": e.message,
        })).collect::<Vec<_>>(),
        "error_count": errors.len(),
        "language_names": crate::domain::LanguageCode::form_names(),
        "e": {
            "electronic_address": error("electronic_address"), "effective_from": error("effective_from"),
            "effective_until": error("effective_until"), "language": error("language"),
            "remarks": error("remarks"), "time_limits": error("time_limits"),
            "urgent_contact": error("urgent_contact"), "authority_id": error("authority_id"),
        },
    })
}

/// An update as form input: the measure in force that a new update starts
/// from (its dates left for the new one), or a draft as it was saved.
fn prefill(u: Option<&Update>, with_dates: bool) -> UpdateInput {
    let Some(u) = u else {
        return UpdateInput::default();
    };
    let code = |c: Option<&'static str>| c.map(String::from);
    UpdateInput {
        operations: code(u.operations.map(Operations::code)),
        electronic_requests: code(u.electronic_requests.map(YesNoPartly::code)),
        electronic_address: u.electronic_address.clone(),
        originals_required: code(u.originals_required.map(Originals::code)),
        time_limits: u.time_limits.clone(),
        video_hearings: code(u.video_hearings.map(YesNo::code)),
        surrenders: code(u.surrenders.map(YesNoPartly::code)),
        transfers: code(u.transfers.map(YesNoPartly::code)),
        urgent_contact: u.urgent_contact.clone(),
        remarks: u.remarks.clone(),
        language: u.language.clone(),
        effective_from: with_dates.then(|| u.effective_from.to_string()),
        effective_until: with_dates
            .then(|| u.effective_until.map(|d| d.to_string()))
            .flatten(),
        ..UpdateInput::default()
    }
}

/// The measure in force changed since the text was started: what is in
/// force now, and where approving the text would undo that change.
#[derive(Serialize)]
struct Stale {
    base_id: Option<UpdateId>,
    current: Option<Described>,
    current_id: Option<UpdateId>,
    disagreements: Vec<Disagreement>,
}

#[derive(Serialize)]
struct FormPage {
    title: String,
    nav: &'static str,
    authority: AuthorityLabel,
    /// Where the form posts: a new update, or this draft.
    action: String,
    draft_id: Option<UpdateId>,
    /// The measure in force the person is looking at; posted back.
    base: Option<UpdateId>,
    stale: Option<Stale>,
    form: Value,
}

/// Everything the form shows besides what was typed: the authority, the
/// measure in force now, and how it differs from the text's starting point.
struct Situation {
    authority: AuthorityLabel,
    current: Option<Update>,
    stale: Option<Stale>,
}

async fn situation(
    state: &AppState,
    authority_id: AuthorityId,
    started_from: Option<Option<UpdateId>>,
    text: Option<Update>,
) -> Result<Situation, AppError> {
    let authority = AuthorityLabel::live(state, authority_id)?;
    let today = state.clock.today();
    let (current, base) = db::run(&state.pool, move |c| {
        let current = store::in_force_id(c, authority_id, today)?;
        let base = match started_from.flatten() {
            Some(b) => Some(store::get(c, b, today)?),
            None => None,
        };
        Ok((current, base))
    })
    .await?;
    let current_id = current.as_ref().map(|c| c.id);
    let stale = match (started_from, &text) {
        (Some(started), Some(text)) if started != current_id => Some(Stale {
            base_id: started,
            current: current.as_ref().map(view),
            current_id,
            disagreements: disagreements(base.as_ref(), current.as_ref(), text),
        }),
        _ => None,
    };
    Ok(Situation {
        authority,
        current,
        stale,
    })
}

fn render(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    situation: Situation,
    draft_id: Option<UpdateId>,
    input: &UpdateInput,
    errors: &[FieldError],
) -> Result<HttpResponse, AppError> {
    let page = FormPage {
        title: format!("Working measures of {}", situation.authority.name),
        nav: "updates",
        action: match draft_id {
            Some(id) => format!("/updates/{id}/edit"),
            None => "/updates/new".into(),
        },
        draft_id,
        base: situation.current.as_ref().map(|c| c.id),
        authority: situation.authority,
        stale: situation.stale,
        form: form_context(input, errors),
    };
    page_with(state, viewer, status, "pages/update_form", &json!(page))
}

pub(crate) async fn new_form(
    state: web::Data<AppState>,
    SignedIn(viewer): SignedIn,
    which: web::Query<Which>,
) -> Result<HttpResponse, AppError> {
    let authority_id = authority_for(&viewer, which.authority)?;
    let s = situation(&state, authority_id, None, None).await?;
    let input = prefill(s.current.as_ref(), false);
    render(&state, &viewer, StatusCode::OK, s, None, &input, &[])
}

#[derive(Deserialize)]
pub(crate) struct UpdateForm {
    csrf_token: Option<String>,
    authority_id: Option<AuthorityId>,
    action: Option<String>,
    /// The id of the measure in force when the form was shown; empty when
    /// none was.
    base: Option<String>,
    operations: Option<String>,
    electronic_requests: Option<String>,
    electronic_address: Option<String>,
    originals_required: Option<String>,
    time_limits: Option<String>,
    video_hearings: Option<String>,
    surrenders: Option<String>,
    transfers: Option<String>,
    urgent_contact: Option<String>,
    remarks: Option<String>,
    language: Option<String>,
    effective_from: Option<String>,
    effective_until: Option<String>,
}

impl UpdateForm {
    fn input(self, authority_id: AuthorityId) -> (UpdateInput, SeenBase) {
        let seen = self
            .base
            .map(|b| b.trim().parse::<UpdateId>().ok().filter(|id| id.0 > 0));
        let input = UpdateInput {
            authority_id: Some(authority_id),
            operations: self.operations,
            electronic_requests: self.electronic_requests,
            electronic_address: self.electronic_address,
            originals_required: self.originals_required,
            time_limits: self.time_limits,
            video_hearings: self.video_hearings,
            surrenders: self.surrenders,
            transfers: self.transfers,
            urgent_contact: self.urgent_contact,
            remarks: self.remarks,
            language: self.language,
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            base: None,
            draft: self.action.as_deref() == Some("draft"),
        };
        (input, seen)
    }
}

/// What saving a form did, or why it came back.
enum Outcome {
    Saved(UpdateId),
    Refused(StatusCode, Vec<FieldError>),
    Stale,
}

fn outcome(result: Result<UpdateId, AppError>) -> Result<Outcome, AppError> {
    match result {
        Ok(id) => Ok(Outcome::Saved(id)),
        Err(AppError::Invalid(errors)) => {
            Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, errors))
        }
        Err(AppError::StaleBase { .. }) => Ok(Outcome::Stale),
        Err(AppError::Conflict { message, .. }) => Ok(Outcome::Refused(
            StatusCode::CONFLICT,
            vec![FieldError::new("authority_id", message)],
        )),
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    authority_id: AuthorityId,
    draft_id: Option<UpdateId>,
    input: &UpdateInput,
    checked: Option<&ValidUpdate>,
    seen: SeenBase,
    outcome: Outcome,
) -> Result<HttpResponse, AppError> {
    let (status, errors) = match outcome {
        Outcome::Saved(id) => {
            let done = if input.draft { "draft" } else { "submitted" };
            return Ok(see_other(&mine_link(viewer, authority_id, done, id)));
        }
        Outcome::Refused(status, errors) => (status, errors),
        Outcome::Stale => (StatusCode::CONFLICT, Vec::new()),
    };
    let text = checked.map(|c| c.preview(authority_id, state.clock.now()));
    let started = if status == StatusCode::CONFLICT && errors.is_empty() {
        seen
    } else {
        None
    };
    let s = situation(state, authority_id, started, text).await?;
    render(state, viewer, status, s, draft_id, input, &errors)
}

pub(crate) async fn create(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let authority_id = authority_for(&viewer, f.authority_id)?;
    viewer.check_csrf(f.csrf_token.as_deref())?;
    // Said before anything is checked or stored: there is no form to show
    // again for an authority that is not in the directory.
    if AuthorityLabel::live(&state, authority_id).is_err() {
        return Err(AppError::Invalid(vec![FieldError::new(
            "authority_id",
            format!("no authority with id {authority_id} in the directory"),
        )]));
    }
    save(&state, &viewer, authority_id, None, f).await
}

/// Saves a new update or a draft (as a draft again, or submitted), or shows
/// the form again with what was typed and why it was not saved.
async fn save(
    state: &AppState,
    viewer: &Viewer,
    authority_id: AuthorityId,
    draft_id: Option<UpdateId>,
    f: UpdateForm,
) -> Result<HttpResponse, AppError> {
    let user = viewer.signed_in()?.clone();
    let (input, seen) = f.input(authority_id);
    let now = state.clock.now();
    let checked = match input.validate(now.date()) {
        Ok(c) => c,
        Err(errors) => {
            let refused = Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, errors);
            return answer(
                state,
                viewer,
                authority_id,
                draft_id,
                &input,
                None,
                None,
                refused,
            )
            .await;
        }
    };
    let actor = Actor::user(&user);
    let (draft, stored) = (input.draft, checked.clone());
    let result = db::run(&state.pool, move |c| match draft_id {
        None => lifecycle::create(c, authority_id, &stored, draft, seen, &actor, now),
        Some(id) => lifecycle::edit_draft(c, id, &stored, !draft, seen, &actor, now).map(|u| u.id),
    })
    .await;
    state.mail.wake();
    state.in_force.forget();
    let outcome = outcome(result)?;
    let text = Some(&checked);
    answer(
        state,
        viewer,
        authority_id,
        draft_id,
        &input,
        text,
        seen,
        outcome,
    )
    .await
}

/// A draft the person may reopen: their authority's, still a draft.
async fn own_draft(state: &AppState, viewer: &Viewer, id: UpdateId) -> Result<Update, AppError> {
    let user = viewer.signed_in()?.clone();
    let today = state.clock.today();
    let u = db::run(&state.pool, move |c| store::get(c, id, today)).await?;
    if acts_for(&user, u.authority_id).is_err() {
        return Err(AppError::not_found(format!("no update with id {id}")));
    }
    if u.status != Status::Draft {
        return Err(AppError::Conflict {
            message: format!(
                "update {id} is {}: only a draft can be changed",
                u.status.code()
            ),
            current_version: None,
        });
    }
    Ok(u)
}

pub(crate) async fn edit_form(
    state: web::Data<AppState>,
    SignedIn(viewer): SignedIn,
    path: web::Path<UpdateId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let draft = own_draft(&state, &viewer, id).await?;
    let input = prefill(Some(&draft), true);
    let s = situation(
        &state,
        draft.authority_id,
        Some(draft.base_id),
        Some(draft.clone()),
    )
    .await?;
    render(&state, &viewer, StatusCode::OK, s, Some(id), &input, &[])
}

pub(crate) async fn save_draft(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<UpdateId>,
    form: web::Form<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let f = form.into_inner();
    viewer.check_csrf(f.csrf_token.as_deref())?;
    let draft = own_draft(&state, &viewer, id).await?;
    save(&state, &viewer, draft.authority_id, Some(id), f).await
}
