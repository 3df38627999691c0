//! Changes to an authority's designations or kind proposed by its focal
//! point, held for the secretariat. A designation is a State's notification
//! to the UN, not a detail of an office, so it changes only once approved;
//! the rest of the same edit applies at once. At most one proposal of an
//! authority is pending (a unique partial index): a newer one supersedes it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::edit::diff::record_of;
use super::edit::{self, current};
use super::model::Authority;
use super::write::{NewDesignation, ValidAuthority};
use crate::audit::Actor;
use crate::auth::users::recipients;
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, ProposalId, UserId};
use crate::db::schema::{proposals, users};
use crate::domain::codes::code_enum;
use crate::domain::{Article, AuthorityKind, Function};
use crate::error::{AppError, FieldError};
use crate::mail::message::Template;
use crate::mail::{Outgoing, enqueue};

code_enum! {
    /// Where a proposal is in its life.
    ProposalStatus, "status" {
        Pending => "pending", "Waiting for review";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Not approved";
        Superseded => "superseded", "Replaced by a later proposal";
        Withdrawn => "withdrawn", "Withdrawn";
    }
}

/// A designation as stored in a proposal and shown in its JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposedDesignation {
    /// The article's slug: `16`, `18`, `migrants-8`.
    pub article: String,
    pub provision: String,
    pub functions: Vec<String>,
    pub note: Option<String>,
}

impl ProposedDesignation {
    fn of(d: &NewDesignation) -> Self {
        Self {
            article: d.article.slug().to_string(),
            provision: d.article.provision().to_string(),
            functions: d.functions.iter().map(|f| f.code().to_string()).collect(),
            note: d.note.clone(),
        }
    }

    fn designation(&self) -> Result<NewDesignation, String> {
        Ok(NewDesignation {
            article: Article::parse(&self.article)?,
            functions: self
                .functions
                .iter()
                .map(|f| Function::parse(f))
                .collect::<Result<_, _>>()?,
            note: self.note.clone(),
        })
    }
}

fn sorted(list: &[NewDesignation]) -> Vec<ProposedDesignation> {
    let mut all: Vec<&NewDesignation> = list.iter().collect();
    all.sort_by_key(|d| d.article);
    all.into_iter().map(ProposedDesignation::of).collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub id: ProposalId,
    pub authority_id: AuthorityId,
    pub status: ProposalStatus,
    pub kind: AuthorityKind,
    pub designations: Vec<ProposedDesignation>,
    /// What the authority had when the proposal was made.
    pub base_kind: AuthorityKind,
    pub base_designations: Vec<ProposedDesignation>,
    pub reason: Option<String>,
    #[schema(value_type = crate::domain::Timestamp)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub decided_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = proposals)]
struct Row {
    id: ProposalId,
    authority_id: AuthorityId,
    status: String,
    kind: String,
    designations: String,
    base_kind: String,
    base_designations: String,
    reason: Option<String>,
    created_at: NaiveDateTime,
    decided_at: Option<NaiveDateTime>,
}

impl Row {
    fn proposal(self) -> Result<Proposal, AppError> {
        let id = self.id;
        let bad = |what: &str, e: String| {
            AppError::internal(anyhow::anyhow!("proposal {id}: unreadable {what}: {e}"))
        };
        let list = |raw: &str, what: &str| {
            serde_json::from_str::<Vec<ProposedDesignation>>(raw)
                .map_err(|e| bad(what, e.to_string()))
        };
        Ok(Proposal {
            id,
            authority_id: self.authority_id,
            status: ProposalStatus::parse(&self.status).map_err(|e| bad("status", e))?,
            kind: AuthorityKind::parse(&self.kind).map_err(|e| bad("kind", e))?,
            designations: list(&self.designations, "designations")?,
            base_kind: AuthorityKind::parse(&self.base_kind).map_err(|e| bad("base kind", e))?,
            base_designations: list(&self.base_designations, "base designations")?,
            reason: self.reason,
            created_at: self.created_at,
            decided_at: self.decided_at,
        })
    }
}

/// Does `wanted` change what only the secretariat may approve?
pub fn changes_designations(current: &Authority, wanted: &ValidAuthority) -> bool {
    let now = record_of(current);
    now.columns.kind != wanted.columns.kind
        || sorted(&now.designations) != sorted(&wanted.designations)
}

/// Holds the kind and designations of `wanted` for review; returns the
/// record with today's kind and designations kept, to apply at once, and the
/// proposal's id. Call inside the edit's transaction.
pub fn hold(
    conn: &mut DbConnection,
    current: &Authority,
    wanted: &ValidAuthority,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(ValidAuthority, ProposalId), AppError> {
    let base = record_of(current);
    diesel::update(
        proposals::table
            .filter(proposals::authority_id.eq(current.id))
            .filter(proposals::status.eq(ProposalStatus::Pending.code())),
    )
    .set((
        proposals::status.eq(ProposalStatus::Superseded.code()),
        proposals::decided_at.eq(Some(now)),
    ))
    .execute(conn)?;
    let text = |l: &[NewDesignation]| serde_json::to_string(&sorted(l)).unwrap_or_default();
    let values = (
        proposals::authority_id.eq(current.id),
        proposals::status.eq(ProposalStatus::Pending.code()),
        proposals::kind.eq(&wanted.columns.kind),
        proposals::designations.eq(text(&wanted.designations)),
        proposals::base_kind.eq(&base.columns.kind),
        proposals::base_designations.eq(text(&base.designations)),
        proposals::created_by.eq(actor.user_id),
        proposals::created_at.eq(now),
    );
    let id: ProposalId = crate::each_backend!(conn, c => diesel::insert_into(proposals::table)
        .values(values)
        .returning(proposals::id)
        .get_result(c)?);
    let proposal = get(conn, id)?;
    notify(conn, &proposal, actor, Template::ProposalSubmitted, now)?;
    let mut applied = wanted.clone();
    applied.columns.kind = base.columns.kind;
    applied.designations = base.designations;
    Ok((applied, id))
}

pub fn get(conn: &mut DbConnection, id: ProposalId) -> Result<Proposal, AppError> {
    proposals::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("no proposal with id {id}")))?
        .proposal()
}

/// Proposals with a status (all when none), of one authority or all,
/// newest first.
pub fn list(
    conn: &mut DbConnection,
    status: Option<ProposalStatus>,
    authority_id: Option<AuthorityId>,
    limit: i64,
) -> Result<Vec<Proposal>, AppError> {
    let mut q = proposals::table.into_boxed::<crate::db::MultiBackend>();
    if let Some(s) = status {
        q = q.filter(proposals::status.eq(s.code()));
    }
    if let Some(a) = authority_id {
        q = q.filter(proposals::authority_id.eq(a));
    }
    q.order(proposals::id.desc())
        .limit(limit)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(Row::proposal)
        .collect()
}

/// Who proposed each of these, as the secretariat names people.
pub fn authors(
    conn: &mut DbConnection,
    ids: &[ProposalId],
) -> QueryResult<std::collections::HashMap<ProposalId, String>> {
    let found: Vec<(ProposalId, String)> = proposals::table
        .inner_join(users::table.on(proposals::created_by.eq(users::id.nullable())))
        .filter(proposals::id.eq_any(ids.to_vec()))
        .select((proposals::id, users::email))
        .load(conn)?;
    Ok(found.into_iter().collect())
}

fn pending(conn: &mut DbConnection, id: ProposalId) -> Result<Proposal, AppError> {
    let p = get(conn, id)?;
    if p.status != ProposalStatus::Pending {
        return Err(AppError::Conflict {
            message: format!(
                "proposal {id} is {}; it cannot be decided now",
                p.status.code()
            ),
            current_version: None,
        });
    }
    Ok(p)
}

fn set_status(
    conn: &mut DbConnection,
    id: ProposalId,
    to: ProposalStatus,
    actor: &Actor,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let n = diesel::update(
        proposals::table
            .filter(proposals::id.eq(id))
            .filter(proposals::status.eq(ProposalStatus::Pending.code())),
    )
    .set((
        proposals::status.eq(to.code()),
        proposals::decided_by.eq(actor.user_id),
        proposals::decided_at.eq(Some(now)),
        proposals::reason.eq(reason),
    ))
    .execute(conn)?;
    if n == 0 {
        pending(conn, id)?;
    }
    Ok(())
}

/// Applies the proposed kind and designations to the authority as it is now
/// (other fields may have changed since), recorded in its history.
pub fn approve(
    conn: &mut DbConnection,
    id: ProposalId,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Proposal, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let p = pending(conn, id)?;
        let authority = current(conn, p.authority_id)?;
        let mut record = record_of(&authority);
        record.columns.kind = p.kind.code().into();
        record.designations = p
            .designations
            .iter()
            .map(ProposedDesignation::designation)
            .collect::<Result<_, _>>()
            .map_err(|e| AppError::internal(anyhow::anyhow!("proposal {id}: {e}")))?;
        set_status(conn, id, ProposalStatus::Approved, actor, None, now)?;
        edit::update(
            conn,
            p.authority_id,
            authority.version,
            &record,
            actor,
            "approve designation change",
            now,
        )?;
        let p = get(conn, id)?;
        notify(conn, &p, actor, Template::ProposalDecided, now)?;
        Ok(p)
    })
}

pub fn reject(
    conn: &mut DbConnection,
    id: ProposalId,
    actor: &Actor,
    reason: &str,
    now: NaiveDateTime,
) -> Result<Proposal, AppError> {
    let reason = crate::domain::typed::reason(reason)
        .map_err(|m| AppError::Invalid(vec![FieldError::new("reason", m)]))?;
    crate::db::write_transaction(conn, |conn| {
        pending(conn, id)?;
        set_status(conn, id, ProposalStatus::Rejected, actor, Some(reason), now)?;
        let p = get(conn, id)?;
        notify(conn, &p, actor, Template::ProposalDecided, now)?;
        Ok(p)
    })
}

pub fn withdraw(
    conn: &mut DbConnection,
    id: ProposalId,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Proposal, AppError> {
    crate::db::write_transaction(conn, |conn| {
        pending(conn, id)?;
        set_status(conn, id, ProposalStatus::Withdrawn, actor, None, now)?;
        get(conn, id)
    })
}

/// A proposal in words for people and mail: the kind and designations
/// before and as proposed.
/// A proposal as people read it (labels, provisions in words): on the
/// review pages, and as `held_for_review` in the answer to the edit that
/// made it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Held {
    pub id: ProposalId,
    pub status: ProposalStatus,
    pub status_label: &'static str,
    /// The kind proposed, in words.
    pub kind: &'static str,
    pub base_kind: &'static str,
    pub kind_changed: bool,
    /// Each designation proposed, in words: provision, functions, note.
    pub designations: Vec<String>,
    pub base_designations: Vec<String>,
    pub designations_changed: bool,
    pub reason: Option<String>,
    #[schema(value_type = crate::domain::Timestamp)]
    pub created_at: NaiveDateTime,
}

pub fn describe(p: &Proposal) -> Held {
    let line = |l: &[ProposedDesignation]| -> Vec<String> {
        l.iter()
            .map(|d| {
                let mut s = d.provision.clone();
                if !d.functions.is_empty() {
                    s.push_str(&format!(" ({})", d.functions.join(", ")));
                }
                if let Some(n) = &d.note {
                    s.push_str(&format!(": {n}"));
                }
                s
            })
            .collect()
    };
    Held {
        id: p.id,
        status: p.status,
        status_label: p.status.label(),
        kind: p.kind.label(),
        base_kind: p.base_kind.label(),
        kind_changed: p.kind != p.base_kind,
        designations: line(&p.designations),
        base_designations: line(&p.base_designations),
        designations_changed: p.designations != p.base_designations,
        reason: p.reason.clone(),
        created_at: p.created_at,
    }
}

/// Mail about a proposal: to the secretariat when made, to the authority's
/// focal points and its author when decided; never to the person acting.
fn notify(
    conn: &mut DbConnection,
    p: &Proposal,
    actor: &Actor,
    template: Template,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let authority = super::model::mail_label(conn, p.authority_id)?;
    let author: Option<UserId> = proposals::table
        .find(p.id)
        .select(proposals::created_by)
        .first(conn)?;
    let to = if template == Template::ProposalSubmitted {
        recipients::admins(conn, actor.user_id)?
    } else {
        recipients::of_authority(conn, p.authority_id, author, actor.user_id)?
    };
    let context = json!({
        "authority": authority,
        "proposal": describe(p),
        "approved": p.status == ProposalStatus::Approved,
        "by": actor.label,
    });
    let messages: Vec<Outgoing> = to
        .into_iter()
        .map(|to| Outgoing {
            template,
            to,
            context: context.clone(),
        })
        .collect();
    Ok(enqueue(conn, &messages, now)?)
}
