//! The fortnightly bulletin: who receives it ([`subscriptions`]), what it
//! says ([`compile`]), when it is made ([`schedule`]), how its thousands of
//! messages are built ([`mime`]; [`linked`] when it is too long to mail),
//! the archive of what was sent ([`archive`]) and how the site shows it
//! ([`web`]). Delivery is the outbox's: one pipeline for all mail.

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
pub mod web;

pub use schedule::{Compiler, Outcome};
