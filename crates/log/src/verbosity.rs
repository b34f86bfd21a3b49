//! klog's verbosity: `-v N` and `--vmodule pattern=N`, and how tracing events map onto V levels.
//!
//! Mirrors klog's `V(level)`, `-v` and `-vmodule`. An event's V level is, in order:
//! - its `v` field when it has one (`tracing::info!(v = 4, "msg")` is klog's `V(4).Info`), printed
//!   iff it is at most `-v` (so negative levels print at the default `-v 0`);
//! - for the library's request logs (target `clientgo_rest...`): DEBUG events are level 6 (request
//!   line, status and latency), TRACE `header` events level 7, TRACE `body` events level 8
//!   (the first 1,024 bytes of a body) and any other TRACE event level 9 (the rest crate's
//!   `full_body` event of a longer body, as client-go prints whole bodies at V(9));
//! - otherwise INFO, WARN and ERROR are un-V'd (always printed, even at `-v -1`), DEBUG is
//!   level 4 and TRACE level 6 (so `-v 4` shows debug and `-v 6` shows trace output).
//!
//! `--vmodule` patterns match the source file's base name without `.rs` (klog matches the Go file
//! without `.go`), with `*` and `?` globs; a pattern containing `/` matches the whole path without
//! `.rs`, or any tail of it that starts at a path component (tracing records paths relative to
//! the workspace or crate). The first matching pattern wins over `-v`.

use thiserror::Error;

/// A bad `--vmodule` value.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum VmoduleError {
    /// An entry was not `pattern=N`.
    #[error("--vmodule entry {entry:?} is not pattern=N")]
    Syntax {
        /// The offending entry.
        entry: String,
    },
    /// The level was not a non-negative integer.
    #[error("--vmodule entry {entry:?}: level {level:?} is not a non-negative integer")]
    Level {
        /// The offending entry.
        entry: String,
        /// The level text.
        level: String,
    },
}

/// The verbosity settings: `-v` and `--vmodule`. Mirrors klog's `-v`/`-vmodule` flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verbosity {
    /// The global level (`-v`).
    pub v: i32,
    vmodule: Vec<(String, i32)>,
}

impl Verbosity {
    /// Verbosity `-v v` without vmodule patterns.
    pub fn new(v: i32) -> Self {
        Verbosity {
            v,
            vmodule: Vec::new(),
        }
    }

    /// Adds the patterns of a `--vmodule` value such as `controller=4,rest*=8`.
    pub fn with_vmodule(mut self, spec: &str) -> Result<Self, VmoduleError> {
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (pat, lvl) = entry.split_once('=').ok_or_else(|| VmoduleError::Syntax {
                entry: entry.to_owned(),
            })?;
            if pat.is_empty() {
                return Err(VmoduleError::Syntax {
                    entry: entry.to_owned(),
                });
            }
            let level: i32 =
                lvl.parse()
                    .ok()
                    .filter(|l: &i32| *l >= 0)
                    .ok_or_else(|| VmoduleError::Level {
                        entry: entry.to_owned(),
                        level: lvl.to_owned(),
                    })?;
            self.vmodule.push((pat.trim_end_matches(".rs").to_owned(), level));
        }
        Ok(self)
    }

    /// The highest level enabled anywhere (for callsite filtering).
    pub fn max(&self) -> i32 {
        self.vmodule.iter().map(|(_, l)| *l).fold(self.v, i32::max)
    }

    /// The level in force for a source file.
    pub fn level_for(&self, file: Option<&str>) -> i32 {
        if let Some(file) = file {
            let path = file.strip_suffix(".rs").unwrap_or(file);
            let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
            for (pat, level) in &self.vmodule {
                let hit = if pat.contains('/') {
                    // The whole path, or any tail of it starting at a path component.
                    std::iter::once(path)
                        .chain(path.match_indices('/').map(|(i, _)| &path[i + 1..]))
                        .any(|tail| glob(pat.as_bytes(), tail.as_bytes()))
                } else {
                    glob(pat.as_bytes(), base.as_bytes())
                };
                if hit {
                    return *level;
                }
            }
        }
        self.v
    }

    /// Whether a `V(level)` event from `file` is printed: iff `level` is at most the level in force,
    /// as klog's `V(level).Enabled()`. Negative levels pass at the default `-v 0`; `-v -1` hides
    /// `V(0)`. Un-V'd events (no `v` field, INFO and up) bypass this and always print.
    pub fn enabled(&self, level: i32, file: Option<&str>) -> bool {
        level <= self.level_for(file)
    }
}

/// The default V level of an event without a `v` field (see the module docs).
pub fn default_level(level: &tracing::Level, target: &str, fields: EventKind) -> i32 {
    let from_rest = target.starts_with("clientgo_rest");
    match *level {
        tracing::Level::ERROR | tracing::Level::WARN | tracing::Level::INFO => 0,
        tracing::Level::DEBUG if from_rest => 6,
        tracing::Level::DEBUG => 4,
        _ if from_rest => match fields {
            EventKind::Header => 7,
            EventKind::Body => 8,
            EventKind::Other => 9,
        },
        _ => 6,
    }
}

/// What a TRACE event of the rest crate carries, judged by its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// It has a `header` field.
    Header,
    /// It has a `body` field.
    Body,
    /// Anything else.
    Other,
}

/// Glob match with `*` (any run) and `?` (one byte).
fn glob(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p] == s[i]) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(b"rest*", b"restclient"));
        assert!(glob(b"*", b""));
        assert!(glob(b"r?st", b"rest"));
        assert!(!glob(b"r?st", b"reest"));
        assert!(glob(b"*ent*r", b"client_worker"));
        assert!(!glob(b"main", b"main2"));
    }

    #[test]
    fn vmodule_overrides_v_for_matching_files() {
        let v = Verbosity::new(2).with_vmodule("execute=8, control*=4").unwrap();
        assert_eq!(v.level_for(Some("crates/rest/src/execute.rs")), 8);
        assert_eq!(v.level_for(Some("src/controller.rs")), 4);
        assert_eq!(v.level_for(Some("src/main.rs")), 2);
        assert_eq!(v.level_for(None), 2);
        assert_eq!(v.max(), 8);
        assert!(v.enabled(7, Some("a/execute.rs")));
        assert!(!v.enabled(3, Some("main.rs")));
        assert!(v.enabled(-1, Some("main.rs")));
        assert!(v.enabled(0, None));
        let neg = Verbosity::new(-1);
        assert!(neg.enabled(-1, None) && !neg.enabled(0, None));
    }

    #[test]
    fn vmodule_with_path_patterns() {
        let v = Verbosity::new(0).with_vmodule("src/*=3").unwrap();
        assert_eq!(v.level_for(Some("crates/x/src/lib.rs")), 3);
        assert_eq!(v.level_for(Some("lib.rs")), 0);
    }

    #[test]
    fn bad_vmodule_is_named() {
        assert_eq!(
            Verbosity::new(0).with_vmodule("main"),
            Err(VmoduleError::Syntax { entry: "main".into() })
        );
        let e = Verbosity::new(0).with_vmodule("a=1,main=x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--vmodule entry \"main=x\": level \"x\" is not a non-negative integer"
        );
    }

    #[test]
    fn default_levels() {
        use tracing::Level;
        assert_eq!(default_level(&Level::INFO, "app", EventKind::Other), 0);
        assert_eq!(
            default_level(&Level::DEBUG, "clientgo_rest::execute", EventKind::Other),
            6
        );
        assert_eq!(
            default_level(&Level::TRACE, "clientgo_rest::execute", EventKind::Header),
            7
        );
        assert_eq!(
            default_level(&Level::TRACE, "clientgo_rest::execute", EventKind::Body),
            8
        );
        assert_eq!(default_level(&Level::DEBUG, "app", EventKind::Other), 4);
        assert_eq!(default_level(&Level::TRACE, "app", EventKind::Other), 6);
    }
}
