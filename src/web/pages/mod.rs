//! Pages for people: the practitioner's directory, the focal point's own
//! pages (its authority, its updates, its subscriptions) and the public
//! bulletin. None needs JavaScript.

pub mod account;
pub mod api_docs;
pub mod authority_edit;
pub mod bulletin;
pub mod directory;
pub mod downloads;
mod long_bulletin;
pub mod measures;
pub mod password;
pub mod resume;
pub mod updates;
