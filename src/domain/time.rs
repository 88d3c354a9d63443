//! Time as Accord stores and prints it: UTC, microsecond precision (what PostgreSQL keeps), printed
//! as RFC 3339 with exactly six fractional digits so that a time has one textual form (events
//! hash it).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn from_utc(t: DateTime<Utc>) -> Self {
        Self(t.trunc_subsecs(6))
    }

    pub fn from_naive(t: NaiveDateTime) -> Self {
        Self::from_utc(t.and_utc())
    }

    pub fn naive(self) -> NaiveDateTime {
        self.0.naive_utc()
    }

    pub fn utc(self) -> DateTime<Utc> {
        self.0
    }

    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| Self::from_utc(t.with_timezone(&Utc)))
            .map_err(|_| format!("`{s}` is not an RFC 3339 date-time such as 2026-12-31T23:59:59Z"))
    }

    pub fn plus_seconds(self, s: i64) -> Self {
        Self(self.0 + chrono::Duration::seconds(s))
    }
}

/// chrono's general formatter, for the years the fixed layout below cannot print.
const RFC3339_MICROS: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, written digit by digit: every event and row served prints
    /// its times, and chrono's `format` interprets its pattern anew on each call.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use chrono::{Datelike, Timelike};
        let (date, time) = (self.0.date_naive(), self.0.time());
        let year = date.year();
        if !(0..=9999).contains(&year) {
            return write!(f, "{}", self.0.format(RFC3339_MICROS));
        }
        // A leap second shows as nanosecond >= 1e9 with second 59; RFC 3339 prints it as :60.
        let (second, nanos) = match time.nanosecond() {
            n if n >= 1_000_000_000 => (time.second() + 1, n - 1_000_000_000),
            n => (time.second(), n),
        };
        let mut buf = *b"0000-00-00T00:00:00.000000Z";
        let mut put = |at: usize, width: usize, mut value: u32| {
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year as u32);
        put(5, 2, date.month());
        put(8, 2, date.day());
        put(11, 2, time.hour());
        put(14, 2, time.minute());
        put(17, 2, second);
        put(20, 6, nanos / 1_000);
        // Only ASCII digits and separators were written.
        f.write_str(std::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .description(Some("RFC 3339 date-time in UTC with microseconds"))
            .examples(["2026-11-28T09:30:00.000000Z"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

/// Where "now" comes from: the system clock in production, a clock the tests move by hand.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub type SharedClock = Arc<dyn Clock>;

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_utc(Utc::now())
    }
}

/// The system clock shifted by an offset that tests change (so time still moves, and tokens
/// issued "now" stay valid), e.g. `clock.advance(3600)` to pass a deadline without sleeping.
#[derive(Default)]
pub struct OffsetClock {
    offset_micros: AtomicI64,
}

impl OffsetClock {
    pub fn advance(&self, seconds: i64) {
        self.offset_micros
            .fetch_add(seconds * 1_000_000, Ordering::SeqCst);
    }
}

impl OffsetClock {
    /// "now" plus `seconds`, as the API prints times (for deadlines in tests).
    pub fn now_plus(&self, seconds: i64) -> String {
        self.now().plus_seconds(seconds).to_string()
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let offset = chrono::Duration::microseconds(self.offset_micros.load(Ordering::SeqCst));
        Timestamp::from_utc(Utc::now() + offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_six_fraction_digits_in_utc() {
        let t = Timestamp::parse("2026-11-28T10:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-28T08:00:00.000000Z");
        let t = Timestamp::parse("2026-11-28T08:00:00.1234567Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-28T08:00:00.123456Z");
        assert!(Timestamp::parse("2026-11-28").is_err());
    }

    #[test]
    fn the_fast_printer_agrees_with_chrono() {
        // Every 7,919,993 seconds plus a varying fraction, from year 0 to 9999, and the edges.
        let first = chrono::NaiveDate::from_ymd_opt(0, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp();
        let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 999_999)
            .unwrap()
            .and_utc()
            .timestamp();
        let mut checked = 0;
        let mut secs = first;
        while secs <= last {
            let micros = (secs.rem_euclid(1_000_003) as u32) % 1_000_000;
            let t = Timestamp::from_utc(DateTime::from_timestamp(secs, micros * 1_000).unwrap());
            assert_eq!(t.to_string(), t.0.format(RFC3339_MICROS).to_string());
            secs += 7_919_993;
            checked += 1;
        }
        assert!(checked > 30_000);
        for s in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "2026-02-28T23:59:59.000001Z",
            "2028-02-29T12:00:00.5Z",
        ] {
            let t = Timestamp::parse(s).unwrap();
            assert_eq!(t.to_string(), t.0.format(RFC3339_MICROS).to_string());
        }
        // A leap second, as chrono represents it.
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 1_500_000)
            .unwrap()
            .and_utc();
        let t = Timestamp::from_utc(leap);
        assert_eq!(t.to_string(), "2016-12-31T23:59:60.500000Z");
        assert_eq!(t.to_string(), t.0.format(RFC3339_MICROS).to_string());
    }

    #[test]
    fn offset_clock_moves_forward() {
        let clock = OffsetClock::default();
        let before = clock.now();
        clock.advance(3600);
        assert!(clock.now() >= before.plus_seconds(3600));
    }
}
