use serde::{Serialize, Serializer};

/// An email address, as RFC 5322 allows it, with a domain that has a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address SMTP carries (RFC 5321's path limit, less
    /// the angle brackets).
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "is longer than {} characters, too long for an email address",
                Self::MAX_LEN
            ));
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            s,
            email_address::Options::default().without_display_text(),
        )
        .map_err(|_| format!("{s:?} is not an email address; write it as name@office.example"))?;
        // The mailer reads the address for the envelope (`Address`) and for
        // the To header (`Mailbox`): one it cannot read would be accepted
        // here and then fail at every sending (a quoted "a b"@x.example).
        if s.parse::<lettre::Address>().is_err() || s.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "{s:?} is not an email address we can send to; write it as name@office.example"
            ));
        }
        if !parsed.domain().contains('.') {
            return Err(format!(
                "{s:?} is not an email address: the part after @ needs a dot, as in office.example"
            ));
        }
        Ok(Self(parsed.as_str().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name, such as Europe/Paris.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

/// The time zones of places (`Europe/Vienna`), without the aliases and
/// fixed offsets the database also holds, sorted.
static PLACES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    const REGIONS: [&str; 9] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    let mut places: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|n| REGIONS.iter().any(|r| n.starts_with(r)))
        .collect();
    places.sort_unstable();
    places
});

impl TimeZone {
    /// Reads a time zone by its IANA name (`Europe/Vienna`) or by the
    /// place that names it (`Vienna`, `new york`, `Buenos Aires`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Ok(Self(tz));
        }
        let wanted = crate::domain::text::fold(&s.replace('_', " "));
        let mut found = PLACES.iter().filter(|name| {
            let place = name
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .replace('_', " ");
            crate::domain::text::fold(&place) == wanted
        });
        match (found.next(), found.next()) {
            (Some(one), None) => one
                .parse::<chrono_tz::Tz>()
                .map(Self)
                .map_err(|e| e.to_string()),
            _ => Err(format!(
                "{raw:?} is not a time zone we know; write the city that names it (Vienna) or its full name (Europe/Vienna)"
            )),
        }
    }

    /// The time zones of places, for a form's suggestions.
    pub fn places() -> &'static [&'static str] {
        &PLACES
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }
}

/// A web address people can open: http or https, with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(url::Url);

impl WebUrl {
    /// Longer addresses are not typed by people, and some browsers and
    /// servers stop at about this length.
    pub const MAX_LEN: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.chars().count() > Self::MAX_LEN {
            return Err(format!(
                "is longer than {} characters, too long for a web address",
                Self::MAX_LEN
            ));
        }
        let url = url::Url::parse(s).map_err(|_| {
            format!("{s:?} is not a complete web address; write it whole, starting with https://")
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "{s:?} is not a web address; start it with https://"
            ));
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A telephone number, kept in E.164 (+41 58 ... as +4158...). A number
/// written without its country code is read as one of `default_country`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str, default_country: Option<&str>) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is empty".into());
        }
        // Fifteen digits with spaces, dots and an extension fit well within.
        if s.chars().count() > 50 {
            return Err("is longer than 50 characters, too long for a telephone number".into());
        }
        if s.chars().any(|c| c.is_alphabetic()) {
            return Err(format!("{s:?} is not a telephone number (letters)"));
        }
        let country = default_country.and_then(|c| c.parse::<phonenumber::country::Id>().ok());
        let number = phonenumber::parse(country, s).map_err(|_| {
            format!("{s:?} is not a telephone number; write it with its country code, as +41 58 462 11 11")
        })?;
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        let digits = e164.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err(format!(
                "{s:?} has too few or too many digits for a telephone number"
            ));
        }
        Ok(Self(e164))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people read it: +41 58 462 11 11.
    pub fn readable(e164: &str) -> String {
        phonenumber::parse(None, e164)
            .map(|n| {
                n.format()
                    .mode(phonenumber::Mode::International)
                    .to_string()
            })
            .unwrap_or_else(|_| e164.to_string())
    }
}

macro_rules! serialize_as_str {
    ($($t:ty => $f:expr),+) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($f(self))
            }
        }
    )+};
}

serialize_as_str!(Email => Email::as_str, TimeZone => |t: &TimeZone| t.name(), WebUrl => WebUrl::as_str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" mla@justice.fr.example ").unwrap().as_str(),
            "mla@justice.fr.example"
        );
        for bad in [
            "",
            "x",
            "a@b",
            "a b@c.example",
            "Name <a@b.example>",
            "\"a b\"@x.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZone::parse("America/La_Paz").unwrap().name(),
            "America/La_Paz"
        );
        assert!(TimeZone::parse("CEST+2").is_err());
    }

    #[test]
    fn urls_are_http_or_https() {
        assert!(WebUrl::parse("https://justice.fr.example/mla").is_ok());
        for bad in [
            "justice.fr.example",
            "javascript:alert(1)",
            "ftp://x.example/",
            "https://",
        ] {
            assert!(WebUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
