//! klog's text format: the header and the quoting of key/values.
//!
//! Mirrors klog's `formatHeader` and its text serializer (`k8s.io/klog/v2/internal/serialize`).

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

/// klog's severities: the first letter of every text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// `I`: informational, including every V level.
    Info,
    /// `W`: warning.
    Warning,
    /// `E`: error.
    Error,
    /// `F`: fatal; the program exits after logging it.
    Fatal,
}

impl Severity {
    /// The letter klog writes at the start of the line.
    pub fn letter(self) -> char {
        match self {
            Severity::Info => 'I',
            Severity::Warning => 'W',
            Severity::Error => 'E',
            Severity::Fatal => 'F',
        }
    }
}

/// Writes klog's header `I1223 12:30:38.017340   11656 main.go:16] ` for a time (UTC), a pid and
/// a source file (only its base name is shown) and line. Mirrors klog's `formatHeader`.
pub fn write_header(out: &mut String, sev: Severity, now: SystemTime, pid: u32, file: &str, line: u32) {
    let d = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (_, month, day) = civil_from_days((secs / 86_400) as i64);
    let sod = secs % 86_400;
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let _ = write!(
        out,
        "{}{:02}{:02} {:02}:{:02}:{:02}.{:06} {:>7} {}:{}] ",
        sev.letter(),
        month,
        day,
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        d.subsec_micros(),
        pid,
        base,
        line
    );
}

/// RFC 3339 with microseconds in UTC, e.g. `2026-11-23T20:30:00.123456Z`, for JSON `ts`.
pub fn rfc3339_micros(now: SystemTime) -> String {
    let d = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let sod = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Appends `s` as a Go `%q` string (strconv.Quote): `"` and `\` escaped, `\n`, `\t`, `\r`
/// and other control characters escaped, printable Unicode kept as is.
pub fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends ` key=value` for a string value (quoted).
pub fn push_str_kv(out: &mut String, key: &str, value: &str) {
    out.push(' ');
    out.push_str(key);
    out.push('=');
    quote_into(out, value);
}

/// Appends ` key=value` for a bare value (numbers, booleans).
pub fn push_bare_kv(out: &mut String, key: &str, value: impl std::fmt::Display) {
    let _ = write!(out, " {key}={value}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn q(s: &str) -> String {
        let mut o = String::new();
        quote_into(&mut o, s);
        o
    }

    #[test]
    fn quoting_follows_go_strconv_quote() {
        assert_eq!(q("v1"), r#""v1""#);
        assert_eq!(q("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(q("line1\nline2\t!"), r#""line1\nline2\t!""#);
        assert_eq!(q("\u{1}\u{7f}"), r#""\x01\x7f""#);
        assert_eq!(q("héllo 世界"), "\"héllo 世界\"");
        assert_eq!(q("\u{85}"), r#""\u0085""#);
    }

    #[test]
    fn header_matches_klog_layout() {
        // 2023-12-23T12:30:38.017340Z
        let t = UNIX_EPOCH + Duration::from_micros(1_703_334_638_017_340);
        let mut out = String::new();
        write_header(&mut out, Severity::Info, t, 11656, "examples/src/main.rs", 16);
        assert_eq!(out, "I1223 12:30:38.017340   11656 main.rs:16] ");
        out.clear();
        write_header(&mut out, Severity::Error, t, 1, "x.rs", 2);
        assert_eq!(out, "E1223 12:30:38.017340       1 x.rs:2] ");
        assert_eq!(rfc3339_micros(t), "2023-12-23T12:30:38.017340Z");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    proptest::proptest! {
        #[test]
        fn quoted_strings_have_no_raw_controls(s in ".*") {
            let o = q(&s);
            proptest::prop_assert!(o.starts_with('"') && o.ends_with('"'));
            proptest::prop_assert!(!o.chars().any(|c| c.is_control()));
        }
    }
}
