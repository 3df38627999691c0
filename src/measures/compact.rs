//! A measure in force as kept in memory beside the directory: its six
//! texts in one allocation. At 50,000 authorities the demo has 22,000
//! measures in force; kept as `Update`s they were four small allocations
//! and 144 bytes of string headers each, about 11 MB.

use chrono::{NaiveDate, NaiveDateTime};

use super::{Operations, Originals, Status, Update, YesNo, YesNoPartly};
use crate::db::ids::{AuthorityId, UpdateId};
use crate::directory::packed::Texts;

/// An update without its texts in `String`s. The fields the table of
/// measures filters and shows are read directly (the others are private);
/// the whole update is made back by [`Compact::update`].
#[derive(Debug, Clone)]
pub struct Compact {
    id: UpdateId,
    pub authority_id: AuthorityId,
    status: Status,
    base_id: Option<UpdateId>,
    pub operations: Option<Operations>,
    pub electronic_requests: Option<YesNoPartly>,
    pub originals_required: Option<Originals>,
    pub video_hearings: Option<YesNo>,
    pub surrenders: Option<YesNoPartly>,
    pub transfers: Option<YesNoPartly>,
    pub effective_from: NaiveDate,
    effective_until: Option<NaiveDate>,
    submitted_at: Option<NaiveDateTime>,
    decided_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
    contacts_visible: bool,
    /// electronic_address, time_limits, urgent_contact, remarks, language,
    /// rejection_reason.
    texts: Texts<6>,
}

impl From<Update> for Compact {
    fn from(u: Update) -> Self {
        let texts = Texts::new([
            u.electronic_address.as_deref(),
            u.time_limits.as_deref(),
            u.urgent_contact.as_deref(),
            u.remarks.as_deref(),
            u.language.as_deref(),
            u.rejection_reason.as_deref(),
        ]);
        Compact {
            id: u.id,
            authority_id: u.authority_id,
            status: u.status,
            base_id: u.base_id,
            operations: u.operations,
            electronic_requests: u.electronic_requests,
            originals_required: u.originals_required,
            video_hearings: u.video_hearings,
            surrenders: u.surrenders,
            transfers: u.transfers,
            effective_from: u.effective_from,
            effective_until: u.effective_until,
            submitted_at: u.submitted_at,
            decided_at: u.decided_at,
            updated_at: u.updated_at,
            contacts_visible: u.contacts_visible,
            texts,
        }
    }
}

impl Compact {
    /// The update as it was read.
    pub fn update(&self) -> Update {
        let text = |i: usize| self.texts.get(i).map(str::to_string);
        Update {
            id: self.id,
            authority_id: self.authority_id,
            status: self.status,
            base_id: self.base_id,
            operations: self.operations,
            electronic_requests: self.electronic_requests,
            electronic_address: text(0),
            originals_required: self.originals_required,
            time_limits: text(1),
            video_hearings: self.video_hearings,
            surrenders: self.surrenders,
            transfers: self.transfers,
            urgent_contact: text(2),
            remarks: text(3),
            language: text(4),
            effective_from: self.effective_from,
            effective_until: self.effective_until,
            rejection_reason: text(5),
            submitted_at: self.submitted_at,
            decided_at: self.decided_at,
            updated_at: self.updated_at,
            contacts_visible: self.contacts_visible,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_reads_back_as_it_was_kept() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let update = Update {
            id: UpdateId(7),
            authority_id: AuthorityId(3),
            status: Status::Approved,
            base_id: Some(UpdateId(5)),
            operations: None,
            electronic_requests: Some(YesNoPartly::Partly),
            // Present and empty is not absent.
            electronic_address: Some(String::new()),
            originals_required: None,
            time_limits: None,
            video_hearings: Some(YesNo::Yes),
            surrenders: None,
            transfers: Some(YesNoPartly::No),
            urgent_contact: Some("+33 1 00 00 00 00 (duty officer)".into()),
            remarks: Some("Requests by email — originals later. 司法".into()),
            language: Some("fr".into()),
            effective_from: day,
            effective_until: day.succ_opt(),
            rejection_reason: None,
            submitted_at: day.and_hms_opt(9, 0, 0),
            decided_at: None,
            updated_at: day.and_hms_opt(10, 30, 0).unwrap(),
            contacts_visible: true,
        };
        let back = Compact::from(update.clone()).update();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&update).unwrap()
        );
    }
}
