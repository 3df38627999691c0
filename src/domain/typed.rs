//! Text and dates as people type them, checked the same way wherever they
//! arrive (API bodies, forms, import, the command line), so that what one
//! path refuses no other path stores. The caller names the field.

use chrono::{Datelike, NaiveDate};

/// Bidirectional embeddings, overrides and isolates: in a name they can
/// make what is shown read differently from what is stored (a reference
/// or an address spelled backwards).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn too_long(s: &str, max: usize) -> Result<(), String> {
    if s.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    Ok(())
}

/// One line: a name, a city, a label. No control characters (line breaks
/// and tabs included) and no bidirectional overrides.
pub fn line(s: &str, max: usize) -> Result<(), String> {
    too_long(s, max)?;
    if s.contains(['\n', '\r']) {
        return Err("must be on one line".into());
    }
    if s.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    if s.chars().any(is_bidi_control) {
        return Err("contains characters that change the direction of the text".into());
    }
    Ok(())
}

/// Text of several lines: notes, remarks, a reason. Tabs and line breaks
/// are kept; a carriage return only before a line feed, as browsers send a
/// text area's lines. Other control characters are refused: PostgreSQL
/// cannot store a NUL, and the others garble pages and mail.
pub fn lines(s: &str, max: usize) -> Result<(), String> {
    too_long(s, max)?;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let allowed = match c {
            '\n' | '\t' => true,
            '\r' => chars.peek() == Some(&'\n'),
            c => !c.is_control(),
        };
        if !allowed {
            return Err("contains control characters".into());
        }
    }
    Ok(())
}

/// The reason given with a refusal (an update, a proposal), which the
/// focal point is told: required, at most 2000 characters of lines.
pub fn reason(raw: &str) -> Result<&str, String> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err("is required: say why, for the focal point".into());
    }
    lines(reason, 2000)?;
    Ok(reason)
}

/// The years a date may fall in: a year such as 0 or 20260 is a typing
/// mistake, and not every database stores it.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// A date written `YYYY-MM-DD`, within [`YEARS`].
pub fn date(s: &str) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date; write it as YYYY-MM-DD"))?;
    if !YEARS.contains(&d.year()) {
        return Err(format!(
            "{s:?} is not a date between {} and {}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_refuses_breaks_controls_and_direction_overrides() {
        assert!(line("Ministère de la Justice", 300).is_ok());
        assert!(line("وزارة العدل", 300).is_ok());
        for bad in [
            "a\nb",
            "a\r\nb",
            "a\tb",
            "a\0b",
            "a\u{7}b",
            "a\u{202E}b",
            "a\u{2066}b",
        ] {
            assert!(line(bad, 300).is_err(), "{bad:?}");
        }
        assert!(line("abcd", 3).is_err());
    }

    #[test]
    fn several_lines_keep_tabs_and_line_breaks_only() {
        assert!(lines("one\ntwo\r\nthree\tfour", 100).is_ok());
        for bad in ["a\0b", "a\rb", "a\u{1b}[31m", "a\u{7f}"] {
            assert!(lines(bad, 100).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates_are_plain_and_within_sane_years() {
        assert_eq!(
            date("2026-11-29").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
        );
        for bad in [
            "-0001-01-01",
            "0000-01-01",
            "1899-12-31",
            "+10000-01-01",
            "29/11/2026",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }
}
