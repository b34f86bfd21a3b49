//! klog's text format: the header, the times, and the quoting of strings.
//!
//! Mirrors klog's `formatHeader` and its text serializer (`k8s.io/klog/v2/internal/serialize`).
//! Calendar arithmetic is the `time` crate's; every writer appends to a caller's buffer, so a
//! line is formatted with no allocation beyond that buffer.

use std::fmt::{self, Write as _};
use std::time::SystemTime;

use time::UtcDateTime;

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

    /// klog's severity name (`INFO`, `WARNING`, `ERROR`, `FATAL`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
        }
    }

    /// Parses a severity as klog's `-stderrthreshold` does: a name in any case (`error`) or its
    /// number (`0` INFO to `3` FATAL).
    pub fn parse(s: &str) -> Option<Severity> {
        const ALL: [Severity; 4] = [
            Severity::Info,
            Severity::Warning,
            Severity::Error,
            Severity::Fatal,
        ];
        match s.parse::<usize>() {
            Ok(n) => ALL.get(n).copied(),
            Err(_) => ALL.into_iter().find(|sev| sev.name().eq_ignore_ascii_case(s)),
        }
    }
}

/// The file part of a caller as klog shows it: the base name, or with `with_dir` (klog's
/// `-add_dir_header`) the directory that holds it too (`src/main.rs`).
pub fn short_file(file: &str, with_dir: bool) -> &str {
    let mut cuts = file.rmatch_indices(['/', '\\']).map(|(i, _)| i + 1);
    let base = cuts.next();
    let start = if with_dir { cuts.next().or(Some(0)) } else { base };
    start.map_or(file, |i| &file[i..])
}

/// Writes klog's header `I1223 12:30:38.017340   11656 main.go:16] ` for a time (UTC), a pid and a
/// caller (`file` as it is to be shown, see [`short_file`]). Mirrors klog's `formatHeader`.
pub fn write_header(out: &mut String, sev: Severity, now: SystemTime, pid: u32, file: &str, line: u32) {
    let t = UtcDateTime::from(now);
    let _ = write!(
        out,
        "{}{:02}{:02} {:02}:{:02}:{:02}.{:06} {:>7} {}:{}] ",
        sev.letter(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond(),
        pid,
        file,
        line
    );
}

/// RFC 3339 with microseconds in UTC, e.g. `2026-11-23T20:30:00.123456Z`, formatted where it is
/// written (`{}` or serde's `collect_str`), with no intermediate string.
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339Micros(pub SystemTime);

impl fmt::Display for Rfc3339Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = UtcDateTime::from(self.0);
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

/// RFC 3339 with microseconds in UTC, e.g. `2026-11-23T20:30:00.123456Z`.
pub fn rfc3339_micros(now: SystemTime) -> String {
    Rfc3339Micros(now).to_string()
}

/// The time in the layout the seed gives zap, Go's `2006-01-02 15:04:05.00` (hundredths of a
/// second, cut rather than rounded, as Go cuts), in UTC. Formatted where it is written.
#[derive(Debug, Clone, Copy)]
pub struct Centis(pub SystemTime);

impl fmt::Display for Centis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = UtcDateTime::from(self.0);
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond() / 10
        )
    }
}

/// Appends `s` as a Go `%q` string (strconv.Quote): `"` and `\` escaped, `\n`, `\t`, `\r`
/// and other control characters escaped, printable Unicode kept as is.
///
/// This is Go's quoting, not JSON's (`\x01` and `\a` where JSON writes `\u0001`), which is why it
/// is written out here; JSON output goes through `serde_json`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

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
        write_header(&mut out, Severity::Info, t, 11656, "main.rs", 16);
        assert_eq!(out, "I1223 12:30:38.017340   11656 main.rs:16] ");
        out.clear();
        write_header(&mut out, Severity::Error, t, 1, "x.rs", 2);
        assert_eq!(out, "E1223 12:30:38.017340       1 x.rs:2] ");
        assert_eq!(rfc3339_micros(t), "2023-12-23T12:30:38.017340Z");
        let cut = t + Duration::from_micros(9_999);
        assert_eq!(Centis(cut).to_string(), "2023-12-23 12:30:38.02");
    }

    #[test]
    fn dates_across_leap_days_and_the_epoch() {
        let day = |d: u64| UNIX_EPOCH + Duration::from_secs(d * 86_400);
        assert_eq!(rfc3339_micros(day(0)), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339_micros(day(19_782)), "2024-02-29T00:00:00.000000Z");
        assert_eq!(rfc3339_micros(day(19_783)), "2024-03-01T00:00:00.000000Z");
    }

    #[test]
    fn short_files_and_severities() {
        assert_eq!(short_file("crates/rest/src/execute.rs", false), "execute.rs");
        assert_eq!(short_file("crates/rest/src/execute.rs", true), "src/execute.rs");
        assert_eq!(short_file("main.rs", true), "main.rs");
        assert_eq!(short_file("a\\b.rs", false), "b.rs");
        assert_eq!(Severity::parse("2"), Some(Severity::Error));
        assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
        assert_eq!(Severity::parse("4"), None);
        assert_eq!(Severity::parse("loud"), None);
    }

    proptest::proptest! {
        #[test]
        fn quoted_strings_have_no_raw_controls(s in ".*") {
            let o = q(&s);
            proptest::prop_assert!(o.starts_with('"') && o.ends_with('"'));
            proptest::prop_assert!(!o.chars().any(char::is_control));
        }
    }
}
