//! Binary values carried as base64 in JSON: Secret `data`, ConfigMap `binaryData`.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes, serialized as standard padded base64 like Go's `[]byte`.
///
/// Mirrors how Go's `encoding/json` writes `[]byte`. `Debug` prints only the length, so Secret values
/// never reach logs by accident.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ByteString(pub Vec<u8>);

impl ByteString {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for ByteString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl From<&[u8]> for ByteString {
    fn from(b: &[u8]) -> Self {
        ByteString(b.to_vec())
    }
}

impl From<Vec<u8>> for ByteString {
    fn from(b: Vec<u8>) -> Self {
        ByteString(b)
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Why a base64 text was rejected.
#[derive(Debug, PartialEq, Eq)]
enum DecodeError {
    /// A byte outside the alphabet, at this offset.
    InvalidByte(usize),
    /// The length is not a multiple of four.
    Length,
    /// Padding in the wrong place, or non-zero bits in the last character.
    Padding,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::InvalidByte(at) => write!(f, "invalid base64 character at offset {at}"),
            DecodeError::Length => f.write_str("base64 length is not a multiple of 4"),
            DecodeError::Padding => f.write_str("invalid base64 padding"),
        }
    }
}

fn sextet(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Strict standard base64 with padding, as Go's `base64.StdEncoding` decodes it.
fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    if !input.len().is_multiple_of(4) {
        return Err(DecodeError::Length);
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let quads = input.len() / 4;
    for (q, chunk) in input.chunks_exact(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && q + 1 != quads) {
            return Err(DecodeError::Padding);
        }
        let mut n = 0u32;
        for (i, &c) in chunk[..4 - pad].iter().enumerate() {
            let v = sextet(c).ok_or(DecodeError::InvalidByte(q * 4 + i))?;
            n |= v << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        let keep = 3 - pad;
        // Go rejects non-zero bits below the last kept byte.
        if bytes[1 + keep..].iter().any(|&b| b != 0) {
            return Err(DecodeError::Padding);
        }
        out.extend_from_slice(&bytes[1..=keep]);
    }
    Ok(out)
}

impl Serialize for ByteString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for ByteString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteString, E> {
                decode(v.as_bytes()).map(ByteString).map_err(E::custom)
            }
            fn visit_unit<E: de::Error>(self) -> Result<ByteString, E> {
                Ok(ByteString::default())
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_vectors() {
        for (plain, b64) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), b64);
            assert_eq!(decode(b64.as_bytes()).unwrap(), plain.as_bytes());
        }
        let s: ByteString = serde_json::from_str(r#""c2VjcmV0""#).unwrap();
        assert_eq!(s.as_bytes(), b"secret");
        assert_eq!(format!("{s:?}"), "<6 bytes>");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""c2VjcmV0""#);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert_eq!(decode(b"Zm9"), Err(DecodeError::Length));
        assert_eq!(decode(b"Zm9v!A=="), Err(DecodeError::InvalidByte(4)));
        assert_eq!(decode(b"Zg==Zm9v"), Err(DecodeError::Padding));
        assert_eq!(decode(b"Z==="), Err(DecodeError::Padding));
        assert_eq!(decode(b"Zh=="), Err(DecodeError::Padding));
        let err = serde_json::from_str::<ByteString>(r#""a$bc""#).unwrap_err();
        assert!(
            err.to_string().contains("invalid base64 character at offset 1"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assert_eq!(decode(encode(&bytes).as_bytes()).unwrap(), bytes);
        }

        #[test]
        fn garbage_never_panics(text in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&text);
        }
    }
}
