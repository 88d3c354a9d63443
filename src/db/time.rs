//! Reading stored times quickly.
//!
//! Diesel reads a SQLite timestamp by trying chrono's `parse_from_str` with up to 18 patterns, each
//! interpreted anew on every call. Accord writes every time itself, always as
//! `YYYY-MM-DD HH:MM:SS[.fraction]` (diesel's encoding of `NaiveDateTime`), and serves pages of
//! hundreds of them, so that text is read here by position; anything else falls back to diesel.
//! PostgreSQL sends binary times, which diesel already reads quickly.
//!
//! Used on the `NaiveDateTime` fields of the rows read by the page (events, comments):
//! `#[diesel(deserialize_as = StoredTime)]`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::Pg;
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;

use super::MultiBackend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct StoredTime(pub NaiveDateTime);

impl From<StoredTime> for NaiveDateTime {
    fn from(t: StoredTime) -> Self {
        t.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction digits, nothing else.
pub fn parse_stored(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let value = num(20, b.len())?;
            value * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time = NaiveTime::from_hms_nano_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, nanos)?;
    Some(date.and_time(time))
}

impl FromSql<Timestamp, Sqlite> for StoredTime {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(t) = parse_stored(value.read_text()) {
            return Ok(Self(t));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, Pg> for StoredTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(Self)
    }
}

impl FromSql<Timestamp, MultiBackend> for StoredTime {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_diesel_writes_and_nothing_else() {
        for (text, micros) in [
            ("2026-11-28 09:30:00", 0),
            ("2026-11-28 09:30:00.5", 500_000),
            ("2026-11-28 09:30:00.123", 123_000),
            ("2026-11-28 09:30:00.123456", 123_456),
            ("2026-11-28 09:30:00.123456789", 123_456),
        ] {
            let t = parse_stored(text).unwrap();
            assert_eq!(t, NaiveDateTime::parse_from_str(text, "%F %T%.f").unwrap());
            assert_eq!(t.and_utc().timestamp_subsec_micros(), micros);
        }
        // Each of these is left to diesel's general reader.
        for text in [
            "2026-11-28T09:30:00",
            "2026-11-28 09:30:00Z",
            "2026-11-28 09:30",
            "2026-11-28 09:30:00.",
            "2026-11-28 09:30:00.1234567890",
            "2026-02-30 09:30:00",
            "2026-11-28 24:00:00",
            "2026-1l-28 09:30:00",
            "+026-11-28 09:30:00",
            "2460643.5",
            "",
        ] {
            assert_eq!(parse_stored(text), None, "{text}");
        }
    }

    #[test]
    fn round_trips_every_time_diesel_encodes() {
        let start = NaiveDate::from_ymd_opt(1999, 12, 31)
            .unwrap()
            .and_hms_opt(23, 0, 0)
            .unwrap();
        for i in 0..20_000i64 {
            let t = start
                + chrono::Duration::seconds(i * 86_413)
                + chrono::Duration::microseconds((i * 7_919) % 1_000_000);
            let text = t.format("%F %T%.f").to_string();
            assert_eq!(parse_stored(&text), Some(t), "{text}");
        }
    }
}
