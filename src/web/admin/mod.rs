//! The secretariat's pages: the review queue, the changes log and stale
//! records, the mail, the bulletin and its subscribers. Each handler takes
//! an admin; the focal point's subscriptions page shares the bulletin room.

pub mod bulletin;
pub mod changes;
pub mod mail;
pub mod preview;
pub mod review;
