//! Check definitions: the TOML schema, loading of profiles (files and directories) and
//! validation. Every rejection names `file:line:column` and the field.
//!
//! A profile is a list of `[[check]]` tables. The common fields (`id`, `kind`,
//! `severity`, `title`, `remediation`, `timeout`) sit beside the kind's own typed
//! parameters; both are checked strictly (unknown fields are errors).

pub mod duration;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::checks::{Kind, Params};
use crate::report::Severity;

/// The default profile, compiled in so the tool runs with no configuration.
pub const DEFAULT_PROFILE: &str = include_str!("../../checks/default.toml");
pub const DEFAULT_PROFILE_NAME: &str = "<embedded checks/default.toml>";

/// Fields every check has, whatever its kind.
pub const COMMON_FIELDS: [&str; 6] = ["id", "kind", "severity", "title", "remediation", "timeout"];

/// One validated check definition.
#[derive(Debug, Clone)]
pub struct CheckDefinition {
    pub id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub title: String,
    pub remediation: String,
    pub timeout: Option<Duration>,
    pub params: Params,
    /// `file:line` of the definition, for messages.
    pub origin: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommonFields {
    id: Spanned<String>,
    #[allow(dead_code)] // read before deserialising, kept here so the field is allowed
    kind: Kind,
    severity: Severity,
    title: String,
    remediation: String,
    #[serde(default, deserialize_with = "duration::deserialize_optional_duration")]
    timeout: Option<Duration>,
}

/// A definition that could not be accepted: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for DefinitionError {}

/// A source of definitions: a name for messages and its text.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(
        &self,
        span: Option<Range<usize>>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> DefinitionError {
        let (line, column) = match span {
            Some(span) => line_column(self.text, span.start),
            None => (1, 1),
        };
        DefinitionError {
            file: self.name.to_string(),
            line,
            column,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Parses one profile's text. Pure: `name` is only used in messages.
pub fn parse_profile(name: &str, text: &str) -> Result<Vec<CheckDefinition>, DefinitionError> {
    let source = Source { name, text };
    let root = DeTable::parse(text).map_err(|e| {
        let message = e.message().trim().to_string();
        source.error(e.span(), None, format!("malformed TOML: {message}"))
    })?;
    let root_span = root.span();
    let mut definitions = Vec::new();
    for (key, value) in root.into_inner() {
        if key.get_ref().as_ref() != "check" {
            return Err(source.error(
                Some(key.span()),
                Some(key.get_ref()),
                "unknown top-level key: a profile holds only `[[check]]` tables",
            ));
        }
        let value_span = value.span();
        let DeValue::Array(checks) = value.into_inner() else {
            return Err(source.error(
                Some(value_span),
                Some("check"),
                "expected an array of tables (`[[check]]`)",
            ));
        };
        for check in checks.iter() {
            definitions.push(parse_check(&source, check.clone())?);
        }
    }
    if definitions.is_empty() && text.trim().is_empty() {
        return Err(source.error(Some(root_span), None, "empty profile: no `[[check]]` table"));
    }
    Ok(definitions)
}

fn parse_check(
    source: &Source<'_>,
    check: Spanned<DeValue<'_>>,
) -> Result<CheckDefinition, DefinitionError> {
    let span = check.span();
    let DeValue::Table(table) = check.into_inner() else {
        return Err(source.error(Some(span), Some("check"), "expected a table"));
    };
    let kind = read_kind(source, &table, span.clone())?;
    let fields = FieldSpans::of(&table);
    let (common_table, params_table) = split_common(table);

    let common: CommonFields = CommonFields::deserialize(toml::de::Deserializer::from(
        Spanned::new(span.clone(), common_table),
    ))
    .map_err(|e| fields.error(source, &e, &span, kind))?;
    let id = common.id.get_ref().clone();
    if !valid_id(&id) {
        return Err(source.error(
            Some(common.id.span()),
            Some("id"),
            format!(
                "invalid id {id:?}: use lower-case letters, digits, `-`, `_` and `.`, starting with a letter or digit"
            ),
        ));
    }
    let params = Params::deserialize(
        kind,
        toml::de::Deserializer::from(Spanned::new(span.clone(), params_table)),
    )
    .map_err(|e| fields.error(source, &e, &span, kind))?;
    params.validate().map_err(|(field, message)| {
        let at = fields.value_span(&field).unwrap_or(span.clone());
        source.error(Some(at), Some(&field), message)
    })?;
    let (line, _) = line_column(source.text, span.start);
    Ok(CheckDefinition {
        id,
        kind,
        severity: common.severity,
        title: common.title,
        remediation: common.remediation,
        timeout: common.timeout,
        params,
        origin: format!("{}:{}", source.name, line),
    })
}

fn read_kind(
    source: &Source<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Result<Kind, DefinitionError> {
    let Some(value) = table.get("kind") else {
        return Err(source.error(Some(span), Some("kind"), "missing field `kind`"));
    };
    let Some(text) = value.get_ref().as_str() else {
        return Err(source.error(Some(value.span()), Some("kind"), "expected a string"));
    };
    Kind::parse(text).ok_or_else(|| {
        source.error(
            Some(value.span()),
            Some("kind"),
            format!(
                "unknown kind {text:?}; known kinds: {}",
                Kind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// Splits a check table into its common fields and the kind's own parameters.
fn split_common(table: DeTable<'_>) -> (DeTable<'_>, DeTable<'_>) {
    let mut common = DeTable::new();
    let mut params = DeTable::new();
    for (key, value) in table {
        if COMMON_FIELDS.contains(&key.get_ref().as_ref()) {
            common.insert(key, value);
        } else {
            params.insert(key, value);
        }
    }
    (common, params)
}

/// The spans of a check table's top-level fields, to name the field an error is about.
struct FieldSpans {
    fields: Vec<(String, Range<usize>, Range<usize>)>,
}

impl FieldSpans {
    fn of(table: &DeTable<'_>) -> FieldSpans {
        let fields = table
            .iter()
            .map(|(key, value)| (key.get_ref().to_string(), key.span(), value.span()))
            .collect();
        FieldSpans { fields }
    }

    fn value_span(&self, name: &str) -> Option<Range<usize>> {
        self.fields
            .iter()
            .find(|(key, _, _)| key == name)
            .map(|(_, _, value)| value.clone())
    }

    /// The field whose key or value holds the error's position.
    fn field_at(&self, at: &Range<usize>) -> Option<String> {
        self.fields
            .iter()
            .find(|(_, key, value)| {
                (value.start <= at.start && at.start < value.end.max(value.start + 1))
                    || key.start == at.start
            })
            .map(|(key, _, _)| key.clone())
    }

    /// A deserialisation error as a definition error naming its field.
    fn error(
        &self,
        source: &Source<'_>,
        error: &toml::de::Error,
        check_span: &Range<usize>,
        kind: Kind,
    ) -> DefinitionError {
        let at = error.span();
        let field =
            field_of(error.message()).or_else(|| at.as_ref().and_then(|at| self.field_at(at)));
        let mut message = error.message().trim().to_string();
        if message.starts_with("unknown field") {
            if message.contains("there are no fields") {
                message = format!(
                    "unknown field `{}`: kind `{}` takes no parameters",
                    field.as_deref().unwrap_or("?"),
                    kind.as_str()
                );
            }
            message.push_str(&format!(" (common fields: {})", COMMON_FIELDS.join(", ")));
        }
        source.error(at.or(Some(check_span.clone())), field.as_deref(), message)
    }
}

/// Pulls the field name out of serde's messages ("missing field `x`", "unknown field `x`").
fn field_of(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let field = &message[start..end];
    (message.starts_with("missing field") || message.starts_with("unknown field"))
        .then(|| field.to_string())
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.len() <= 64
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// Loads and validates every profile; the embedded default when `paths` is empty.
/// Duplicate ids across all files are rejected.
pub fn load_profiles(paths: &[PathBuf]) -> Result<Vec<CheckDefinition>, DefinitionError> {
    let mut definitions = Vec::new();
    if paths.is_empty() {
        definitions.extend(parse_profile(DEFAULT_PROFILE_NAME, DEFAULT_PROFILE)?);
    }
    for path in paths {
        for file in profile_files(path)? {
            let name = file.display().to_string();
            let text = read_profile_file(&file)?;
            definitions.extend(parse_profile(&name, &text)?);
        }
    }
    reject_duplicate_ids(&definitions)?;
    Ok(definitions)
}

/// Parses definitions given as text (e.g. inline in an Ansible task), with the same rules.
pub fn load_text(name: &str, text: &str) -> Result<Vec<CheckDefinition>, DefinitionError> {
    let definitions = parse_profile(name, text)?;
    reject_duplicate_ids(&definitions)?;
    Ok(definitions)
}

fn reject_duplicate_ids(definitions: &[CheckDefinition]) -> Result<(), DefinitionError> {
    let mut seen: HashMap<&str, &CheckDefinition> = HashMap::new();
    for definition in definitions {
        if let Some(first) = seen.insert(&definition.id, definition) {
            let (file, line) = split_origin(&definition.origin);
            return Err(DefinitionError {
                file,
                line,
                column: 1,
                field: Some("id".into()),
                message: format!(
                    "duplicate id {:?}: already defined at {}",
                    definition.id, first.origin
                ),
            });
        }
    }
    Ok(())
}

fn split_origin(origin: &str) -> (String, usize) {
    match origin.rsplit_once(':') {
        Some((file, line)) => (file.to_string(), line.parse().unwrap_or(1)),
        None => (origin.to_string(), 1),
    }
}

fn whole_file_error(path: &Path, message: String) -> DefinitionError {
    DefinitionError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        field: None,
        message,
    }
}

/// A profile path is a file, or a directory whose `*.toml` files are read in name order.
fn profile_files(path: &Path) -> Result<Vec<PathBuf>, DefinitionError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| whole_file_error(path, format!("cannot read profile: {e}")))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| whole_file_error(path, format!("cannot list profile directory: {e}")))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml") && p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(whole_file_error(
            path,
            "profile directory holds no *.toml file".into(),
        ));
    }
    Ok(files)
}

fn read_profile_file(path: &Path) -> Result<String, DefinitionError> {
    let bytes = std::fs::read(path)
        .map_err(|e| whole_file_error(path, format!("cannot read profile: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.into_bytes()[..offset]).into_owned();
        let (line, column) = line_column(&text, offset);
        DefinitionError {
            file: path.display().to_string(),
            line,
            column,
            field: None,
            message: "not UTF-8 text".into(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "[[check]]\nid = \"mta\"\nkind = \"mta\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\n";

    #[test]
    fn the_default_profile_is_valid() {
        let definitions = load_profiles(&[]).unwrap();
        assert!(!definitions.is_empty());
    }

    #[test]
    fn accepts_a_minimal_check() {
        let defs = parse_profile("p.toml", HEADER).unwrap();
        assert_eq!(defs[0].id, "mta");
        assert_eq!(defs[0].origin, "p.toml:1");
    }

    #[test]
    fn malformed_toml_names_line_and_column() {
        let err = parse_profile("p.toml", "[[check]]\nid = \"x\n").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("p.toml", 2), "{err}");
        assert!(err.to_string().starts_with("p.toml:2:"), "{err}");
    }

    #[test]
    fn unknown_common_or_kind_field_is_named() {
        let err = parse_profile("p.toml", &format!("{HEADER}colour = \"red\"\n")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("colour"), "{err}");
        assert_eq!(err.line, 7, "{err}");
    }

    #[test]
    fn wrong_type_is_rejected_with_position() {
        let text = HEADER.replace("severity = \"critical\"", "severity = 3");
        let err = parse_profile("p.toml", &text).unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        assert_eq!(err.field.as_deref(), Some("severity"), "{err}");
        let text = HEADER.replace("title = \"t\"", "title = [1, 2]");
        let err = parse_profile("p.toml", &text).unwrap_err();
        assert_eq!(
            (err.line, err.field.as_deref()),
            (5, Some("title")),
            "{err}"
        );
        let text = HEADER.replace("severity = \"critical\"", "severity = \"fatal\"");
        let err = parse_profile("p.toml", &text).unwrap_err();
        assert!(err.message.contains("fatal"), "{err}");
    }

    #[test]
    fn unknown_kind_lists_the_known_ones() {
        let text = HEADER.replace("kind = \"mta\"", "kind = \"smtp_banner\"");
        let err = parse_profile("p.toml", &text).unwrap_err();
        assert_eq!((err.line, err.column), (3, 8), "{err}");
        assert_eq!(err.field.as_deref(), Some("kind"));
        assert!(err.message.contains("mta"), "{err}");
    }

    #[test]
    fn missing_field_is_named() {
        let text = HEADER.replace("title = \"t\"\n", "");
        let err = parse_profile("p.toml", &text).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("title"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let err = load_text("p.toml", &format!("{HEADER}{HEADER}")).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
        assert_eq!(err.line, 7, "{err}");
        assert!(err.message.contains("p.toml:1"), "{err}");
    }

    #[test]
    fn bad_ids_and_top_level_keys_are_rejected() {
        let text = HEADER.replace("id = \"mta\"", "id = \"Bad Id\"");
        assert_eq!(
            parse_profile("p.toml", &text).unwrap_err().field.as_deref(),
            Some("id")
        );
        let err = parse_profile("p.toml", "checks = 1\n").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("checks"));
    }

    #[test]
    fn timeout_accepts_durations() {
        let defs = parse_profile("p.toml", &format!("{HEADER}timeout = \"2s\"\n")).unwrap();
        assert_eq!(defs[0].timeout, Some(Duration::from_secs(2)));
        let err = parse_profile("p.toml", &format!("{HEADER}timeout = \"soon\"\n")).unwrap_err();
        assert_eq!(err.line, 7, "{err}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("", 0), (1, 1));
    }
}
