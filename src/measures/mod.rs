//! Measure updates: what an authority tells the others about how it works
//! now (during a crisis: requests by email? originals? hearings by video?),
//! submitted by its focal point and reviewed by the secretariat.

mod base;
pub mod compact;
pub mod input;
pub mod lifecycle;
pub mod notify;
mod settle;
pub mod store;

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::ids::{AuthorityId, UpdateId};
use crate::domain::codes::code_enum;

code_enum! {
    /// Where an update is in its life.
    Status, "status" {
        Draft => "draft", "Draft";
        Submitted => "submitted", "Submitted";
        Scheduled => "scheduled", "Approved, starting later";
        Approved => "approved", "In force";
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Update {
    pub id: UpdateId,
    pub authority_id: AuthorityId,
    pub status: Status,
    /// The measure in force when this update was written (none: nothing was).
    #[serde(rename = "base")]
    pub base_id: Option<UpdateId>,
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
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub submitted_at: Option<chrono::NaiveDateTime>,
    #[schema(value_type = Option<crate::domain::Timestamp>)]
    pub decided_at: Option<chrono::NaiveDateTime>,
    #[schema(value_type = crate::domain::Timestamp)]
    pub updated_at: chrono::NaiveDateTime,
    /// False when the urgent contact and the electronic address were left
    /// out for this reader, as the authority's own contacts are.
    pub contacts_visible: bool,
}

impl Update {
    /// The update as a reader who may not see contact details sees it: the
    /// same rule as the authority's contacts (see `web::Viewer`).
    pub fn for_reader(mut self, sees_contacts: bool) -> Self {
        if !sees_contacts {
            self.urgent_contact = None;
            self.electronic_address = None;
            self.contacts_visible = false;
        }
        self
    }

    /// In force: approved, begun, not yet ended.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.status == Status::Approved
            && self.effective_from <= day
            && self.effective_until.is_none_or(|u| u >= day)
    }
}

/// The status as read on `today`, before the periodic settling has stored
/// it: an approved update past its end has expired.
pub fn effective_status(stored: Status, until: Option<NaiveDate>, today: NaiveDate) -> Status {
    match stored {
        Status::Approved if until.is_some_and(|u| u < today) => Status::Expired,
        other => other,
    }
}

/// One update as pages and mail show it: label/value rows, leaving out what
/// was not said.
#[derive(Debug, Clone, Serialize)]
pub struct Described {
    pub id: UpdateId,
    pub rows: Vec<Row>,
    pub remarks: Option<String>,
    pub language: Option<String>,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: &'static str,
    pub value: String,
}

/// The names of a measure's fields as mail and pages write them beside
/// their values.
pub const ELECTRONIC: &str = "Requests by electronic means";
pub const ORIGINALS: &str = "Originals required";
pub const VIDEO: &str = "Hearings by videoconference";
pub const SURRENDERS: &str = "Surrenders (extradition)";
pub const TRANSFERS: &str = "Transfers of sentenced persons";

/// The shorter names the site's table of measures (`pages/measures`) gives
/// those fields in its head, which a bulletin's page uses as well.
pub const SHORT_LABELS: [(&str, &str); 4] = [
    (ELECTRONIC, "Electronic requests"),
    (VIDEO, "Video hearings"),
    (SURRENDERS, "Surrenders"),
    (TRANSFERS, "Transfers"),
];

pub fn describe(u: &Update) -> Described {
    let mut rows = Vec::new();
    let mut row = |label: &'static str, value: Option<String>| {
        if let Some(value) = value {
            rows.push(Row { label, value });
        }
    };
    row("Operations", u.operations.map(|v| v.label().to_string()));
    row(
        ELECTRONIC,
        u.electronic_requests.map(|v| match &u.electronic_address {
            Some(a) => format!("{} — send to {a}", v.label()),
            None => v.label().to_string(),
        }),
    );
    row(
        ORIGINALS,
        u.originals_required.map(|v| v.label().to_string()),
    );
    row("Time limits", u.time_limits.clone());
    row(VIDEO, u.video_hearings.map(|v| v.label().to_string()));
    row(SURRENDERS, u.surrenders.map(|v| v.label().to_string()));
    row(TRANSFERS, u.transfers.map(|v| v.label().to_string()));
    row("Urgent contact", u.urgent_contact.clone());
    Described {
        id: u.id,
        rows,
        remarks: u.remarks.clone(),
        language: u.language.clone(),
        effective_from: u.effective_from,
        effective_until: u.effective_until,
    }
}

/// Every field an update states, by label, as text: what two updates are
/// compared on.
pub fn fields(u: &Update) -> [(&'static str, Option<String>); 13] {
    let label = |v: Option<&'static str>| v.map(String::from);
    [
        ("Operations", label(u.operations.map(|v| v.label()))),
        (ELECTRONIC, label(u.electronic_requests.map(|v| v.label()))),
        (
            "Address for electronic requests",
            u.electronic_address.clone(),
        ),
        (ORIGINALS, label(u.originals_required.map(|v| v.label()))),
        ("Time limits", u.time_limits.clone()),
        (VIDEO, label(u.video_hearings.map(|v| v.label()))),
        (SURRENDERS, label(u.surrenders.map(|v| v.label()))),
        (TRANSFERS, label(u.transfers.map(|v| v.label()))),
        ("Urgent contact", u.urgent_contact.clone()),
        ("Remarks", u.remarks.clone()),
        ("Language", u.language.clone()),
        ("In force from", Some(u.effective_from.to_string())),
        ("Until", u.effective_until.map(|d| d.to_string())),
    ]
}

/// A field that the measure in force changed since an update's base, and
/// that the update would set otherwise: approving it would undo that change.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub label: &'static str,
    pub base: Option<String>,
    pub current: Option<String>,
    pub proposed: Option<String>,
}

pub fn disagreements(
    base: Option<&Update>,
    current: Option<&Update>,
    proposed: &Update,
) -> Vec<Disagreement> {
    let none = || std::array::from_fn::<_, 13, _>(|_| ("", None::<String>));
    let base = base.map(fields).unwrap_or_else(none);
    let current = current.map(fields).unwrap_or_else(none);
    fields(proposed)
        .into_iter()
        .zip(base)
        .zip(current)
        // The dates say when each update holds, not what it says.
        .filter(|(((label, _), _), _)| !matches!(*label, "In force from" | "Until"))
        .filter(|(((_, p), (_, b)), (_, c))| c != b && p != c)
        .map(|(((label, p), (_, b)), (_, c))| Disagreement {
            label,
            base: b,
            current: c,
            proposed: p,
        })
        .collect()
}
