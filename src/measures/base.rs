//! The measure an update was written against (its base), checked against
//! the one in force: a submission or an approval against a measure that is
//! no longer in force is refused with the current one and the fields in
//! dispute, so that nobody undoes an approval without seeing it.

use chrono::NaiveDate;
use serde_json::json;

use super::lifecycle::SeenBase;
use super::{Update, disagreements, store};
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::db::schema::measure_updates;
use crate::error::{AppError, FieldError};

/// 409 when `seen` is not the measure in force now, with the one that is.
pub(super) fn stale(
    current: Option<&Update>,
    proposed: &Update,
    base: Option<&Update>,
    who: &str,
) -> AppError {
    let conflicting: Vec<&str> = disagreements(base, current, proposed)
        .iter()
        .map(|d| d.label)
        .collect();
    let now = match current {
        Some(c) => format!("update {} is in force now", c.id),
        None => "no measure is in force now".to_string(),
    };
    let message = if conflicting.is_empty() {
        format!("{who} was written against another measure than the one in force: {now}")
    } else {
        format!(
            "{who} was written against another measure than the one in force ({now}); \
             they disagree on: {}",
            conflicting.join(", ")
        )
    };
    AppError::StaleBase {
        message: format!(
            "{message}. Compare with `current`, then send `base` = its id (null: none) to go ahead"
        ),
        current: Box::new(json!(current)),
    }
}

/// 422 when the base a writer names is not an update of this authority:
/// a draft would store it, and the database would refuse it as a foreign
/// key, or keep it as another authority's.
pub(super) fn known_base(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    seen: SeenBase,
) -> Result<(), AppError> {
    use diesel::prelude::*;
    let Some(Some(base)) = seen else {
        return Ok(());
    };
    let found: i64 = measure_updates::table
        .filter(measure_updates::id.eq(base))
        .filter(measure_updates::authority_id.eq(authority_id))
        .count()
        .get_result(conn)?;
    if found == 0 {
        return Err(AppError::Invalid(vec![FieldError::new(
            "base",
            format!(
                "no update {base} of authority {authority_id}: name the measure in force the text was written against, or none"
            ),
        )]));
    }
    Ok(())
}

pub(super) fn in_force_now(
    conn: &mut DbConnection,
    authority_id: AuthorityId,
    today: NaiveDate,
) -> Result<Option<Update>, AppError> {
    store::in_force_id(conn, authority_id, today)
}

pub(super) fn maybe_get(
    conn: &mut DbConnection,
    id: Option<UpdateId>,
    today: NaiveDate,
) -> Result<Option<Update>, AppError> {
    id.map(|id| store::get(conn, id, today)).transpose()
}

/// The base to record for a new submission, or 409 when the writer saw
/// another measure than the one in force.
pub(super) fn checked_base(
    conn: &mut DbConnection,
    proposed: &Update,
    seen: SeenBase,
    today: NaiveDate,
) -> Result<Option<UpdateId>, AppError> {
    let current = in_force_now(conn, proposed.authority_id, today)?;
    let current_id = current.as_ref().map(|c| c.id);
    let seen = seen.unwrap_or(current_id);
    if seen != current_id {
        let base = maybe_get(conn, seen, today)?;
        return Err(stale(
            current.as_ref(),
            proposed,
            base.as_ref(),
            "this update",
        ));
    }
    Ok(current_id)
}
