//! Close spellings: "justise" for "justice", "ministere" for "ministère"
//! is already folding's work. A word of five letters or more may be one edit
//! (a letter added, missing, changed, or two swapped) from the word meant,
//! one of nine or more two edits; shorter words are taken as typed.

/// The edits a typed word of this many letters is allowed.
pub fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// A typed word, ready to be compared with many terms.
pub struct Typed {
    word: String,
    chars: Vec<char>,
    max: usize,
}

impl Typed {
    pub fn new(word: &str, max: usize) -> Self {
        Self {
            word: word.to_string(),
            chars: word.chars().collect(),
            max,
        }
    }

    /// The edits from this word to `term`, if within the allowance.
    pub fn distance(&self, term: &str) -> Option<usize> {
        let typed = &self.chars;
        let (Some(&t0), Some(&t1)) = (typed.first(), typed.get(1)) else {
            return None;
        };
        // Within one or two edits, one of the first two letters stays in
        // one of the first two places: a cheap test that turns most of the
        // index away before counting.
        let mut head = term.chars();
        let (Some(c0), c1) = (head.next(), head.next()) else {
            return None;
        };
        if !(c0 == t0 || c0 == t1 || c1 == Some(t0) || c1 == Some(t1)) {
            return None;
        }
        let len = term.chars().count();
        if len.abs_diff(typed.len()) > self.max {
            return None;
        }
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
