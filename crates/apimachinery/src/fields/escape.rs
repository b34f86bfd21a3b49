//! Backslash escaping of field selector values.

use std::borrow::Cow;

use super::selector::ParseError;

/// Escapes a literal value for use on the right of `=`/`!=` in a field selector: `\` becomes `\\`,
/// `,` becomes `\,`, `=` becomes `\=`. Borrows when nothing needs escaping.
///
/// Mirrors apimachinery `fields.EscapeValue`. `!` is not escaped, as in Go: a value only starts after
/// the operator, so a `!` there is unambiguous, and Go's `UnescapeValue` rejects `\!`, so escaping it
/// would break real API servers.
#[doc(alias = "fields.EscapeValue")]
pub fn escape_value(value: &str) -> Cow<'_, str> {
    if !value.contains(['\\', ',', '=']) {
        return Cow::Borrowed(value);
    }
    let mut escaped = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    Cow::Owned(escaped)
}

/// Reverses [`escape_value`]. Borrows when the value has no `\`, `,` or `=`.
///
/// Mirrors apimachinery `fields.UnescapeValue`.
///
/// # Errors
/// [`ParseError::InvalidEscape`] for a `\` followed by anything but `\`, `,`, `=` (or by nothing);
/// [`ParseError::UnescapedCharacter`] for a bare `,` or `=`. Positions are byte offsets in `value`.
#[doc(alias = "fields.UnescapeValue")]
pub fn unescape_value(value: &str) -> Result<Cow<'_, str>, ParseError> {
    unescape_at(value, 0)
}

/// [`unescape_value`] for a value that starts `offset` bytes into a selector, so errors point into
/// the selector.
pub(super) fn unescape_at(value: &str, offset: usize) -> Result<Cow<'_, str>, ParseError> {
    if !value.contains(['\\', ',', '=']) {
        return Ok(Cow::Borrowed(value));
    }
    let mut unescaped = String::with_capacity(value.len());
    let mut chars = value.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, next @ ('\\' | ',' | '='))) => unescaped.push(next),
                Some((_, other)) => {
                    let mut sequence = String::from('\\');
                    sequence.push(other);
                    return Err(ParseError::InvalidEscape {
                        sequence,
                        position: offset + i,
                    });
                }
                None => {
                    return Err(ParseError::InvalidEscape {
                        sequence: String::from('\\'),
                        position: offset + i,
                    })
                }
            },
            ',' | '=' => {
                return Err(ParseError::UnescapedCharacter {
                    character: c,
                    position: offset + i,
                })
            }
            other => unescaped.push(other),
        }
    }
    Ok(Cow::Owned(unescaped))
}
