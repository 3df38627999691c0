//! Close spellings: "justise" for "justice", "ministere" for "ministère"
//! is already folding's work. A word of five letters or more may be one edit
//! (a letter added, missing, changed, or two swapped) from the word meant,
//! one of nine or more two edits; shorter words are taken as typed. The
//! first letter is taken as typed too, unless swapped with the second (see
//! `SearchIndex::close_to`).

use rapidfuzz::distance::osa;

/// The edits a typed word of this many letters is allowed.
pub fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The edits allowed between a word that matched nothing and a term
/// suggested for it: further than a search reads a word as another, since
/// the reader is asked.
pub fn suggestion_edits(letters: usize) -> usize {
    match letters {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    }
}

/// A term's length in letters, as kept beside the terms so that looking
/// for close spellings does not visit each term's text (at most 255).
pub fn letters(term: &str) -> u8 {
    term.chars().count().min(255) as u8
}

/// A typed word, ready to be compared with many terms: its letters are
/// prepared once (a bit-parallel comparison, no allocation per term). A
/// misspelled word is compared with every term sharing its first letters,
/// and comparing them one by one, each with allocations of its own, was
/// most of the cost of a search that found nothing.
pub struct Typed {
    word: osa::BatchComparator<char>,
    letters: u8,
    max: usize,
}

impl Typed {
    pub fn new(word: &str, max: usize) -> Self {
        Self {
            word: osa::BatchComparator::new(word.chars()),
            letters: letters(word),
            max,
        }
    }

    /// Whether a term this many letters long may be within the allowance.
    pub fn admits(&self, term_letters: u8) -> bool {
        (term_letters as usize).abs_diff(self.letters as usize) <= self.max
    }

    /// The edits from this word to `term`, if within the allowance.
    pub fn distance(&self, term: &str) -> Option<usize> {
        self.word
            .distance_with_args(term.chars(), &osa::Args::default().score_cutoff(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_from_five_letters_two_from_nine() {
        let justise = Typed::new("justise", allowed_edits(7));
        assert_eq!(justise.distance("justice"), Some(1));
        assert_eq!(
            justise.distance("jsutice"),
            None,
            "two edits for seven letters"
        );
        let ministerio = Typed::new("minsitreio", allowed_edits(10));
        assert_eq!(ministerio.distance("ministerio"), Some(2));
        assert_eq!(Typed::new("ujstice", 1).distance("justice"), Some(1));
        assert_eq!(Typed::new("ustice", 1).distance("justice"), Some(1));
        assert_eq!(allowed_edits(4), 0);
    }

    #[test]
    fn swaps_count_once_and_letters_are_not_bytes() {
        assert_eq!(Typed::new("jutsice", 1).distance("justice"), Some(1));
        assert_eq!(Typed::new("justice", 2).distance("justice"), Some(0));
        // Cyrillic: two bytes a letter, one edit.
        assert_eq!(Typed::new("масква", 1).distance("москва"), Some(1));
        assert_eq!(Typed::new("masква", 1).distance("москва"), None);
        // Longer than a machine word.
        let long = "a".repeat(70);
        assert_eq!(Typed::new(&long, 2).distance(&"a".repeat(71)), Some(1));
    }
}
