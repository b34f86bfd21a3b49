//! klog's command-line flags: the thirteen `klog.InitFlags` defines, with its defaults and help
//! text, parsed the way Go's `flag` package parses them (see [`crate::goflag`] for why by hand).

use std::path::PathBuf;

use tracing_subscriber::fmt::writer::MakeWriterExt as _;
use tracing_subscriber::{Layer, Registry};

use crate::format::Severity;
use crate::goflag::{self, FlagSpec, GoFlags, Kind};
use crate::layer::KlogLayer;
use crate::rotate::{RotatingFile, DEFAULT_MAX_SIZE_MB};
use crate::sink::{Header, TraceLocation};
use crate::verbosity::{Verbosity, VmoduleError};

pub use crate::goflag::FlagError;

/// Why the logging flags' output cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A bad `-vmodule`.
    #[error(transparent)]
    Vmodule(#[from] VmoduleError),
    /// The log file could not be opened.
    #[error("cannot open log file {path}")]
    File {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// klog's flags, as `klog.InitFlags` defines them. Mirrors klog's flag set (`k8s.io/klog/v2`).
///
/// What is honoured: `-v`, `-vmodule`, `-logtostderr` (default true: lines go to stderr and the
/// file flags have no effect), `-log_file` (else `-log_dir`/PROGRAM.log, else the temp directory)
/// rotated past `-log_file_max_size` MB, `-alsologtostderr`, `-stderrthreshold` (with a file,
/// lines at or above it also go to stderr; tracing has no level above ERROR, so FATAL counts as
/// ERROR), `-skip_headers`, `-add_dir_header` and `-log_backtrace_at`. Accepted with no effect:
/// `-one_output` (there is one file, not one per severity) and `-skip_log_headers` (no file
/// header is written).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Flags {
    /// `-add_dir_header`: show the file's directory in the header.
    pub add_dir_header: bool,
    /// `-alsologtostderr`: with a log file, also write every line to stderr.
    pub alsologtostderr: bool,
    /// `-log_backtrace_at file:N`: write a stack trace after lines logged there.
    pub log_backtrace_at: Option<TraceLocation>,
    /// `-log_dir`: where the log file goes when `-log_file` is not given.
    pub log_dir: Option<String>,
    /// `-log_file`: the log file (used only with `-logtostderr=false`).
    pub log_file: Option<String>,
    /// `-log_file_max_size`: rotate the file past this many MB (0 = unlimited; default 1800).
    pub log_file_max_size: u64,
    /// `-logtostderr`: log to stderr instead of files (default true).
    pub logtostderr: bool,
    /// `-one_output`: accepted, no effect (see the type's docs).
    pub one_output: bool,
    /// `-skip_headers`: no header before the message.
    pub skip_headers: bool,
    /// `-skip_log_headers`: accepted, no effect (see the type's docs).
    pub skip_log_headers: bool,
    /// `-stderrthreshold`: with a log file, lines at or above this also go to stderr (default ERROR).
    pub stderrthreshold: Severity,
    /// `-v`: the verbosity (default 0).
    pub v: i32,
    /// `-vmodule`: comma-separated `pattern=N`.
    pub vmodule: String,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            add_dir_header: false,
            alsologtostderr: false,
            log_backtrace_at: None,
            log_dir: None,
            log_file: None,
            log_file_max_size: DEFAULT_MAX_SIZE_MB,
            logtostderr: true,
            one_output: false,
            skip_headers: false,
            skip_log_headers: false,
            stderrthreshold: Severity::Error,
            v: 0,
            vmodule: String::new(),
        }
    }
}

/// klog's flag definitions: names, kinds, defaults and help text as `klog.InitFlags` has them.
const SPECS: &[FlagSpec] = &[
    FlagSpec {
        name: "log_dir",
        kind: Kind::String,
        default: None,
        usage: "If non-empty, write log files in this directory (no effect when -logtostderr=true)",
    },
    FlagSpec {
        name: "log_file",
        kind: Kind::String,
        default: None,
        usage: "If non-empty, use this log file (no effect when -logtostderr=true)",
    },
    FlagSpec {
        name: "log_file_max_size",
        kind: Kind::Uint,
        default: Some("1800"),
        usage: "Defines the maximum size a log file can grow to (no effect when -logtostderr=true). Unit is megabytes. If the value is 0, the maximum file size is unlimited.",
    },
    FlagSpec {
        name: "logtostderr",
        kind: Kind::Bool,
        default: Some("true"),
        usage: "log to standard error instead of files",
    },
    FlagSpec {
        name: "alsologtostderr",
        kind: Kind::Bool,
        default: None,
        usage: "log to standard error as well as files (no effect when -logtostderr=true)",
    },
    FlagSpec {
        name: "v",
        kind: Kind::Value,
        default: None,
        usage: "number for the log level verbosity",
    },
    FlagSpec {
        name: "add_dir_header",
        kind: Kind::Bool,
        default: None,
        usage: "If true, adds the file directory to the header of the log messages",
    },
    FlagSpec {
        name: "skip_headers",
        kind: Kind::Bool,
        default: None,
        usage: "If true, avoid header prefixes in the log messages",
    },
    FlagSpec {
        name: "one_output",
        kind: Kind::Bool,
        default: None,
        usage: "If true, only write logs to their native severity level (vs also writing to each lower severity level; no effect when -logtostderr=true)",
    },
    FlagSpec {
        name: "skip_log_headers",
        kind: Kind::Bool,
        default: None,
        usage: "If true, avoid headers when opening log files (no effect when -logtostderr=true)",
    },
    FlagSpec {
        name: "stderrthreshold",
        kind: Kind::Value,
        default: Some("2"),
        usage: "logs at or above this threshold go to stderr when writing to files and stderr (no effect when -logtostderr=true or -alsologtostderr=false)",
    },
    FlagSpec {
        name: "vmodule",
        kind: Kind::Value,
        default: None,
        usage: "comma-separated list of pattern=N settings for file-filtered logging",
    },
    FlagSpec {
        name: "log_backtrace_at",
        kind: Kind::Value,
        default: None,
        usage: "when logging hits line file:N, emit a stack trace",
    },
];

const PARSE_ERROR: &str = "parse error";

impl GoFlags for Flags {
    fn specs(&self) -> &'static [FlagSpec] {
        SPECS
    }

    fn set_value(&mut self, name: &str, value: &str) -> Result<(), String> {
        let is_true = value == "true";
        let text = || (!value.is_empty()).then(|| value.to_owned());
        match name {
            "add_dir_header" => self.add_dir_header = is_true,
            "alsologtostderr" => self.alsologtostderr = is_true,
            "logtostderr" => self.logtostderr = is_true,
            "one_output" => self.one_output = is_true,
            "skip_headers" => self.skip_headers = is_true,
            "skip_log_headers" => self.skip_log_headers = is_true,
            "log_dir" => self.log_dir = text(),
            "log_file" => self.log_file = text(),
            "log_file_max_size" => {
                self.log_file_max_size = value.parse().map_err(|_| PARSE_ERROR.to_owned())?;
            }
            "v" => self.v = value.parse().map_err(|_| PARSE_ERROR.to_owned())?,
            "vmodule" => {
                Verbosity::new(0).with_vmodule(value).map_err(|e| e.to_string())?;
                self.vmodule = value.to_owned();
            }
            "stderrthreshold" => self.stderrthreshold = Severity::parse(value).ok_or("unknown severity")?,
            "log_backtrace_at" => {
                self.log_backtrace_at = if value.is_empty() {
                    None
                } else {
                    Some(TraceLocation::parse(value).ok_or("expected file:N")?)
                }
            }
            _ => return Err(format!("no such flag -{name}")),
        }
        Ok(())
    }
}

impl Flags {
    /// Parses klog's flags out of `args` (without the program name), returning the flags and the
    /// other arguments in order (see [`goflag::parse_known`] for the spellings accepted).
    ///
    /// # Errors
    /// A bad value or a flag missing its value, in Go's words.
    pub fn parse<I, S>(args: I) -> Result<(Flags, Vec<String>), FlagError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut flags = Flags::default();
        let rest = flags.parse_args(args)?;
        Ok((flags, rest))
    }

    /// Parses klog's flags out of `args` onto these flags: only the flags given change, so a value
    /// [`set`](Flags::set) before is a default the command line overrides. Mirrors `flag.Parse`.
    ///
    /// # Errors
    /// As [`Flags::parse`].
    pub fn parse_args<I, S>(&mut self, args: I) -> Result<Vec<String>, FlagError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        goflag::parse_known(self, args)
    }

    /// Sets one flag as the command line would. Mirrors `flag.Set(name, value)`: before
    /// [`parse_args`](Flags::parse_args) it is a default, after it it overrides the command line.
    ///
    /// # Errors
    /// An unknown flag or a bad value.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), FlagError> {
        goflag::set(self, name, value)
    }

    /// What `-h` prints for klog's flags: Go's listing under `Usage of PROGRAM:`.
    pub fn usage(program: &str) -> String {
        goflag::usage(&Flags::default(), program)
    }

    /// The verbosity these flags select.
    ///
    /// # Errors
    /// A bad `-vmodule` (not reachable after parsing, which checks it).
    pub fn verbosity(&self) -> Result<Verbosity, VmoduleError> {
        Verbosity::new(self.v).with_vmodule(&self.vmodule)
    }

    /// The header these flags select (`-skip_headers` wins over `-add_dir_header`).
    pub fn header(&self) -> Header {
        match (self.skip_headers, self.add_dir_header) {
            (true, _) => Header::Skip,
            (false, true) => Header::DirAndFile,
            (false, false) => Header::File,
        }
    }

    /// The log file klog would write with `-logtostderr=false`: `-log_file`, else `PROGRAM.log` in
    /// `-log_dir`, else in the temp directory.
    pub fn log_file_path(&self, program: &str) -> PathBuf {
        match (&self.log_file, &self.log_dir) {
            (Some(file), _) => PathBuf::from(file),
            (None, Some(dir)) => PathBuf::from(dir).join(format!("{program}.log")),
            (None, None) => std::env::temp_dir().join(format!("{program}.log")),
        }
    }

    /// The layer these flags select, for `program` (the log file's name when only `-log_dir`
    /// is given). A program installs it with `tracing_subscriber::registry().with(layer)`;
    /// libraries never do.
    ///
    /// # Errors
    /// A bad `-vmodule`, or a log file that cannot be opened.
    pub fn layer(&self, program: &str) -> Result<Box<dyn Layer<Registry> + Send + Sync>, SetupError> {
        let v = self.verbosity()?;
        if self.logtostderr {
            return Ok(Box::new(self.configure(KlogLayer::stderr(v))));
        }
        let path = self.log_file_path(program);
        let file = RotatingFile::open(&path, self.log_file_max_size.saturating_mul(1 << 20))
            .map_err(|source| SetupError::File { path, source })?;
        Ok(if self.alsologtostderr {
            Box::new(self.configure(KlogLayer::new(v, std::io::stderr.and(file))))
        } else {
            let threshold = match self.stderrthreshold {
                Severity::Info => tracing::Level::TRACE,
                Severity::Warning => tracing::Level::WARN,
                _ => tracing::Level::ERROR,
            };
            let stderr = std::io::stderr.with_max_level(threshold);
            Box::new(self.configure(KlogLayer::new(v, stderr.and(file))))
        })
    }

    fn configure<W>(&self, layer: KlogLayer<crate::KlogSink<W>>) -> KlogLayer<crate::KlogSink<W>>
    where
        W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
    {
        layer
            .with_header(self.header())
            .with_backtrace_at(self.log_backtrace_at.clone())
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
            "-logtostderr=false",
            "-log_file=/tmp/a.log",
            "--log_file_max_size",
            "0",
            "-add_dir_header",
            "-stderrthreshold=WARNING",
            "-log_backtrace_at",
            "main.rs:3",
        ])
        .unwrap();
        assert_eq!(f.v, 4);
        assert_eq!(f.vmodule, "execute=8");
        assert!(!f.logtostderr && f.add_dir_header);
        assert_eq!(f.log_file.as_deref(), Some("/tmp/a.log"));
        assert_eq!(f.log_file_max_size, 0);
        assert_eq!(f.stderrthreshold, Severity::Warning);
        assert_eq!(
            f.log_backtrace_at.as_ref().map(ToString::to_string).as_deref(),
            Some("main.rs:3")
        );
        assert_eq!(f.header(), Header::DirAndFile);
        assert_eq!(rest, ["get", "-n", "x"]);
        let (f, _) = Flags::parse(["-v=-1", "-skip_headers"]).unwrap();
        assert_eq!((f.v, f.header()), (-1, Header::Skip));
        let d = Flags::default();
        assert!(d.logtostderr && d.log_file_max_size == 1800 && d.stderrthreshold == Severity::Error);
    }

    #[test]
    fn bad_flags_are_named_in_gos_words() {
        let e = Flags::parse(["-v", "x"]).unwrap_err();
        assert_eq!(e.to_string(), "invalid value \"x\" for flag -v: parse error");
        let e = Flags::parse(["-vmodule"]).unwrap_err();
        assert_eq!(e.to_string(), "flag needs an argument: -vmodule");
        let e = Flags::parse(["-vmodule=a"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"a\" for flag -vmodule: --vmodule entry \"a\" is not pattern=N"
        );
        let e = Flags::parse(["-stderrthreshold=LOUD"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"LOUD\" for flag -stderrthreshold: unknown severity"
        );
    }

    #[test]
    fn usage_lists_every_klog_flag_with_its_default() {
        let usage = Flags::usage("prog");
        let names: Vec<&str> = usage
            .lines()
            .filter_map(|l| l.strip_prefix("  -"))
            .map(|l| l.split([' ', '\t']).next().unwrap_or(l))
            .collect();
        assert_eq!(
            names,
            [
                "add_dir_header",
                "alsologtostderr",
                "log_backtrace_at",
                "log_dir",
                "log_file",
                "log_file_max_size",
                "logtostderr",
                "one_output",
                "skip_headers",
                "skip_log_headers",
                "stderrthreshold",
                "v",
                "vmodule",
            ]
        );
        assert!(usage.starts_with("Usage of prog:\n  -add_dir_header\n    \tIf true, adds"));
        assert!(usage.contains("  -log_file_max_size uint\n    \tDefines"));
        assert!(usage.contains("is unlimited. (default 1800)\n"));
        assert!(
            usage.contains("  -logtostderr\n    \tlog to standard error instead of files (default true)\n")
        );
        assert!(usage.contains("(default 2)\n  -v value\n    \tnumber for the log level verbosity\n"));
    }

    #[test]
    fn log_file_falls_back_to_the_dir_then_the_temp_dir() {
        let mut f = Flags::default();
        assert_eq!(f.log_file_path("p"), std::env::temp_dir().join("p.log"));
        f.set("log_dir", "/var/log").unwrap();
        assert_eq!(f.log_file_path("p"), PathBuf::from("/var/log/p.log"));
        f.set("log_file", "/x.log").unwrap();
        assert_eq!(f.log_file_path("p"), PathBuf::from("/x.log"));
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
