//! An authority as a vCard 4.0 (RFC 6350), for address books.

use crate::directory::model::Authority;

/// Longest physical line, in octets, before folding (RFC 6350, 3.2).
const LINE_OCTETS: usize = 75;

/// The authority's card. Contact fields are included: whoever offers the
/// card decides whether the reader may see them.
pub fn render(a: &Authority) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCARD".into(),
        "VERSION:4.0".into(),
        "KIND:org".into(),
        format!("FN:{}", escape(a.name())),
        format!("ORG:{}", escape(a.name())),
    ];
    if let Some(acronym) = a.acronym() {
        lines.push(format!("NICKNAME:{}", escape(acronym)));
    }
    // ADR: post office box; extended address; street; locality; region;
    // postal code; country.
    let part = |v: Option<&str>| v.map(escape).unwrap_or_default();
    lines.push(format!(
        "ADR;TYPE=work:;;{};{};{};{};{}",
        part(a.address()),
        part(a.city()),
        part(a.territory()),
        part(a.postal_code()),
        escape(&a.country.state().name),
    ));
    if let Some(phone) = a.phone() {
        lines.push(format!("TEL;VALUE=uri;TYPE=work,voice:tel:{phone}"));
    }
    if let Some(fax) = a.fax() {
        lines.push(format!("TEL;VALUE=uri;TYPE=work,fax:tel:{fax}"));
    }
    if let Some(email) = a.email() {
        lines.push(format!("EMAIL;TYPE=work:{}", escape(email)));
    }
    if let Some(website) = a.website() {
        lines.push(format!("URL:{website}"));
    }
    for (i, language) in a.languages.iter().enumerate() {
        lines.push(format!("LANG;PREF={}:{}", i + 1, language.as_str()));
    }
    if let Some(tz) = a.time_zone() {
        lines.push(format!("TZ:{}", escape(tz)));
    }
    let note: Vec<String> = [
        a.language_note().map(|n| format!("Languages: {n}")),
        a.urgent_contact().map(|u| format!("Urgent: {u}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !note.is_empty() {
        lines.push(format!("NOTE:{}", escape(&note.join("\n"))));
    }
    lines.push(format!("REV:{}", a.updated_at.format("%Y%m%dT%H%M%SZ")));
    lines.push("END:VCARD".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

/// Escapes a text value: backslash, comma, semicolon and line breaks.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\r' => {
                // CRLF and a lone CR are one line break, as LF is.
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so that no physical line is longer than
/// 75 octets, never inside a UTF-8 sequence; each continuation starts with a
/// space, which counts towards its length.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > LINE_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::fields::AuthorityColumns;

    fn authority() -> Authority {
        authority_with(|_| {})
    }

    fn authority_with(change: impl FnOnce(&mut AuthorityColumns)) -> Authority {
        let mut columns = AuthorityColumns {
            ref_: "FR-1".into(),
            country_code: "FR".into(),
            name: "Bureau de l'entraide pénale internationale, Ministère; Justice".into(),
            acronym: Some("BEPI".into()),
            kind: "central_authority".into(),
            address: Some("13 place Vendôme\nCS 10001".into()),
            postal_code: Some("75042".into()),
            city: Some("Paris".into()),
            phone: Some("+33144778899".into()),
            email: Some("bepi@justice.fr.example".into()),
            website: Some("https://www.justice.fr.example/".into()),
            languages: "fr,en".into(),
            language_note: Some("Translations into French, please.".into()),
            urgent_contact: Some("Duty officer, +33 1 44 77 00 00".into()),
            time_zone: Some("Europe/Paris".into()),
            ..AuthorityColumns::default()
        };
        change(&mut columns);
        let updated_at = chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
            .unwrap()
            .and_hms_opt(10, 15, 0)
            .unwrap();
        Authority::new(
            crate::db::ids::AuthorityId(1),
            columns,
            3,
            updated_at,
            vec![],
            vec![],
        )
        .unwrap()
    }

    fn unfold(card: &str) -> String {
        card.replace("\r\n ", "")
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape(r"a\b, c; d"), r"a\\b\, c\; d");
        assert_eq!(escape("one\r\ntwo\nthree\rfour"), r"one\ntwo\nthree\nfour");
    }

    #[test]
    fn renders_an_organisation() {
        let card = unfold(&render(&authority()));
        let lines: Vec<&str> = card.split("\r\n").collect();
        assert_eq!(&lines[..3], ["BEGIN:VCARD", "VERSION:4.0", "KIND:org"]);
        for expected in [
            r"FN:Bureau de l'entraide pénale internationale\, Ministère\; Justice",
            "NICKNAME:BEPI",
            r"ADR;TYPE=work:;;13 place Vendôme\nCS 10001;Paris;;75042;France",
            "TEL;VALUE=uri;TYPE=work,voice:tel:+33144778899",
            "EMAIL;TYPE=work:bepi@justice.fr.example",
            "URL:https://www.justice.fr.example/",
            "LANG;PREF=1:fr",
            "LANG;PREF=2:en",
            "TZ:Europe/Paris",
            r"NOTE:Languages: Translations into French\, please.\nUrgent: Duty officer\, +33 1 44 77 00 00",
            "REV:20261129T101500Z",
        ] {
            assert!(lines.contains(&expected), "{expected} missing from\n{card}");
        }
        assert!(!card.contains("TYPE=work,fax"));
        assert_eq!(lines[lines.len() - 2], "END:VCARD");
        assert_eq!(lines[lines.len() - 1], "");
    }

    #[test]
    fn folds_long_lines_without_splitting_characters() {
        let a = authority_with(|c| {
            c.name = "وزارة العدل، إدارة التعاون الدولي في المسائل الجنائية - 司法部国际合作局"
                .repeat(3)
                .into();
        });
        let card = render(&a);
        for line in card.split("\r\n") {
            assert!(line.len() <= LINE_OCTETS, "{} octets: {line}", line.len());
        }
        assert!(card.split("\r\n").filter(|l| l.starts_with(' ')).count() > 4);
        let unfolded = unfold(&card);
        assert!(unfolded.contains(&format!("FN:{}", escape(a.name()))));
    }
}
