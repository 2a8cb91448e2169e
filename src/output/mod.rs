//! Report formats, one module each, and atomic writing of `--output`.

pub mod human;
pub mod json;
pub mod junit;
pub mod nagios;
pub mod prometheus;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

/// Writes `contents` to `path` atomically (see [`AtomicFile`]).
pub fn write_atomically(path: &Path, contents: &str) -> Result<(), String> {
    let mut file = AtomicFile::create(path, 0)?;
    file.write_all(contents.as_bytes())
        .map_err(|e| file.error(&e))?;
    file.commit()
}

/// A report file written under a temporary name in the target's directory and renamed over
/// the target when complete, so readers (node_exporter, Nagios, a fleet collector) never
/// see half a report. Dropped without [`commit`](Self::commit), it leaves nothing behind.
pub struct AtomicFile {
    writer: Option<BufWriter<File>>,
    temporary: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file; fails (naming `--output`) when the target cannot be one.
    /// `buffer` is the write buffer's size (0: unbuffered, for one whole write).
    pub fn create(path: &Path, buffer: usize) -> Result<AtomicFile, String> {
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
        let file = File::create(&temporary)
            .map_err(|e| format!("--output {}: cannot write: {e}", path.display()))?;
        Ok(AtomicFile {
            writer: Some(BufWriter::with_capacity(buffer, file)),
            temporary,
            path: path.to_path_buf(),
        })
    }

    /// The message for a write error, naming the target.
    pub fn error(&self, error: &std::io::Error) -> String {
        format!("--output {}: cannot write: {error}", self.path.display())
    }

    /// Flushes, syncs and renames the file over the target.
    pub fn commit(mut self) -> Result<(), String> {
        let writer = self.writer.take().expect("present until commit");
        let result = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| file.sync_all())
            .and_then(|()| std::fs::rename(&self.temporary, &self.path));
        result.map_err(|e| self.error(&e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.writer
            .as_mut()
            .expect("present until commit")
            .write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.as_mut().expect("present until commit").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed, or the rename failed: the temporary file must not linger (after a
        // successful rename it is gone already and this does nothing).
        let _ = std::fs::remove_file(&self.temporary);
    }
}
