//! PHP's `sendmail_path`: every setting in the ini files and PHP-FPM pools of the host,
//! which one is in force, and whether the program it runs exists.

use super::PhpSendmailPath;
use crate::hostfs::{self, HostFs};
use crate::parse::mta_config as parse;

/// Directories searched when a `sendmail_path` program has no `/` (PHP runs it via /bin/sh).
const PROGRAM_PATH: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Files PHP reads in order for one SAPI (php.ini, then conf.d/*.ini); pool files of
/// PHP-FPM are groups of their own (a pool's setting overrides the ini for that pool).
fn php_file_groups(fs: &HostFs, notes: &mut Vec<String>) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    let list = |dir: &str, suffix: &str, notes: &mut Vec<String>| -> Vec<String> {
        match fs.list_dir(dir) {
            Ok(names) => names
                .into_iter()
                .filter(|n| n.ends_with(suffix))
                .map(|n| hostfs::join(dir, &n))
                .collect(),
            Err(e) => {
                notes.push(e.to_string());
                Vec::new()
            }
        }
    };
    // A SAPI directory: php.ini + conf.d/*.ini, pools in pool.d or php-fpm.d.
    let sapi_dir = |dir: &str, groups: &mut Vec<Vec<String>>, notes: &mut Vec<String>| {
        let ini = hostfs::join(dir, "php.ini");
        let mut group = Vec::new();
        if fs.exists(&ini) {
            group.push(ini);
        }
        group.extend(list(&hostfs::join(dir, "conf.d"), ".ini", notes));
        if !group.is_empty() {
            groups.push(group);
        }
        for pools in ["pool.d", "php-fpm.d"] {
            for pool in list(&hostfs::join(dir, pools), ".conf", notes) {
                groups.push(vec![pool]);
            }
        }
    };
    let etc_names = match fs.list_dir("/etc") {
        Ok(names) => names,
        Err(e) => {
            notes.push(e.to_string());
            return groups;
        }
    };
    for name in etc_names.iter().filter(|n| n.starts_with("php")) {
        let dir = hostfs::join("/etc", name);
        match name.as_str() {
            // RHEL family: /etc/php.ini + /etc/php.d/*.ini; pools in /etc/php-fpm.d.
            "php.ini" => {
                let mut group = vec![dir.clone()];
                group.extend(list("/etc/php.d", ".ini", notes));
                groups.push(group);
            }
            "php.d" => {
                if !etc_names.iter().any(|n| n == "php.ini") {
                    groups.push(list("/etc/php.d", ".ini", notes));
                }
            }
            "php-fpm.d" => {
                for pool in list(&dir, ".conf", notes) {
                    groups.push(vec![pool]);
                }
            }
            _ => {
                // Alpine: /etc/php83/php.ini directly; Debian: /etc/php/<version>/<sapi>/;
                // old Debian: /etc/php5/<sapi>/.
                if fs.exists(&hostfs::join(&dir, "php.ini")) {
                    sapi_dir(&dir, &mut groups, notes);
                    continue;
                }
                let children = match fs.list_dir(&dir) {
                    Ok(children) => children,
                    Err(_) => continue,
                };
                for child in children {
                    let child_dir = hostfs::join(&dir, &child);
                    if child.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                        // A version directory: its SAPIs.
                        for sapi in fs.list_dir(&child_dir).unwrap_or_default() {
                            if sapi != "mods-available" {
                                sapi_dir(&hostfs::join(&child_dir, &sapi), &mut groups, notes);
                            }
                        }
                    } else if child != "mods-available" {
                        sapi_dir(&child_dir, &mut groups, notes);
                    }
                }
            }
        }
    }
    groups
}

fn program_found(fs: &HostFs, program: &str) -> bool {
    if program.contains('/') {
        return fs.is_executable(program);
    }
    PROGRAM_PATH
        .iter()
        .any(|dir| fs.is_executable(&hostfs::join(dir, program)))
}

pub(super) fn sendmail_paths(fs: &HostFs, notes: &mut Vec<String>) -> Vec<PhpSendmailPath> {
    let mut found = Vec::new();
    for group in php_file_groups(fs, notes) {
        let first_of_group = found.len();
        for file in group {
            let text = match fs.read_optional_config(&file) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(e) => {
                    notes.push(e.to_string());
                    continue;
                }
            };
            for setting in parse::php_sendmail_paths(&text) {
                let program = parse::sendmail_path_program(&setting.value).map(str::to_string);
                found.push(PhpSendmailPath {
                    source: format!("{file}:{}", setting.line),
                    program_found: program.as_deref().is_some_and(|p| program_found(fs, p)),
                    program,
                    value: setting.value,
                    effective: false,
                });
            }
        }
        // The last setting PHP reads is the one in force.
        if found.len() > first_of_group
            && let Some(last) = found.last_mut()
        {
            last.effective = true;
        }
    }
    found
}
