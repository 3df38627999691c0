//! The authority's own fields, written once. Each line below gives a field's
//! stored column, its name in JSON and CSV, its label and hint on the form,
//! how its input is checked, and who sees it. Storage, validation, the form,
//! JSON, CSV, downloads and the history all read this table, so adding a
//! field is a migration (and its line in `db/schema.rs`) and one line here.
//!
//! Designations and contact persons are the authority's children, with their
//! own tables; they are not fields.

use chrono::NaiveDate;
use compact_str::CompactString;
use diesel::prelude::*;

use crate::db::schema::authorities;

/// How a field's input is checked and written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The authority's reference (`AuthorityRef`).
    Ref,
    /// An ISO 3166 alpha-2 code of a State.
    Country,
    /// One of `AuthorityKind`; empty means a competent authority.
    Kind,
    /// One line of text of at most this many characters (`domain::typed::line`).
    Line(usize),
    /// Text of several lines, at most this many characters
    /// (`domain::typed::lines`).
    Lines(usize),
    /// A telephone number, read in the authority's State when not
    /// international.
    Phone,
    Email,
    /// An http(s) address.
    Url,
    /// An IANA time zone name.
    TimeZone,
    /// A date (`YYYY-MM-DD`) not after today.
    PastDate,
    /// A list of ISO 639-1 codes, in order of preference.
    Languages,
    /// A list of `Channel` codes.
    Channels,
}

impl Check {
    /// Whether the field holds a list (an array in JSON, one cell in CSV).
    pub fn is_list(self) -> bool {
        matches!(self, Check::Languages | Check::Channels)
    }
}

/// How the edit form shows a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Text,
    Textarea,
    Tel,
    Email,
    Url,
    /// The form has a control of its own (a choice, checkboxes, or a box
    /// only the secretariat may change).
    Own,
    /// Not on the form (set by an action, such as "still correct").
    Absent,
}

impl Control {
    /// A plain input or text area, drawn from this table alone.
    pub fn is_plain(self) -> bool {
        !matches!(self, Control::Own | Control::Absent)
    }

    /// The `type` of the HTML input.
    pub fn input_type(self) -> &'static str {
        match self {
            Control::Tel => "tel",
            Control::Email => "email",
            Control::Url => "url",
            Control::Textarea => "textarea",
            _ => "text",
        }
    }
}

/// Who sees a field, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Everyone, in lists and on the record.
    Everywhere,
    /// Everyone, on the full record only (lists stay small).
    OnRecord,
    /// A contact detail: readers allowed contacts only, never anonymous
    /// downloads.
    ToContacts,
}

/// What a field is about, for saying in a few words what changed (the
/// bulletin's directory changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Which record this is: ref, State.
    Identity,
    /// What the authority is called and where it is.
    NameOrPlace,
    /// Its kind, which goes with its designations.
    Designation,
    /// How to reach it.
    Contact,
    /// How it works: languages, channels, hours, requirements.
    Arrangements,
    /// Notes and the date last verified.
    Other,
}

/// One field of an authority.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The name in JSON, CSV, forms and the history.
    pub name: &'static str,
    pub label: &'static str,
    /// Shown under the input on the form.
    pub hint: &'static str,
    pub check: Check,
    pub required: bool,
    pub control: Control,
    pub shown: Shown,
    pub topic: Topic,
}

impl Field {
    const fn new(name: &'static str, label: &'static str, check: Check) -> Self {
        Field {
            name,
            label,
            hint: "",
            check,
            required: false,
            control: Control::Text,
            shown: Shown::Everywhere,
            topic: Topic::NameOrPlace,
        }
    }

    const fn topic(mut self, topic: Topic) -> Self {
        self.topic = topic;
        self
    }

    const fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn control(mut self, control: Control) -> Self {
        self.control = control;
        self
    }

    const fn on_record(mut self) -> Self {
        self.shown = Shown::OnRecord;
        self
    }

    /// A contact detail: about reaching the authority, and shown only to
    /// readers allowed contacts.
    const fn contact(mut self) -> Self {
        self.shown = Shown::ToContacts;
        self.topic = Topic::Contact;
        self
    }

    /// Whether a reader who may (or may not) see contacts sees this field.
    pub fn visible(&self, sees_contacts: bool) -> bool {
        sees_contacts || self.shown != Shown::ToContacts
    }

    /// A stored value as people read it: lists as `a; b`.
    pub fn display(&self, stored: Option<String>) -> Option<String> {
        if self.check.is_list() {
            let items: Vec<&str> = crate::domain::split_codes(stored.as_deref()?).collect();
            return (!items.is_empty()).then(|| items.join("; "));
        }
        stored
    }
}

/// A stored column's type: how its value reads as text and back. Values
/// are validated before they are stored, so reading back cannot fail.
pub trait Cell {
    /// The column in SQL, for the import's staging table.
    const SQL: &'static str;
    /// The value as read from a packed authority (`Packed`).
    type Read<'a>;
    fn text(&self) -> Option<String>;
    fn from_text(text: Option<String>) -> Self;
    /// The value of this text, as [`Self::text`] gave it.
    fn read(text: Option<&str>) -> Self::Read<'_>;
}

impl Cell for CompactString {
    const SQL: &'static str = "TEXT NOT NULL";
    type Read<'a> = &'a str;
    fn read(text: Option<&str>) -> &str {
        text.unwrap_or_default()
    }
    fn text(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.to_string())
    }
    fn from_text(text: Option<String>) -> Self {
        text.map(CompactString::from).unwrap_or_default()
    }
}

impl Cell for Option<CompactString> {
    const SQL: &'static str = "TEXT";
    type Read<'a> = Option<&'a str>;
    fn read(text: Option<&str>) -> Option<&str> {
        text
    }
    fn text(&self) -> Option<String> {
        self.as_ref().map(|t| t.to_string())
    }
    fn from_text(text: Option<String>) -> Self {
        text.map(CompactString::from)
    }
}

impl Cell for Option<NaiveDate> {
    const SQL: &'static str = "DATE";
    type Read<'a> = Option<NaiveDate>;
    fn read(text: Option<&str>) -> Option<NaiveDate> {
        text.and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
    }
    fn text(&self) -> Option<String> {
        self.map(|d| d.to_string())
    }
    fn from_text(text: Option<String>) -> Self {
        text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
    }
}

macro_rules! authority_fields {
    ($( $column:ident ($sql:ty): $ty:ty = $field:expr; )*) => {
        /// The authority's own columns, as stored: embedded in the row read,
        /// the row inserted and the change written.
        #[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(
            table_name = authorities,
            treat_none_as_default_value = false,
            treat_none_as_null = true
        )]
        pub struct AuthorityColumns {
            $(pub $column: $ty,)*
        }

        /// Every field, in the order of the form, CSV and JSON.
        pub const FIELDS: &[Field] = &[$($field,)*];

        /// Whether each field, in the order of [`FIELDS`], may be empty
        /// (null in JSON): its column is nullable.
        pub fn nullable() -> [bool; COUNT] {
            [$(stringify!($sql).starts_with("Nullable"),)*]
        }

        /// How many fields an authority has.
        pub const COUNT: usize = [$(stringify!($column),)*].len();

        /// Each field's place in [`FIELDS`].
        #[allow(non_camel_case_types)]
        enum Place {
            $($column,)*
        }

        impl super::packed::Packed {
            $(
                pub fn $column(&self) -> <$ty as Cell>::Read<'_> {
                    <$ty as Cell>::read(self.get(Place::$column as usize))
                }
            )*
        }

        impl AuthorityColumns {
            /// Each field's stored value as text, in the order of [`FIELDS`].
            pub fn texts(&self) -> Vec<Option<String>> {
                vec![$(Cell::text(&self.$column),)*]
            }

            /// The inverse of [`Self::texts`].
            pub fn from_texts(texts: Vec<Option<String>>) -> Self {
                let mut texts = texts.into_iter();
                AuthorityColumns {
                    $($column: Cell::from_text(texts.next().flatten()),)*
                }
            }
        }

        /// The import's staging table: the same columns, with the id and
        /// version of the row each replaces.
        pub(crate) mod staging {
            use chrono::NaiveDate;
use compact_str::CompactString;

            use diesel::prelude::*;

            use super::{AuthorityColumns, Cell};

            diesel::table! {
                import_rows (id) {
                    id -> BigInt,
                    $($column -> $sql,)*
                    version -> Integer,
                    updated_at -> Timestamp,
                }
            }

            #[derive(Insertable)]
            #[diesel(table_name = import_rows, treat_none_as_default_value = false)]
            pub struct Staged {
                pub id: crate::db::ids::AuthorityId,
                $(pub $column: $ty,)*
                pub version: i32,
                pub updated_at: chrono::NaiveDateTime,
            }

            impl Staged {
                pub fn new(
                    id: crate::db::ids::AuthorityId,
                    c: AuthorityColumns,
                    version: i32,
                    updated_at: chrono::NaiveDateTime,
                ) -> Self {
                    Staged { id, $($column: c.$column,)* version, updated_at }
                }
            }

            /// Each field's column in `authorities`, its column here (named
            /// as in Rust: `ref` is a keyword) and its SQL type.
            pub fn columns() -> Vec<(&'static str, &'static str, &'static str)> {
                let here = [$((stringify!($column), <$ty as Cell>::SQL),)*];
                super::FIELDS
                    .iter()
                    .zip(here)
                    .map(|(f, (column, sql))| (f.name, column, sql))
                    .collect()
            }
        }
    };
}

use Check as C;
use Control as F;
use Topic as T;

authority_fields! {
    ref_(Text): CompactString = Field::new("ref", "Reference", C::Ref)
        .required().control(F::Own).topic(T::Identity);
    country_code(Text): CompactString = Field::new("country_code", "State", C::Country)
        .required().control(F::Own).topic(T::Identity);
    name(Text): CompactString = Field::new("name", "Name in English", C::Line(300)).required();
    name_local(Nullable<Text>): Option<CompactString> =
        Field::new("name_local", "Name in the State's language", C::Line(300));
    acronym(Nullable<Text>): Option<CompactString> = Field::new("acronym", "Acronym", C::Line(30));
    kind(Text): CompactString = Field::new("kind", "Type of authority", C::Kind)
        .control(F::Own).topic(T::Designation);
    territory(Nullable<Text>): Option<CompactString> = Field::new("territory", "Territory", C::Line(200))
        .hint("Only when the authority serves part of the State");
    address(Nullable<Text>): Option<CompactString> =
        Field::new("address", "Postal address", C::Lines(500)).control(F::Textarea).contact();
    postal_code(Nullable<Text>): Option<CompactString> =
        Field::new("postal_code", "Postal code", C::Line(30)).contact();
    city(Nullable<Text>): Option<CompactString> = Field::new("city", "City", C::Line(120));
    phone(Nullable<Text>): Option<CompactString> = Field::new("phone", "Phone", C::Phone)
        .control(F::Tel).hint("With the country code, e.g. +43 1 26060").contact();
    fax(Nullable<Text>): Option<CompactString> = Field::new("fax", "Fax", C::Phone).control(F::Tel).contact();
    email(Nullable<Text>): Option<CompactString> =
        Field::new("email", "Email", C::Email).control(F::Email).contact();
    website(Nullable<Text>): Option<CompactString> =
        Field::new("website", "Website", C::Url).control(F::Url).hint("https://…").contact();
    languages(Text): CompactString = Field::new("languages", "Languages accepted", C::Languages)
        .hint("In order of preference, by name or two-letter code, e.g. French, English").topic(T::Arrangements);
    language_note(Nullable<Text>): Option<CompactString> =
        Field::new("language_note", "Note on languages", C::Lines(1000))
            .control(F::Textarea).hint("e.g. certified translation required (art. 18(14))")
            .topic(T::Arrangements);
    channels(Text): CompactString = Field::new("channels", "Channels", C::Channels)
        .control(F::Own).topic(T::Arrangements);
    urgent_contact(Nullable<Text>): Option<CompactString> =
        Field::new("urgent_contact", "Urgent or out-of-hours contact", C::Line(500)).contact();
    office_hours(Nullable<Text>): Option<CompactString> =
        Field::new("office_hours", "Office hours", C::Line(300))
            .on_record().topic(T::Arrangements);
    time_zone(Nullable<Text>): Option<CompactString> = Field::new("time_zone", "Time zone", C::TimeZone)
        .hint("The city that names it, e.g. Vienna, or its full name, Europe/Vienna").on_record().topic(T::Arrangements);
    requirements(Nullable<Text>): Option<CompactString> =
        Field::new("requirements", "Procedural requirements", C::Lines(4000))
            .control(F::Textarea).on_record().topic(T::Arrangements);
    notes(Nullable<Text>): Option<CompactString> =
        Field::new("notes", "Notes", C::Lines(4000))
            .control(F::Textarea).on_record().topic(T::Other);
    verified_at(Nullable<Date>): Option<NaiveDate> =
        Field::new("verified_at", "Last verified", C::PastDate)
            .control(F::Absent).topic(T::Other);
}

/// The field of this name.
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The position of a field in [`FIELDS`]; names given by the code itself.
pub fn index(name: &str) -> usize {
    FIELDS
        .iter()
        .position(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name:?} is not a field of an authority"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_columns_line_up() {
        let mut names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FIELDS.len());
        assert_eq!(staging::columns().len(), FIELDS.len());
        let c = AuthorityColumns {
            ref_: "FR-001".into(),
            name: "X".into(),
            languages: "fr,en".into(),
            verified_at: NaiveDate::from_ymd_opt(2026, 1, 2),
            ..Default::default()
        };
        assert_eq!(AuthorityColumns::from_texts(c.texts()), c);
        let get = |name: &str| c.texts().swap_remove(index(name));
        assert_eq!(get("ref").as_deref(), Some("FR-001"));
        assert_eq!(get("verified_at").as_deref(), Some("2026-01-02"));
        assert_eq!(
            field("languages").unwrap().display(get("languages")),
            Some("fr; en".into())
        );
    }
}
