//! An authority's own fields (and its contact persons') as the in-memory
//! directory keeps them: all of their text in one allocation. Kept as `AuthorityColumns`, 50,000
//! authorities took 34 MB of structs (a string of 24 bytes per field, present
//! or not) and a million small allocations; packed, an authority is one
//! allocation of its text and a table of where each field ends.

use super::fields::{AuthorityColumns, COUNT};

/// Texts, some absent, in one allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Texts<const N: usize> {
    /// Every text, one after the other.
    text: Box<str>,
    /// Where each text ends in `text`.
    ends: Ends<N>,
    /// Which texts are there (a bit each): an absent text and an empty one
    /// are not the same when read back.
    present: u32,
}

/// Where texts end: in two bytes each when all of them fit (an authority's
/// text is a few hundred bytes; its checked fields sum to under 64 KiB),
/// which halves the table every authority carries.
#[derive(Debug, Clone, PartialEq)]
enum Ends<const N: usize> {
    Short([u16; N]),
    Long(Box<[u32; N]>),
}

impl<const N: usize> Texts<N> {
    pub fn new<'a>(texts: impl IntoIterator<Item = Option<&'a str>> + Clone) -> Self {
        const { assert!(N <= 32, "a bit each in `present`") };
        let mut text =
            String::with_capacity(texts.clone().into_iter().flatten().map(str::len).sum());
        let mut ends = [0u32; N];
        let mut present = 0;
        for (i, t) in texts.into_iter().take(N).enumerate() {
            if let Some(t) = t {
                text.push_str(t);
                present |= 1 << i;
            }
            // Fields are at most a few thousand characters.
            ends[i] = u32::try_from(text.len()).expect("an authority's text fits in 4 GB");
        }
        let ends = match u16::try_from(text.len()) {
            Ok(_) => Ends::Short(ends.map(|e| e as u16)),
            Err(_) => Ends::Long(Box::new(ends)),
        };
        Texts {
            text: text.into_boxed_str(),
            ends,
            present,
        }
    }

    fn end(&self, i: usize) -> usize {
        match &self.ends {
            Ends::Short(ends) => ends[i].into(),
            Ends::Long(ends) => ends[i] as usize,
        }
    }

    /// The text at this place, as given.
    pub fn get(&self, i: usize) -> Option<&str> {
        if self.present & (1 << i) == 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.end(i - 1) };
        Some(&self.text[start..self.end(i)])
    }

    /// Every text, in order.
    pub fn texts(&self) -> impl Iterator<Item = Option<&str>> {
        (0..N).map(|i| self.get(i))
    }
}

/// An authority's own fields, in the order of `FIELDS`; each is read by
/// the method of its name (`a.name()`).
pub type Packed = Texts<COUNT>;

impl Packed {
    pub fn of(columns: &AuthorityColumns) -> Self {
        let texts = columns.texts();
        Texts::new(texts.iter().map(Option::as_deref))
    }

    /// The fields as stored, for editing and writing.
    pub fn columns(&self) -> AuthorityColumns {
        AuthorityColumns::from_texts(self.texts().map(|t| t.map(str::to_string)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_reads_back_as_written() {
        let columns = AuthorityColumns {
            ref_: "FR-001".into(),
            country_code: "FR".into(),
            name: "Ministère de la Justice – 司法部".into(),
            // Present and empty is not absent.
            name_local: Some("".into()),
            acronym: None,
            languages: "fr,en".into(),
            notes: Some("x".repeat(5000).into()),
            verified_at: chrono::NaiveDate::from_ymd_opt(2026, 1, 2),
            ..Default::default()
        };
        let packed = Packed::of(&columns);
        assert_eq!(packed.columns(), columns);
        assert_eq!(
            packed.texts().collect::<Vec<_>>(),
            columns
                .texts()
                .iter()
                .map(Option::as_deref)
                .collect::<Vec<_>>()
        );
        assert_eq!(packed.name(), "Ministère de la Justice – 司法部");
        assert_eq!(packed.name_local(), Some(""));
        assert_eq!(packed.acronym(), None);
        assert_eq!(packed.verified_at(), columns.verified_at);
    }

    #[test]
    fn texts_past_64_kib_read_back_whole() {
        let long = "é".repeat(40_000);
        let texts = Texts::<3>::new([Some("a"), None, Some(long.as_str())]);
        assert!(matches!(texts.ends, Ends::Long(_)));
        assert_eq!(
            texts.texts().collect::<Vec<_>>(),
            [Some("a"), None, Some(long.as_str())]
        );
        let short = Texts::<3>::new([Some("a"), None, Some("b")]);
        assert!(matches!(short.ends, Ends::Short(_)));
        assert_eq!(
            short.texts().collect::<Vec<_>>(),
            [Some("a"), None, Some("b")]
        );
    }
}
