//! klog's command-line flags, parsed by hand: `-v N`, `--vmodule`, `--log-format`,
//! `--log-file`, `--log-file-max-size`. Mirrors `klog.InitFlags` and component-base's
//! `--logging-format`.

use thiserror::Error;
use tracing_subscriber::fmt::writer::MakeWriterExt as _;
use tracing_subscriber::{Layer, Registry};

use crate::layer::{Format, KlogLayer};
use crate::rotate::{RotatingFile, DEFAULT_MAX_SIZE_MB};
use crate::verbosity::{Verbosity, VmoduleError};

/// A bad logging flag.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FlagError {
    /// A flag that needs a value was last.
    #[error("flag {flag} needs a value")]
    MissingValue {
        /// The flag.
        flag: String,
    },
    /// A value did not parse.
    #[error("invalid value {value:?} for flag {flag}: {reason}")]
    Invalid {
        /// The flag.
        flag: String,
        /// Its value.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// A bad `--vmodule`.
    #[error(transparent)]
    Vmodule(#[from] VmoduleError),
    /// The log file could not be opened.
    #[error("cannot open log file {path:?}: {source}")]
    File {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The logging flags of a program. Mirrors klog's flag set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Flags {
    /// `-v`: the verbosity (default 0).
    pub v: i32,
    /// `--vmodule`: comma-separated `pattern=N`.
    pub vmodule: String,
    /// `--log-format`: `text` (default) or `json`.
    pub format: Format,
    /// `--log-file`: also write to this file.
    pub log_file: Option<String>,
    /// `--log-file-max-size`: rotate the file past this many MB (0 = unlimited; default 1800).
    pub log_file_max_size_mb: u64,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            v: 0,
            vmodule: String::new(),
            format: Format::Text,
            log_file: None,
            log_file_max_size_mb: DEFAULT_MAX_SIZE_MB,
        }
    }
}

/// The help text for the flags, for a program's `-h`.
pub const USAGE: &str = "  -v N                        log level verbosity (default 0)
  --vmodule pattern=N,...     per-file verbosity (file base name globs)
  --log-format text|json      output format (default text)
  --log-file PATH             also write logs to PATH
  --log-file-max-size MB      rotate PATH past this size, 0 = unlimited (default 1800)";

impl Flags {
    /// Parses the logging flags out of `args` (without the program name), returning the flags
    /// and the arguments that are not logging flags, in order. `-v N`, `-v=N`, `--v=N` and
    /// `--flag value` / `--flag=value` are accepted; `-` and `--` spellings are interchangeable.
    pub fn parse<I, S>(args: I) -> Result<(Flags, Vec<String>), FlagError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut flags = Flags::default();
        let mut rest = Vec::new();
        let mut it = args.into_iter().map(Into::into);
        while let Some(arg) = it.next() {
            let stripped = arg
                .strip_prefix("--")
                .or_else(|| arg.strip_prefix('-'))
                .filter(|s| !s.is_empty());
            let Some(body) = stripped else {
                rest.push(arg);
                continue;
            };
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n.replace('_', "-"), Some(v.to_owned())),
                None => (body.replace('_', "-"), None),
            };
            if !matches!(
                name.as_str(),
                "v" | "vmodule" | "log-format" | "log-file" | "log-file-max-size"
            ) {
                rest.push(arg);
                continue;
            }
            let value = match inline {
                Some(v) => v,
                None => it
                    .next()
                    .ok_or_else(|| FlagError::MissingValue { flag: arg.clone() })?,
            };
            let invalid = |reason| FlagError::Invalid {
                flag: format!("--{name}"),
                value: value.clone(),
                reason,
            };
            match name.as_str() {
                "v" => flags.v = value.parse().map_err(|_| invalid("expected an integer"))?,
                "vmodule" => {
                    Verbosity::new(0).with_vmodule(&value)?;
                    flags.vmodule = value;
                }
                "log-format" => {
                    flags.format = match value.as_str() {
                        "text" => Format::Text,
                        "json" => Format::Json,
                        _ => return Err(invalid("expected text or json")),
                    }
                }
                "log-file" => flags.log_file = Some(value),
                _ => {
                    flags.log_file_max_size_mb =
                        value.parse().map_err(|_| invalid("expected a size in MB"))?
                }
            }
        }
        Ok((flags, rest))
    }

    /// The verbosity these flags select.
    pub fn verbosity(&self) -> Result<Verbosity, VmoduleError> {
        Verbosity::new(self.v).with_vmodule(&self.vmodule)
    }

    /// The layer these flags select: stderr, plus the rotating `--log-file` when given. A program
    /// installs it with `tracing_subscriber::registry().with(layer)`; libraries never do.
    pub fn layer(&self) -> Result<Box<dyn Layer<Registry> + Send + Sync>, FlagError> {
        let v = self.verbosity()?;
        Ok(match &self.log_file {
            None => Box::new(KlogLayer::stderr(v).with_format(self.format)),
            Some(path) => {
                let file = RotatingFile::open(path, self.log_file_max_size_mb.saturating_mul(1 << 20))
                    .map_err(|source| FlagError::File {
                        path: path.clone(),
                        source,
                    })?;
                Box::new(KlogLayer::new(v, std::io::stderr.and(file)).with_format(self.format))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_klog_spellings_and_keeps_other_args() {
        let (f, rest) = Flags::parse([
            "get",
            "-v",
            "4",
            "--vmodule=execute=8",
            "-n",
            "x",
            "--log_format",
            "json",
            "--log-file=/tmp/a.log",
            "--log-file-max-size",
            "0",
        ])
        .unwrap();
        assert_eq!(f.v, 4);
        assert_eq!(f.vmodule, "execute=8");
        assert_eq!(f.format, Format::Json);
        assert_eq!(f.log_file.as_deref(), Some("/tmp/a.log"));
        assert_eq!(f.log_file_max_size_mb, 0);
        assert_eq!(rest, ["get", "-n", "x"]);
        let (f, _) = Flags::parse(["-v=-1"]).unwrap();
        assert_eq!(f.v, -1);
        assert_eq!(Flags::default().log_file_max_size_mb, 1800);
    }

    #[test]
    fn bad_flags_are_named() {
        let e = Flags::parse(["-v", "x"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"x\" for flag --v: expected an integer"
        );
        let e = Flags::parse(["--log-format=xml"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"xml\" for flag --log-format: expected text or json"
        );
        let e = Flags::parse(["--vmodule"]).unwrap_err();
        assert_eq!(e.to_string(), "flag --vmodule needs a value");
        assert!(matches!(
            Flags::parse(["--vmodule=a"]),
            Err(FlagError::Vmodule(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics_and_keeps_non_flags(args in proptest::collection::vec("[-a-z=0-9_,*.]{0,12}", 0..8)) {
            if let Ok((flags, rest)) = Flags::parse(args.clone()) {
                proptest::prop_assert!(rest.len() <= args.len());
                proptest::prop_assert!(flags.verbosity().is_ok());
            }
        }

        #[test]
        fn vmodule_round_trips_levels(pat in "[a-z*?]{1,8}", level in 0i32..100) {
            let v = Verbosity::new(0).with_vmodule(&format!("{pat}={level}")).unwrap();
            proptest::prop_assert_eq!(v.max(), level);
        }
    }
}
