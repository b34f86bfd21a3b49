//! The label selector lexer and recursive-descent parser.
//!
//! Mirrors the `Lexer` and `Parser` of apimachinery `labels/selector.go`, token for token, so the same
//! strings are accepted and rejected: identifiers run until whitespace or one of `=!(),<>`; `in` and
//! `notin` are keywords only where an operator is expected (`in in (in)` is valid); operators are
//! `!=` and `==` by longest match, else one character. One deliberate difference: Go's lexer treats a
//! NUL byte as the end of the string and silently ignores the rest; here it is part of an identifier
//! and so fails validation.

use super::error::ParseError;
use super::selector::{Operator, Requirement};
use super::validation::check_key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    End,
    OpenParen,
    CloseParen,
    Comma,
    Not,
    Equals,
    DoubleEquals,
    NotEquals,
    Greater,
    Less,
    In,
    NotIn,
    Ident,
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    position: usize,
}

/// Whether a token is read as a key or value (where `in`/`notin` are plain identifiers) or as an
/// operator. Mirrors Go's `ParserContext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Operator,
    Values,
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Splits the selector into tokens, ending with one `End` token at `selector.len()`.
fn lex(selector: &str) -> Vec<Token<'_>> {
    let bytes = selector.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = 0;
    loop {
        while bytes.get(pos).copied().is_some_and(is_whitespace) {
            pos += 1;
        }
        let Some(&first) = bytes.get(pos) else {
            tokens.push(Token {
                kind: Kind::End,
                text: "",
                position: pos,
            });
            return tokens;
        };
        let start = pos;
        let kind = if is_special(first) {
            let second = bytes.get(pos + 1).copied();
            let (kind, len) = match (first, second) {
                (b'!', Some(b'=')) => (Kind::NotEquals, 2),
                (b'=', Some(b'=')) => (Kind::DoubleEquals, 2),
                (b'!', _) => (Kind::Not, 1),
                (b'=', _) => (Kind::Equals, 1),
                (b'(', _) => (Kind::OpenParen, 1),
                (b')', _) => (Kind::CloseParen, 1),
                (b',', _) => (Kind::Comma, 1),
                (b'>', _) => (Kind::Greater, 1),
                _ => (Kind::Less, 1),
            };
            pos += len;
            kind
        } else {
            while bytes
                .get(pos)
                .copied()
                .is_some_and(|b| !is_special(b) && !is_whitespace(b))
            {
                pos += 1;
            }
            Kind::Ident
        };
        // Token boundaries sit next to ASCII bytes or at the ends, so they are char boundaries.
        let text = selector.get(start..pos).unwrap_or("");
        let kind = match (kind, text) {
            (Kind::Ident, "in") => Kind::In,
            (Kind::Ident, "notin") => Kind::NotIn,
            (kind, _) => kind,
        };
        tokens.push(Token {
            kind,
            text,
            position: start,
        });
    }
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    next: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self, context: Context) -> Token<'a> {
        let end = Token {
            kind: Kind::End,
            text: "",
            position: 0,
        };
        let mut token = self
            .tokens
            .get(self.next)
            .or_else(|| self.tokens.last())
            .copied()
            .unwrap_or(end);
        if context == Context::Values && matches!(token.kind, Kind::In | Kind::NotIn) {
            token.kind = Kind::Ident;
        }
        token
    }

    fn take(&mut self, context: Context) -> Token<'a> {
        let token = self.peek(context);
        if self.next < self.tokens.len() {
            self.next += 1;
        }
        token
    }
}

fn syntax(token: Token<'_>, expected: &'static str, in_requirement: bool) -> ParseError {
    ParseError::Syntax {
        token: token.text.to_owned(),
        position: token.position,
        expected,
        in_requirement,
    }
}

/// Parses a selector into requirements in written order. Mirrors Go's `Parser.parse`.
pub(super) fn parse(selector: &str) -> Result<Vec<Requirement>, ParseError> {
    let mut p = Parser {
        tokens: lex(selector),
        next: 0,
    };
    let mut requirements = Vec::new();
    loop {
        let token = p.peek(Context::Values);
        match token.kind {
            Kind::Ident | Kind::Not => {
                requirements.push(parse_requirement(&mut p)?);
                let after = p.take(Context::Values);
                match after.kind {
                    Kind::End => return Ok(requirements),
                    Kind::Comma => {
                        let next = p.peek(Context::Values);
                        if !matches!(next.kind, Kind::Ident | Kind::Not) {
                            return Err(syntax(next, "identifier after ','", false));
                        }
                    }
                    _ => return Err(syntax(after, "',' or 'end of string'", false)),
                }
            }
            Kind::End => return Ok(requirements),
            _ => return Err(syntax(token, "!, identifier, or 'end of string'", false)),
        }
    }
}

fn parse_requirement(p: &mut Parser<'_>) -> Result<Requirement, ParseError> {
    let mut token = p.take(Context::Values);
    let negated = token.kind == Kind::Not;
    if negated {
        token = p.take(Context::Values);
    }
    if token.kind != Kind::Ident {
        return Err(syntax(token, "identifier", true));
    }
    let key = token.text;
    if let Err(problem) = check_key(key) {
        return Err(ParseError::InvalidKey {
            key: key.to_owned(),
            position: Some(token.position),
            problem,
        });
    }
    let unary = if negated {
        // As in Go, `!key` ends the requirement whatever follows; the caller rejects a trailing operator.
        Some(Operator::DoesNotExist)
    } else if matches!(p.peek(Context::Values).kind, Kind::End | Kind::Comma) {
        Some(Operator::Exists)
    } else {
        None
    };
    if let Some(operator) = unary {
        return Requirement::from_checked_key(key.to_owned(), operator, Vec::new());
    }
    let op_token = p.take(Context::Operator);
    let operator = match op_token.kind {
        Kind::In => Operator::In,
        Kind::NotIn => Operator::NotIn,
        Kind::Equals => Operator::Equals,
        Kind::DoubleEquals => Operator::DoubleEquals,
        Kind::NotEquals => Operator::NotEquals,
        Kind::Greater => Operator::GreaterThan,
        Kind::Less => Operator::LessThan,
        _ => return Err(syntax(op_token, "in, notin, =, ==, !=, gt, lt", true)),
    };
    let values = match operator {
        Operator::In | Operator::NotIn => parse_set(p)?,
        _ => parse_exact_value(p)?,
    };
    Requirement::from_checked_key(key.to_owned(), operator, values)
}

/// Parses `(a,b,...)`, where empty entries are the value `""`. Mirrors Go's `parseValues` and
/// `parseIdentifiersList`.
fn parse_set(p: &mut Parser<'_>) -> Result<Vec<(String, Option<usize>)>, ParseError> {
    let open = p.take(Context::Values);
    if open.kind != Kind::OpenParen {
        return Err(syntax(open, "'('", true));
    }
    let mut values: Vec<(String, Option<usize>)> = Vec::new();
    let first = p.peek(Context::Values);
    match first.kind {
        Kind::CloseParen => {
            p.take(Context::Values);
            values.push((String::new(), Some(first.position)));
            return Ok(values);
        }
        Kind::Ident | Kind::Comma => {}
        _ => return Err(syntax(first, "',', ')' or identifier", true)),
    }
    loop {
        let token = p.take(Context::Values);
        match token.kind {
            Kind::Ident => {
                values.push((token.text.to_owned(), Some(token.position)));
                let next = p.peek(Context::Values);
                match next.kind {
                    Kind::Comma => {}
                    Kind::CloseParen => {
                        p.take(Context::Values);
                        return Ok(values);
                    }
                    _ => return Err(syntax(next, "',' or ')'", true)),
                }
            }
            Kind::Comma => {
                // A comma with nothing before it, or before `)` or another comma, stands for "".
                if values.is_empty() {
                    values.push((String::new(), Some(token.position)));
                }
                let next = p.peek(Context::Values);
                match next.kind {
                    Kind::CloseParen => {
                        p.take(Context::Values);
                        values.push((String::new(), Some(next.position)));
                        return Ok(values);
                    }
                    Kind::Comma => {
                        p.take(Context::Values);
                        values.push((String::new(), Some(next.position)));
                    }
                    _ => {}
                }
            }
            _ => return Err(syntax(token, "',', or identifier", true)),
        }
    }
}

/// Parses the one value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end is `""`.
fn parse_exact_value(p: &mut Parser<'_>) -> Result<Vec<(String, Option<usize>)>, ParseError> {
    let token = p.peek(Context::Values);
    if matches!(token.kind, Kind::End | Kind::Comma) {
        return Ok(vec![(String::new(), Some(token.position))]);
    }
    let token = p.take(Context::Values);
    if token.kind == Kind::Ident {
        Ok(vec![(token.text.to_owned(), Some(token.position))])
    } else {
        Err(syntax(token, "identifier", true))
    }
}
