//! The incremental JSON structure scanner that finds where a frame ends.
//!
//! It tracks only what decides where a top-level value closes: the nesting depth, whether it is inside
//! a string, and whether the previous byte was a backslash inside a string. It does not validate JSON
//! (serde does that once the frame is complete); it only has to agree with a valid document about where
//! the document ends, and never panic or loop on an invalid one.
//!
//! Its state survives between calls, so a frame that arrives one byte at a time is scanned exactly once
//! in total: the caller keeps the position up to which bytes were scanned and hands over only new bytes.

/// Where the scanner stands inside a frame that has been opened by its `{`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scanner {
    /// Open `{`/`[` not yet closed; the frame ends when this returns to 0.
    depth: usize,
    in_string: bool,
    /// The last byte scanned was a backslash inside a string, so the next byte is escaped.
    escaped: bool,
}

impl Scanner {
    /// The state right after a frame's opening `{`.
    pub(super) fn opened() -> Self {
        Scanner {
            depth: 1,
            in_string: false,
            escaped: false,
        }
    }

    /// Scans `bytes`, which continue the frame where the previous call stopped.
    ///
    /// Returns the index just past the byte that closes the frame, or `None` when every byte of
    /// `bytes` belongs to the frame and it is still open.
    pub(super) fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        if self.escaped {
            if bytes.is_empty() {
                return None;
            }
            self.escaped = false;
            i = 1;
        }
        while let Some(j) = find_candidate(bytes, i) {
            let b = *bytes.get(j)?;
            i = j + 1;
            if self.in_string {
                match b {
                    b'"' => self.in_string = false,
                    b'\\' => {
                        if i >= bytes.len() {
                            self.escaped = true;
                            return None;
                        }
                        // Whatever follows a backslash (a quote, another backslash, the `u` of a
                        // unicode escape) cannot end the string.
                        i += 1;
                    }
                    _ => {}
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        // depth >= 1 here: the scanner returns as soon as it reaches 0.
                        self.depth -= 1;
                        if self.depth == 0 {
                            return Some(i);
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Marks (with the byte's high bit) the zero bytes of `v`. The lowest mark is always exact; marks above
/// a true zero may be spurious, which is why callers only use the lowest one.
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Marks the bytes of `w` that may matter to the scanner: `"`, `\`, `{`, `}`, `[`, `]`.
///
/// Setting bit 5 folds `[`/`]`/`\` (0x5B-0x5D) onto `{`/`}`/`|` (0x7B-0x7D), so three comparisons find
/// all six. The fold also lets through `|` and the control byte 0x02, which the scanner then ignores.
#[inline(always)]
fn candidates(w: u64) -> u64 {
    let x = w | (0x20 * ONES);
    zero_bytes(x ^ (b'"' as u64 * ONES))
        | zero_bytes(x ^ (b'{' as u64 * ONES))
        | zero_bytes((x & (0xFE * ONES)) ^ (b'|' as u64 * ONES))
}

#[inline(always)]
fn is_candidate(b: u8) -> bool {
    matches!(b, b'"' | b'\\' | b'{' | b'}' | b'[' | b']')
}

/// The index of the first byte at or after `from` that may matter to the scanner.
///
/// Eight bytes at a time: nearly all of a Kubernetes object is string contents and key names, which
/// this skips without looking at each byte.
#[inline]
fn find_candidate(bytes: &[u8], from: usize) -> Option<usize> {
    let tail = bytes.get(from..)?;
    let mut words = tail.chunks_exact(8);
    let mut pos = from;
    for word in &mut words {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        let marks = candidates(u64::from_le_bytes(le));
        if marks != 0 {
            return Some(pos + (marks.trailing_zeros() / 8) as usize);
        }
        pos += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| is_candidate(b))
        .map(|k| pos + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_search_finds_exactly_the_structural_bytes() {
        for b in 0..=255u8 {
            let mut buf = [b'a'; 19];
            buf[11] = b;
            let found = find_candidate(&buf, 0);
            if is_candidate(b) {
                assert_eq!(found, Some(11), "byte {b:#04x}");
            } else if let Some(at) = found {
                // Only the documented false positives may stop the search.
                assert_eq!(at, 11, "byte {b:#04x}");
                assert!(b == b'|' || b == 0x02, "unexpected stop at byte {b:#04x}");
            }
        }
    }

    #[test]
    fn candidate_search_reports_the_first_of_several() {
        let buf = b"abcdefgh\"ij{kl}mnop";
        assert_eq!(find_candidate(buf, 0), Some(8));
        assert_eq!(find_candidate(buf, 9), Some(11));
        assert_eq!(find_candidate(buf, 12), Some(14));
        assert_eq!(find_candidate(buf, 15), None);
        assert_eq!(find_candidate(buf, 40), None);
    }

    #[test]
    fn scans_nested_values_and_tricky_strings() {
        let cases: &[&[u8]] = &[
            br#"}"#,
            br#""a":1}"#,
            br#""a":{"b":[1,{"c":[]}]}}"#,
            br#""s":"}{][ inside a string"}"#,
            br#""s":"escaped \" quote } "}"#,
            br#""s":"backslash at end \\"}"#,
            br#""s":"\\\\\"}\\"}"#,
            br#""u":"\u007d \u0022 \ud83d\ude00"}"#,
            "\"utf8\":\"caf\u{e9} \u{1f600} }\"}".as_bytes(),
        ];
        for &case in cases {
            let mut whole = Scanner::opened();
            assert_eq!(
                whole.scan(case),
                Some(case.len()),
                "{}",
                String::from_utf8_lossy(case)
            );
            let mut bytewise = Scanner::opened();
            for (i, b) in case.iter().enumerate() {
                let end = bytewise.scan(std::slice::from_ref(b));
                let expected = if i + 1 == case.len() { Some(1) } else { None };
                assert_eq!(end, expected, "byte {i} of {}", String::from_utf8_lossy(case));
            }
        }
    }

    #[test]
    fn stops_at_the_close_and_ignores_what_follows() {
        let mut s = Scanner::opened();
        assert_eq!(s.scan(br#""a":"}"} {"b":1}"#), Some(8));
    }

    #[test]
    fn an_escape_split_from_its_byte_is_remembered() {
        let mut s = Scanner::opened();
        assert_eq!(s.scan(br#""a":"x\"#), None);
        assert_eq!(s.scan(b""), None);
        assert_eq!(s.scan(br#""still in the string"}"#), Some(22));
    }
}
