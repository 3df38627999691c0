//! Measure updates: what an authority tells the others about how it works
//! now (during a crisis: requests by email? originals? hearings by video?),
//! submitted by its focal point and reviewed by the secretariat.

pub mod input;
pub mod notify;
pub mod store;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::codes::code_enum;

code_enum! {
    /// Where an update is in its life.
    Status, "status" {
        Draft => "draft", "Draft";
        Submitted => "submitted", "Submitted";
        Approved => "approved", "Approved";
        Rejected => "rejected", "Rejected";
        Superseded => "superseded", "Superseded";
        Withdrawn => "withdrawn", "Withdrawn";
        Expired => "expired", "Expired";
    }
}

code_enum! {
    Operations, "operations" {
        Normal => "normal", "Normal";
        Reduced => "reduced", "Reduced";
        Remote => "remote", "Remote";
        Suspended => "suspended", "Suspended";
    }
}

code_enum! {
    YesNoPartly, "value" {
        Yes => "yes", "Yes";
        No => "no", "No";
        Partly => "partly", "Partly";
    }
}

code_enum! {
    Originals, "value" {
        Yes => "yes", "Yes";
        No => "no", "No";
        Later => "later", "Later, by post";
    }
}

code_enum! {
    YesNo, "value" {
        Yes => "yes", "Yes";
        No => "no", "No";
    }
}

/// An update as stored, with the status a reader sees: an approved update
/// past its effective-until date reads as expired, without anyone acting.
#[derive(Debug, Clone, Serialize)]
pub struct Update {
    pub id: i64,
    pub authority_id: i64,
    pub status: Status,
    pub operations: Option<Operations>,
    pub electronic_requests: Option<YesNoPartly>,
    pub electronic_address: Option<String>,
    pub originals_required: Option<Originals>,
    pub time_limits: Option<String>,
    pub video_hearings: Option<YesNo>,
    pub surrenders: Option<YesNoPartly>,
    pub transfers: Option<YesNoPartly>,
    pub urgent_contact: Option<String>,
    pub remarks: Option<String>,
    pub language: Option<String>,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
    pub rejection_reason: Option<String>,
    pub submitted_at: Option<chrono::NaiveDateTime>,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub updated_at: chrono::NaiveDateTime,
}

impl Update {
    /// In force: approved, begun, not yet ended.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.status == Status::Approved
            && self.effective_from <= day
            && self.effective_until.is_none_or(|u| u >= day)
    }
}

/// The status as read on `today`.
pub fn effective_status(stored: Status, until: Option<NaiveDate>, today: NaiveDate) -> Status {
    match stored {
        Status::Approved if until.is_some_and(|u| u < today) => Status::Expired,
        other => other,
    }
}

/// One update as label/value rows, leaving out what was not said.
pub fn describe(u: &Update) -> Value {
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
