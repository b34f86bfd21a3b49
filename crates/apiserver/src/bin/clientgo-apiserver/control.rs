//! Commands read from stdin while the binary serves: `compact`, and every `--fault-*` flag as a line
//! without its dashes, so a test driving the binary can compact or inject faults at a moment it picks.

use std::io::BufRead;

use tokio::sync::mpsc;

use crate::fault_flags::FaultSetting;

/// One stdin command.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Control {
    /// Compact the event log to the current resourceVersion.
    Compact,
    /// Set a fault.
    Fault(FaultSetting),
}

/// Parses one line; `Ok(None)` for a blank one.
///
/// # Errors
/// A message naming the unknown command, the missing value or the extra word.
pub(crate) fn parse_line(line: &str) -> Result<Option<Control>, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Ok(None);
    };
    let name = first.trim_start_matches("--");
    let control = if name == "compact" {
        Control::Compact
    } else {
        match FaultSetting::parse(name, || words.next().map(str::to_owned))? {
            Some(f) => Control::Fault(f),
            None => {
                return Err(format!(
                    "unknown command {first:?} (want compact or a fault-* flag)"
                ))
            }
        }
    };
    match words.next() {
        Some(extra) => Err(format!("unexpected {extra:?} after {name}")),
        None => Ok(Some(control)),
    }
}

/// Reads stdin line by line on its own thread (tokio's stdin would keep the runtime from shutting
/// down while a read blocks). The channel closes at end of input; the thread ends with the process.
pub(crate) fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    let spawned = std::thread::Builder::new()
        .name("stdin-commands".to_owned())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("clientgo-apiserver: stdin commands unavailable: cannot start a thread: {e}");
    }
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_into_commands() {
        assert_eq!(parse_line("compact"), Ok(Some(Control::Compact)));
        assert_eq!(parse_line("  \n"), Ok(None));
        assert_eq!(
            parse_line("fault-stall 2"),
            Ok(Some(Control::Fault(FaultSetting::Stall(2))))
        );
        assert_eq!(
            parse_line("--fault-clear"),
            Ok(Some(Control::Fault(FaultSetting::Clear)))
        );
    }

    #[test]
    fn bad_lines_say_what_was_wrong() {
        assert_eq!(
            parse_line("compcat"),
            Err("unknown command \"compcat\" (want compact or a fault-* flag)".to_owned())
        );
        assert_eq!(
            parse_line("compact now"),
            Err("unexpected \"now\" after compact".to_owned())
        );
        assert_eq!(
            parse_line("fault-cut"),
            Err("--fault-cut needs a value".to_owned())
        );
    }
}
