use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date (UTC), for review-by and expiry dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// Today, in UTC.
    pub fn today() -> Date {
        Date::from_unix(unix_now())
    }

    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date {
            days: days_from_civil(year, month, day),
        })
    }

    /// The date `days` later (earlier when negative).
    pub fn plus_days(self, days: i64) -> Date {
        Date { days: self.days + days }
    }

    /// Days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Date) -> i64 {
        other.days - self.days
    }

    /// The date (UTC) of a Unix time.
    pub fn from_unix(seconds: i64) -> Date {
        Date {
            days: seconds.div_euclid(86_400),
        }
    }

    fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A Unix time as RFC 3339 in UTC: `2026-11-22T09:05:00Z`.
pub fn rfc3339(seconds: i64) -> String {
    let date = Date::from_unix(seconds);
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Reads an RFC 3339 time (`2026-11-22T09:05:00Z`, `…:00.999Z`, `…:00+02:00`) as Unix seconds.
/// A fraction is dropped, or rounds up when `ceiling` (so a validity start is never
/// taken earlier than written). `None` for anything else.
pub fn unix_from_rfc3339(text: &str, ceiling: bool) -> Option<i64> {
    let (date, rest) = text.split_at_checked(10)?;
    let date: Date = date.parse().ok()?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let number = |field: &str| -> Option<i64> {
        (field.len() == 2 && field.bytes().all(|b| b.is_ascii_digit())).then(|| field.parse().ok())?
    };
    let hour = number(rest.get(0..2)?)?;
    let minute = number(rest.get(3..5)?)?;
    let second = number(rest.get(6..8)?)?;
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &rest[8..];
    let mut fraction = false;
    if let Some(after) = rest.strip_prefix('.') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        fraction = after[..digits].bytes().any(|b| b != b'0');
        rest = &after[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            sign * (number(&rest[1..3])? * 3600 + number(&rest[4..6])? * 60)
        }
    };
    let seconds = date.days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds + i64::from(fraction && ceiling))
}

impl FromStr for Date {
    type Err = String;

    /// `YYYY-MM-DD`.
    fn from_str(text: &str) -> Result<Date, String> {
        let error = || format!("`{text}` is not a date (expected YYYY-MM-DD)");
        let mut parts = text.trim().splitn(3, '-');
        let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(error());
        };
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return Err(error());
        }
        let year: i64 = year.parse().map_err(|_| error())?;
        let month: u32 = month.parse().map_err(|_| error())?;
        let day: u32 = day.parse().map_err(|_| error())?;
        Date::from_ymd(year, month, day).ok_or_else(error)
    }
}

impl serde::Serialize for Date {
    /// As `YYYY-MM-DD`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = month as i64;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_orders_dates() {
        let date: Date = "2026-11-22".parse().unwrap();
        assert_eq!(date.to_string(), "2026-11-22");
        assert_eq!("1970-01-01".parse::<Date>().unwrap().days, 0);
        assert_eq!("2024-02-29".parse::<Date>().unwrap().to_string(), "2024-02-29");
        assert!("2023-02-29".parse::<Date>().is_err());
        assert!("2026-13-01".parse::<Date>().is_err());
        assert!("22/11/2026".parse::<Date>().is_err());
        assert!("2026-1-1".parse::<Date>().is_err());
        let later: Date = "2027-01-05".parse().unwrap();
        assert!(date < later);
        assert_eq!(date.days_until(later), 44);
        assert!(Date::today() > "2020-01-01".parse().unwrap());
    }

    #[test]
    fn formats_unix_times_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_338_300), "2026-11-22T09:05:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(Date::from_unix(1_795_338_300).to_string(), "2026-11-22");
    }

    #[test]
    fn reads_rfc3339_times() {
        assert_eq!(unix_from_rfc3339("2026-11-22T09:05:00Z", false), Some(1_795_338_300));
        assert_eq!(
            unix_from_rfc3339("2026-11-22T11:05:00+02:00", false),
            Some(1_795_338_300)
        );
        assert_eq!(
            unix_from_rfc3339("2022-12-31T23:59:59.999Z", false),
            Some(1_672_531_199)
        );
        assert_eq!(unix_from_rfc3339("2022-12-31T23:59:59.999Z", true), Some(1_672_531_200));
        assert_eq!(unix_from_rfc3339("2022-12-31T23:59:59.000Z", true), Some(1_672_531_199));
        assert_eq!(unix_from_rfc3339("2022-12-31", false), None);
        assert_eq!(unix_from_rfc3339("2022-12-31T25:00:00Z", false), None);
        assert_eq!(unix_from_rfc3339("2022-12-31T23:00:00", false), None);
        assert_eq!(unix_from_rfc3339("2022-12-31T23:00:00.Z", false), None);
    }
}
