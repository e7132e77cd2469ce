//! Path text, handled the same way for every host: the core never touches the file system,
//! so it joins, splits and normalizes the absolute paths hosts send as text. A path written
//! with `\` and no `/` (or starting with a drive letter) is a Windows path.

/// Whether a path is written the Windows way: a drive letter, or `\` without any `/`.
fn is_windows(path: &str) -> bool {
    has_drive(path) || (path.contains('\\') && !path.contains('/'))
}

fn has_drive(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// The separators of a path as the host wrote it: `/` and `\` on Windows, `/` elsewhere
/// (where `\` is a character of a name).
fn separators_of(path: &str) -> impl Fn(char) -> bool + Copy {
    let windows = is_windows(path);
    move |c: char| c == '/' || (windows && c == '\\')
}

/// `dir` joined with a file name, with the separator `dir` uses.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with(separators_of(dir)) {
        format!("{dir}{name}")
    } else if is_windows(dir) {
        format!("{dir}\\{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The folder holding `path` (`path` itself for a root such as `/` or `C:\`).
pub fn parent(path: &str) -> String {
    let is_separator = separators_of(path);
    let trimmed = path.trim_end_matches(is_separator);
    match trimmed.rfind(is_separator) {
        None => path.to_owned(),
        Some(0) => path[..1].to_owned(),
        Some(2) if has_drive(trimmed) => trimmed[..3].to_owned(),
        Some(at) => trimmed[..at].to_owned(),
    }
}

/// The last part of a path (`""` for a root).
pub fn file_name(path: &str) -> &str {
    let is_separator = separators_of(path);
    let trimmed = path.trim_end_matches(is_separator);
    let last = trimmed.rsplit(is_separator).next().unwrap_or_default();
    if has_drive(last) && last.len() == 2 {
        ""
    } else {
        last
    }
}

/// Platform rules for [`absolute`] and [`normalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Posix,
    Windows,
}

impl Style {
    fn separator(self) -> char {
        match self {
            Style::Posix => '/',
            Style::Windows => '\\',
        }
    }
}

/// Whether `path` is absolute: `/...` on POSIX; `C:\...` or `\\server\share` on Windows.
pub fn is_absolute(path: &str, style: Style) -> bool {
    match style {
        Style::Posix => path.starts_with('/'),
        Style::Windows => {
            (has_drive(path) && path[2..].starts_with(['/', '\\']))
                || path.starts_with("\\\\")
                || path.starts_with("//")
        }
    }
}

/// `path` made absolute against `cwd` (itself absolute) and normalized.
pub fn absolute(path: &str, cwd: &str, style: Style) -> String {
    if is_absolute(path, style) {
        return normalize(path, style);
    }
    if style == Style::Windows {
        // `\dir` is on cwd's drive; `D:dir` is relative to D:'s own folder, unknown here,
        // so it is taken from that drive's root.
        if path.starts_with(['/', '\\']) && has_drive(cwd) {
            return normalize(&format!("{}{path}", &cwd[..2]), style);
        }
        if has_drive(path) {
            return normalize(&format!("{}\\{}", &path[..2], &path[2..]), style);
        }
    }
    normalize(&format!("{cwd}{}{path}", style.separator()), style)
}

/// Lexical normalization, as Node's `path.resolve` and Python's `os.path.abspath` do:
/// `.` dropped, `..` taken back, doubled and trailing separators removed.
pub fn normalize(path: &str, style: Style) -> String {
    let separator = style.separator();
    let (prefix, rest) = match style {
        Style::Posix => ("/", path.strip_prefix('/').unwrap_or(path)),
        Style::Windows if path.starts_with("\\\\") || path.starts_with("//") => {
            // \\server\share: the share is part of the root.
            let mut parts = path[2..].splitn(3, ['/', '\\']);
            let server = parts.next().unwrap_or_default();
            let share = parts.next().unwrap_or_default();
            let rest = parts.next().unwrap_or_default();
            return unc(server, share, rest);
        }
        Style::Windows if has_drive(path) => (&path[..2], &path[2..]),
        Style::Windows => ("", path),
    };
    let splits = |c: char| c == '/' || (style == Style::Windows && c == '\\');
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split(splits) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join(&separator.to_string());
    match style {
        Style::Posix => format!("{prefix}{joined}"),
        Style::Windows => format!("{prefix}{separator}{joined}"),
    }
}

fn unc(server: &str, share: &str, rest: &str) -> String {
    let root = format!("\\\\{server}\\{share}");
    let normalized = normalize(&format!("C:\\{rest}"), Style::Windows);
    let tail = &normalized[3..];
    if tail.is_empty() {
        format!("{root}\\")
    } else {
        format!("{root}\\{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_the_paths_own_separator() {
        assert_eq!(join("/home/me", "package.json"), "/home/me/package.json");
        assert_eq!(join("/", "package.json"), "/package.json");
        assert_eq!(join("C:\\Users\\me", "a"), "C:\\Users\\me\\a");
        assert_eq!(join("C:\\", "a"), "C:\\a");
    }

    #[test]
    fn parents_and_names() {
        assert_eq!(parent("/home/me/portplan.toml"), "/home/me");
        assert_eq!(parent("/portplan.toml"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(parent("C:\\shop\\portplan.toml"), "C:\\shop");
        assert_eq!(parent("C:\\portplan.toml"), "C:\\");
        assert_eq!(file_name("/home/me/shop"), "shop");
        assert_eq!(file_name("/home/me/shop/"), "shop");
        assert_eq!(file_name("/"), "");
        assert_eq!(file_name("C:\\"), "");
        assert_eq!(file_name("C:\\work\\shop"), "shop");
        assert_eq!(file_name("/home/a\\b"), "a\\b");
    }

    #[test]
    fn normalizes_as_the_hosts_resolve() {
        assert_eq!(normalize("/a/./b/../c//d/", Style::Posix), "/a/c/d");
        assert_eq!(normalize("/..", Style::Posix), "/");
        assert_eq!(normalize("/a\\b", Style::Posix), "/a\\b");
        assert_eq!(
            absolute("state", "/home/me", Style::Posix),
            "/home/me/state"
        );
        assert_eq!(absolute("../x", "/home/me", Style::Posix), "/home/x");
        assert_eq!(absolute("/abs/", "/home/me", Style::Posix), "/abs");
        assert_eq!(
            absolute("state", "C:\\Users\\me", Style::Windows),
            "C:\\Users\\me\\state"
        );
        assert_eq!(absolute("\\x", "D:\\w", Style::Windows), "D:\\x");
        assert_eq!(absolute("C:/a/b/..", "D:\\w", Style::Windows), "C:\\a");
        assert_eq!(
            absolute("\\\\srv\\share\\a\\..\\b", "C:\\", Style::Windows),
            "\\\\srv\\share\\b"
        );
        assert!(!is_absolute("C:x", Style::Windows));
    }
}

/// Whether `path` is `root` or inside it (both absolute, symlinks resolved). Windows paths
/// compare without case, as their file systems do.
pub fn is_inside(path: &str, root: &str) -> bool {
    let windows = is_windows(root);
    let fold = |p: &str| {
        let p = p.trim_end_matches(separators_of(p));
        if windows {
            p.replace('/', "\\").to_lowercase()
        } else {
            p.to_owned()
        }
    };
    let (path, root) = (fold(path), fold(root));
    if path == root {
        return true;
    }
    let separator = if windows { '\\' } else { '/' };
    path.strip_prefix(&root).is_some_and(|rest| {
        rest.starts_with(separator) || root.ends_with(separator) || root.is_empty()
    })
}

#[cfg(test)]
mod inside_tests {
    use super::is_inside;

    #[test]
    fn inside_means_the_root_or_below_it() {
        assert!(is_inside("/home/me/shop", "/home/me/shop"));
        assert!(is_inside("/home/me/shop/.env", "/home/me/shop"));
        assert!(is_inside("/home/me/shop/.env", "/home/me/shop/"));
        assert!(!is_inside("/home/me/shopping/.env", "/home/me/shop"));
        assert!(!is_inside("/home/me/.ssh/config", "/home/me/shop"));
        assert!(is_inside("/x", "/"));
        assert!(is_inside(
            "C:\\Users\\Me\\Shop\\.env",
            "c:\\users\\me\\shop"
        ));
        assert!(!is_inside("C:\\Users\\Me\\Shopping", "C:\\Users\\Me\\Shop"));
    }
}
