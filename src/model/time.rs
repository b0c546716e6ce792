//! Time as the pages show it. Timestamps travel as Unix seconds (UTC).

use time::macros::format_description;
use time::OffsetDateTime;

/// The current time in Unix seconds, on the server or in the browser.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// `2026-11-24 13:05 UTC`.
pub fn format_utc(ts: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "—".to_owned())
}

/// `2026-11-24`.
pub fn format_date(ts: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day]");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "—".to_owned())
}

/// RFC 3339 in UTC, as the REST API and exports write timestamps.
pub fn rfc3339(ts: i64) -> String {
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// Parses `YYYY-MM-DD` into the Unix time of that day's midnight (UTC).
pub fn parse_date(s: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s.trim(), &fmt).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

/// "3 days", "5 hours", "12 minutes", "less than a minute", rounded to
/// the nearest whole unit.
pub fn span(seconds: i64) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let round = |unit: i64| (seconds + unit / 2) / unit;
    let (n, unit) = if seconds >= DAY {
        (round(DAY), "day")
    } else if seconds >= HOUR {
        (round(HOUR), "hour")
    } else if seconds >= MINUTE {
        (round(MINUTE), "minute")
    } else {
        return "less than a minute".to_owned();
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_utc_writes_minutes() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_795_000_000), "2026-11-18 11:06 UTC");
    }

    #[test]
    fn parse_date_is_midnight_utc() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("tomorrow"), None);
    }

    #[test]
    fn span_picks_the_largest_unit() {
        assert_eq!(span(3 * 86_400 + 5), "3 days");
        assert_eq!(span(7 * 86_400 - 5), "7 days");
        assert_eq!(span(2 * 86_400 + 13 * 3_600), "3 days");
        assert_eq!(span(86_400), "1 day");
        assert_eq!(span(7_200), "2 hours");
        assert_eq!(span(61), "1 minute");
        assert_eq!(span(59), "less than a minute");
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
