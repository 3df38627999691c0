//! Measures in force as pages show them: plain sentences per field, the same
//! everywhere a practitioner meets them (finder, authority, State, list).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::AppState;
use crate::db;
use crate::error::AppError;
use crate::measures::{Update, store};

/// One update as label/value rows, leaving out what was not said.
pub fn view(u: &Update) -> Value {
    let mut rows = Vec::new();
    let mut row = |label: &str, value: Option<String>| {
        if let Some(v) = value {
            rows.push(json!({"label": label, "value": v}));
        }
    };
    row("Operations", u.operations.map(|v| v.label().to_string()));
    row(
        "Requests by electronic means",
        u.electronic_requests.map(|v| match &u.electronic_address {
            Some(a) => format!("{} — send to {a}", v.label()),
            None => v.label().to_string(),
        }),
    );
    row(
        "Originals required",
        u.originals_required.map(|v| v.label().to_string()),
    );
    row("Time limits", u.time_limits.clone());
    row(
        "Hearings by videoconference",
        u.video_hearings.map(|v| v.label().to_string()),
    );
    row(
        "Surrenders (extradition)",
        u.surrenders.map(|v| v.label().to_string()),
    );
    row(
        "Transfers of sentenced persons",
        u.transfers.map(|v| v.label().to_string()),
    );
    row("Urgent contact", u.urgent_contact.clone());
    json!({
        "id": u.id,
        "rows": rows,
        "remarks": u.remarks,
        "language": u.language,
        "effective_from": u.effective_from,
        "effective_until": u.effective_until,
    })
}

/// The measures in force of some authorities, by authority id.
pub async fn in_force_by_authority(
    state: &AppState,
    ids: Vec<i64>,
) -> Result<HashMap<i64, Vec<Value>>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = db::run(&state.pool, move |c| Ok(store::in_force(c, Some(&ids))?)).await?;
    let mut by: HashMap<i64, Vec<Value>> = HashMap::new();
    for u in &list {
        by.entry(u.authority_id).or_default().push(view(u));
    }
    Ok(by)
}

/// Adds `measures` to each authority (JSON with an `id`) of a list.
pub fn attach(list: &mut [Value], by: &HashMap<i64, Vec<Value>>) {
    for a in list {
        let id = a["id"].as_i64().unwrap_or_default();
        a["measures"] = json!(by.get(&id).cloned().unwrap_or_default());
    }
}
