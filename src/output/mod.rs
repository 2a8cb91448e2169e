//! Report formats, one module each, and atomic writing of `--output`.

pub mod human;
pub mod json;
pub mod junit;
pub mod nagios;
pub mod prometheus;

use std::io::Write;
use std::path::Path;

use clap::ValueEnum;

use crate::report::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Nagios,
    Junit,
    Prometheus,
}

/// How the human format may decorate: colour only for a terminal without `NO_COLOR`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    pub colour: bool,
}

impl Style {
    /// Colour when writing to a terminal and `NO_COLOR` is unset or empty (no-color.org).
    pub fn for_terminal(is_terminal: bool) -> Style {
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: is_terminal && !no_colour,
        }
    }
}

/// Renders a report in a format.
pub fn render(report: &Report, format: Format, style: Style) -> String {
    match format {
        Format::Human => human::render(report, style),
        Format::Json => json::render(report),
        Format::Nagios => nagios::render(report, &nagios::Options::default()),
        Format::Junit => junit::render(std::slice::from_ref(report)),
        Format::Prometheus => prometheus::render(report),
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then a
/// rename, so readers (node_exporter, Nagios, a fleet collector) never see half a report.
/// On failure nothing is left behind.
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), String> {
    let directory = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| format!("--output {}: not a file name", path.display()))?;
    if path.is_dir() {
        return Err(format!("--output {}: is a directory", path.display()));
    }
    let temporary = directory.join(format!(
        ".{}.tmp.{}",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("--output {}: cannot write: {e}", path.display())
    })
}
