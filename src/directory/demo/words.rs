//! The demo's raw material: names of ministries and people per language,
//! positions, notes, and the kinds of authority each article calls for.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

pub(super) const VOCABULARY_JSON: &str = include_str!("../data/demo_vocabulary.json");

#[derive(Deserialize)]
pub(super) struct Vocabulary {
    pub(super) languages: HashMap<String, LanguageVocabulary>,
    pub(super) english: HashMap<String, Term>,
}

#[derive(Deserialize)]
pub(super) struct LanguageVocabulary {
    pub(super) authorities: HashMap<String, Term>,
    pub(super) given_names: Vec<String>,
    pub(super) family_names: Vec<String>,
}

#[derive(Deserialize, Clone)]
pub(super) struct Term {
    pub(super) name: String,
    pub(super) acronym: String,
}

pub(super) static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    serde_json::from_str(VOCABULARY_JSON).expect("demo_vocabulary.json is valid (unit-tested)")
});

/// Languages written family name first.
pub(super) const FAMILY_FIRST: &[&str] = &["zh", "ja", "ko", "vi", "hu", "mn", "km", "my"];

/// Working weeks that are not Monday to Friday.
pub(super) const WORKING_WEEK: &[(&str, &str)] = &[
    ("AE", "Monday to Thursday 07:30–15:30, Friday 07:30–12:00"),
    ("SA", "Sunday to Thursday 08:00–15:00"),
    ("KW", "Sunday to Thursday 07:30–14:30"),
    ("QA", "Sunday to Thursday 07:00–14:00"),
    ("BH", "Sunday to Thursday 07:00–14:15"),
    ("OM", "Sunday to Thursday 07:30–14:30"),
    ("IL", "Sunday to Thursday 08:00–16:00"),
    ("IR", "Saturday to Wednesday 07:30–14:30"),
    ("AF", "Sunday to Thursday 08:00–16:00"),
    ("EG", "Sunday to Thursday 09:00–15:00"),
    ("JO", "Sunday to Thursday 08:00–15:00"),
];

pub(super) const POSITIONS: &[&str] = &[
    "Head of the Central Authority",
    "Senior Legal Officer",
    "Prosecutor, International Cooperation",
    "Legal Adviser",
    "Liaison Officer",
    "Director of International Affairs",
    "Case Officer, Extradition",
    "Deputy Head of Unit",
];

pub(super) const LANGUAGE_NOTES: &[&str] = &[
    "Requests in another language must come with a certified translation.",
    "Urgent requests are accepted in English; a translation must follow within 30 days.",
    "Translations need not be certified.",
    "Requests and supporting documents must be translated into an official language.",
];

pub(super) const REQUIREMENTS: &[&str] = &[
    "Requests must be signed by the requesting authority and state the legal basis (UNTOC art. 18).",
    "Send an advance copy by email; the original follows by post or the diplomatic channel.",
    "Dual criminality is required for coercive measures.",
    "Requests for provisional arrest may be sent through INTERPOL.",
    "Please include a summary of the facts and the text of the applicable provisions.",
];

pub(super) struct Role {
    pub(super) key: &'static str,
    pub(super) domain: &'static str,
    pub(super) mailbox: &'static str,
}

pub(super) const fn role(key: &'static str, domain: &'static str, mailbox: &'static str) -> Role {
    Role {
        key,
        domain,
        mailbox,
    }
}

pub(super) const MLA_ROLES: &[Role] = &[
    role("mla_department", "justice", "central.authority"),
    role("ministry_of_justice", "justice", "international"),
    role("attorney_general", "attorney-general", "mla"),
    role("prosecutor_general", "prosecution", "international"),
];
pub(super) const EXTRADITION_ROLES: &[Role] = &[
    role("extradition_unit", "justice", "extradition"),
    role("foreign_affairs", "foreign-affairs", "legal"),
    role("supreme_court", "courts", "registry"),
];
pub(super) const PRISON_ROLE: Role = role("prison_administration", "prisons", "transfers");
pub(super) const PREVENTION_ROLES: &[Role] = &[
    role("crime_prevention_council", "prevention", "secretariat"),
    role("interior", "interior", "prevention"),
    role("organized_crime_unit", "police", "organized.crime"),
];
pub(super) const POLICE_ROLE: Role = role("national_police", "police", "international");
pub(super) const FOCAL_ROLE: Role = role("foreign_affairs", "foreign-affairs", "treaties");
