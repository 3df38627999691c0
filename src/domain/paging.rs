//! Page numbers, read one way for every list (API and pages): a number too
//! large for the database's arithmetic, or past any list this directory
//! will hold, is refused rather than turned into a negative offset.

/// Far beyond the last page of any list here (100 times today's directory
/// holds a few thousand pages of 50).
pub const MAX_PAGE: u32 = 100_000;
pub const MAX_PER_PAGE: u32 = 100;

fn whole(raw: &str, max: u32) -> Result<u32, String> {
    let s = raw.trim();
    s.parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| format!("{s:?} is not a whole number between 1 and {max}"))
}

/// `page`: from 1 to [`MAX_PAGE`].
pub fn page(raw: &str) -> Result<u32, String> {
    whole(raw, MAX_PAGE)
}

/// `per_page`: from 1 to [`MAX_PER_PAGE`].
pub fn per_page(raw: &str) -> Result<u32, String> {
    whole(raw, MAX_PER_PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        assert_eq!(page(" 3 "), Ok(3));
        assert_eq!(per_page("100"), Ok(100));
        for bad in ["0", "-1", "x", "", "100001", "9223372036854775807", "1e3"] {
            assert!(page(bad).is_err(), "{bad}");
        }
        assert!(per_page("101").is_err());
    }
}
