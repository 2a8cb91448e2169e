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
            // /etc/php, /etc/php5, /etc/php83 — not /etc/phpmyadmin or /etc/php-fpm.conf.
            _ if !name[3..].chars().all(|c| c.is_ascii_digit() || c == '.') => {}
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
                    if !is_dir(fs, &child_dir) {
                        continue;
                    }
                    if child.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                        // A version directory: its SAPIs.
                        for sapi in fs.list_dir(&child_dir).unwrap_or_default() {
                            if sapi != "mods-available"
                                && is_dir(fs, &hostfs::join(&child_dir, &sapi))
                            {
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

fn is_dir(fs: &HostFs, host_path: &str) -> bool {
    fs.metadata(host_path).is_ok_and(|meta| meta.is_dir())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_directories_of_every_layout_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "etc/php/8.2/fpm/php.ini",
                "sendmail_path = /usr/sbin/sendmail -t -i\n",
            ),
            (
                "etc/php/8.2/fpm/conf.d/20-mail.ini",
                "sendmail_path = sendmail -t\n",
            ),
            (
                "etc/php/8.2/fpm/pool.d/www.conf",
                "php_admin_value[sendmail_path] = /bin/true\n",
            ),
            (
                "etc/php/8.2/fpm/php-fpm.conf",
                "sendmail_path = /not/read\n",
            ),
            (
                "etc/php/8.2/mods-available/x.ini",
                "sendmail_path = /not/read\n",
            ),
            ("etc/php83/php.ini", "sendmail_path = /usr/bin/msmtp -t\n"),
            ("etc/phpmyadmin/conf.d/x.ini", "sendmail_path = /not/read\n"),
            ("etc/phpmyadmin/apache.conf", "# not php\n"),
            ("usr/sbin/sendmail", "#!/bin/sh\n"),
            ("bin/true", "#!/bin/sh\n"),
        ];
        for (path, content) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, content).unwrap();
        }
        for exe in ["usr/sbin/sendmail", "bin/true"] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path().join(exe), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let fs = HostFs::snapshot(dir.path()).unwrap();
        let mut notes = Vec::new();
        let found = sendmail_paths(&fs, &mut notes);
        let summary: Vec<(&str, bool, bool)> = found
            .iter()
            .map(|p| (p.source.as_str(), p.effective, p.program_found))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/etc/php/8.2/fpm/php.ini:1", false, true),
                // A bare name is looked up on PATH, as /bin/sh would.
                ("/etc/php/8.2/fpm/conf.d/20-mail.ini:1", true, true),
                ("/etc/php/8.2/fpm/pool.d/www.conf:1", true, true),
                ("/etc/php83/php.ini:1", true, false),
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
    }
}
