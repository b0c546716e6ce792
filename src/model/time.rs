//! Time as the pages show it. Timestamps travel as Unix seconds (UTC).
//!
//! The conversions are written out (the civil-calendar algorithms of Howard
//! Hinnant) rather than taken from a date crate, because this module is
//! compiled into the browser bundle and a full date library costs tens of
//! kilobytes there. Only UTC and the proleptic Gregorian calendar are needed.

const DAY: i64 = 86_400;

/// The current time in Unix seconds, on the server or in the browser.
pub fn now() -> i64 {
    #[cfg(all(target_arch = "wasm32", feature = "hydrate"))]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(all(target_arch = "wasm32", feature = "hydrate")))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// (year, month 1–12, day 1–31) of a day number (days since 1970-01-01).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day number (days since 1970-01-01) of a civil date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
}

fn parts(ts: i64) -> Parts {
    let (year, month, day) = civil_from_days(ts.div_euclid(DAY));
    let secs = ts.rem_euclid(DAY);
    Parts {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
    }
}

/// `2026-11-24`.
pub fn format_date(ts: i64) -> String {
    let p = parts(ts);
    format!("{:04}-{:02}-{:02}", p.year, p.month, p.day)
}

/// `2026-11-24 13:05 UTC`.
pub fn format_utc(ts: i64) -> String {
    let p = parts(ts);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        p.year, p.month, p.day, p.hour, p.minute
    )
}

/// RFC 3339 in UTC (`2026-11-24T13:05:09Z`), as the REST API and the
/// exports write timestamps.
pub fn rfc3339(ts: i64) -> String {
    let p = parts(ts);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// Parses `YYYY-MM-DD` into the Unix time of that day's midnight (UTC).
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (year, month, day) = (i64::from(num(0..4)?), num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY)
}

/// "3 days", "5 hours", "12 minutes", "less than a minute", rounded to
/// the nearest whole unit.
pub fn span(seconds: i64) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
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
        assert_eq!(format_utc(951_825_600), "2000-02-29 12:00 UTC");
    }

    #[test]
    fn civil_round_trips_across_four_centuries() {
        // Every day from 1900 to 2300, both ways.
        let start = days_from_civil(1900, 1, 1);
        let end = days_from_civil(2300, 12, 31);
        let mut expected = (1900, 1, 1);
        for z in start..=end {
            let got = civil_from_days(z);
            assert_eq!(got, expected, "day {z}");
            assert_eq!(days_from_civil(got.0, got.1, got.2), z);
            let (y, m, d) = expected;
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }

    #[test]
    fn parse_date_is_midnight_utc() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date(" 2024-02-29 "), Some(1_709_164_800));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("+026-01-01"), None);
        assert_eq!(parse_date("tomorrow"), None);
        assert_eq!(parse_date("2026-0é-01"), None);
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
        assert_eq!(rfc3339(1_795_000_009), "2026-11-18T11:06:49Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
