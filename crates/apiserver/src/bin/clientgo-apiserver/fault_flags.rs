//! The `--fault-*` flags: one [`FaultSetting`] per flag, mirroring [`Faults`]' methods one to one.
//!
//! The same words work as flags at start and as stdin lines while serving (see `control.rs`), so both
//! go through [`FaultSetting::parse`].

use std::fmt;
use std::time::Duration;

use clientgo_apiserver::{Faults, InjectedError};

/// The status an injected failure answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorCode {
    /// 429 with `Retry-After: 1`.
    TooManyRequests,
    /// 500 InternalError.
    Internal,
    /// 409 Conflict, the real server's optimistic-concurrency wording.
    Conflict,
}

impl ErrorCode {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "429" => Some(ErrorCode::TooManyRequests),
            "500" => Some(ErrorCode::Internal),
            "409" => Some(ErrorCode::Conflict),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ErrorCode::TooManyRequests => "429",
            ErrorCode::Internal => "500",
            ErrorCode::Conflict => "409",
        }
    }

    fn injected(self) -> InjectedError {
        match self {
            ErrorCode::TooManyRequests => InjectedError::TooManyRequests { retry_after: 1 },
            ErrorCode::Internal => InjectedError::Internal,
            ErrorCode::Conflict => InjectedError::Conflict,
        }
    }
}

/// One fault flag with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultSetting {
    /// `--fault-close-watches-after-events N`: [`Faults::close_watches_after_events`] (0: off).
    CloseWatchesAfterEvents(u64),
    /// `--fault-close-watches-after-secs S`: [`Faults::close_watches_after`] (0: off).
    CloseWatchesAfterSecs(u64),
    /// `--fault-cut-watches`: [`Faults::cut_watches`].
    CutWatches,
    /// `--fault-cut N`: [`Faults::cut_next_requests`].
    Cut(u64),
    /// `--fault-stall N`: [`Faults::stall_next_requests`].
    Stall(u64),
    /// `--fault-fail N/M:CODE`: [`Faults::fail_requests`].
    Fail {
        /// Failing requests per group.
        fail: u64,
        /// Group size.
        per: u64,
        /// The answer.
        code: ErrorCode,
    },
    /// `--fault-fail-writes N/M:CODE`: [`Faults::fail_writes`].
    FailWrites {
        /// Failing writes per group.
        fail: u64,
        /// Group size.
        per: u64,
        /// The answer.
        code: ErrorCode,
    },
    /// `--fault-clear`: [`Faults::clear`].
    Clear,
}

impl FaultSetting {
    /// Parses the flag `name` (without its leading `--`), calling `value` once if the flag takes one.
    /// `Ok(None)` when `name` is not a fault flag.
    ///
    /// # Errors
    /// A message naming the flag when its value is missing or malformed.
    pub(crate) fn parse(name: &str, value: impl FnOnce() -> Option<String>) -> Result<Option<Self>, String> {
        let number = |v: Option<String>| -> Result<u64, String> {
            let v = v.ok_or_else(|| format!("--{name} needs a value"))?;
            v.parse()
                .map_err(|_| format!("--{name} wants a whole number, not {v:?}"))
        };
        let ratio = |v: Option<String>| -> Result<(u64, u64, ErrorCode), String> {
            let v = v.ok_or_else(|| format!("--{name} needs a value"))?;
            parse_ratio(&v).ok_or_else(|| format!("--{name} wants N/M:429, N/M:500 or N/M:409, not {v:?}"))
        };
        Ok(Some(match name {
            "fault-close-watches-after-events" => FaultSetting::CloseWatchesAfterEvents(number(value())?),
            "fault-close-watches-after-secs" => FaultSetting::CloseWatchesAfterSecs(number(value())?),
            "fault-cut-watches" => FaultSetting::CutWatches,
            "fault-cut" => FaultSetting::Cut(number(value())?),
            "fault-stall" => FaultSetting::Stall(number(value())?),
            "fault-fail" => {
                let (fail, per, code) = ratio(value())?;
                FaultSetting::Fail { fail, per, code }
            }
            "fault-fail-writes" => {
                let (fail, per, code) = ratio(value())?;
                FaultSetting::FailWrites { fail, per, code }
            }
            "fault-clear" => FaultSetting::Clear,
            _ => return Ok(None),
        }))
    }

    /// Sets this fault on a running server.
    pub(crate) fn apply(self, faults: &Faults) {
        match self {
            FaultSetting::CloseWatchesAfterEvents(n) => faults.close_watches_after_events(Some(n)),
            FaultSetting::CloseWatchesAfterSecs(s) => {
                faults.close_watches_after((s > 0).then(|| Duration::from_secs(s)));
            }
            FaultSetting::CutWatches => faults.cut_watches(true),
            FaultSetting::Cut(n) => faults.cut_next_requests(n),
            FaultSetting::Stall(n) => faults.stall_next_requests(n),
            FaultSetting::Fail { fail, per, code } => faults.fail_requests(fail, per, code.injected()),
            FaultSetting::FailWrites { fail, per, code } => faults.fail_writes(fail, per, code.injected()),
            FaultSetting::Clear => faults.clear(),
        }
    }
}

/// The flag form, as the usage text spells it.
impl fmt::Display for FaultSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultSetting::CloseWatchesAfterEvents(n) => write!(f, "--fault-close-watches-after-events {n}"),
            FaultSetting::CloseWatchesAfterSecs(s) => write!(f, "--fault-close-watches-after-secs {s}"),
            FaultSetting::CutWatches => f.write_str("--fault-cut-watches"),
            FaultSetting::Cut(n) => write!(f, "--fault-cut {n}"),
            FaultSetting::Stall(n) => write!(f, "--fault-stall {n}"),
            FaultSetting::Fail { fail, per, code } => {
                write!(f, "--fault-fail {fail}/{per}:{}", code.as_str())
            }
            FaultSetting::FailWrites { fail, per, code } => {
                write!(f, "--fault-fail-writes {fail}/{per}:{}", code.as_str())
            }
            FaultSetting::Clear => f.write_str("--fault-clear"),
        }
    }
}

/// `N/M:CODE`.
fn parse_ratio(s: &str) -> Option<(u64, u64, ErrorCode)> {
    let (ratio, code) = s.split_once(':')?;
    let (n, m) = ratio.split_once('/')?;
    Some((n.parse().ok()?, m.parse().ok()?, ErrorCode::parse(code)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, value: Option<&str>) -> Result<Option<FaultSetting>, String> {
        FaultSetting::parse(name, || value.map(str::to_owned))
    }

    #[test]
    fn every_flag_parses_and_prints_back_as_given() {
        for (name, value) in [
            ("fault-close-watches-after-events", Some("3")),
            ("fault-close-watches-after-secs", Some("2")),
            ("fault-cut-watches", None),
            ("fault-cut", Some("1")),
            ("fault-stall", Some("2")),
            ("fault-fail", Some("1/4:429")),
            ("fault-fail", Some("1/1:500")),
            ("fault-fail-writes", Some("2/3:409")),
            ("fault-clear", None),
        ] {
            let setting = parse(name, value).unwrap().unwrap();
            let expected = match value {
                Some(v) => format!("--{name} {v}"),
                None => format!("--{name}"),
            };
            assert_eq!(setting.to_string(), expected);
        }
    }

    #[test]
    fn bad_values_name_the_flag_and_the_value() {
        assert_eq!(
            parse("fault-stall", None),
            Err("--fault-stall needs a value".to_owned())
        );
        assert_eq!(
            parse("fault-cut", Some("many")),
            Err("--fault-cut wants a whole number, not \"many\"".to_owned())
        );
        assert_eq!(
            parse("fault-fail", Some("1/2:418")),
            Err("--fault-fail wants N/M:429, N/M:500 or N/M:409, not \"1/2:418\"".to_owned())
        );
        assert_eq!(parse("port", Some("1")), Ok(None));
    }
}
