//! Errors for people: an error and its causes in words, on one line.
//!
//! client-go leaves this to Go's `%v` of a wrapped error (`Get "https://...": dial tcp ...: connect:
//! connection refused`); kubectl adds its own wording on top (`cmdutil.CheckErr`). [`ErrorReport`] is
//! the Rust counterpart for any `std::error::Error`: each level's `Display` describes only that level
//! (the house rule), so the report walks `source()` and joins the levels, never showing a `Debug` dump.

use std::error::Error as StdError;
use std::fmt;

/// An error and every cause under it, joined with `": "`: `GET https://127.0.0.1:1/version:
/// connection refused (127.0.0.1:1)`.
///
/// A level whose text the level above already contains is shown once (wrappers that print their
/// cause), and hyper-util's client wrapper (`client error (Connect)`) is skipped when it has a cause,
/// since its cause says the same in words. Secrets never appear: no error of this workspace puts a
/// credential in its text.
///
/// ```
/// use clientgo_rest::ErrorReport;
/// let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
/// assert_eq!(ErrorReport::new(&io).to_string(), "no such file");
/// ```
#[derive(Clone, Copy)]
pub struct ErrorReport<'a> {
    error: &'a (dyn StdError + 'static),
}

impl<'a> ErrorReport<'a> {
    /// A report of `error` and its causes.
    pub fn new(error: &'a (dyn StdError + 'static)) -> Self {
        ErrorReport { error }
    }

    /// The levels that are printed, outermost first.
    fn levels(&self) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
        let mut next = Some(self.error);
        std::iter::from_fn(move || {
            let cur = next?;
            next = cur.source();
            Some(cur)
        })
        .filter(|e| !(e.is::<hyper_util::client::legacy::Error>() && e.source().is_some()))
    }
}

impl fmt::Display for ErrorReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = String::new();
        for level in self.levels() {
            let text = level.to_string();
            if text.is_empty() || shown.contains(&text) {
                continue;
            }
            if !shown.is_empty() {
                shown.push_str(": ");
            }
            shown.push_str(&text);
        }
        f.write_str(&shown)
    }
}

impl fmt::Debug for ErrorReport<'_> {
    /// The same words as `Display`, so `fn main() -> Result<(), ErrorReport>`-style reporting and
    /// `{:?}` in a log read as a sentence, not as a struct dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Level(&'static str, Option<Box<Level>>);
    impl fmt::Display for Level {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Level {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|l| l as &(dyn StdError + 'static))
        }
    }

    #[test]
    fn joins_every_level_with_colons() {
        let e = Level(
            "outer",
            Some(Box::new(Level("middle", Some(Box::new(Level("inner", None)))))),
        );
        assert_eq!(ErrorReport::new(&e).to_string(), "outer: middle: inner");
    }

    #[test]
    fn a_level_repeated_by_its_wrapper_is_shown_once() {
        let e = Level(
            "reading kubeconfig: file missing",
            Some(Box::new(Level("file missing", None))),
        );
        assert_eq!(
            ErrorReport::new(&e).to_string(),
            "reading kubeconfig: file missing"
        );
        let empty = Level("outer", Some(Box::new(Level("", None))));
        assert_eq!(ErrorReport::new(&empty).to_string(), "outer");
    }

    #[test]
    fn debug_reads_like_display() {
        let e = Level("outer", Some(Box::new(Level("inner", None))));
        assert_eq!(format!("{:?}", ErrorReport::new(&e)), "outer: inner");
    }
}
