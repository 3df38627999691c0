//! Who receives the bulletin. Anyone may ask (double opt-in: a link by mail,
//! valid for a week); the secretariat, a focal point (for its authority) or
//! a command adds confirmed subscriptions. One row per address: asking twice
//! makes one subscription, and the answer to a request is the same whatever
//! the address's state, so that nobody learns who is subscribed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::tokens::Signer;
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, SubscriptionId};
use crate::db::schema::{authorities, mail_outbox, subscriptions};
use crate::domain::Email;
use crate::domain::codes::code_enum;
use crate::error::AppError;
use crate::mail::message::Template;
use crate::mail::outbox::MailStatus;
use crate::mail::{Outgoing, enqueue};

code_enum! {
    SubscriptionStatus, "status" {
        Pending => "pending", "Waiting for confirmation";
        Confirmed => "confirmed", "Subscribed";
        Unsubscribed => "unsubscribed", "Unsubscribed";
    }
}

/// How long a confirmation link works.
pub const CONFIRM_FOR: chrono::Duration = chrono::Duration::days(7);
/// A request for an address that was sent a message this recently sends
/// none, so that nobody can flood a stranger's mailbox.
const RESEND_AFTER: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, Clone, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = subscriptions)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub email: String,
    pub name: Option<String>,
    pub authority_id: Option<AuthorityId>,
    #[schema(value_type = SubscriptionStatus)]
    pub status: String,
    /// Who added it: `public` (asked and confirmed), or the role or command that did.
    pub source: String,
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub confirm_sent_at: Option<NaiveDateTime>,
    #[schema(value_type = crate::domain::Timestamp)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub confirmed_at: Option<NaiveDateTime>,
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub unsubscribed_at: Option<NaiveDateTime>,
    #[schema(value_type = crate::domain::Timestamp)]
    pub updated_at: NaiveDateTime,
}

impl Subscription {
    /// A stored status this version does not know is an error, not a guess:
    /// read as another, it would mail someone who left or drop a subscriber.
    pub fn status(&self) -> Result<SubscriptionStatus, AppError> {
        SubscriptionStatus::parse(&self.status).map_err(|_| {
            AppError::internal(anyhow::anyhow!(
                "subscription {}: unknown status {:?} in the database",
                self.id,
                self.status
            ))
        })
    }
}

pub fn get(conn: &mut DbConnection, id: SubscriptionId) -> Result<Subscription, AppError> {
    subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(format!("no subscription with id {id}")))
}

fn by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<Subscription>> {
    subscriptions::table
        .filter(subscriptions::email.eq(email))
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// The row of an address, made (as unsubscribed, which changes nothing) if
/// there is none; two requests at once make one row.
fn row_for(
    conn: &mut DbConnection,
    email: &str,
    source: &str,
    now: NaiveDateTime,
) -> QueryResult<Subscription> {
    let values = (
        subscriptions::email.eq(email),
        subscriptions::status.eq(SubscriptionStatus::Unsubscribed.code()),
        subscriptions::source.eq(source),
        subscriptions::created_at.eq(now),
        subscriptions::updated_at.eq(now),
    );
    crate::each_backend!(conn, c => diesel::insert_into(subscriptions::table)
        .values(values)
        .on_conflict(subscriptions::email)
        .do_nothing()
        .execute(c)?);
    by_email(conn, email)?.ok_or(diesel::result::Error::NotFound)
}

/// Someone asks to receive the bulletin at `email`. A message goes to that
/// address: a link to confirm, or word that it already receives it. Nothing
/// of this reaches the person who asked.
pub fn request(
    conn: &mut DbConnection,
    email: &Email,
    signer: &Signer,
    base_url: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |conn| {
        let s = row_for(conn, email.as_str(), "self", now)?;
        if s.confirm_sent_at.is_some_and(|at| now - at < RESEND_AFTER) {
            return Ok(());
        }
        let template = if s.status()? == SubscriptionStatus::Confirmed {
            Template::SubscriptionExists
        } else {
            diesel::update(subscriptions::table.find(s.id))
                .set((
                    subscriptions::status.eq(SubscriptionStatus::Pending.code()),
                    subscriptions::updated_at.eq(now),
                ))
                .execute(conn)?;
            Template::SubscriptionConfirm
        };
        diesel::update(subscriptions::table.find(s.id))
            .set(subscriptions::confirm_sent_at.eq(Some(now)))
            .execute(conn)?;
        let expires = now + CONFIRM_FOR;
        let token = signer.confirm(s.id, expires.and_utc().timestamp());
        let context = json!({
            "confirm_url": format!("{base_url}/subscribe/confirm?token={token}"),
            "expires": expires.format("%-d %B %Y").to_string(),
            "unsubscribe_url": format!("{base_url}/unsubscribe?token={}", signer.unsubscribe(s.id)),
        });
        enqueue(
            conn,
            &[Outgoing {
                template,
                to: s.email.clone(),
                context,
            }],
            now,
        )?;
        Ok(())
    })
}

/// Why a confirmation link did nothing.
#[derive(Debug, PartialEq)]
pub enum NotConfirmed {
    Invalid,
    Expired,
}

/// Follows a confirmation link: the address now receives the bulletin.
pub fn confirm(
    conn: &mut DbConnection,
    token: &str,
    signer: &Signer,
    now: NaiveDateTime,
) -> Result<Result<Subscription, NotConfirmed>, AppError> {
    let Some((id, expires)) = signer.open_confirm(token) else {
        return Ok(Err(NotConfirmed::Invalid));
    };
    if now.and_utc().timestamp() > expires {
        return Ok(Err(NotConfirmed::Expired));
    }
    crate::db::write_transaction(conn, |conn| {
        let s = get(conn, id)?;
        // A link from before an unsubscription does not undo it.
        if s.status()? == SubscriptionStatus::Pending {
            diesel::update(subscriptions::table.find(id))
                .set((
                    subscriptions::status.eq(SubscriptionStatus::Confirmed.code()),
                    subscriptions::confirmed_at.eq(Some(now)),
                    subscriptions::updated_at.eq(now),
                ))
                .execute(conn)?;
        } else if s.status()? == SubscriptionStatus::Unsubscribed {
            return Ok(Err(NotConfirmed::Invalid));
        }
        Ok(Ok(get(conn, id)?))
    })
}

/// A confirmed subscription added by the secretariat, a focal point or a
/// command; an address that had left is subscribed again.
pub fn add_confirmed(
    conn: &mut DbConnection,
    email: &Email,
    name: Option<&str>,
    authority_id: Option<AuthorityId>,
    source: &str,
    now: NaiveDateTime,
) -> Result<Subscription, AppError> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    if let Some(Err(m)) = name.map(|n| crate::domain::typed::line(n, 200)) {
        return Err(AppError::Invalid(vec![crate::error::FieldError::new(
            "name", m,
        )]));
    }
    crate::db::write_transaction(conn, |conn| {
        if let Some(a) = authority_id {
            let live: Option<Option<NaiveDateTime>> = authorities::table
                .find(a)
                .select(authorities::archived_at)
                .first(conn)
                .optional()?;
            if !matches!(live, Some(None)) {
                return Err(AppError::Invalid(vec![crate::error::FieldError::new(
                    "authority",
                    format!("no authority with id {a} in the directory"),
                )]));
            }
        }
        let s = row_for(conn, email.as_str(), source, now)?;
        diesel::update(subscriptions::table.find(s.id))
            .set((
                subscriptions::status.eq(SubscriptionStatus::Confirmed.code()),
                subscriptions::name.eq(name.or(s.name.as_deref())),
                subscriptions::authority_id.eq(authority_id.or(s.authority_id)),
                subscriptions::confirmed_at.eq(Some(now)),
                subscriptions::unsubscribed_at.eq(None::<NaiveDateTime>),
                subscriptions::updated_at.eq(now),
            ))
            .execute(conn)?;
        get(conn, s.id)
    })
}

/// Ends a subscription at once; a bulletin going out sends it nothing more.
pub fn unsubscribe(
    conn: &mut DbConnection,
    id: SubscriptionId,
    now: NaiveDateTime,
) -> Result<Subscription, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let s = get(conn, id)?;
        if s.status()? != SubscriptionStatus::Unsubscribed {
            diesel::update(subscriptions::table.find(id))
                .set((
                    subscriptions::status.eq(SubscriptionStatus::Unsubscribed.code()),
                    subscriptions::unsubscribed_at.eq(Some(now)),
                    subscriptions::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        diesel::update(
            mail_outbox::table
                .filter(mail_outbox::subscription_id.eq(id))
                .filter(mail_outbox::status.eq_any([
                    MailStatus::Queued.code(),
                    MailStatus::Retry.code(),
                    MailStatus::Sending.code(),
                ])),
        )
        .set((
            mail_outbox::status.eq(MailStatus::Cancelled.code()),
            mail_outbox::last_error.eq(Some("unsubscribed")),
            mail_outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
        get(conn, id)
    })
}

/// A delivery as lists show it: subscription, status, sent, changed, bulletin.
type Delivery = (
    SubscriptionId,
    String,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<i32>,
);

/// A subscription as lists show it, with its last delivery.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub subscription: Subscription,
    pub authority_name: Option<String>,
    pub authority_ref: Option<String>,
    pub last_delivery_status: Option<String>,
    pub last_delivery_at: Option<NaiveDateTime>,
    pub last_bulletin: Option<i32>,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub authority_id: Option<AuthorityId>,
    pub status: Option<SubscriptionStatus>,
}

/// Subscriptions, newest first, with what happened to their last bulletin.
pub fn list(
    conn: &mut DbConnection,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<Listed>), AppError> {
    use crate::db::schema::bulletins;
    let build = || {
        let mut q = subscriptions::table.into_boxed::<crate::db::MultiBackend>();
        if let Some(a) = f.authority_id {
            q = q.filter(subscriptions::authority_id.eq(a));
        }
        if let Some(s) = f.status {
            q = q.filter(subscriptions::status.eq(s.code()));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let page: Vec<Subscription> = build()
        .order(subscriptions::id.desc())
        .limit(limit)
        .offset(offset)
        .select(Subscription::as_select())
        .load(conn)?;
    let ids: Vec<SubscriptionId> = page.iter().map(|s| s.id).collect();
    let authority_ids: Vec<AuthorityId> = page.iter().filter_map(|s| s.authority_id).collect();
    let names: std::collections::HashMap<AuthorityId, (String, String)> = authorities::table
        .filter(authorities::id.eq_any(authority_ids))
        .select((authorities::id, authorities::name, authorities::ref_))
        .load::<(AuthorityId, String, String)>(conn)?
        .into_iter()
        .map(|(id, n, r)| (id, (n, r)))
        .collect();
    // The newest delivery of each: one query for the page.
    let deliveries: Vec<Delivery> = mail_outbox::table
        .inner_join(bulletins::table.on(mail_outbox::bulletin_id.eq(bulletins::id.nullable())))
        .filter(mail_outbox::subscription_id.eq_any(ids))
        .order(mail_outbox::id.desc())
        .select((
            mail_outbox::subscription_id.assume_not_null(),
            mail_outbox::status,
            mail_outbox::sent_at,
            mail_outbox::updated_at,
            bulletins::number,
        ))
        .load(conn)?;
    let items = page
        .into_iter()
        .map(|s| {
            let last = deliveries.iter().find(|d| d.0 == s.id);
            let named = s.authority_id.and_then(|a| names.get(&a));
            Listed {
                authority_name: named.map(|n| n.0.clone()),
                authority_ref: named.map(|n| n.1.clone()),
                last_delivery_status: last.map(|d| d.1.clone()),
                last_delivery_at: last.map(|d| d.2.unwrap_or(d.3)),
                last_bulletin: last.and_then(|d| d.4),
                subscription: s,
            }
        })
        .collect();
    Ok((total, items))
}
