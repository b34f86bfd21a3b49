//! The command line: server options, `--fault-*` flags and the compaction schedule.

use std::str::FromStr;
use std::time::Duration;

use clientgo_apiserver::{ApiServer, ServerBuilder};

use crate::fault_flags::FaultSetting;

/// The usage text (`--help`, and after a bad argument).
pub(crate) const USAGE: &str = "\
usage: clientgo-apiserver [--port 6443] [--tls] [--token T] [--kubeconfig PATH] [--max-events N]
                          [--bookmark-interval-secs S] [--seed-demo] [--compact-every-secs S]
                          [--fault-close-watches-after-events N] [--fault-close-watches-after-secs S]
                          [--fault-cut-watches] [--fault-cut N] [--fault-stall N]
                          [--fault-fail N/M:429|500|409] [--fault-fail-writes N/M:429|500|409]

  --port 0                 listen on an ephemeral port of 127.0.0.1 (printed as `serving on URL`)
  --compact-every-secs S   compact the event log every S seconds (older resourceVersions get 410)
  --fault-cut N            drop the connection without answering for the next N requests
  --fault-stall N          send headers and then nothing, forever, for the next N requests
  --fault-fail N/M:CODE    answer the first N of every M requests with CODE (429 has Retry-After: 1)
  --fault-fail-writes ...  the same, counting only writes (POST, PUT, PATCH, DELETE)

While serving, stdin takes one command per line: `compact` (compact the event log now), or any
--fault-* flag without its dashes (`fault-stall 1`, `fault-fail 1/2:500`, `fault-clear`).
SIGINT or SIGTERM stops the server and removes the kubeconfig it wrote.";

/// What the command line asks for.
pub(crate) struct Config {
    /// The server options.
    pub(crate) builder: ServerBuilder,
    /// The port on 127.0.0.1.
    pub(crate) port: u16,
    /// Add a node and kube-system pods after start.
    pub(crate) seed_demo: bool,
    /// Faults set right after start, in flag order.
    pub(crate) faults: Vec<FaultSetting>,
    /// Compact the event log this often.
    pub(crate) compact_every: Option<Duration>,
}

/// The outcome of parsing.
pub(crate) enum Parsed {
    /// Serve with this configuration.
    Run(Config),
    /// `--help`: print [`USAGE`] and exit.
    Help,
}

fn number<T: FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let v = value.ok_or_else(|| format!("{flag} needs a value"))?;
    v.parse().map_err(|_| format!("{flag} wants a number, not {v:?}"))
}

/// Parses the arguments after the program name.
///
/// # Errors
/// A message naming the argument that is unknown, lacks its value or has a malformed one.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut config = Config {
        builder: ApiServer::builder(),
        port: 6443,
        seed_demo: false,
        faults: Vec::new(),
        compact_every: None,
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        let b = config.builder;
        config.builder = match a.as_str() {
            "--port" => {
                config.port = number(&a, args.next())?;
                b
            }
            "--tls" => b.tls(true),
            "--token" => b.token(args.next().ok_or("--token needs a value")?),
            "--kubeconfig" => b.kubeconfig_path(args.next().ok_or("--kubeconfig needs a value")?),
            "--max-events" => b.max_events(number(&a, args.next())?),
            "--bookmark-interval-secs" => b.bookmark_interval(Duration::from_secs(number(&a, args.next())?)),
            "--seed-demo" => {
                config.seed_demo = true;
                b
            }
            "--compact-every-secs" => {
                let s: u64 = number(&a, args.next())?;
                if s == 0 {
                    return Err("--compact-every-secs wants at least 1".to_owned());
                }
                config.compact_every = Some(Duration::from_secs(s));
                b
            }
            "-h" | "--help" => return Ok(Parsed::Help),
            other => {
                let fault = other
                    .strip_prefix("--")
                    .map(|name| FaultSetting::parse(name, || args.next()))
                    .transpose()?
                    .flatten();
                match fault {
                    Some(f) => config.faults.push(f),
                    None => return Err(format!("unknown argument {other:?}")),
                }
                b
            }
        };
    }
    Ok(Parsed::Run(config))
}

/// The `--flag` words of a text, sorted, without repeats (to keep the usage text and docs in sync).
#[cfg(test)]
pub(crate) fn flags_in(text: &str) -> Vec<&str> {
    let mut flags: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.len() > 2 && w.starts_with("--") && !w.ends_with('-'))
        .collect();
    flags.sort_unstable();
    flags.dedup();
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_in_the_usage_text_is_parsed() {
        let flags = flags_in(USAGE);
        assert!(flags.len() == 15, "{flags:?}");
        for flag in flags {
            let r = parse([flag.to_owned(), "1".to_owned()]);
            assert!(
                !matches!(&r, Err(e) if *e == format!("unknown argument {flag:?}")),
                "{flag} is in the usage text but not parsed"
            );
        }
    }

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| (*s).to_owned()))? {
            Parsed::Run(c) => Ok(c),
            Parsed::Help => Err("help".to_owned()),
        }
    }

    #[test]
    fn flags_fill_the_config_and_faults_keep_their_order() {
        let c = run(&[
            "--port",
            "0",
            "--seed-demo",
            "--fault-stall",
            "1",
            "--compact-every-secs",
            "5",
            "--fault-cut-watches",
        ])
        .unwrap();
        assert_eq!(c.port, 0);
        assert!(c.seed_demo);
        assert_eq!(c.compact_every, Some(Duration::from_secs(5)));
        assert_eq!(c.faults, [FaultSetting::Stall(1), FaultSetting::CutWatches]);
    }

    #[test]
    fn defaults_and_help() {
        let c = run(&[]).unwrap();
        assert_eq!((c.port, c.seed_demo, c.compact_every), (6443, false, None));
        assert!(c.faults.is_empty());
        assert!(matches!(parse(["--help".to_owned()]), Ok(Parsed::Help)));
    }

    #[test]
    fn errors_name_the_argument() {
        assert_eq!(run(&["--port"]).err().unwrap(), "--port needs a value");
        assert_eq!(
            run(&["--port", "x"]).err().unwrap(),
            "--port wants a number, not \"x\""
        );
        assert_eq!(run(&["--bogus"]).err().unwrap(), "unknown argument \"--bogus\"");
        assert_eq!(
            run(&["--fault-stall"]).err().unwrap(),
            "--fault-stall needs a value"
        );
        assert_eq!(
            run(&["--compact-every-secs", "0"]).err().unwrap(),
            "--compact-every-secs wants at least 1"
        );
    }
}
