//! The directory: States, authorities, their designations, search.

pub mod cache;
mod changes;
mod chunked;
pub mod demo;
pub mod edit;
pub mod fields;
mod index;
mod listing;
mod load;
pub mod model;
pub mod packed;
pub mod proposals;
pub mod reminders;
pub mod search;
mod search_params;
mod spelling;
pub mod transfer;
mod vocabulary;
pub mod write;
