//! An example's error, told to the person who ran it.

use std::error::Error;
use std::process::ExitCode;

use clientgo_rest::ErrorReport;

/// The error type of the examples' `run` functions: any error, from any layer.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// Prints `error: ` and the error with its causes in words on stderr (`error: GET
/// https://127.0.0.1:1/version: connection refused (127.0.0.1:1)`) and returns the failure exit code.
pub fn report(error: &(dyn Error + 'static)) -> ExitCode {
    eprintln!("error: {}", ErrorReport::new(error));
    ExitCode::FAILURE
}
