//! Finding and reading the inputs of a fleet report, one at a time.
//!
//! An input file holds one JSON document (a v1 report, an Ansible module result with the
//! report under `audit`, a previous fleet aggregate) or JSON Lines of those. Files are read
//! one after the other and each document is handed to the caller as soon as it is parsed:
//! nothing but the caller's own summary outlives the document. Whatever cannot be used
//! becomes an [`InputProblem`] with its reason; reading never stops at a bad input.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::report::{Evidence, REPORT_SCHEMA, Severity, Status};

/// Schema of the aggregate written by `mailaudit report --format json`.
pub const FLEET_SCHEMA: &str = "mailaudit/fleet/v1";

/// A single report document larger than this is not a report (evidence is bounded by the
/// agent); it is refused unread rather than loaded into memory. JSON Lines files may be of
/// any size, but each line is bounded the same way.
pub const MAX_DOCUMENT_BYTES: u64 = 16 * 1024 * 1024;

/// A lenient view of a `mailaudit/report/v1` report: only what the fleet report uses, with
/// defaults wherever an older or newer v1 writer may have left a field out.
#[derive(Debug, Clone, Deserialize)]
pub struct HostReport {
    pub host: String,
    #[serde(default)]
    pub generated_at: String,
    pub status: Status,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub facts: Value,
    #[serde(default)]
    pub results: Vec<HostResult>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HostResult {
    pub id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub severity: Option<Severity>,
    pub status: Status,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub remediation: String,
    #[serde(default)]
    pub duration_ms: u64,
}

/// What one JSON document turned out to be.
#[derive(Debug)]
pub enum Item {
    Report(Box<HostReport>),
    /// A host that was asked but produced no report (Ansible `unreachable`, a failed module).
    Missing {
        host: String,
        reason: String,
    },
    /// The hosts of a previous fleet aggregate (only read as a baseline).
    Aggregate(Vec<HostReport>),
}

/// Where a document was read: a file of the input table, and for JSON Lines the line and
/// its byte offset (so the second pass can seek straight to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub file: u32,
    /// 1-based line of a JSON Lines document; 0 for a whole-file document.
    pub line: u32,
    pub offset: u64,
}

/// An input that could not be used (or only after a repair), with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputProblem {
    /// `path` or `path:line`.
    pub input: String,
    pub reason: String,
    /// False when the document was still used (e.g. invalid UTF-8 replaced).
    pub skipped: bool,
}

/// The input files, in the order they are read (sorted within each directory).
#[derive(Debug, Default)]
pub struct InputFiles {
    pub paths: Vec<PathBuf>,
}

impl InputFiles {
    pub fn describe(&self, location: Location) -> String {
        let path = self.paths[location.file as usize].display();
        if location.line == 0 {
            path.to_string()
        } else {
            format!("{path}:{}", location.line)
        }
    }
}

/// Expands the command-line inputs: files as given, directories recursively (hidden entries
/// such as half-written `.name.tmp` files skipped, symlinked directories not followed).
pub fn discover(inputs: &[PathBuf], problems: &mut Vec<InputProblem>) -> InputFiles {
    let mut files = InputFiles::default();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(meta) if meta.is_dir() => walk(input, &mut files.paths, problems),
            Ok(meta) if meta.is_file() => files.paths.push(input.clone()),
            // A FIFO or a device (/dev/zero) could block or never end.
            Ok(_) => problems.push(InputProblem {
                input: input.display().to_string(),
                reason: "not a regular file: not read".to_string(),
                skipped: true,
            }),
            Err(e) => problems.push(InputProblem {
                input: input.display().to_string(),
                reason: format!("cannot read: {e}"),
                skipped: true,
            }),
        }
    }
    files
}

fn walk(directory: &Path, paths: &mut Vec<PathBuf>, problems: &mut Vec<InputProblem>) {
    let entries = match std::fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(InputProblem {
                input: directory.display().to_string(),
                reason: format!("cannot list directory: {e}"),
                skipped: true,
            });
            return;
        }
    };
    let mut children: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // file_type() does not follow symlinks: a symlinked directory is not descended
        // (no loops), a symlinked file is read through metadata() below.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        children.push((path, is_dir));
    }
    children.sort();
    for (path, is_dir) in children {
        if is_dir {
            walk(&path, paths, problems);
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => paths.push(path),
            // A symlink to a directory is not descended (no loops).
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => problems.push(InputProblem {
                input: path.display().to_string(),
                reason: "not a regular file: not read".to_string(),
                skipped: true,
            }),
            Err(e) => problems.push(InputProblem {
                input: path.display().to_string(),
                reason: format!("cannot read: {e}"),
                skipped: true,
            }),
        }
    }
}

/// What a reader accepts besides host reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Inputs of the report: fleet aggregates are refused with a hint.
    Reports,
    /// Inputs of `--baseline`: fleet aggregates too.
    ReportsAndAggregates,
}

/// Reads every input file once, in order, calling `on_item` for each usable document.
pub fn read_all(
    files: &InputFiles,
    accept: Accept,
    problems: &mut Vec<InputProblem>,
    mut progress: impl FnMut(usize),
    mut on_item: impl FnMut(Location, Item),
) {
    for (index, path) in files.paths.iter().enumerate() {
        progress(index);
        let mut report_problem = |location: Location, reason: String, skipped: bool| {
            problems.push(InputProblem {
                input: files.describe(location),
                reason,
                skipped,
            })
        };
        read_file(
            path,
            index as u32,
            accept,
            &mut report_problem,
            &mut on_item,
        );
    }
}

fn read_file(
    path: &Path,
    file: u32,
    accept: Accept,
    problem: &mut dyn FnMut(Location, String, bool),
    on_item: &mut dyn FnMut(Location, Item),
) {
    let whole = Location {
        file,
        line: 0,
        offset: 0,
    };
    let handle = match File::open(path) {
        Ok(handle) => handle,
        Err(e) => return problem(whole, format!("cannot read: {e}"), true),
    };
    let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(64 * 1024, handle);
    let fallback_host = host_from_file_name(path);

    // The first line decides: a complete JSON value on it means JSON Lines (an `ansible
    // --tree` file is one compact line too); otherwise one pretty-printed document.
    let first = match read_bounded_line(&mut reader) {
        Ok(line) => line,
        Err(e) => return problem(whole, format!("cannot read: {e}"), true),
    };
    if first.bytes.iter().all(u8::is_ascii_whitespace) && first.end_of_file {
        return problem(whole, "empty file".to_string(), true);
    }
    // The fleet playbook's note for a host it could not audit (`not-audited/<host>.txt`).
    if first.bytes.starts_with(b"host: ") {
        let mut bytes = first.bytes;
        let _ = reader.take(64 * 1024).read_to_end(&mut bytes);
        return match parse_not_audited_note(&String::from_utf8_lossy(&bytes)) {
            Some((host, reason)) => on_item(whole, Item::Missing { host, reason }),
            None => problem(
                whole,
                "not a report nor a not-audited note".to_string(),
                true,
            ),
        };
    }
    if !first.too_long
        && let Ok(value) = serde_json::from_slice::<Value>(&first.bytes)
    {
        let location = Location {
            file,
            line: 1,
            offset: 0,
        };
        // A single-line file is a whole document: name it without a line number.
        let single = first.end_of_file;
        let location = if single { whole } else { location };
        deliver(
            value,
            location,
            fallback_host.as_deref(),
            accept,
            problem,
            on_item,
        );
        if !single {
            read_json_lines(
                &mut reader,
                file,
                first.consumed,
                fallback_host.as_deref(),
                accept,
                problem,
                on_item,
            );
        }
        return;
    }

    // One document spread over lines.
    if size > MAX_DOCUMENT_BYTES {
        if accept == Accept::ReportsAndAggregates && starts_like_aggregate(&mut reader) {
            return match serde_json::from_reader::<_, AggregateFile>(reader) {
                Ok(aggregate) => on_item(whole, Item::Aggregate(aggregate.hosts)),
                Err(e) => problem(whole, corrupt(&e), true),
            };
        }
        return problem(
            whole,
            format!(
                "{} is larger than a host report can be ({} MB): not read",
                megabytes(size),
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ),
            true,
        );
    }
    let mut bytes = first.bytes;
    if let Err(e) = reader.take(MAX_DOCUMENT_BYTES).read_to_end(&mut bytes) {
        return problem(whole, format!("cannot read: {e}"), true);
    }
    match parse_document(&bytes) {
        Ok((value, repair)) => {
            if let Some(repair) = repair {
                problem(whole, repair, false);
            }
            deliver(
                value,
                whole,
                fallback_host.as_deref(),
                accept,
                problem,
                on_item,
            );
        }
        // JSON Lines whose first line is broken: the other lines still count. (A
        // pretty-printed document never has a `{` at the start of a later line.)
        Err(_) if bytes.windows(2).any(|w| w == b"\n{") => {
            let mut lines = std::io::Cursor::new(bytes);
            let mut first_line = Vec::new();
            let consumed = lines.read_until(b'\n', &mut first_line).unwrap_or(0) as u64;
            let location = Location {
                file,
                line: 1,
                offset: 0,
            };
            match parse_document(&first_line) {
                Err(reason) => problem(location, reason, true),
                Ok((value, _)) => deliver(
                    value,
                    location,
                    fallback_host.as_deref(),
                    accept,
                    problem,
                    on_item,
                ),
            }
            read_json_lines(
                &mut lines,
                file,
                consumed,
                fallback_host.as_deref(),
                accept,
                problem,
                on_item,
            );
        }
        Err(reason) => problem(whole, reason, true),
    }
}

fn read_json_lines(
    reader: &mut impl BufRead,
    file: u32,
    mut offset: u64,
    fallback_host: Option<&str>,
    accept: Accept,
    problem: &mut dyn FnMut(Location, String, bool),
    on_item: &mut dyn FnMut(Location, Item),
) {
    let mut line_number = 1u32;
    loop {
        line_number += 1;
        let location = Location {
            file,
            line: line_number,
            offset,
        };
        let line = match read_bounded_line(reader) {
            Ok(line) => line,
            Err(e) => return problem(location, format!("cannot read: {e}"), true),
        };
        offset += line.consumed;
        if line.too_long {
            problem(
                location,
                format!(
                    "line longer than {} MB: not read",
                    MAX_DOCUMENT_BYTES / (1024 * 1024)
                ),
                true,
            );
        } else if !line.bytes.iter().all(u8::is_ascii_whitespace) {
            match parse_document(&line.bytes) {
                Ok((value, repair)) => {
                    if let Some(repair) = repair {
                        problem(location, repair, false);
                    }
                    deliver(value, location, fallback_host, accept, problem, on_item);
                }
                Err(reason) => problem(location, reason, true),
            }
        }
        if line.end_of_file {
            return;
        }
    }
}

fn deliver(
    value: Value,
    location: Location,
    fallback_host: Option<&str>,
    accept: Accept,
    problem: &mut dyn FnMut(Location, String, bool),
    on_item: &mut dyn FnMut(Location, Item),
) {
    match classify(value, fallback_host, accept) {
        Ok(item) => on_item(location, item),
        Err(reason) => problem(location, reason, true),
    }
}

struct BoundedLine {
    bytes: Vec<u8>,
    /// Bytes consumed from the reader, newline included.
    consumed: u64,
    end_of_file: bool,
    /// The line exceeded [`MAX_DOCUMENT_BYTES`]: it was consumed but not kept.
    too_long: bool,
}

/// Reads up to and including the next newline, never keeping more than the document bound.
fn read_bounded_line(reader: &mut impl BufRead) -> std::io::Result<BoundedLine> {
    let mut line = BoundedLine {
        bytes: Vec::new(),
        consumed: 0,
        end_of_file: false,
        too_long: false,
    };
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            line.end_of_file = true;
            return Ok(line);
        }
        let (chunk, found) = match buffer.iter().position(|b| *b == b'\n') {
            Some(at) => (&buffer[..=at], true),
            None => (buffer, false),
        };
        let taken = chunk.len();
        if !line.too_long {
            if (line.bytes.len() + taken) as u64 > MAX_DOCUMENT_BYTES {
                line.too_long = true;
                line.bytes = Vec::new();
            } else {
                line.bytes.extend_from_slice(chunk);
            }
        }
        reader.consume(taken);
        line.consumed += taken as u64;
        if found {
            // A file ending in a newline has no further document.
            line.end_of_file = reader.fill_buf()?.is_empty();
            return Ok(line);
        }
    }
}

/// Parses one JSON document. Invalid UTF-8 (a mangled log line inside evidence) does not
/// lose the host: it is replaced by U+FFFD and reported as a repair.
fn parse_document(bytes: &[u8]) -> Result<(Value, Option<String>), String> {
    // A cut JSON Lines line ends in its newline: without it, the cut reads as truncation.
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let bytes = &bytes[..end];
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err("empty document".to_string()),
        Some(b'{') => {}
        Some(other) => {
            return Err(format!(
                "not a JSON report: starts with {:?}",
                char::from(*other)
            ));
        }
    }
    let (text, repair) = match std::str::from_utf8(bytes) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), None),
        Err(e) => (
            String::from_utf8_lossy(bytes),
            Some(format!(
                "invalid UTF-8 (first at byte {}) replaced by U+FFFD; report used",
                e.valid_up_to()
            )),
        ),
    };
    serde_json::from_str::<Value>(&text)
        .map(|value| (value, repair))
        .map_err(|e| corrupt(&e))
}

fn corrupt(error: &serde_json::Error) -> String {
    if error.is_eof() {
        format!("truncated JSON (ends at line {})", error.line())
    } else {
        format!("corrupt JSON: {error}")
    }
}

/// Decides what a parsed document is. Pure.
pub fn classify(value: Value, fallback_host: Option<&str>, accept: Accept) -> Result<Item, String> {
    let Value::Object(object) = value else {
        return Err("not a JSON object".to_string());
    };
    match object.get("schema") {
        Some(Value::String(schema)) if schema == REPORT_SCHEMA => {
            return serde_json::from_value::<HostReport>(Value::Object(object))
                .map(|report| Item::Report(Box::new(report)))
                .map_err(|e| format!("not a valid {REPORT_SCHEMA} report: {e}"));
        }
        Some(Value::String(schema)) if schema == FLEET_SCHEMA => {
            if accept == Accept::Reports {
                return Err(format!(
                    "a fleet aggregate ({FLEET_SCHEMA}), not a host report: pass it with --baseline"
                ));
            }
            return serde_json::from_value::<AggregateFile>(Value::Object(object))
                .map(|aggregate| Item::Aggregate(aggregate.hosts))
                .map_err(|e| format!("not a valid {FLEET_SCHEMA} aggregate: {e}"));
        }
        Some(Value::String(schema)) if schema.starts_with("mailaudit/report/") => {
            return Err(format!(
                "schema {schema} is not supported: this mailaudit reads {REPORT_SCHEMA} (upgrade it to read newer reports)"
            ));
        }
        Some(other) => return Err(format!("unknown schema {other}: not a mailaudit report")),
        None => {}
    }
    // An Ansible module result: the report under `audit` (registered results and
    // `ansible --tree` files), or a host that never ran the module.
    let host = object
        .get("inventory_hostname")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| fallback_host.map(str::to_string));
    if let Some(audit) = object.get("audit") {
        if !audit.is_object() {
            return Err("Ansible result whose `audit` is not a report object".to_string());
        }
        let mut object = object;
        let audit = object.remove("audit").unwrap_or_default();
        return match classify(audit, host.as_deref(), accept)? {
            Item::Aggregate(_) => Err("Ansible result holding a fleet aggregate".to_string()),
            item => Ok(item),
        };
    }
    let message = object
        .get("msg")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_string();
    let unreachable = object.get("unreachable").and_then(Value::as_bool) == Some(true);
    let failed = object.get("failed").and_then(Value::as_bool) == Some(true);
    if unreachable || failed {
        let reason = if unreachable {
            format!("unreachable: {message}")
        } else {
            format!("module failed without a report: {message}")
        };
        return match host {
            Some(host) => Ok(Item::Missing { host, reason }),
            None => Err(format!("Ansible result without a host name ({reason})")),
        };
    }
    Err("not a mailaudit report (no `schema` field and no Ansible `audit` result)".to_string())
}

/// A note of the fleet playbook (`ansible/playbooks/fleet-audit.yml`) for a host it could
/// not audit: `host: NAME`, `reason: unreachable|audit failed`, `message: TEXT` lines. Pure.
pub fn parse_not_audited_note(text: &str) -> Option<(String, String)> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    };
    let host = field("host:")?;
    let reason = field("reason:").unwrap_or_else(|| "not audited".to_string());
    Some(match field("message:") {
        Some(message) => (host, format!("{reason}: {message}")),
        None => (host, reason),
    })
}

/// The part of a fleet aggregate a baseline needs.
#[derive(Debug, Deserialize)]
struct AggregateFile {
    #[serde(default)]
    hosts: Vec<HostReport>,
}

/// Whether the file's first 4 KiB name the fleet schema (`--format json` writes it first);
/// leaves the reader at the start of the file.
fn starts_like_aggregate(reader: &mut BufReader<File>) -> bool {
    let mut head = Vec::with_capacity(4096);
    let found = reader.seek(SeekFrom::Start(0)).is_ok()
        && reader.by_ref().take(4096).read_to_end(&mut head).is_ok()
        && String::from_utf8_lossy(&head).contains(FLEET_SCHEMA);
    reader.seek(SeekFrom::Start(0)).is_ok() && found
}

/// `ansible --tree` names each file after the host; a written result may add `.json`.
fn host_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let name = name.strip_suffix(".json").unwrap_or(&name);
    (!name.is_empty()).then(|| name.to_string())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Reads one document again, at a location found by [`read_all`] (second pass: details are
/// loaded for one host at a time instead of being kept for all of them).
#[derive(Default)]
pub struct Rereader {
    open: Option<(u32, BufReader<File>)>,
}

impl Rereader {
    pub fn read(&mut self, files: &InputFiles, location: Location) -> Result<HostReport, String> {
        let path = &files.paths[location.file as usize];
        let bytes = if location.line == 0 {
            let mut bytes = Vec::new();
            File::open(path)
                .and_then(|f| f.take(MAX_DOCUMENT_BYTES).read_to_end(&mut bytes))
                .map_err(|e| format!("cannot read again: {e}"))?;
            bytes
        } else {
            if self.open.as_ref().map(|(file, _)| *file) != Some(location.file) {
                let handle = File::open(path).map_err(|e| format!("cannot read again: {e}"))?;
                self.open = Some((location.file, BufReader::new(handle)));
            }
            let (_, reader) = self.open.as_mut().expect("opened above");
            reader
                .seek(SeekFrom::Start(location.offset))
                .map_err(|e| format!("cannot read again: {e}"))?;
            let line = read_bounded_line(reader).map_err(|e| format!("cannot read again: {e}"))?;
            line.bytes
        };
        let (value, _) = parse_document(&bytes)?;
        match classify(value, host_from_file_name(path).as_deref(), Accept::Reports)? {
            Item::Report(report) => Ok(*report),
            _ => Err("changed since it was first read".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(host: &str) -> Value {
        json!({"schema": REPORT_SCHEMA, "host": host, "generated_at": "2026-12-01T00:00:00Z",
               "status": "ok", "summary": "all 1 checks passed", "results": []})
    }

    #[test]
    fn reports_and_ansible_results_are_recognised() {
        let item = classify(report("a.example"), None, Accept::Reports).unwrap();
        assert!(matches!(item, Item::Report(r) if r.host == "a.example"));
        let ansible = json!({"changed": false, "failed": true, "msg": "critical", "audit": report("b.example")});
        let item = classify(ansible, Some("ignored"), Accept::Reports).unwrap();
        assert!(matches!(item, Item::Report(r) if r.host == "b.example"));
    }

    #[test]
    fn unreachable_hosts_are_missing_not_unreadable() {
        let tree = json!({"unreachable": true, "changed": false, "msg": "Failed to connect to the host via ssh"});
        match classify(tree, Some("web9.example"), Accept::Reports).unwrap() {
            Item::Missing { host, reason } => {
                assert_eq!(host, "web9.example");
                assert!(reason.contains("Failed to connect"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_schemas_are_refused_with_a_reason() {
        let mut v2 = report("a.example");
        v2["schema"] = json!("mailaudit/report/v2");
        let error = classify(v2, None, Accept::Reports).unwrap_err();
        assert!(
            error.contains("mailaudit/report/v2 is not supported"),
            "{error}"
        );
        let aggregate = json!({"schema": FLEET_SCHEMA, "hosts": []});
        let error = classify(aggregate.clone(), None, Accept::Reports).unwrap_err();
        assert!(error.contains("--baseline"), "{error}");
        assert!(matches!(
            classify(aggregate, None, Accept::ReportsAndAggregates),
            Ok(Item::Aggregate(_))
        ));
        let error = classify(json!({"foo": 1}), None, Accept::Reports).unwrap_err();
        assert!(error.contains("not a mailaudit report"), "{error}");
        let error = classify(json!([1]), None, Accept::Reports).unwrap_err();
        assert!(error.contains("not a JSON object"), "{error}");
    }

    #[test]
    fn documents_are_checked_before_parsing() {
        assert!(parse_document(b"  ").unwrap_err().contains("empty"));
        assert!(
            parse_document(b"\x7fELF")
                .unwrap_err()
                .contains("not a JSON report")
        );
        assert!(
            parse_document(b"{\"a\": [1, 2")
                .unwrap_err()
                .contains("truncated")
        );
        let (value, repair) = parse_document(b"{\"a\": \"caf\xe9\"}").unwrap();
        assert_eq!(value["a"], "caf\u{fffd}");
        assert!(repair.unwrap().contains("invalid UTF-8"));
    }

    #[test]
    fn bounded_lines_report_their_length_and_end() {
        let mut reader = std::io::Cursor::new(b"one\ntwo".to_vec());
        let first = read_bounded_line(&mut reader).unwrap();
        assert_eq!(
            (first.bytes.as_slice(), first.consumed, first.end_of_file),
            (&b"one\n"[..], 4, false)
        );
        let second = read_bounded_line(&mut reader).unwrap();
        assert_eq!(
            (second.bytes.as_slice(), second.end_of_file),
            (&b"two"[..], true)
        );
    }

    #[test]
    fn the_playbooks_not_audited_notes_name_the_host_and_why() {
        let note = "host: web5.shop.example\nreason: unreachable\nmessage: Failed to connect to the host via ssh\n";
        assert_eq!(
            parse_not_audited_note(note),
            Some((
                "web5.shop.example".into(),
                "unreachable: Failed to connect to the host via ssh".into()
            ))
        );
        assert_eq!(parse_not_audited_note("host: \nreason: x"), None);
    }

    #[test]
    fn tree_file_names_give_the_host() {
        assert_eq!(
            host_from_file_name(Path::new("tree/web1.shop.example")).as_deref(),
            Some("web1.shop.example")
        );
        assert_eq!(
            host_from_file_name(Path::new("out/web1.example.json")).as_deref(),
            Some("web1.example")
        );
    }
}
