use serde::{Serialize, Serializer};

use super::states::{self, State};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, String> {
                let wanted = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                Self::ALL.iter().copied().find(|v| v.code() == wanted).ok_or_else(|| {
                    let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    format!("unknown {} {raw:?}; use one of: {}", $what, codes.join(", "))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        // The OpenAPI document lists the codes from the same table that
        // parses and writes them, so it cannot name one the code refuses.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($code),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use code_enum;

code_enum! {
    /// What an authority is, in the Convention's terms.
    AuthorityKind, "kind" {
        CentralAuthority => "central_authority", "Central authority";
        CompetentAuthority => "competent_authority", "Competent authority";
        FocalPoint => "focal_point", "Focal point";
    }
}

code_enum! {
    /// How an authority accepts requests.
    Channel, "channel" {
        Post => "post", "Post";
        Email => "email", "Email";
        Fax => "fax", "Fax";
        SecurePlatform => "secure_platform", "Secure platform";
        Diplomatic => "diplomatic", "Diplomatic channel";
        Interpol => "interpol", "INTERPOL";
    }
}

code_enum! {
    /// What a designated authority does with requests under its article.
    Function, "function" {
        Receives => "receives", "Receives";
        Transmits => "transmits", "Transmits";
        Executes => "executes", "Executes";
    }
}

/// A State (or the European Union) known to the directory, by ISO 3166-1 code.
#[derive(Clone, Copy)]
pub struct CountryCode(&'static State);

impl CountryCode {
    /// Accepts alpha-2 or alpha-3, in any case.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if !(s.len() == 2 || s.len() == 3) || !s.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "{raw:?} is not a country code; use ISO 3166-1 alpha-2 (FR) or alpha-3 (FRA)"
            ));
        }
        states::find(s)
            .map(CountryCode)
            .ok_or_else(|| format!("no State party with code {raw:?}"))
    }

    pub fn as_str(self) -> &'static str {
        &self.0.alpha2
    }

    pub fn state(self) -> &'static State {
        self.0
    }
}

impl PartialEq for CountryCode {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}
impl Eq for CountryCode {}

impl std::fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An ISO 639-1 language code. Kept as isolang's language (two bytes, not
/// a sixteen-byte string): the directory holds one for each language of each
/// authority and contact person.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LanguageCode(isolang::Language);

impl std::fmt::Debug for LanguageCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LanguageCode({})", self.as_str())
    }
}

/// By code, as when the code was the value.
impl Ord for LanguageCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for LanguageCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Languages with a two-letter code by their English name and their name
/// in themselves, folded: "french", "francais", "arabic", "العربية".
static LANGUAGES_BY_NAME: std::sync::LazyLock<
    std::collections::HashMap<String, isolang::Language>,
> = std::sync::LazyLock::new(|| {
    let mut by_name = std::collections::HashMap::new();
    for l in isolang::languages() {
        if l.to_639_1().is_none() {
            continue;
        }
        for name in [Some(l.to_name()), l.to_autonym()].into_iter().flatten() {
            by_name.entry(super::text::fold(name)).or_insert(l);
        }
    }
    by_name
});

impl LanguageCode {
    /// Reads a language as people write it: its ISO 639-1 code (`fr`), its
    /// English name (`French`) or its name in itself (`français`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_ascii_lowercase();
        isolang::Language::from_639_1(&s)
            .filter(|l| l.to_639_1().is_some())
            .or_else(|| LANGUAGES_BY_NAME.get(&super::text::fold(raw.trim())).copied())
            .map(LanguageCode)
            .ok_or_else(|| {
                format!("{raw:?} is not a language we know; write its name (French) or its two-letter code (fr)")
            })
    }

    /// Every language with a two-letter code, by the name a form shows,
    /// sorted: what a form offers while a language is typed.
    pub fn form_names() -> &'static [&'static str] {
        static NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
            let mut names: Vec<&'static str> = isolang::languages()
                .filter(|l| l.to_639_1().is_some())
                .map(|l| LanguageCode(l).form_name())
                .collect();
            names.sort_unstable();
            names.dedup();
            names
        });
        &NAMES
    }

    /// How a form shows it: the English name, or the code when the name
    /// would not read back as one item of a list.
    pub fn form_name(self) -> &'static str {
        let name = self.english_name();
        if name.contains([',', ';']) {
            self.as_str()
        } else {
            name
        }
    }

    pub fn as_str(self) -> &'static str {
        self.0
            .to_639_1()
            .expect("only languages with a two-letter code are made")
    }

    fn language(self) -> isolang::Language {
        self.0
    }

    /// The language's English name, e.g. "French".
    pub fn english_name(self) -> &'static str {
        self.language().to_name()
    }

    /// The language's name in itself, e.g. "français", when known.
    pub fn autonym(self) -> Option<&'static str> {
        self.language().to_autonym()
    }
}

impl Serialize for LanguageCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The stable external key of an authority, used by import to update
/// instead of duplicating.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthorityRef(String);

impl AuthorityRef {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let starts_well = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if s.is_empty() || s.len() > Self::MAX_LEN || !ok_chars || !starts_well {
            return Err(format!(
                "{raw:?} is not a valid ref; use 1 to {} letters, digits, '-', '_' or '.', \
                 starting with a letter or digit",
                Self::MAX_LEN
            ));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for AuthorityRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_accept_alpha2_and_alpha3() {
        assert_eq!(CountryCode::parse("fr").unwrap().as_str(), "FR");
        assert_eq!(CountryCode::parse("FRA").unwrap().as_str(), "FR");
        assert_eq!(
            CountryCode::parse("eu").unwrap().state().name,
            "European Union"
        );
        assert!(
            CountryCode::parse("F1")
                .unwrap_err()
                .contains("not a country code")
        );
        assert!(
            CountryCode::parse("France")
                .unwrap_err()
                .contains("not a country code")
        );
        assert!(
            CountryCode::parse("XK")
                .unwrap_err()
                .contains("no State party")
        );
    }

    #[test]
    fn language_codes_are_iso_639_1() {
        let fr = LanguageCode::parse("FR").unwrap();
        assert_eq!(fr.as_str(), "fr");
        assert_eq!(fr.english_name(), "French");
        assert!(LanguageCode::parse("fra").is_err());
        assert!(LanguageCode::parse("zz").is_err());
    }

    #[test]
    fn refs_are_safe_keys() {
        assert_eq!(
            AuthorityRef::parse(" FR-MJ-01 ").unwrap().as_str(),
            "FR-MJ-01"
        );
        for bad in ["", "-x", "a b", "é", &"x".repeat(65), "a/b"] {
            assert!(AuthorityRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enums_parse_their_codes_leniently() {
        assert_eq!(
            Channel::parse("Secure platform").unwrap(),
            Channel::SecurePlatform
        );
        assert_eq!(
            AuthorityKind::parse("central-authority").unwrap(),
            AuthorityKind::CentralAuthority
        );
        assert!(
            Function::parse("sends")
                .unwrap_err()
                .contains("receives, transmits, executes")
        );
    }
}
