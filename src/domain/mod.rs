//! Values with rules. A value of one of these types is valid: the only way to
//! make one is `parse`, which says what is wrong (the caller names the field).

mod article;
mod blank;
pub(crate) mod codes;
mod contact;
pub mod paging;
pub mod present;
pub mod states;
pub mod text;
mod timestamp;
pub mod typed;

pub use article::{Article, Instrument};
pub use blank::or_blank;
pub use codes::{AuthorityKind, AuthorityRef, Channel, CountryCode, Function, LanguageCode};
pub use contact::{Email, Phone, TimeZone, WebUrl};
pub use timestamp::{Day, Timestamp};

/// Joins codes for storage in one text column.
pub fn join_codes<T: AsRef<str>>(codes: &[T]) -> String {
    codes
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(",")
}

/// Splits a stored list; values were validated before they were stored.
pub fn split_codes(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').filter(|s| !s.is_empty())
}
