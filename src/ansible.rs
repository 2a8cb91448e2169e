//! Ansible binary-module mode: `mailaudit ARGS_FILE`.
//!
//! Ansible copies the binary to the target as `<tmpdir>/AnsiballZ_mailaudit` and runs it with
//! one argument, `<tmpdir>/args`: a file holding one flat JSON object, the task's parameters
//! plus `_ansible_*` keys. The module answers with ONE JSON object on stdout whatever happens
//! (Ansible reads nothing else; non-JSON output is a "deserialization failed" error): bad
//! arguments, a missing profile and even an internal panic come back as
//! `{"failed": true, "msg": …}`.
//!
//! Parameters arrive typed from YAML but as strings from ad-hoc `-a 'k=v'`, so every
//! parameter is coerced here (`"yes"`, `"42"`, `"a,b"`), by pure functions with their own tests.

use std::ffi::OsString;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::definition::{self, CheckDefinition, DefinitionError};
use crate::engine::{self, RunOptions};
use crate::report::{Report, Status};

/// The parameters the module accepts, as listed in unknown-parameter messages and the docs.
pub const PARAMETERS: [&str; 11] = [
    "profile",
    "checks",
    "only",
    "skip",
    "root",
    "nameservers",
    "egress_ips",
    "now",
    "timeout",
    "redact",
    "fail_on",
];

/// The file name Ansible gives the arguments of a binary module in its remote tmp dir.
const ARGS_FILE_NAME: &str = "args";
/// Prefix Ansible gives the module file it transfers (`AnsiballZ_<module name>`).
const TRANSFERRED_MODULE_PREFIX: &str = "AnsiballZ_";
/// Prefix of Ansible's per-task remote tmp dir (`ansible-tmp-<time>-<pid>-<random>`).
const REMOTE_TMP_PREFIX: &str = "ansible-tmp-";

/// The args file when the command line is an Ansible module invocation: a single argument
/// that is not a subcommand or option, and either names an existing file or is clearly
/// Ansible's (the binary runs as `AnsiballZ_*`, or the argument is `ansible-tmp-*/args`),
/// so that a missing args file is still answered in JSON rather than with a usage error.
pub fn args_file(args: &[OsString]) -> Option<PathBuf> {
    if args.len() != 2 {
        return None;
    }
    let path = PathBuf::from(&args[1]);
    let text = args[1].to_string_lossy();
    let is_command = ["run", "report", "checks", "help"].contains(&text.as_ref());
    if is_command || text.starts_with('-') || text.is_empty() {
        return None;
    }
    let program = Path::new(&args[0]);
    let run_by_ansible = file_name_starts_with(program, TRANSFERRED_MODULE_PREFIX)
        || (path.file_name().is_some_and(|n| n == ARGS_FILE_NAME)
            && path
                .parent()
                .is_some_and(|dir| file_name_starts_with(dir, REMOTE_TMP_PREFIX)));
    (run_by_ansible || path.is_file()).then_some(path)
}

fn file_name_starts_with(path: &Path, prefix: &str) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with(prefix))
}

/// Runs the module; prints exactly one JSON object on stdout. Returns the exit code
/// (Ansible ignores it when the JSON parses; it is 1 when the task failed, for humans).
pub fn main(args_file: PathBuf) -> i32 {
    let response = guarded(|| respond(&args_file));
    let failed = response.get("failed") != Some(&Value::Bool(false));
    emit(&response);
    i32::from(failed)
}

/// Runs `work`, turning a panic into a failed module result: Ansible must always get JSON.
fn guarded(work: impl FnOnce() -> Value) -> Value {
    match panic::catch_unwind(AssertUnwindSafe(work)) {
        Ok(response) => response,
        Err(payload) => {
            let text = if let Some(text) = payload.downcast_ref::<&str>() {
                (*text).to_string()
            } else if let Some(text) = payload.downcast_ref::<String>() {
                text.clone()
            } else {
                "unknown panic".to_string()
            };
            failure(format!(
                "mailaudit: internal error (please report it): {}",
                one_line(&text)
            ))
        }
    }
}

/// Writes the response as one line. A closed stdout is ignored: there is no one to tell.
fn emit(response: &Value) {
    let text = serde_json::to_string(response).unwrap_or_else(|e| {
        failure(format!("mailaudit: cannot serialise the result: {e}")).to_string()
    });
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

/// A failed module result with nothing but the message.
pub fn failure(msg: impl Into<String>) -> Value {
    json!({"changed": false, "failed": true, "msg": msg.into()})
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads the args file, runs the audit, builds the result.
fn respond(args_file: &Path) -> Value {
    let arguments = match read_arguments(args_file) {
        Ok(arguments) => arguments,
        Err(message) => return failure(message),
    };
    let check_mode = arguments
        .get("_ansible_check_mode")
        .map(|v| coerce_bool("_ansible_check_mode", v))
        .transpose();
    let check_mode = match check_mode {
        Ok(check_mode) => check_mode.unwrap_or(false),
        Err(message) => return failure(message),
    };
    let params = match ModuleParams::from_arguments(&arguments) {
        Ok(params) => params,
        Err(message) => return with_check_mode(failure(message), check_mode),
    };
    let report = match audit(&params) {
        Ok(report) => report,
        Err(message) => return with_check_mode(failure(message), check_mode),
    };
    module_result(&report, params.fail_on, check_mode)
}

fn with_check_mode(mut response: Value, check_mode: bool) -> Value {
    if check_mode {
        response["check_mode"] = Value::Bool(true);
    }
    response
}

/// The arguments object: a flat JSON object, or a message saying what is wrong with the file.
pub fn read_arguments(path: &Path) -> Result<Map<String, Value>, String> {
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        format!(
            "mailaudit: cannot read the module arguments file {}: {reason}",
            path.display()
        )
    })?;
    parse_arguments(&bytes)
        .map_err(|e| format!("mailaudit: module arguments file {}: {e}", path.display()))
}

/// Parses the content of an args file. Pure.
pub fn parse_arguments(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    if text.trim().is_empty() {
        return Err("empty: expected a JSON object of parameters".to_string());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!("not JSON ({e}): Ansible passes binary modules a JSON object of parameters")
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(format!(
            "expected a JSON object of parameters, got {}",
            type_name(&other)
        )),
    }
}

/// When the task fails, from the overall status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Critical,
    Warning,
    Unknown,
    Never,
}

impl FailOn {
    const NAMES: [&str; 4] = ["critical", "warning", "unknown", "never"];

    pub fn parse(text: &str) -> Option<FailOn> {
        match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(FailOn::Critical),
            "warning" => Some(FailOn::Warning),
            "unknown" => Some(FailOn::Unknown),
            "never" => Some(FailOn::Never),
            _ => None,
        }
    }

    /// Whether a report of this status fails the task. `unknown` ranks below `warning`
    /// (Status order), so `fail_on: unknown` fails on unknown, warning and critical.
    pub fn fails(self, status: Status) -> bool {
        match self {
            FailOn::Critical => status >= Status::Critical,
            FailOn::Warning => status >= Status::Warning,
            FailOn::Unknown => status >= Status::Unknown,
            FailOn::Never => false,
        }
    }
}

/// The module's parameters, coerced and validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleParams {
    pub profiles: Vec<PathBuf>,
    /// Inline definitions, already validated like a profile's.
    pub checks: Option<Vec<CheckDefinitionSource>>,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub root: Option<PathBuf>,
    pub nameservers: Vec<SocketAddr>,
    pub egress_ips: Vec<IpAddr>,
    pub now: Option<jiff::Timestamp>,
    pub timeout: Option<Duration>,
    pub redact: bool,
    pub fail_on: FailOn,
}

/// One inline check definition as TOML text (what `definition::load_text` validates),
/// with the name messages use for it (`checks[2]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckDefinitionSource {
    pub name: String,
    pub toml: String,
}

impl ModuleParams {
    /// Coerces the arguments object. `_ansible_*` keys are Ansible's own and ignored here;
    /// `null` means "not set" (YAML `key:` with no value).
    pub fn from_arguments(arguments: &Map<String, Value>) -> Result<ModuleParams, String> {
        let mut params = ModuleParams::default();
        let mut unknown: Vec<&str> = Vec::new();
        for (key, value) in arguments {
            if key.starts_with("_ansible_") || value.is_null() {
                continue;
            }
            match key.as_str() {
                "profile" => {
                    params.profiles = coerce_list(key, value)?
                        .into_iter()
                        .map(PathBuf::from)
                        .collect()
                }
                "checks" => params.checks = Some(coerce_checks(value)?),
                "only" => params.only = coerce_list(key, value)?,
                "skip" => params.skip = coerce_list(key, value)?,
                "root" => params.root = Some(PathBuf::from(coerce_string(key, value)?)),
                "nameservers" => {
                    params.nameservers = coerce_list(key, value)?
                        .iter()
                        .map(|text| crate::cli::parse_nameserver(text))
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("parameter `nameservers`: {e}"))?
                }
                "egress_ips" => {
                    params.egress_ips = coerce_list(key, value)?
                        .iter()
                        .map(|text| {
                            text.parse::<IpAddr>().map_err(|_| {
                                format!("parameter `egress_ips`: {text:?} is not an IP address")
                            })
                        })
                        .collect::<Result<_, _>>()?
                }
                "now" => {
                    let text = coerce_string(key, value)?;
                    params.now = Some(
                        crate::cli::parse_now(&text)
                            .map_err(|e| format!("parameter `now`: {e}"))?,
                    )
                }
                "timeout" => params.timeout = Some(coerce_duration(key, value)?),
                "redact" => params.redact = coerce_bool(key, value)?,
                "fail_on" => {
                    let text = coerce_string(key, value)?;
                    params.fail_on = FailOn::parse(&text).ok_or_else(|| {
                        format!(
                            "parameter `fail_on`: {text:?} is not one of {}",
                            FailOn::NAMES.join(", ")
                        )
                    })?
                }
                other => unknown.push(other),
            }
        }
        if !unknown.is_empty() {
            unknown.sort_unstable();
            return Err(format!(
                "unsupported parameter{} {}; valid parameters: {}",
                if unknown.len() == 1 { "" } else { "s" },
                unknown
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                PARAMETERS.join(", ")
            ));
        }
        if params.checks.is_some() && !params.profiles.is_empty() {
            return Err(
                "parameters `profile` and `checks` are mutually exclusive: give a profile on the target, or the checks inline"
                    .to_string(),
            );
        }
        Ok(params)
    }

    /// The definitions to run: the profiles, the inline checks, or the embedded default.
    pub fn definitions(&self) -> Result<Vec<CheckDefinition>, String> {
        for profile in &self.profiles {
            if !profile.exists() {
                return Err(format!(
                    "parameter `profile`: {} does not exist on the target",
                    profile.display()
                ));
            }
        }
        let Some(checks) = &self.checks else {
            return definition::load_profiles(&self.profiles)
                .map_err(|e| format!("parameter `profile`: {e}"));
        };
        let mut definitions: Vec<CheckDefinition> = Vec::new();
        for source in checks {
            let loaded = definition::load_text(&source.name, &source.toml)
                .map_err(|e| inline_error(&source.name, &e))?;
            for definition in loaded {
                if let Some(first) = definitions.iter().find(|d| d.id == definition.id) {
                    return Err(format!(
                        "parameter `checks`: {}: duplicate id {:?} (already used by {})",
                        source.name,
                        definition.id,
                        first.origin.split(':').next().unwrap_or("another check")
                    ));
                }
                definitions.push(definition);
            }
        }
        if definitions.is_empty() {
            return Err("parameter `checks`: the list is empty".to_string());
        }
        Ok(definitions)
    }

    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            root: self.root.clone(),
            only: self.only.clone(),
            skip: self.skip.clone(),
            nameservers: self.nameservers.clone(),
            egress_ips: self.egress_ips.clone(),
            now: self.now,
            timeout: self.timeout,
            redact: self.redact,
        }
    }
}

/// A definition error of an inline check, without the line/column of the generated TOML
/// (meaningless to the task's author): `checks[1]: field `severity`: …`.
fn inline_error(name: &str, error: &DefinitionError) -> String {
    let mut message = format!("parameter `checks`: {name}: ");
    if let Some(field) = &error.field {
        message.push_str(&format!("field `{field}`: "));
    }
    message.push_str(&one_line(&error.message));
    message
}

/// Loads, selects and runs, as `mailaudit run` does.
fn audit(params: &ModuleParams) -> Result<Report, String> {
    if let Some(root) = &params.root
        && !root.is_dir()
    {
        return Err(format!(
            "parameter `root`: {} is not a directory on the target",
            root.display()
        ));
    }
    let definitions = params.definitions()?;
    let selected = engine::select(definitions, &params.only, &params.skip)
        .map_err(|e| option_to_parameter(&e))?;
    engine::run(selected, &params.run_options())
}

/// The engine's messages name command-line options; the module names its parameters.
fn option_to_parameter(message: &str) -> String {
    for option in ["only", "skip"] {
        if let Some(rest) = message.strip_prefix(&format!("--{option} ")) {
            return format!("parameter `{option}`: {rest}");
        }
    }
    format!("parameter `only`/`skip`: {message}")
}

/// The module's answer for a finished audit. Pure.
pub fn module_result(report: &Report, fail_on: FailOn, check_mode: bool) -> Value {
    let failed = fail_on.fails(report.status);
    let mut msg = format!("{}: {}", report.status, one_line(&report.summary));
    if check_mode {
        msg.push_str(" (check mode: the audit is read-only, it ran as usual)");
    }
    let mut response = json!({
        "changed": false,
        "failed": failed,
        "msg": msg,
        "status": report.status,
        "counts": report.counts,
        "audit": report,
        "ansible_facts": {"mailaudit": report.facts},
    });
    if check_mode {
        response["check_mode"] = Value::Bool(true);
    }
    response
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Ansible's boolean spellings (module_utils `BOOLEANS_TRUE`/`BOOLEANS_FALSE`).
pub fn coerce_bool(key: &str, value: &Value) -> Result<bool, String> {
    let bad = || {
        format!(
            "parameter `{key}`: expected a boolean (true/false, yes/no, on/off, 1/0), got {}",
            describe(value)
        )
    };
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match n.as_f64() {
            Some(1.0) => Ok(true),
            Some(0.0) => Ok(false),
            _ => Err(bad()),
        },
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" | "on" | "1" | "true" | "t" => Ok(true),
            "n" | "no" | "off" | "0" | "false" | "f" | "" => Ok(false),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// A string; numbers are accepted as their text (YAML `root: 2024` is still a path).
pub fn coerce_string(key: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "parameter `{key}`: expected a string, got {}",
            type_name(other)
        )),
    }
}

/// A list of strings: a YAML list, or a comma-separated string (`only=mta,dnsbl`).
pub fn coerce_list(key: &str, value: &Value) -> Result<Vec<String>, String> {
    let items = match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Array(_) | Value::Object(_) | Value::Null => Err(format!(
                    "parameter `{key}`: item {i} should be a string, got {}",
                    type_name(item)
                )),
                other => coerce_string(key, other),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Value::String(text) => text.split(',').map(str::to_string).collect(),
        Value::Number(_) | Value::Bool(_) => vec![coerce_string(key, value)?],
        other => {
            return Err(format!(
                "parameter `{key}`: expected a list of strings or a comma-separated string, got {}",
                type_name(other)
            ));
        }
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_string())
        .filter(|item| !item.is_empty())
        .collect())
}

/// Seconds as a number (`30`, `2.5`) or duration text (`"30"`, `"30s"`, `"2m"`).
pub fn coerce_duration(key: &str, value: &Value) -> Result<Duration, String> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(text) => text.clone(),
        other => {
            return Err(format!(
                "parameter `{key}`: expected seconds (a number, or text such as \"30s\"), got {}",
                type_name(other)
            ));
        }
    };
    definition::duration::parse_duration(&text).map_err(|e| format!("parameter `{key}`: {e}"))
}

/// Inline check definitions: a list of mappings (YAML), or a string holding a JSON list
/// (ad-hoc `-a`) or TOML `[[check]]` text. Each mapping becomes the TOML of one `[[check]]`
/// so that it goes through exactly the validation a profile file gets.
pub fn coerce_checks(value: &Value) -> Result<Vec<CheckDefinitionSource>, String> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::String(text) => {
            let trimmed = text.trim_start();
            if trimmed.starts_with('[') && !trimmed.starts_with("[[") {
                match serde_json::from_str::<Value>(text) {
                    Ok(Value::Array(items)) => items,
                    Ok(other) => {
                        return Err(format!(
                            "parameter `checks`: expected a list of check definitions, got {}",
                            type_name(&other)
                        ));
                    }
                    Err(e) => return Err(format!("parameter `checks`: not a JSON list: {e}")),
                }
            } else {
                return Ok(vec![CheckDefinitionSource {
                    name: "checks".to_string(),
                    toml: text.clone(),
                }]);
            }
        }
        other => {
            return Err(format!(
                "parameter `checks`: expected a list of check definitions, got {}",
                type_name(other)
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let name = format!("checks[{i}]");
            let Value::Object(fields) = item else {
                return Err(format!(
                    "parameter `checks`: {name}: expected a mapping (id, kind, severity, title, remediation, …), got {}",
                    type_name(item)
                ));
            };
            let fields: Map<String, Value> = fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let toml = toml::to_string(&json!({ "check": [fields] }))
                .map_err(|e| format!("parameter `checks`: {name}: {e}"))?;
            Ok(CheckDefinitionSource { name, toml })
        })
        .collect()
}

/// A short rendering of a bad value for messages (never a whole structure).
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{:?}", crate::text::truncate(text, 40)),
        Value::Number(n) => n.to_string(),
        other => type_name(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Map<String, Value> {
        parse_arguments(text.as_bytes()).unwrap()
    }

    #[test]
    fn booleans_accept_ansible_spellings() {
        for yes in [
            json!(true),
            json!("yes"),
            json!("True"),
            json!("on"),
            json!("1"),
            json!(1),
            json!("y"),
        ] {
            assert!(coerce_bool("redact", &yes).unwrap(), "{yes}");
        }
        for no in [
            json!(false),
            json!("no"),
            json!("FALSE"),
            json!("off"),
            json!("0"),
            json!(0),
            json!(""),
        ] {
            assert!(!coerce_bool("redact", &no).unwrap(), "{no}");
        }
        for bad in [json!("maybe"), json!(2), json!([true]), json!({"a": 1})] {
            let error = coerce_bool("redact", &bad).unwrap_err();
            assert!(
                error.starts_with("parameter `redact`: expected a boolean"),
                "{error}"
            );
        }
    }

    #[test]
    fn lists_accept_yaml_lists_and_comma_strings() {
        assert_eq!(
            coerce_list("only", &json!(["mta", "dnsbl"])).unwrap(),
            ["mta", "dnsbl"]
        );
        assert_eq!(
            coerce_list("only", &json!("mta, dnsbl,")).unwrap(),
            ["mta", "dnsbl"]
        );
        assert_eq!(coerce_list("only", &json!("mta")).unwrap(), ["mta"]);
        assert_eq!(
            coerce_list("only", &json!("")).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(coerce_list("egress_ips", &json!([42])).unwrap(), ["42"]);
        let error = coerce_list("only", &json!({"mta": true})).unwrap_err();
        assert!(error.contains("got a mapping"), "{error}");
        let error = coerce_list("only", &json!(["mta", ["x"]])).unwrap_err();
        assert!(
            error.contains("item 1 should be a string, got a list"),
            "{error}"
        );
    }

    #[test]
    fn durations_accept_numbers_and_text() {
        assert_eq!(
            coerce_duration("timeout", &json!(42)).unwrap(),
            Duration::from_secs(42)
        );
        assert_eq!(
            coerce_duration("timeout", &json!("42")).unwrap(),
            Duration::from_secs(42)
        );
        assert_eq!(
            coerce_duration("timeout", &json!(2.5)).unwrap(),
            Duration::from_millis(2500)
        );
        assert_eq!(
            coerce_duration("timeout", &json!("2m")).unwrap(),
            Duration::from_secs(120)
        );
        assert!(coerce_duration("timeout", &json!(0)).is_err());
        assert!(
            coerce_duration("timeout", &json!("soon"))
                .unwrap_err()
                .starts_with("parameter `timeout`:")
        );
        assert!(
            coerce_duration("timeout", &json!(true))
                .unwrap_err()
                .contains("got a boolean")
        );
    }

    #[test]
    fn strings_accept_scalars_only() {
        assert_eq!(
            coerce_string("root", &json!("/srv/snap")).unwrap(),
            "/srv/snap"
        );
        assert_eq!(coerce_string("root", &json!(2024)).unwrap(), "2024");
        assert!(
            coerce_string("root", &json!(["/a"]))
                .unwrap_err()
                .contains("got a list")
        );
    }

    #[test]
    fn typed_and_adhoc_parameters_give_the_same_result() {
        let typed = args(
            r#"{"only": ["mta", "dnsbl"], "redact": true, "timeout": 42, "fail_on": "never",
                "nameservers": ["127.0.0.1:5353"], "egress_ips": ["192.0.2.1", "2001:db8::1"],
                "root": "/srv/snap", "now": "2026-12-04T07:30:00Z"}"#,
        );
        let adhoc = args(
            r#"{"only": "mta,dnsbl", "redact": "yes", "timeout": "42", "fail_on": "Never",
                "nameservers": "127.0.0.1:5353", "egress_ips": "192.0.2.1, 2001:db8::1",
                "root": "/srv/snap", "now": "2026-12-04T07:30:00Z"}"#,
        );
        let typed = ModuleParams::from_arguments(&typed).unwrap();
        assert_eq!(typed, ModuleParams::from_arguments(&adhoc).unwrap());
        assert_eq!(typed.only, ["mta", "dnsbl"]);
        assert!(typed.redact);
        assert!(typed.run_options().redact, "redact reaches the engine");
        assert_eq!(typed.timeout, Some(Duration::from_secs(42)));
        assert_eq!(typed.fail_on, FailOn::Never);
        assert_eq!(typed.nameservers, ["127.0.0.1:5353".parse().unwrap()]);
        assert_eq!(typed.egress_ips.len(), 2);
        assert_eq!(typed.root, Some(PathBuf::from("/srv/snap")));
    }

    #[test]
    fn ansible_keys_and_nulls_are_ignored() {
        let params = ModuleParams::from_arguments(&args(
            r#"{"_ansible_check_mode": true, "_ansible_no_log": false, "_ansible_future_key": [1],
                "_ansible_verbosity": 3, "only": null, "redact": null}"#,
        ))
        .unwrap();
        assert_eq!(params, ModuleParams::default());
    }

    #[test]
    fn unknown_parameters_fail_listing_the_valid_ones() {
        let error =
            ModuleParams::from_arguments(&args(r#"{"rooot": "/x", "only": "mta", "colour": 1}"#))
                .unwrap_err();
        assert!(
            error.starts_with("unsupported parameters `colour`, `rooot`;"),
            "{error}"
        );
        for name in PARAMETERS {
            assert!(error.contains(name), "{name} missing from {error}");
        }
    }

    #[test]
    fn wrong_values_name_the_parameter() {
        for (text, expected) in [
            (
                r#"{"fail_on": "sometimes"}"#,
                "parameter `fail_on`: \"sometimes\" is not one of critical, warning, unknown, never",
            ),
            (
                r#"{"egress_ips": "192.0.2.300"}"#,
                "parameter `egress_ips`: \"192.0.2.300\" is not an IP address",
            ),
            (
                r#"{"nameservers": ["dns.example"]}"#,
                "parameter `nameservers`:",
            ),
            (r#"{"now": "yesterday"}"#, "parameter `now`:"),
            (
                r#"{"root": ["/a", "/b"]}"#,
                "parameter `root`: expected a string, got a list",
            ),
            (
                r#"{"checks": 3}"#,
                "parameter `checks`: expected a list of check definitions, got a number",
            ),
            (
                r#"{"checks": [], "profile": "/etc/mailaudit.toml"}"#,
                "mutually exclusive",
            ),
        ] {
            let error = ModuleParams::from_arguments(&args(text)).unwrap_err();
            assert!(
                error.starts_with(expected) || error.contains(expected),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn args_files_that_are_not_objects_are_refused_clearly() {
        assert_eq!(
            parse_arguments(b"").unwrap_err(),
            "empty: expected a JSON object of parameters"
        );
        assert_eq!(
            parse_arguments(b" \n").unwrap_err(),
            "empty: expected a JSON object of parameters"
        );
        assert!(
            parse_arguments(b"only=mta")
                .unwrap_err()
                .starts_with("not JSON")
        );
        assert_eq!(
            parse_arguments(b"[1]").unwrap_err(),
            "expected a JSON object of parameters, got a list"
        );
        assert_eq!(parse_arguments(b"\xff\xfe").unwrap_err(), "not UTF-8 text");
        assert!(parse_arguments(br#"{"only": "mta"}"#).is_ok());
    }

    #[test]
    fn inline_checks_are_validated_like_a_profile() {
        let checks = json!([
            {"id": "mta", "kind": "mta", "severity": "critical", "title": "An MTA",
             "remediation": "Install one.", "timeout": null},
            {"id": "wrappers", "kind": "tcp_wrappers", "severity": "warning", "title": "Wrappers",
             "remediation": "Fix hosts.allow.", "timeout": "5s"}
        ]);
        let params =
            ModuleParams::from_arguments(&args(&json!({"checks": checks}).to_string())).unwrap();
        let definitions = params.definitions().unwrap();
        let ids: Vec<&str> = definitions.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["mta", "wrappers"]);
        assert_eq!(definitions[1].timeout, Some(Duration::from_secs(5)));

        // The same list given as a JSON string (ad-hoc `-a checks=…`).
        let as_string = json!({"checks": checks.to_string()}).to_string();
        let from_string = ModuleParams::from_arguments(&args(&as_string))
            .unwrap()
            .definitions()
            .unwrap();
        assert_eq!(from_string.len(), 2);

        let bad = json!({"checks": [{"id": "mta", "kind": "mta", "severity": "fatal",
                          "title": "t", "remediation": "r"}]});
        let error = ModuleParams::from_arguments(&args(&bad.to_string()))
            .unwrap()
            .definitions()
            .unwrap_err();
        assert!(
            error.starts_with("parameter `checks`: checks[0]: ") && error.contains("`fatal`"),
            "{error}"
        );

        let duplicate = json!({"checks": [checks[0].clone(), checks[0].clone()]});
        let error = ModuleParams::from_arguments(&args(&duplicate.to_string()))
            .unwrap()
            .definitions()
            .unwrap_err();
        assert!(
            error.contains("checks[1]: duplicate id \"mta\" (already used by checks[0])"),
            "{error}"
        );

        let not_mapping = json!({"checks": ["mta"]});
        let error = ModuleParams::from_arguments(&args(&not_mapping.to_string())).unwrap_err();
        assert!(error.contains("checks[0]: expected a mapping"), "{error}");
    }

    #[test]
    fn a_missing_profile_names_the_path() {
        let params =
            ModuleParams::from_arguments(&args(r#"{"profile": "/nonexistent/mailaudit.toml"}"#))
                .unwrap();
        assert_eq!(
            params.definitions().unwrap_err(),
            "parameter `profile`: /nonexistent/mailaudit.toml does not exist on the target"
        );
    }

    #[test]
    fn a_selector_matching_nothing_names_the_parameter() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hosts/no-mta");
        let arguments = json!({"root": root, "only": "mta,nosuch"}).to_string();
        let params = ModuleParams::from_arguments(&args(&arguments)).unwrap();
        let error = audit(&params).unwrap_err();
        assert!(
            error.starts_with("parameter `only`: \"nosuch\" matches no check"),
            "{error}"
        );
    }

    #[test]
    fn inline_checks_may_be_toml_text() {
        let text = "[[check]]\nid = \"mta\"\nkind = \"mta\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\n";
        let params =
            ModuleParams::from_arguments(&args(&json!({"checks": text}).to_string())).unwrap();
        assert_eq!(params.definitions().unwrap()[0].id, "mta");
    }

    #[test]
    fn fail_on_follows_the_status_order() {
        use Status::*;
        let table = [
            (FailOn::Critical, [false, false, false, false, true]),
            (FailOn::Warning, [false, false, false, true, true]),
            (FailOn::Unknown, [false, false, true, true, true]),
            (FailOn::Never, [false; 5]),
        ];
        for (fail_on, expected) in table {
            for (status, fails) in [Skipped, Ok, Unknown, Warning, Critical]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(fail_on.fails(status), fails, "{fail_on:?} {status}");
            }
        }
    }

    #[test]
    fn a_panic_becomes_a_failed_result() {
        let response = guarded(|| panic!("boom\nat line 2"));
        assert_eq!(response["failed"], json!(true));
        assert_eq!(response["changed"], json!(false));
        assert_eq!(
            response["msg"],
            json!("mailaudit: internal error (please report it): boom at line 2")
        );
    }

    #[test]
    fn module_invocations_are_recognised() {
        let os = |items: &[&str]| items.iter().map(OsString::from).collect::<Vec<_>>();
        // A missing args file in Ansible's remote tmp dir is still module mode.
        let tmp = "/root/.ansible/tmp/ansible-tmp-1733300000.1-42-1234/args";
        assert_eq!(
            args_file(&os(&["mailaudit", tmp])),
            Some(PathBuf::from(tmp))
        );
        assert_eq!(
            args_file(&os(&["/tmp/x/AnsiballZ_mailaudit", "/tmp/x/missing"])),
            Some(PathBuf::from("/tmp/x/missing"))
        );
        // An existing file is module mode; a missing one outside Ansible is the CLI's.
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        assert_eq!(
            args_file(&os(&["mailaudit", path])),
            Some(PathBuf::from(path))
        );
        assert_eq!(
            args_file(&os(&["mailaudit", "/nonexistent/args.json"])),
            None
        );
        for not_module in [
            &["mailaudit", "run"][..],
            &["mailaudit", "--help"],
            &["mailaudit"],
            &["mailaudit", path, "x"],
        ] {
            assert_eq!(args_file(&os(not_module)), None, "{not_module:?}");
        }
    }
}
