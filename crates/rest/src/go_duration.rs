//! Go's `time.Duration.String()` format, used on the wire (`?timeout=30s`) and in log lines.

use std::fmt::Write;
use std::time::Duration;

/// Formats `d` exactly as Go's `time.Duration.String()` does: `30s`, `1m30s`, `1h0m0s`, `1.5s`,
/// `250ms`, `0s`.
pub fn format(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    if nanos < 1_000_000_000 {
        let (unit, scale) = if nanos < 1_000 {
            ("ns", 1)
        } else if nanos < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        write_fraction(&mut out, nanos, scale);
        out.push_str(unit);
        return out;
    }
    let total_secs = nanos / 1_000_000_000;
    let hours = total_secs / 3600;
    let minutes = (total_secs % 3600) / 60;
    if hours > 0 {
        let _ = write!(out, "{hours}h");
    }
    if hours > 0 || minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    write_fraction(&mut out, nanos % 60_000_000_000, 1_000_000_000);
    out.push('s');
    out
}

/// Writes `value / scale` with the fraction's trailing zeros removed.
fn write_fraction(out: &mut String, value: u128, scale: u128) {
    let _ = write!(out, "{}", value / scale);
    let frac = value % scale;
    if frac != 0 {
        let width = scale.ilog10() as usize;
        let digits = format!("{frac:0width$}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_secs(30), "30s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_millis(250), "250ms"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_nanos(42), "42ns"),
            (Duration::from_nanos(2_500), "2.5µs"),
            (Duration::from_secs(3661) + Duration::from_millis(10), "1h1m1.01s"),
        ];
        for (d, want) in cases {
            assert_eq!(format(d), want, "{d:?}");
        }
    }
}
