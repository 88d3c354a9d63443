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

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
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
    fn offset_clock_moves_forward() {
        let clock = OffsetClock::default();
        let before = clock.now();
        clock.advance(3600);
        assert!(clock.now() >= before.plus_seconds(3600));
    }
}
