//! Go's `flag` package, as far as klog and the seed's programs use it: `-name value`,
//! `-name=value`, `--name` alike, boolean flags without a value, and `-h`'s listing.
//!
//! Hand-written on purpose: clap has no single-dash long options (`-log_file x`, `-v=2`,
//! `-vmodule=...`), and these command lines are Go's. A program's other options still go to clap:
//! parsing here keeps every argument it does not know, in order, for the program to hand on.

use std::fmt::Write as _;

use thiserror::Error;

use crate::format::quote_into;

/// What kind of value a flag takes; decides how `-h` names it and whether it needs a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `-name` alone means true; a value only as `-name=false`.
    Bool,
    /// A signed integer (`int`).
    Int,
    /// An unsigned integer (`uint`).
    Uint,
    /// A string.
    String,
    /// A value of the flag's own type (Go's `flag.Value`, listed as `value`).
    Value,
}

impl Kind {
    /// The word `-h` shows after the flag's name (none for booleans).
    fn type_name(self) -> &'static str {
        match self {
            Kind::Bool => "",
            Kind::Int => "int",
            Kind::Uint => "uint",
            Kind::String => "string",
            Kind::Value => "value",
        }
    }
}

/// One flag's definition: what Go's `flag.XxxVar(&v, name, default, usage)` declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSpec {
    /// The name without dashes (`log_file`).
    pub name: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// The default as `-h` shows it, `None` for the zero value (`false`, `0`, `""`), which Go
    /// does not show.
    pub default: Option<&'static str>,
    /// The help text.
    pub usage: &'static str,
}

/// A program's Go-style flags: their definitions and how a value is stored.
pub trait GoFlags {
    /// The flags (`-h` lists them sorted by name, as Go does).
    fn specs(&self) -> &'static [FlagSpec];

    /// Stores `value` for the flag `name` (one of [`GoFlags::specs`]); a boolean flag given
    /// alone gets `"true"`. The error says why the value is wrong (Go's `parse error`, or the
    /// value type's own words).
    fn set_value(&mut self, name: &str, value: &str) -> Result<(), String>;
}

/// A command line that does not fit the flags. The words are Go's.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlagError {
    /// A flag that needs a value came last.
    #[error("flag needs an argument: -{flag}")]
    MissingValue {
        /// The flag's name.
        flag: String,
    },
    /// A value did not parse.
    #[error("invalid value {value:?} for flag -{flag}: {reason}")]
    Invalid {
        /// The flag's name.
        flag: String,
        /// Its value.
        value: String,
        /// Why it is wrong.
        reason: String,
    },
    /// A boolean flag's value was not a boolean.
    #[error("invalid boolean value {value:?} for -{flag}: parse error")]
    InvalidBool {
        /// The flag's name.
        flag: String,
        /// Its value.
        value: String,
    },
    /// A name that is not one (`---x`, `-=x`).
    #[error("bad flag syntax: {arg}")]
    Syntax {
        /// The argument.
        arg: String,
    },
    /// [`set`] was asked for a flag that is not defined.
    #[error("no such flag -{flag}")]
    Unknown {
        /// The name.
        flag: String,
    },
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Sets one flag by name, as Go's `flag.Set(name, value)`: before parsing it is a default the
/// command line can override, after parsing it overrides the command line.
///
/// # Errors
/// [`FlagError::Unknown`] for a name that is not defined, else as [`parse_known`] for the value.
pub fn set<F: GoFlags + ?Sized>(flags: &mut F, name: &str, value: &str) -> Result<(), FlagError> {
    let spec = find(flags, name).ok_or_else(|| FlagError::Unknown {
        flag: name.to_owned(),
    })?;
    store(flags, spec, value)
}

fn find<F: GoFlags + ?Sized>(flags: &F, name: &str) -> Option<FlagSpec> {
    flags.specs().iter().find(|s| s.name == name).copied()
}

fn store<F: GoFlags + ?Sized>(flags: &mut F, spec: FlagSpec, value: &str) -> Result<(), FlagError> {
    if spec.kind == Kind::Bool {
        let b = parse_bool(value).ok_or_else(|| FlagError::InvalidBool {
            flag: spec.name.to_owned(),
            value: value.to_owned(),
        })?;
        return flags
            .set_value(spec.name, if b { "true" } else { "false" })
            .map_err(|reason| invalid(spec, value, reason));
    }
    flags
        .set_value(spec.name, value)
        .map_err(|reason| invalid(spec, value, reason))
}

fn invalid(spec: FlagSpec, value: &str, reason: String) -> FlagError {
    FlagError::Invalid {
        flag: spec.name.to_owned(),
        value: value.to_owned(),
        reason,
    }
}

/// Parses the flags of `flags` out of `args` (without the program name) and returns every other
/// argument, in order: unknown flags (`--kubeconfig`, `-h`), their values and positional
/// arguments, for the program's own parser.
///
/// Accepts what Go's `flag` accepts: `-name`, `--name`, `-name=value`, `-name value` (the value
/// may start with `-`, as in `-v -1`), and a boolean flag alone or as `-name=false`. Unlike Go,
/// parsing goes on past a non-flag argument (the program's own options may come in any order);
/// `--` ends it, and it and everything after are kept.
///
/// # Errors
/// A value that does not parse, a flag missing its value, or bad flag syntax, in Go's words.
pub fn parse_known<F, I, S>(flags: &mut F, args: I) -> Result<Vec<String>, FlagError>
where
    F: GoFlags + ?Sized,
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut rest = Vec::new();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        if arg == "--" {
            rest.push(arg);
            rest.extend(args);
            break;
        }
        let Some(body) = arg
            .strip_prefix("--")
            .or_else(|| arg.strip_prefix('-'))
            .filter(|b| !b.is_empty())
        else {
            rest.push(arg);
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(spec) = find(flags, name) else {
            if name.is_empty() || name.starts_with('-') {
                return Err(FlagError::Syntax { arg });
            }
            rest.push(arg);
            continue;
        };
        let value = match (inline, spec.kind) {
            (Some(v), _) => v.to_owned(),
            (None, Kind::Bool) => "true".to_owned(),
            (None, _) => args.next().ok_or_else(|| FlagError::MissingValue {
                flag: spec.name.to_owned(),
            })?,
        };
        store(flags, spec, &value)?;
    }
    Ok(rest)
}

/// The listing Go's `-h` prints (`flag.PrintDefaults` under `Usage of PROGRAM:`): each flag, sorted
/// by name, with its kind, its help text on the next line after four spaces and a tab, and its
/// default unless it is the zero value.
pub fn usage<F: GoFlags + ?Sized>(flags: &F, program: &str) -> String {
    let mut specs = flags.specs().to_vec();
    specs.sort_by_key(|s| s.name);
    let mut out = format!("Usage of {program}:\n");
    for spec in specs {
        let start = out.len();
        let _ = write!(out, "  -{}", spec.name);
        let type_name = spec.kind.type_name();
        if !type_name.is_empty() {
            let _ = write!(out, " {type_name}");
        }
        // Go puts a one-letter boolean's help on the same line.
        out.push_str(if out.len() - start <= 4 { "\t" } else { "\n    \t" });
        out.push_str(&spec.usage.replace('\n', "\n    \t"));
        match (spec.default, spec.kind) {
            (Some(d), Kind::String) => {
                out.push_str(" (default ");
                quote_into(&mut out, d);
                out.push(')');
            }
            (Some(d), _) => {
                let _ = write!(out, " (default {d})");
            }
            (None, _) => {}
        }
        out.push('\n');
    }
    out
}

/// Whether `args` ask for help as Go's `flag` understands it (`-h`, `-help`, `--help`).
pub fn wants_help<S: AsRef<str>>(args: &[S]) -> bool {
    args.iter()
        .any(|a| matches!(a.as_ref(), "-h" | "-help" | "--h" | "--help"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default)]
    struct Demo {
        level: i64,
        name: String,
        quiet: bool,
    }

    const SPECS: &[FlagSpec] = &[
        FlagSpec {
            name: "quiet",
            kind: Kind::Bool,
            default: None,
            usage: "say less",
        },
        FlagSpec {
            name: "log_level",
            kind: Kind::Int,
            default: Some("2"),
            usage: "number for the log level",
        },
        FlagSpec {
            name: "name",
            kind: Kind::String,
            default: Some("console"),
            usage: "a name\nover two lines",
        },
        FlagSpec {
            name: "x",
            kind: Kind::Bool,
            default: None,
            usage: "short",
        },
    ];

    impl GoFlags for Demo {
        fn specs(&self) -> &'static [FlagSpec] {
            SPECS
        }
        fn set_value(&mut self, name: &str, value: &str) -> Result<(), String> {
            match name {
                "quiet" => self.quiet = value == "true",
                "log_level" => self.level = value.parse().map_err(|_| "parse error".to_owned())?,
                "name" => self.name = value.to_owned(),
                _ => {}
            }
            Ok(())
        }
    }

    #[test]
    fn go_spellings_parse_and_other_arguments_are_kept_in_order() {
        let mut d = Demo::default();
        let rest = parse_known(
            &mut d,
            [
                "--kubeconfig",
                "kc",
                "-log_level",
                "-3",
                "-quiet",
                "pos",
                "--name=a=b",
                "-h",
            ],
        )
        .unwrap();
        assert_eq!((d.level, d.name.as_str(), d.quiet), (-3, "a=b", true));
        assert_eq!(rest, ["--kubeconfig", "kc", "pos", "-h"]);
        let rest = parse_known(&mut d, ["-quiet=false", "--", "-log_level", "9"]).unwrap();
        assert!(!d.quiet && d.level == -3);
        assert_eq!(rest, ["--", "-log_level", "9"]);
        assert!(wants_help(&["x", "-help"]) && wants_help(&["--help"]) && !wants_help(&rest));
    }

    #[test]
    fn errors_read_as_go_prints_them() {
        let err = |args: &[&str]| {
            parse_known(&mut Demo::default(), args.iter().copied())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&["-log_level", "x"]),
            r#"invalid value "x" for flag -log_level: parse error"#
        );
        assert_eq!(err(&["-log_level"]), "flag needs an argument: -log_level");
        assert_eq!(
            err(&["-quiet=maybe"]),
            r#"invalid boolean value "maybe" for -quiet: parse error"#
        );
        assert_eq!(err(&["---x"]), "bad flag syntax: ---x");
        assert_eq!(
            set(&mut Demo::default(), "nope", "1").unwrap_err().to_string(),
            "no such flag -nope"
        );
    }

    #[test]
    fn set_before_parse_is_a_default_and_after_parse_wins() {
        let mut d = Demo::default();
        set(&mut d, "log_level", "2").unwrap();
        parse_known(&mut d, ["-log_level=-1"]).unwrap();
        assert_eq!(d.level, -1);
        set(&mut d, "log_level", "4").unwrap();
        assert_eq!(d.level, 4);
    }

    #[test]
    fn usage_lists_flags_as_go_prints_defaults() {
        assert_eq!(
            usage(&Demo::default(), "demo"),
            "Usage of demo:
  -log_level int
    \tnumber for the log level (default 2)
  -name string
    \ta name
    \tover two lines (default \"console\")
  -quiet
    \tsay less
  -x\tshort
"
        );
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(args in proptest::collection::vec("[-a-z_=0-9]{0,10}", 0..8)) {
            let mut d = Demo::default();
            if let Ok(rest) = parse_known(&mut d, args.clone()) {
                proptest::prop_assert!(rest.len() <= args.len());
            }
        }
    }
}
