//! Host files, read under a root directory (`--root`): `/` for the live host, a captured
//! snapshot otherwise. Symlinks are resolved *inside* the root, absolute targets included,
//! like a chroot would; a link that climbs out of the root is not followed.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Symlinks followed while resolving one path before we call it a loop (Linux's MAXSYMLINKS).
const MAX_SYMLINK_HOPS: usize = 40;

/// Config files larger than this are not read whole: no real hosts.allow or main.cf is.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
    live: bool,
}

/// Why a host file could not be read; the message always names the host path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFsError {
    pub path: String,
    pub kind: HostFsErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostFsErrorKind {
    NotFound,
    PermissionDenied,
    NotAFile,
    SymlinkLoop,
    EscapesRoot(String),
    TooLarge(u64),
    Binary,
    Io(String),
}

impl HostFsError {
    fn new(path: &Path, kind: HostFsErrorKind) -> Self {
        HostFsError {
            path: path.display().to_string(),
            kind,
        }
    }

    fn io(path: &Path, error: &io::Error) -> Self {
        let kind = match error.kind() {
            io::ErrorKind::NotFound => HostFsErrorKind::NotFound,
            io::ErrorKind::PermissionDenied => HostFsErrorKind::PermissionDenied,
            io::ErrorKind::IsADirectory => HostFsErrorKind::NotAFile,
            _ if error.raw_os_error() == Some(40) => HostFsErrorKind::SymlinkLoop,
            _ => HostFsErrorKind::Io(error.to_string()),
        };
        HostFsError::new(path, kind)
    }

    pub fn is_not_found(&self) -> bool {
        self.kind == HostFsErrorKind::NotFound
    }
}

impl fmt::Display for HostFsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.kind {
            HostFsErrorKind::NotFound => write!(f, "{path}: no such file"),
            HostFsErrorKind::PermissionDenied => write!(
                f,
                "{path}: permission denied (run as root, or as a member of the file's group)"
            ),
            HostFsErrorKind::NotAFile => write!(f, "{path}: is a directory, expected a file"),
            HostFsErrorKind::SymlinkLoop => write!(f, "{path}: too many levels of symbolic links"),
            HostFsErrorKind::EscapesRoot(target) => write!(
                f,
                "{path}: symbolic link to {target} leads outside the audited root; not followed"
            ),
            HostFsErrorKind::TooLarge(size) => write!(
                f,
                "{path}: {size} bytes is too large for a configuration file; not read"
            ),
            HostFsErrorKind::Binary => write!(f, "{path}: binary data where text was expected"),
            HostFsErrorKind::Io(message) => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for HostFsError {}

impl HostFs {
    /// The live host: every path is read as it is.
    pub fn live() -> Self {
        HostFs {
            root: PathBuf::from("/"),
            live: true,
        }
    }

    /// A snapshot root. Fails when it is not a readable directory.
    pub fn snapshot(root: &Path) -> Result<Self, String> {
        let meta = fs::metadata(root)
            .map_err(|e| format!("--root {}: {}", root.display(), io_reason(&e)))?;
        if !meta.is_dir() {
            return Err(format!("--root {}: not a directory", root.display()));
        }
        let root = fs::canonicalize(root)
            .map_err(|e| format!("--root {}: {}", root.display(), io_reason(&e)))?;
        let live = root == Path::new("/");
        Ok(HostFs { root, live })
    }

    /// True when this is the running system (process-table facts are meaningful).
    pub fn is_live(&self) -> bool {
        self.live
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a host path (absolute, as on the host) to a real path under the root,
    /// following every symlink inside the root.
    pub fn resolve(&self, host_path: &str) -> Result<PathBuf, HostFsError> {
        self.resolve_with_chain(host_path).map(|(real, _)| real)
    }

    /// Like [`resolve`](Self::resolve), and also returns the host paths of each link
    /// followed, in order (`/usr/sbin/sendmail` → `/etc/alternatives/mta` → …).
    pub fn resolve_with_chain(
        &self,
        host_path: &str,
    ) -> Result<(PathBuf, Vec<String>), HostFsError> {
        let display = Path::new(host_path);
        // Components still to walk, in reverse so that `pop` yields the next one.
        let mut pending: Vec<String> = components_of(host_path).into_iter().rev().collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut chain = vec![normalise(host_path)];
        let mut hops = 0;
        while let Some(component) = pending.pop() {
            if component == ".." {
                if resolved.pop().is_none() {
                    return Err(HostFsError::new(
                        display,
                        HostFsErrorKind::EscapesRoot(host_path.to_string()),
                    ));
                }
                continue;
            }
            resolved.push(component);
            let real = self.real_path(&resolved);
            let meta = match fs::symlink_metadata(&real) {
                Ok(meta) => meta,
                Err(e) => return Err(HostFsError::io(display, &e)),
            };
            if !meta.file_type().is_symlink() {
                continue;
            }
            hops += 1;
            if hops > MAX_SYMLINK_HOPS {
                return Err(HostFsError::new(display, HostFsErrorKind::SymlinkLoop));
            }
            let target = fs::read_link(&real).map_err(|e| HostFsError::io(display, &e))?;
            let target_text = target.to_string_lossy().to_string();
            resolved.pop();
            let mut base: Vec<String> = if target.is_absolute() {
                Vec::new()
            } else {
                resolved.clone()
            };
            for part in components_of(&target_text) {
                if part == ".." {
                    if base.pop().is_none() {
                        return Err(HostFsError::new(
                            display,
                            HostFsErrorKind::EscapesRoot(target_text.clone()),
                        ));
                    }
                } else {
                    base.push(part);
                }
            }
            let remaining: Vec<String> = pending.iter().rev().cloned().collect();
            let mut link_path = format!("/{}", base.join("/"));
            if !remaining.is_empty() {
                link_path = format!(
                    "{}/{}",
                    link_path.trim_end_matches('/'),
                    remaining.join("/")
                );
            }
            chain.push(link_path);
            resolved = Vec::new();
            pending.extend(base.into_iter().rev());
        }
        Ok((self.real_path(&resolved), chain))
    }

    fn real_path(&self, components: &[String]) -> PathBuf {
        let mut path = self.root.clone();
        for component in components {
            path.push(component);
        }
        path
    }

    /// Does the host path exist (after resolving links inside the root)?
    pub fn exists(&self, host_path: &str) -> bool {
        self.resolve(host_path).is_ok()
    }

    pub fn metadata(&self, host_path: &str) -> Result<fs::Metadata, HostFsError> {
        let real = self.resolve(host_path)?;
        fs::metadata(&real).map_err(|e| HostFsError::io(Path::new(host_path), &e))
    }

    /// Opens a regular file for streaming (logs, mailboxes).
    pub fn open(&self, host_path: &str) -> Result<File, HostFsError> {
        let real = self.resolve(host_path)?;
        let display = Path::new(host_path);
        let meta = fs::metadata(&real).map_err(|e| HostFsError::io(display, &e))?;
        if meta.is_dir() {
            return Err(HostFsError::new(display, HostFsErrorKind::NotAFile));
        }
        File::open(&real).map_err(|e| HostFsError::io(display, &e))
    }

    /// Reads a configuration file as text: bounded in size, refused when it holds NUL
    /// bytes (binary), invalid UTF-8 replaced rather than fatal.
    pub fn read_config(&self, host_path: &str) -> Result<String, HostFsError> {
        let display = Path::new(host_path);
        let file = self.open(host_path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > MAX_CONFIG_BYTES {
            return Err(HostFsError::new(display, HostFsErrorKind::TooLarge(size)));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| HostFsError::io(display, &e))?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(HostFsError::new(
                display,
                HostFsErrorKind::TooLarge(bytes.len() as u64),
            ));
        }
        if bytes.contains(&0) {
            return Err(HostFsError::new(display, HostFsErrorKind::Binary));
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Reads a config file that may legitimately be absent: `Ok(None)` when missing.
    pub fn read_optional_config(&self, host_path: &str) -> Result<Option<String>, HostFsError> {
        match self.read_config(host_path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Names of the entries of a host directory, sorted; empty when it does not exist.
    pub fn list_dir(&self, host_path: &str) -> Result<Vec<String>, HostFsError> {
        let real = match self.resolve(host_path) {
            Ok(real) => real,
            Err(e) if e.is_not_found() => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let display = Path::new(host_path);
        let entries = match fs::read_dir(&real) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(HostFsError::io(display, &e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Is the host path an executable regular file (after resolving links)?
    pub fn is_executable(&self, host_path: &str) -> bool {
        use std::os::unix::fs::PermissionsExt;
        match self.metadata(host_path) {
            Ok(meta) => meta.is_file() && meta.permissions().mode() & 0o111 != 0,
            Err(_) => false,
        }
    }
}

/// Joins a directory and a name into a host path.
pub fn join(dir: &str, name: &str) -> String {
    format!("{}/{}", dir.trim_end_matches('/'), name)
}

fn components_of(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect()
}

fn normalise(host_path: &str) -> String {
    format!("/{}", components_of(host_path).join("/"))
}

fn io_reason(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> (tempfile::TempDir, HostFs) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("usr/sbin")).unwrap();
        fs::create_dir_all(root.join("etc/alternatives")).unwrap();
        fs::write(root.join("usr/sbin/sendmail.postfix"), "#!/bin/sh\n").unwrap();
        symlink("/etc/alternatives/mta", root.join("usr/sbin/sendmail")).unwrap();
        symlink(
            "/usr/sbin/sendmail.postfix",
            root.join("etc/alternatives/mta"),
        )
        .unwrap();
        symlink("../../../../../../etc/passwd", root.join("etc/escape")).unwrap();
        symlink("loop-b", root.join("etc/loop-a")).unwrap();
        symlink("loop-a", root.join("etc/loop-b")).unwrap();
        let fs = HostFs::snapshot(root).unwrap();
        (dir, fs)
    }

    #[test]
    fn absolute_links_resolve_inside_the_root() {
        let (_dir, fs) = tree();
        let (real, chain) = fs.resolve_with_chain("/usr/sbin/sendmail").unwrap();
        assert!(real.ends_with("usr/sbin/sendmail.postfix"));
        assert!(real.starts_with(fs.root()));
        assert_eq!(
            chain,
            vec![
                "/usr/sbin/sendmail",
                "/etc/alternatives/mta",
                "/usr/sbin/sendmail.postfix"
            ]
        );
    }

    #[test]
    fn links_out_of_the_root_are_not_followed() {
        let (_dir, fs) = tree();
        let err = fs.resolve("/etc/escape").unwrap_err();
        assert!(matches!(err.kind, HostFsErrorKind::EscapesRoot(_)), "{err}");
        assert!(err.to_string().contains("/etc/escape"));
    }

    #[test]
    fn symlink_loops_are_reported() {
        let (_dir, fs) = tree();
        let err = fs.read_config("/etc/loop-a").unwrap_err();
        assert_eq!(err.kind, HostFsErrorKind::SymlinkLoop);
    }

    #[test]
    fn directories_and_binary_files_are_refused_as_config() {
        let (dir, fs) = tree();
        fs::write(dir.path().join("etc/binary"), b"abc\0def").unwrap();
        assert_eq!(
            fs.read_config("/etc").unwrap_err().kind,
            HostFsErrorKind::NotAFile
        );
        assert_eq!(
            fs.read_config("/etc/binary").unwrap_err().kind,
            HostFsErrorKind::Binary
        );
        assert!(fs.read_optional_config("/etc/absent").unwrap().is_none());
    }

    #[test]
    fn a_missing_root_is_a_clear_error() {
        let err = HostFs::snapshot(Path::new("/nonexistent/snapshot")).unwrap_err();
        assert!(err.contains("/nonexistent/snapshot"), "{err}");
    }
}
