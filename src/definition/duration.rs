//! Durations as written in check definitions and on the command line: `"500ms"`, `"5s"`,
//! `"15m"`, `"24h"`, `"7d"`, `"1w"`, or a bare number of seconds.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Parses `"24h"`-style text. Pure; the message says what is wrong.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("invalid duration {text:?}: expected e.g. \"30s\", \"15m\", \"24h\", \"7d\"")
    })?;
    let seconds_per_unit = match unit.trim() {
        "" | "s" | "sec" | "secs" => 1.0,
        "ms" => 0.001,
        "m" | "min" | "mins" => 60.0,
        "h" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "week" | "weeks" => 604_800.0,
        other => {
            return Err(format!(
                "invalid duration {text:?}: unknown unit {other:?} (use ms, s, m, h, d or w)"
            ));
        }
    };
    let seconds = value * seconds_per_unit;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 10.0 * 365.0 * 86_400.0 {
        return Err(format!(
            "invalid duration {text:?}: must be positive and at most ten years"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Serde adapter: a duration field accepts `"24h"` or a number of seconds.
pub fn deserialize_duration<'de, D>(deserializer: D) -> Result<Duration, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(f64),
        Text(String),
    }
    let text = match Raw::deserialize(deserializer)? {
        Raw::Seconds(seconds) => format!("{seconds}"),
        Raw::Text(text) => text,
    };
    parse_duration(&text).map_err(serde::de::Error::custom)
}

pub fn deserialize_optional_duration<'de, D>(deserializer: D) -> Result<Option<Duration>, D::Error>
where
    D: Deserializer<'de>,
{
    deserialize_duration(deserializer).map(Some)
}

/// Human text for a duration, the way an operator would write it ("24h", "1.5s").
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    for (unit, size) in [
        ("w", 604_800.0),
        ("d", 86_400.0),
        ("h", 3600.0),
        ("m", 60.0),
    ] {
        if secs >= size && (secs / size).fract() == 0.0 {
            return format!("{}{unit}", secs / size);
        }
    }
    if secs < 1.0 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{}s", (secs * 10.0).round() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_duration("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_duration(" 15m ").unwrap(), Duration::from_secs(900));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "h", "5x", "-3s", "0", "1e400", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_duration(Duration::from_secs(86_400)), "1d");
        assert_eq!(format_duration(Duration::from_secs(5)), "5s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_duration(Duration::from_millis(200)), "200ms");
    }
}
