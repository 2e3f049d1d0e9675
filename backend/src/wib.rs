//! Times in WIB (Waktu Indonesia Barat, UTC+07:00, no daylight saving): the
//! library's local time, used for every stored event time.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

/// WIB's offset from UTC in seconds (+07:00).
pub const WIB_OFFSET_SECS: i32 = 7 * 3600;

/// The IANA name of the library's time zone (used in iCalendar `TZID`).
pub const WIB_TZID: &str = "Asia/Jakarta";

/// The WIB offset.
pub fn wib() -> FixedOffset {
    // 7 h is inside the ±24 h range `east_opt` accepts, so this never falls back.
    FixedOffset::east_opt(WIB_OFFSET_SECS).unwrap_or_else(|| Utc.fix())
}

/// The current time in WIB.
pub fn now_wib() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&wib())
}

/// Formats a time the way event times are stored: RFC 3339 in WIB with
/// whole seconds, e.g. `2026-12-05T09:00:00+07:00`. Stored strings in this
/// one format compare correctly as text.
pub fn format_wib(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&wib())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Parses a query bound: a WIB date `YYYY-MM-DD` (start of that day, or the
/// start of the next day when `end` is true) or an RFC 3339 time with any offset.
///
/// # Errors
/// A message naming the accepted formats.
pub fn parse_bound(s: &str, end: bool) -> Result<DateTime<FixedOffset>, String> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        return wib()
            .from_local_datetime(&d.and_time(NaiveTime::MIN))
            .single()
            .ok_or_else(|| format!("invalid date: {s}"));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&wib()))
        .map_err(|_| format!("invalid time: {s} (use YYYY-MM-DD or RFC 3339)"))
}

/// Parses a stored event time (RFC 3339).
///
/// # Errors
/// When the stored text is not RFC 3339.
pub fn parse_stored(s: &str) -> Result<DateTime<FixedOffset>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s)
}

/// Whether an event that ends at `ends_at` (stored RFC 3339) is over now;
/// an unreadable or empty time is not over (the event has no date yet).
pub fn is_over(ends_at: &str) -> bool {
    parse_stored(ends_at).is_ok_and(|end| end < Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_wib_days() {
        let from = parse_bound("2026-12-05", false).unwrap();
        assert_eq!(format_wib(from), "2026-12-05T00:00:00+07:00");
        let to = parse_bound("2026-12-05", true).unwrap();
        assert_eq!(format_wib(to), "2026-12-06T00:00:00+07:00");
    }

    #[test]
    fn utc_times_convert_to_wib() {
        let t = parse_bound("2026-12-05T02:00:00Z", false).unwrap();
        assert_eq!(format_wib(t), "2026-12-05T09:00:00+07:00");
        assert!(parse_bound("5 Desember", false).is_err());
    }
}
