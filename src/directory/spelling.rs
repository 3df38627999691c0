//! Close spellings: "justise" for "justice", "ministere" for "ministère"
//! is already folding's work. A word of five letters or more may be one edit
//! (a letter added, missing, changed, or two swapped) from the word meant,
//! one of nine or more two edits; shorter words are taken as typed. The
//! first letter is taken as typed too, unless swapped with the second (see
//! `SearchIndex::close_to`).

/// The edits a typed word of this many letters is allowed.
pub fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// A term's length in letters, as kept beside the terms so that looking
/// for close spellings does not visit each term's text (at most 255).
pub fn letters(term: &str) -> u8 {
    term.chars().count().min(255) as u8
}

/// A typed word, ready to be compared with many terms.
pub struct Typed {
    word: String,
    letters: u8,
    max: usize,
}

impl Typed {
    pub fn new(word: &str, max: usize) -> Self {
        Self {
            word: word.to_string(),
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
        let d = strsim::osa_distance(&self.word, term);
        (d <= self.max).then_some(d)
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
}
