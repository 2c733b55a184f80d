//! Timestamps as the Python original writes them: `datetime.now(timezone.utc).isoformat()`.

use std::fmt;

use time::OffsetDateTime;

/// A UTC instant with microsecond precision (what Python's `datetime` holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    instant: OffsetDateTime,
}

impl Timestamp {
    pub(crate) fn now_utc() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }

    /// Truncates to microseconds and moves to UTC.
    pub fn from_datetime(instant: OffsetDateTime) -> Self {
        let instant = instant.to_offset(time::UtcOffset::UTC);
        let micros = instant.microsecond();
        let instant = instant.replace_nanosecond(micros * 1_000).unwrap_or(instant);
        Self { instant }
    }

    /// From epoch seconds and microseconds; `None` when out of range.
    pub fn from_unix(seconds: i64, microseconds: u32) -> Option<Self> {
        let instant = OffsetDateTime::from_unix_timestamp(seconds).ok()?;
        Some(Self { instant: instant.replace_microsecond(microseconds).ok()? })
    }

    /// `datetime.isoformat()`: `2026-11-27T05:12:41.123456+00:00`, and no fraction
    /// at all when the microseconds are zero (`2026-11-27T05:12:41+00:00`).
    pub fn isoformat(&self) -> String {
        let instant = self.instant;
        let mut text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            instant.year(),
            u8::from(instant.month()),
            instant.day(),
            instant.hour(),
            instant.minute(),
            instant.second()
        );
        if instant.microsecond() != 0 {
            text.push_str(&format!(".{:06}", instant.microsecond()));
        }
        text.push_str("+00:00");
        text
    }

    /// `int(time.time())` at this instant.
    pub fn unix_seconds(&self) -> i64 {
        self.instant.unix_timestamp()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.isoformat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isoformat_drops_a_zero_fraction() {
        let whole = Timestamp::from_unix(1_795_756_361, 0).expect("in range");
        assert_eq!(whole.isoformat(), "2026-11-27T05:12:41+00:00");
        let fractional = Timestamp::from_unix(1_795_756_361, 123_456).expect("in range");
        assert_eq!(fractional.isoformat(), "2026-11-27T05:12:41.123456+00:00");
        let small = Timestamp::from_unix(1_795_756_361, 7).expect("in range");
        assert_eq!(small.isoformat(), "2026-11-27T05:12:41.000007+00:00");
        assert_eq!(fractional.unix_seconds(), 1_795_756_361);
    }

    #[test]
    fn now_has_the_python_shape() {
        let text = Timestamp::now_utc().isoformat();
        let pattern = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$").expect("pattern");
        assert!(pattern.is_match(&text), "{text}");
    }
}
