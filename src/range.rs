//! Nagios threshold ranges (Monitoring Plugins development guidelines):
//! `10` (alert outside 0..10), `10:` (outside 10..∞), `~:10` (outside -∞..10), `10:20`
//! (outside 10..20), `@10:20` (alert *inside* 10..20). Endpoints are inclusive.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub start: f64,
    pub end: f64,
    /// `@`: alert when the value is inside the range instead of outside.
    pub inside: bool,
    text_start_infinite: bool,
    text_end_infinite: bool,
}

impl Range {
    /// Does `value` raise the alert this range stands for?
    pub fn alerts(&self, value: f64) -> bool {
        let within = value >= self.start && value <= self.end;
        if self.inside { within } else { !within }
    }

    /// "at most N" — the usual threshold for a count of bad things.
    pub fn at_most(limit: f64) -> Range {
        Range {
            start: 0.0,
            end: limit,
            inside: false,
            text_start_infinite: false,
            text_end_infinite: false,
        }
    }
}

impl FromStr for Range {
    type Err = String;

    fn from_str(text: &str) -> Result<Range, String> {
        let original = text;
        let text = text.trim();
        if text.is_empty() {
            return Err("empty range".to_string());
        }
        let (inside, body) = match text.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (start_text, end_text) = match body.split_once(':') {
            Some((start, end)) => (start, end),
            None => ("", body),
        };
        let (start, start_infinite) = match start_text {
            "" => (0.0, false),
            "~" => (f64::NEG_INFINITY, true),
            number => (parse_number(number, original)?, false),
        };
        let (end, end_infinite) = match end_text {
            "" if body.contains(':') => (f64::INFINITY, true),
            "" => return Err(format!("invalid range {original:?}: missing end")),
            number => (parse_number(number, original)?, false),
        };
        if start > end {
            return Err(format!(
                "invalid range {original:?}: start {start} is greater than end {end}"
            ));
        }
        Ok(Range {
            start,
            end,
            inside,
            text_start_infinite: start_infinite,
            text_end_infinite: end_infinite,
        })
    }
}

fn parse_number(text: &str, original: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("invalid range {original:?}: {text:?} is not a number"))?;
    if !value.is_finite() {
        return Err(format!(
            "invalid range {original:?}: {text:?} is not a finite number"
        ));
    }
    Ok(value)
}

impl fmt::Display for Range {
    /// The canonical text, as perfdata shows thresholds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inside {
            f.write_str("@")?;
        }
        let number = |v: f64| {
            if v.fract() == 0.0 {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        };
        match (self.text_start_infinite, self.text_end_infinite) {
            (true, true) => f.write_str("~:"),
            (true, false) => write!(f, "~:{}", number(self.end)),
            (false, true) => write!(f, "{}:", number(self.start)),
            (false, false) if self.start == 0.0 && !self.inside => {
                write!(f, "{}", number(self.end))
            }
            (false, false) => write!(f, "{}:{}", number(self.start), number(self.end)),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Range {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Range, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Number(n) => format!("{n}"),
            Raw::Text(t) => t,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Range {
        text.parse().unwrap()
    }

    #[test]
    fn plain_number_is_zero_to_n() {
        let range = r("10");
        assert!(range.alerts(-1.0));
        assert!(!range.alerts(0.0));
        assert!(!range.alerts(10.0));
        assert!(range.alerts(10.5));
    }

    #[test]
    fn open_end_and_open_start() {
        assert!(r("10:").alerts(9.0));
        assert!(!r("10:").alerts(10.0));
        assert!(!r("10:").alerts(1e12));
        assert!(!r("~:10").alerts(-1e12));
        assert!(!r("~:10").alerts(10.0));
        assert!(r("~:10").alerts(11.0));
    }

    #[test]
    fn bounded_and_inverted() {
        let range = r("10:20");
        assert!(range.alerts(9.99));
        assert!(!range.alerts(10.0));
        assert!(!range.alerts(20.0));
        assert!(range.alerts(20.01));
        let inverted = r("@10:20");
        assert!(!inverted.alerts(9.99));
        assert!(inverted.alerts(10.0));
        assert!(inverted.alerts(20.0));
        assert!(!inverted.alerts(21.0));
    }

    #[test]
    fn decimals_and_negatives() {
        assert!(r("-5:-1").alerts(0.0));
        assert!(!r("-5:-1").alerts(-3.0));
        assert!(r("0.5").alerts(0.6));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (bad, needle) in [
            ("10:5", "greater"),
            ("abc", "not a number"),
            ("", "empty"),
            ("@", "missing end"),
            ("1:2:3", "not a number"),
            ("~", "not a number"),
            ("inf", "finite"),
            ("10:x", "not a number"),
        ] {
            let err = bad.parse::<Range>().unwrap_err();
            assert!(err.contains(needle), "{bad:?}: {err}");
        }
    }

    /// The grammar of the guidelines' table, value by value at and around each endpoint.
    #[test]
    fn whole_grammar_at_the_endpoints() {
        // (range, values that alert, values that do not)
        let table: [(&str, &[f64], &[f64]); 9] = [
            ("10", &[-0.001, 10.001, 1e9], &[0.0, 5.0, 10.0]),
            (
                "10:",
                &[9.999, -1.0, f64::NEG_INFINITY],
                &[10.0, 11.0, 1e12],
            ),
            ("~:10", &[10.001, 1e12], &[10.0, 0.0, -1e12]),
            ("10:20", &[9.999, 20.001, 0.0], &[10.0, 15.0, 20.0]),
            ("@10:20", &[10.0, 15.0, 20.0], &[9.999, 20.001, 0.0]),
            ("@10", &[0.0, 10.0], &[-0.001, 10.001]),
            ("@~:0", &[0.0, -5.0], &[0.001]),
            ("0", &[0.001, -0.001], &[0.0]),
            ("~:", &[], &[-1e12, 0.0, 1e12]),
        ];
        for (text, alerting, quiet) in table {
            let range = r(text);
            for value in alerting {
                assert!(range.alerts(*value), "{text} should alert on {value}");
            }
            for value in quiet {
                assert!(!range.alerts(*value), "{text} should not alert on {value}");
            }
        }
    }

    #[test]
    fn whitespace_decimals_and_equal_ends() {
        assert_eq!(r(" 5 "), r("5"));
        assert!(!r("2.5:2.5").alerts(2.5));
        assert!(r("2.5:2.5").alerts(2.6));
        assert!(r("@-1.5:1.5").alerts(0.0));
        assert!(!r("-1.5:").alerts(-1.5));
        assert_eq!(r("5").start, 0.0);
        assert_eq!(r("~:5").start, f64::NEG_INFINITY);
        assert_eq!(r("5:").end, f64::INFINITY);
    }

    #[test]
    fn more_errors_are_rejected() {
        for bad in [
            "-", "10:5", "@20:10", "~:~", "5:~", "@", "1..2", "1,5", "0x10", "10 20", "NaN",
            "-inf:0", "1e400", "@@1", "~10",
        ] {
            assert!(bad.parse::<Range>().is_err(), "{bad:?} accepted");
        }
        // An empty start is 0, as in the C library (":5" = "0:5", "@:" = "@0:").
        assert!(!r(":5").alerts(0.0));
        assert!(r(":5").alerts(-1.0));
    }

    #[test]
    fn deserialises_from_numbers_and_strings() {
        #[derive(serde::Deserialize)]
        struct T {
            a: Range,
            b: Range,
        }
        let t: T = toml::from_str(
            "a = 10
b = \"@1:2\"",
        )
        .unwrap();
        assert_eq!(t.a.to_string(), "10");
        assert_eq!(t.b.to_string(), "@1:2");
        assert!(toml::from_str::<T>("a = \"10:5\"\nb = 1").is_err());
    }

    #[test]
    fn displays_canonically() {
        for text in ["10", "10:", "~:10", "10:20", "@10:20", "@0:5", "~:"] {
            assert_eq!(r(text).to_string(), text);
        }
    }
}
