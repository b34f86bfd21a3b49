//! clap value parsers the examples share for their options.

use std::time::Duration;

/// A non-negative number of seconds, fractions allowed (`--sleep 0.5`): a `Duration`.
///
/// # Errors
/// Text that is not a finite, non-negative number, in words for clap to print.
pub fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{text:?} is not a non-negative number of seconds"))
}

/// A positive, finite number (`--time-scale 0.01`, `--qps 2`).
///
/// # Errors
/// Text that is not a positive, finite number, in words for clap to print.
pub fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("want a positive number, not {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_take_fractions_and_refuse_negatives_and_words() {
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        assert!(seconds("-1").unwrap_err().contains("non-negative"));
        assert!(seconds("soon").unwrap_err().contains("\"soon\""));
        assert!(seconds("inf").is_err());
    }

    #[test]
    fn positive_refuses_zero_nan_and_infinity() {
        assert_eq!(positive("2"), Ok(2.0));
        for bad in ["0", "-3", "NaN", "inf", ""] {
            assert!(positive(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parsers_answer_any_text_without_panicking(text in ".{0,20}") {
            let _ = seconds(&text);
            let _ = positive(&text);
        }
    }
}
