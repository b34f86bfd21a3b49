//! Durations on the command line, in seconds (`--sleep 0.5`).

use std::time::Duration;

/// Parses a non-negative number of seconds, for clap's `value_parser`.
///
/// # Errors
/// Text that is not a finite, non-negative number of seconds.
pub fn parse(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{text:?} is not a non-negative number of seconds"))
}
