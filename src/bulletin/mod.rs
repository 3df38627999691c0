//! The fortnightly bulletin: who receives it ([`subscriptions`]), what it
//! says ([`compile`]), when it is made ([`schedule`]), how its thousands of
//! messages are built ([`mime`]; [`linked`] when it is too long to mail)
//! and the archive of what was sent ([`archive`]). Delivery is the
//! outbox's: one pipeline for all mail.

pub mod archive;
mod changes;
pub mod compile;
pub mod demo;
pub mod json;
pub mod linked;
pub mod mime;
pub mod parts;
pub mod schedule;
pub mod subscriptions;
pub mod tokens;

pub use schedule::{Compiler, Outcome};
