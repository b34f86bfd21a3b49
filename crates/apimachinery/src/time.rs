//! RFC 3339 timestamps as the API server writes them.
//!
//! Mirrors apimachinery `metav1.Time` (whole seconds, `2026-11-23T06:48:34Z`) and `metav1.MicroTime`
//! (microseconds, `2026-11-23T06:48:34.123456Z`). Both hold an integer count since the Unix epoch, so
//! they are 8 bytes, `Copy`, and compare and hash cheaply. Parsing accepts any RFC 3339 offset and any
//! number of fractional digits; formatting always writes UTC with `Z`, like the API server.

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Error returned when a string is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 timestamp {input:?}: {reason}")]
pub struct TimeParseError {
    input: String,
    reason: &'static str,
}

/// A point in time with one-second precision, serialized as RFC 3339 in UTC.
///
/// Mirrors apimachinery `metav1.Time` (`apimachinery/pkg/apis/meta/v1/time.go`).
#[doc(alias = "metav1.Time")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(i64);

/// A point in time with microsecond precision, serialized as RFC 3339 with six fractional digits.
///
/// Mirrors apimachinery `metav1.MicroTime` (`micro_time.go`), used by Leases and events.k8s.io Events.
#[doc(alias = "metav1.MicroTime")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MicroTime(i64);

impl Time {
    /// The time `secs` seconds after the Unix epoch.
    pub const fn from_unix_seconds(secs: i64) -> Self {
        Time(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// The current wall-clock time, truncated to whole seconds.
    pub fn now() -> Self {
        Time(now_micros().div_euclid(1_000_000))
    }

    /// Parses an RFC 3339 timestamp; fractional seconds are truncated.
    ///
    /// # Errors
    /// Returns [`TimeParseError`] naming the input when it is not RFC 3339.
    pub fn parse(s: &str) -> Result<Self, TimeParseError> {
        parse_micros(s).map(|us| Time(us.div_euclid(1_000_000)))
    }
}

impl MicroTime {
    /// The time `micros` microseconds after the Unix epoch.
    pub const fn from_unix_micros(micros: i64) -> Self {
        MicroTime(micros)
    }

    /// Microseconds since the Unix epoch.
    pub const fn unix_micros(self) -> i64 {
        self.0
    }

    /// The current wall-clock time.
    pub fn now() -> Self {
        MicroTime(now_micros())
    }

    /// Parses an RFC 3339 timestamp; digits beyond microseconds are truncated.
    ///
    /// # Errors
    /// Returns [`TimeParseError`] naming the input when it is not RFC 3339.
    pub fn parse(s: &str) -> Result<Self, TimeParseError> {
        parse_micros(s).map(MicroTime)
    }
}

fn now_micros() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn parse_micros(s: &str) -> Result<i64, TimeParseError> {
    let err = |reason| TimeParseError {
        input: s.chars().take(64).collect(),
        reason,
    };
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Result<i64, TimeParseError> {
        let part = b.get(from..from + len).ok_or_else(|| err("too short"))?;
        part.iter().try_fold(0i64, |acc, &c| {
            if c.is_ascii_digit() {
                Ok(acc * 10 + i64::from(c - b'0'))
            } else {
                Err(err("expected a digit"))
            }
        })
    };
    let sep = |at: usize, want: &[u8]| -> Result<(), TimeParseError> {
        match b.get(at) {
            Some(c) if want.contains(c) => Ok(()),
            _ => Err(err("unexpected separator")),
        }
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    sep(4, b"-")?;
    sep(7, b"-")?;
    sep(10, b"Tt ")?;
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    sep(13, b":")?;
    sep(16, b":")?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return Err(err("field out of range"));
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 6 {
                micros = micros * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return Err(err("empty fraction"));
        }
        for _ in (i - start)..6 {
            micros *= 10;
        }
    }
    let offset_secs = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() => {
            sep(i + 3, b":")?;
            let off = num(i + 1, 2)? * 3600 + num(i + 4, 2)? * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err(err("missing or malformed UTC offset")),
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Ok(secs * 1_000_000 + micros)
}

fn write_rfc3339(f: &mut fmt::Formatter<'_>, micros: i64, fraction: bool) -> fmt::Result {
    let secs = micros.div_euclid(1_000_000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    write!(
        f,
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )?;
    if fraction {
        write!(f, ".{:06}", micros.rem_euclid(1_000_000))?;
    }
    f.write_str("Z")
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rfc3339(f, self.0.saturating_mul(1_000_000), false)
    }
}

impl fmt::Display for MicroTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_rfc3339(f, self.0, true)
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
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                <$ty>::parse(&s).map_err(de::Error::custom)
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
        }
    }

    proptest! {
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
