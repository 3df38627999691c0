//! The one source of the current time. Everything that depends on the date
//! (measures starting and ending, schedules, staleness) asks a [`Clock`], so
//! that tests move time forward instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDate, NaiveDateTime, Utc};

/// The system time, shifted by an offset that only tests change.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    pub fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc()
            + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// Moves this clock forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }

    /// Makes `now()` answer `at` from this moment on (time keeps running).
    pub fn set(&self, at: NaiveDateTime) {
        let offset = at - Utc::now().naive_utc();
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_moves_when_told() {
        let clock = Clock::system();
        let start = clock.today();
        clock.advance(chrono::Duration::days(30));
        assert_eq!(clock.today(), start + chrono::Duration::days(30));
        let at = NaiveDate::from_ymd_opt(2030, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        clock.set(at);
        assert!((clock.now() - at).num_seconds().abs() < 2);
    }
}
