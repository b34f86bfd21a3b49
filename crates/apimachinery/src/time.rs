//! RFC 3339 timestamps as the API server writes them.
//!
//! Mirrors apimachinery `metav1.Time` (whole seconds, `2026-11-23T06:48:34Z`) and `metav1.MicroTime`
//! (microseconds, `2026-11-23T06:48:34.123456Z`). Both hold an integer count since the Unix epoch, so
//! they are 8 bytes, `Copy`, and compare and hash cheaply. The count is kept with a niche, so
//! `Option<Time>` is 8 bytes too, not 16: objects hold many optional times (every condition has one or
//! two), and each saves 8 bytes. Parsing and formatting go through the
//! `time` crate: parsing accepts any RFC 3339 offset and any number of fractional digits; formatting
//! always writes UTC with `Z`, like the API server.
//!
//! Every decoded object's timestamps are parsed here, so this is on the watch decode path; the crate
//! decodes pods as fast as the hand-made parser it replaced (docs/performance.md, "Well-kept crates
//! instead of hand-made code").

use std::cmp::Ordering;
use std::fmt;
use std::num::NonZeroI64;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::UtcDateTime;

/// Error returned when a string is not an RFC 3339 timestamp; its source says which part is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 timestamp {input:?}")]
pub struct TimeParseError {
    input: String,
    #[source]
    source: time::error::Parse,
}

/// A point in time with one-second precision, serialized as RFC 3339 in UTC.
///
/// Mirrors apimachinery `metav1.Time` (`apimachinery/pkg/apis/meta/v1/time.go`).
#[doc(alias = "metav1.Time")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(Count);

/// A point in time with microsecond precision, serialized as RFC 3339 with six fractional digits.
///
/// Mirrors apimachinery `metav1.MicroTime` (`micro_time.go`), used by Leases and events.k8s.io Events.
#[doc(alias = "metav1.MicroTime")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MicroTime(Count);

/// A count of seconds or microseconds since the epoch, stored as `count ^ i64::MIN` in a `NonZeroI64`
/// so that `Option<Time>` needs no extra word (`None` is the zero the encoding never produces).
///
/// The one count without an encoding, `i64::MIN`, is kept as `i64::MIN + 1`: both lie hundreds of
/// billions of years before 1970, far outside the years 0000-9999 RFC 3339 can write, and are written
/// alike (as `0000-01-01T00:00:00Z`). Every count a timestamp can spell is exact.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Count(NonZeroI64);

impl Count {
    const fn new(count: i64) -> Self {
        let count = if count == i64::MIN { i64::MIN + 1 } else { count };
        match NonZeroI64::new(count ^ i64::MIN) {
            Some(stored) => Count(stored),
            // `count ^ i64::MIN` is zero only for `count == i64::MIN`, moved away above.
            None => unreachable!(),
        }
    }

    const fn get(self) -> i64 {
        self.0.get() ^ i64::MIN
    }
}

impl Default for Count {
    /// The epoch, as the plain integer this replaced defaulted to.
    fn default() -> Self {
        Count::new(0)
    }
}

impl Ord for Count {
    /// By count: the stored form flips the sign bit, so it orders differently.
    fn cmp(&self, other: &Self) -> Ordering {
        self.get().cmp(&other.get())
    }
}

impl PartialOrd for Count {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for Count {
    /// The count itself (`Time(1795416514)`), not its stored form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl Time {
    /// The time `secs` seconds after the Unix epoch (`i64::MIN` is kept as `i64::MIN + 1`, which is
    /// written alike; see [`Time`]'s niche).
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Time(Count::new(secs))
    }

    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0.get()
    }

    /// The current wall-clock time, truncated to whole seconds.
    pub fn now() -> Self {
        Time::from_unix_seconds(now_micros().div_euclid(1_000_000))
    }

    /// Parses an RFC 3339 timestamp; fractional seconds are truncated.
    ///
    /// # Errors
    /// Returns [`TimeParseError`] naming the input when it is not RFC 3339.
    pub fn parse(s: &str) -> Result<Self, TimeParseError> {
        parse_micros(s).map(|us| Time::from_unix_seconds(us.div_euclid(1_000_000)))
    }
}

impl MicroTime {
    /// The time `micros` microseconds after the Unix epoch (`i64::MIN` is kept as `i64::MIN + 1`,
    /// which is written alike).
    pub const fn from_unix_micros(micros: i64) -> Self {
        MicroTime(Count::new(micros))
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0.get()
    }

    /// The current wall-clock time.
    pub fn now() -> Self {
        MicroTime::from_unix_micros(now_micros())
    }

    /// Parses an RFC 3339 timestamp; digits beyond microseconds are truncated.
    ///
    /// # Errors
    /// Returns [`TimeParseError`] naming the input when it is not RFC 3339.
    pub fn parse(s: &str) -> Result<Self, TimeParseError> {
        parse_micros(s).map(MicroTime::from_unix_micros)
    }
}

fn now_micros() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// The first instant RFC 3339 can write (`0000-01-01T00:00:00Z`), in microseconds since the epoch.
const MIN_MICROS: i64 = -62_167_219_200 * 1_000_000;
/// The last one (`9999-12-31T23:59:59.999999Z`).
const MAX_MICROS: i64 = 253_402_300_799 * 1_000_000 + 999_999;

/// `Time`'s form: whole seconds.
const SECONDS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
/// `MicroTime`'s form: always six fractional digits, as the API server writes them.
const MICROS: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

fn parse_micros(s: &str) -> Result<i64, TimeParseError> {
    let t = UtcDateTime::parse(s, &Rfc3339).map_err(|source| TimeParseError {
        input: s.chars().take(64).collect(),
        source,
    })?;
    // RFC 3339 years have four digits, so this cannot overflow; `microsecond()` counts up from the
    // whole second below, so extra digits are truncated towards the past, before and after 1970 alike.
    Ok(t.unix_timestamp() * 1_000_000 + i64::from(t.microsecond()))
}

/// Writes `micros` in `form`. RFC 3339 has no room for years outside 0000-9999 (Go's
/// `Time.MarshalJSON` fails on them): such a value, which only a caller's arithmetic can make, is
/// written as the nearest instant that fits rather than failing the whole `Display`.
fn write_rfc3339(f: &mut fmt::Formatter<'_>, micros: i64, form: &[BorrowedFormatItem<'_>]) -> fmt::Result {
    let micros = micros.clamp(MIN_MICROS, MAX_MICROS);
    let t = UtcDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .expect("clamped into RFC 3339's years 0000-9999, which the time crate represents");
    let mut buf = [0u8; 32];
    let written = t.format_into(&mut &mut buf[..], form).map_err(|_| fmt::Error)?;
    f.write_str(std::str::from_utf8(&buf[..written]).map_err(|_| fmt::Error)?)
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rfc3339(f, self.unix_seconds().saturating_mul(1_000_000), SECONDS)
    }
}

impl fmt::Display for MicroTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rfc3339(f, self.unix_micros(), MICROS)
    }
}

macro_rules! serde_via_display {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // A visitor rather than `Cow<str>`, whose `Deserialize` always copies into a
                // `String`: a timestamp is parsed straight from the input, with no allocation.
                struct TextVisitor;

                impl de::Visitor<'_> for TextVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("an RFC 3339 timestamp")
                    }

                    fn visit_str<E: de::Error>(self, s: &str) -> Result<$ty, E> {
                        <$ty>::parse(s).map_err(E::custom)
                    }
                }

                d.deserialize_str(TextVisitor)
            }
        }
    };
}
serde_via_display!(Time);
serde_via_display!(MicroTime);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_like_the_api_server() {
        let t = Time::parse("2026-11-23T06:48:34Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T06:48:34Z");
        assert_eq!(t.unix_seconds(), 1_795_416_514);
        let m = MicroTime::parse("2026-11-23T06:48:34.123456Z").unwrap();
        assert_eq!(m.to_string(), "2026-11-23T06:48:34.123456Z");
    }

    #[test]
    fn offsets_and_fractions_normalise_to_utc() {
        let t = Time::parse("2026-11-23T08:48:34.999+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-11-23T06:48:34Z");
        let m = MicroTime::parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(m.unix_micros(), -500_000);
        assert_eq!(m.to_string(), "1969-12-31T23:59:59.500000Z");
    }

    #[test]
    fn rejects_garbage_with_the_input_named() {
        for bad in [
            "",
            "2026-11-23",
            "2026-13-01T00:00:00Z",
            "2026-11-23T06:48:34",
            "2026-11-23T06:48:34.Z",
        ] {
            let e = Time::parse(bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
            assert!(std::error::Error::source(&e).is_some(), "{e} says what is wrong");
        }
    }

    #[test]
    fn decoding_reads_the_text_in_place_and_says_what_and_where_on_failure() {
        let times: Vec<Time> = serde_json::from_str(r#"["2026-11-23T06:48:34Z"]"#).unwrap();
        assert_eq!(times[0].to_string(), "2026-11-23T06:48:34Z");
        // An escaped string reaches the visitor as a decoded copy; it parses the same.
        let t: MicroTime = serde_json::from_str(r#""2026-11-23T06:48:34.5\u005a""#).unwrap();
        assert_eq!(t.to_string(), "2026-11-23T06:48:34.500000Z");
        let e = serde_json::from_str::<Time>("1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: integer `1`, expected an RFC 3339 timestamp at line 1 column 1"
        );
        let e = serde_json::from_str::<Vec<Time>>(r#"["2026-11-23"]"#).unwrap_err();
        assert!(e.to_string().contains(r#""2026-11-23""#), "{e}");
        assert!(e.to_string().ends_with("at line 1 column 13"), "{e}");
    }

    #[test]
    fn years_rfc_3339_cannot_write_clamp_instead_of_failing() {
        assert_eq!(
            Time::from_unix_seconds(i64::MAX).to_string(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(
            Time::from_unix_seconds(i64::MIN).to_string(),
            "0000-01-01T00:00:00Z"
        );
        assert_eq!(
            MicroTime::from_unix_micros(i64::MAX).to_string(),
            "9999-12-31T23:59:59.999999Z"
        );
    }

    #[test]
    fn extra_fraction_digits_truncate_towards_the_past() {
        let m = MicroTime::parse("1969-12-31T23:59:59.1234567Z").unwrap();
        assert_eq!(m.unix_micros(), -876_544);
        let m = MicroTime::parse("2026-11-23T06:48:34.1234567Z").unwrap();
        assert_eq!(m.to_string(), "2026-11-23T06:48:34.123456Z");
    }

    #[test]
    fn optional_times_are_one_word() {
        assert_eq!(size_of::<Time>(), 8);
        assert_eq!(size_of::<Option<Time>>(), 8);
        assert_eq!(size_of::<MicroTime>(), 8);
        assert_eq!(size_of::<Option<MicroTime>>(), 8);
    }

    #[test]
    fn the_niche_keeps_counts_defaults_and_debug() {
        for secs in [0, 1, -1, i64::MAX, i64::MIN + 1, 1_795_416_514] {
            assert_eq!(Time::from_unix_seconds(secs).unix_seconds(), secs);
            assert_eq!(MicroTime::from_unix_micros(secs).unix_micros(), secs);
        }
        // The one count without an encoding moves by one, to a value written alike.
        assert_eq!(Time::from_unix_seconds(i64::MIN).unix_seconds(), i64::MIN + 1);
        assert_eq!(MicroTime::from_unix_micros(i64::MIN).unix_micros(), i64::MIN + 1);
        assert_eq!(Time::default().unix_seconds(), 0);
        assert_eq!(MicroTime::default().to_string(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format!("{:?}", Time::from_unix_seconds(1_795_416_514)),
            "Time(1795416514)"
        );
        assert_eq!(
            format!("{:?}", Some(MicroTime::from_unix_micros(-5))),
            "Some(MicroTime(-5))"
        );
    }

    proptest! {
        #[test]
        fn order_and_equality_follow_the_count(a in any::<i64>(), b in any::<i64>()) {
            let (ta, tb) = (Time::from_unix_seconds(a), Time::from_unix_seconds(b));
            prop_assert_eq!(ta.cmp(&tb), ta.unix_seconds().cmp(&tb.unix_seconds()));
            prop_assert_eq!(ta == tb, ta.unix_seconds() == tb.unix_seconds());
            let (ma, mb) = (MicroTime::from_unix_micros(a), MicroTime::from_unix_micros(b));
            prop_assert_eq!(ma.partial_cmp(&mb), Some(ma.unix_micros().cmp(&mb.unix_micros())));
        }

        #[test]
        fn micro_time_round_trips(us in -62_000_000_000_000_000i64..250_000_000_000_000_000i64) {
            let m = MicroTime::from_unix_micros(us);
            prop_assert_eq!(MicroTime::parse(&m.to_string()).unwrap(), m);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = MicroTime::parse(&s);
        }
    }
}
