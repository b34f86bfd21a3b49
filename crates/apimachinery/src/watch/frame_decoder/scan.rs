//! The incremental JSON structure scanner that finds where a frame ends.
//!
//! It tracks only what decides where a top-level value closes: the nesting depth, whether it is inside
//! a string, and whether the previous byte was a backslash inside a string. It does not validate JSON
//! (serde does that once the frame is complete); it only has to agree with a valid document about where
//! the document ends, and never panic or loop on an invalid one.
//!
//! Its state survives between calls, so a frame that arrives one byte at a time is scanned exactly once
//! in total: the caller keeps the position up to which bytes were scanned and hands over only new bytes.
//!
//! Full 64-byte blocks are scanned with bit masks (SSE2 on x86_64, portable SWAR elsewhere), the rest
//! one byte at a time; both follow the same byte-level rules, so the result never depends on where
//! the input was cut.

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
        while i < bytes.len() {
            let end = bytes.len().min(i + BLOCK);
            let segment = bytes.get(i..end)?;
            if let (false, Ok(block)) = (self.escaped, <&[u8; BLOCK]>::try_from(segment)) {
                match self.scan_block(block) {
                    Step::Closed(k) => return Some(i + k),
                    Step::Open => {
                        i = end;
                        continue;
                    }
                    Step::HasBackslash => {}
                }
            }
            if let Some(k) = self.scan_bytes(segment) {
                return Some(i + k);
            }
            i = end;
        }
        None
    }

    /// One byte at a time: for the tail of the input, a block with backslashes, or a block that starts
    /// with an escaped byte.
    fn scan_bytes(&mut self, bytes: &[u8]) -> Option<usize> {
        for (k, &b) in bytes.iter().enumerate() {
            if self.escaped {
                self.escaped = false;
            } else if self.in_string {
                match b {
                    b'"' => self.in_string = false,
                    b'\\' => self.escaped = true,
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
                            return Some(k + 1);
                        }
                    }
                    _ => {}
                }
            }
        }
        None
    }

    /// 64 bytes at once, with bit masks: nearly all of a Kubernetes object is short strings, so a
    /// byte-at-a-time state machine would mispredict a branch at almost every quote.
    ///
    /// Quotes toggle the in-string state, so a prefix XOR of the quote mask marks the bytes inside
    /// strings; brackets outside them change the depth. Blocks with a backslash go byte by byte
    /// (escapes are rare in API objects).
    fn scan_block(&mut self, block: &[u8; BLOCK]) -> Step {
        let m = masks::of(block);
        if m.backslash != 0 {
            return Step::HasBackslash;
        }
        let carried = if self.in_string { !0 } else { 0 };
        let in_string = prefix_xor(m.quote) ^ carried;
        let opens = m.open & !in_string;
        let closes = m.close & !in_string;
        // A block holds only a few brackets: walking their bits is cheaper than counting them
        // (x86_64's baseline has no popcount instruction).
        let mut brackets = opens | closes;
        while brackets != 0 {
            let k = brackets.trailing_zeros();
            // +1 for an open, -1 for a close, without a branch the CPU would mispredict half the
            // time; depth >= 1 before the step, so this never underflows.
            let is_open = ((opens >> k) & 1) as usize;
            self.depth = self.depth + 2 * is_open - 1;
            if self.depth == 0 {
                self.in_string = false;
                return Step::Closed(k as usize + 1);
            }
            brackets &= brackets - 1;
        }
        // Bit 63 is the in-string state after the block's last byte.
        self.in_string = in_string >> 63 == 1;
        Step::Open
    }
}

const BLOCK: usize = 64;

enum Step {
    /// The frame closed just before this index of the block.
    Closed(usize),
    /// The whole block belongs to the still-open frame.
    Open,
    /// The block holds a backslash; nothing was consumed.
    HasBackslash,
}

/// Bit k set when the bytes up to and including byte k hold an odd number of quotes: for a block
/// that starts outside a string, byte k is inside one (or is the quote that opens it).
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Where the bytes that matter to framing are in a 64-byte block: bit k stands for byte k.
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

// Setting bit 5 folds `[` and `]` (0x5B, 0x5D) onto `{` and `}` (0x7B, 0x7D) and nothing else onto
// them, so one comparison finds both kinds of bracket.

#[cfg(target_arch = "x86_64")]
use sse2 as masks;
#[cfg(not(target_arch = "x86_64"))]
use swar as masks;

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    use super::{Masks, BLOCK};

    /// SSE2: four 16-byte compares per mask.
    #[inline(always)]
    pub(super) fn of(block: &[u8; BLOCK]) -> Masks {
        // SAFETY: SSE2 is part of the x86_64 baseline: every x86_64 CPU has it.
        unsafe { of_sse2(block) }
    }

    #[target_feature(enable = "sse2")]
    #[inline]
    unsafe fn of_sse2(block: &[u8; BLOCK]) -> Masks {
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        let bit5 = _mm_set1_epi8(0x20);
        for (h, lane) in block.chunks_exact(16).enumerate() {
            // SAFETY: `lane` is 16 readable bytes; the load has no alignment requirement.
            let v = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
            let folded = _mm_or_si128(v, bit5);
            let bits = |x: __m128i, c: u8| -> u64 {
                // The movemask sets only bits 0..16 (one per lane), so it is never negative and
                // the unsigned reinterpretation is its value.
                u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(c as i8))).cast_unsigned())
            };
            let shift = 16 * h;
            m.quote |= bits(v, b'"') << shift;
            m.backslash |= bits(v, b'\\') << shift;
            m.open |= bits(folded, b'{') << shift;
            m.close |= bits(folded, b'}') << shift;
        }
        m
    }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
mod swar {
    use super::{Masks, BLOCK};

    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

    /// One bit per byte of `w` equal to `c`, exactly (no carries between bytes).
    #[inline(always)]
    fn eq_bits(w: u64, c: u8) -> u64 {
        let v = w ^ (u64::from(c) * ONES);
        let zero_high = !((((v & LOW7).wrapping_add(LOW7)) | v) | LOW7);
        // Gathers the eight high bits into the top byte, byte k's bit at bit 56 + k.
        (zero_high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
    }

    /// Portable SWAR: eight bytes per u64.
    #[inline(always)]
    pub(super) fn of(block: &[u8; BLOCK]) -> Masks {
        let mut m = Masks {
            quote: 0,
            backslash: 0,
            open: 0,
            close: 0,
        };
        for (k, word) in block.chunks_exact(8).enumerate() {
            let mut le = [0u8; 8];
            le.copy_from_slice(word);
            let w = u64::from_le_bytes(le);
            let folded = w | (0x20 * ONES);
            let shift = 8 * k;
            m.quote |= eq_bits(w, b'"') << shift;
            m.backslash |= eq_bits(w, b'\\') << shift;
            m.open |= eq_bits(folded, b'{') << shift;
            m.close |= eq_bits(folded, b'}') << shift;
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference_masks(block: &[u8; BLOCK]) -> [u64; 4] {
        let mut m = [0u64; 4];
        for (k, &b) in block.iter().enumerate() {
            let hits = [
                b == b'"',
                b == b'\\',
                b == b'{' || b == b'[',
                b == b'}' || b == b']',
            ];
            for (mask, hit) in m.iter_mut().zip(hits) {
                *mask |= u64::from(hit) << k;
            }
        }
        m
    }

    fn as_array(m: Masks) -> [u64; 4] {
        [m.quote, m.backslash, m.open, m.close]
    }

    #[test]
    fn masks_mark_exactly_the_structural_bytes_at_every_position() {
        for b in 0..=255u8 {
            for at in [0, 7, 8, 15, 16, 31, 33, 63] {
                let mut block = [b'a'; BLOCK];
                block[at] = b;
                block[(at + 9) % BLOCK] = b'"';
                let expected = reference_masks(&block);
                assert_eq!(as_array(masks::of(&block)), expected, "byte {b:#04x} at {at}");
                assert_eq!(
                    as_array(swar::of(&block)),
                    expected,
                    "swar: byte {b:#04x} at {at}"
                );
            }
        }
    }

    /// The byte-at-a-time rules, applied to the whole input: what the block path must agree with.
    fn reference_scan(bytes: &[u8]) -> Option<usize> {
        let mut s = Scanner::opened();
        s.scan_bytes(bytes)
    }

    #[test]
    fn block_and_byte_paths_agree_on_generated_inputs() {
        // Seeded random inputs over the bytes that matter, and some that do not.
        // Two thirds of the cases without backslashes, so that whole blocks take the mask path, and
        // one third nesting deeper and closing in a run of `}`, so that frames end inside blocks.
        let alphabets: [&[u8]; 3] = [
            b"{}[]\"\\\\ab:,\n \xc3\xa9",
            b"{}[]\"\"ab:,\n \xc3\xa9xyzw",
            b"{{[[}]\"\"ab:, \xc3\xa9xyzw",
        ];
        let mut rng = fastrand::Rng::with_seed(0x2545_f491_4f6c_dd1d);
        for case in 0..3000 {
            let alphabet = alphabets[case % 3];
            let mut input: Vec<u8> = (0..=case % 300)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            if case % 3 == 2 {
                input.extend_from_slice(&[b'}'; 150]);
            }
            let len = input.len();
            let expected = reference_scan(&input);
            let mut whole = Scanner::opened();
            assert_eq!(
                whole.scan(&input),
                expected,
                "case {case}: {:?}",
                String::from_utf8_lossy(&input)
            );
            let cut = rng.usize(..=len);
            let mut split = Scanner::opened();
            let got = match split.scan(&input[..cut]) {
                Some(end) => Some(end),
                None => split.scan(&input[cut..]).map(|end| cut + end),
            };
            assert_eq!(got, expected, "case {case} cut at {cut}");
        }
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
