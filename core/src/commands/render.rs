//! The CLIs' text: tables, the `why` sentence, `.env` lines. Rendered here so Node and
//! Python print the same bytes.

use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::config::{HashKind, Layout};
use crate::plan::{Entry, Holder, Plan, Reason};
use crate::registry::Lease;
use crate::text::date;
use crate::text::{quote_key, quote_path};
use std::collections::BTreeMap;

/// A few words for the table.
pub fn reason_words(reason: &Reason) -> String {
    match reason {
        Reason::Pinned => "pinned".into(),
        Reason::Home { .. } => "home".into(),
        Reason::Sequential => "sequential".into(),
        Reason::Block { base, offset } => format!("block {base}+{offset}"),
        Reason::Kept { since } => format!("kept (leased {})", date(*since)),
        Reason::Displaced { home, by } => format!("displaced from {home} by {}", holder_words(by)),
    }
}

fn holder_words(by: &Holder) -> String {
    match by {
        Holder::Service { service } => quote_key(service),
        Holder::Pinned { service } => format!("{} (pinned)", quote_key(service)),
        Holder::Lease {
            namespace,
            service,
            root,
        } => match root {
            Some(root) => format!(
                "lease {} of {}",
                lease_label(namespace, service),
                quote_path(root)
            ),
            None => format!("lease {}", lease_label(namespace, service)),
        },
        Holder::Busy => "a process (busy)".into(),
        Holder::Excluded => "exclude".into(),
        Holder::Unsafe => "a port browsers refuse (unsafe)".into(),
        Holder::Range => "range".into(),
    }
}

fn lease_label(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        quote_key(name)
    } else {
        format!("{}/{}", quote_key(namespace), quote_key(name))
    }
}

/// The line `plan` prints first when no config was found (SPEC §7), naming the root whose
/// leases it shows.
pub fn no_config_line(root: &str) -> String {
    let root = quote_path(root);
    format!(
        "no portplan config found (portplan.toml, package.json \"portplan\" or pyproject.toml [tool.portplan]) from this folder up; showing the leases of {root}\n"
    )
}

pub fn table(plan: &Plan) -> String {
    let rows: Vec<[String; 3]> = plan
        .entries
        .iter()
        .map(|e| {
            [
                quote_key(&e.name),
                e.port.to_string(),
                reason_words(&e.reason),
            ]
        })
        .collect();
    columns(["SERVICE", "PORT", "REASON"], &rows)
}

pub fn leases(leases: &[Lease]) -> String {
    let rows: Vec<[String; 5]> = leases
        .iter()
        .map(|l| {
            [
                quote_key_or_dash(&l.namespace),
                quote_key(&l.name),
                l.port.to_string(),
                date(l.used),
                l.root.as_deref().map_or("-".into(), quote_path),
            ]
        })
        .collect();
    columns(["NAMESPACE", "SERVICE", "PORT", "USED", "ROOT"], &rows)
}

/// `ls`: the leases, and who serves each one's port (`served[i]` for `leases[i]`).
pub fn leases_served(leases: &[Lease], served: &[String]) -> String {
    let rows: Vec<[String; 6]> = leases
        .iter()
        .zip(served)
        .map(|(l, served)| {
            [
                quote_key_or_dash(&l.namespace),
                quote_key(&l.name),
                l.port.to_string(),
                served.clone(),
                date(l.used),
                l.root.as_deref().map_or("-".into(), quote_path),
            ]
        })
        .collect();
    columns(
        ["NAMESPACE", "SERVICE", "PORT", "SERVED BY", "USED", "ROOT"],
        &rows,
    )
}

/// What `release` prints: one line per freed lease, or that there was none.
pub fn released(leases: &[Lease], name: Option<&str>) -> String {
    if leases.is_empty() {
        return match name {
            Some(name) => format!("no lease of {} to release\n", quote_key(name)),
            None => "no leases to release\n".into(),
        };
    }
    leases
        .iter()
        .map(|l| {
            format!(
                "released {} (port {})\n",
                lease_label(&l.namespace, &l.name),
                l.port
            )
        })
        .collect()
}

fn quote_key_or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        quote_key(text)
    }
}

/// Left-aligned columns, two spaces apart, no trailing blanks.
fn columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_owned);
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < N {
                line.extend(std::iter::repeat_n(
                    ' ',
                    widths[i] - cell.chars().count() + 2,
                ));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One sentence: the port of `name` and why.
pub fn why(plan: &Plan, name: &str) -> Result<String> {
    Ok(format!("{}\n", why_sentence(plan, entry(plan, name)?)))
}

/// The plan's entry of `name`, or `unknown_service`.
pub fn entry<'a>(plan: &'a Plan, name: &str) -> Result<&'a Entry> {
    plan.entries.iter().find(|e| e.name == name).ok_or_else(|| {
        let message = format!("no service named {} in the plan", quote_key(name));
        PlanError::new(ErrorKind::UnknownService, message)
            .with(|data| data.service = Some(name.to_owned()))
    })
}

/// The dev-server plugins' preview service is the dev service's name and this suffix, so
/// `vite` and `vite preview` run side by side on ports of their own.
pub const PREVIEW_SUFFIX: &str = "-preview";

/// What a CLI without the browser preview prints for `preview`.
pub const PREVIEW_LINE: &str =
    "portplan: the browser preview is in the npm package: npx portplan preview\n";

/// The line a dev-server plugin prints when it serves: `portplan: web → 21225 (home)`.
pub fn serving(plan: &Plan, name: &str) -> Result<String> {
    let entry = entry(plan, name)?;
    let reason = match &entry.reason {
        Reason::Pinned => "pinned".to_owned(),
        Reason::Home { .. } => "home".to_owned(),
        Reason::Sequential => "sequential".to_owned(),
        Reason::Block { base, offset } => format!("block {base}+{offset}"),
        Reason::Kept { .. } => "kept".to_owned(),
        Reason::Displaced { home, by } => {
            let by = match by {
                Holder::Service { service } => format!(" by {}", quote_key(service)),
                Holder::Pinned { service } => format!(" by {}, pinned", quote_key(service)),
                Holder::Lease {
                    namespace,
                    service,
                    root,
                } => format!(
                    " by the lease {}{}",
                    lease_label(namespace, service),
                    root.as_deref()
                        .map_or(String::new(), |root| format!(" of {}", quote_path(root)))
                ),
                Holder::Busy => " by a process using it".to_owned(),
                Holder::Excluded => ": excluded".to_owned(),
                Holder::Unsafe => ": browsers refuse it".to_owned(),
                Holder::Range => ": out of range".to_owned(),
            };
            format!("displaced from {home}{by}")
        }
    };
    Ok(format!(
        "portplan: {} → {} ({reason})\n",
        quote_key(name),
        entry.port
    ))
}

/// The line a dev-server plugin prints when the user's own port wins: nothing is planned
/// or leased for it.
pub fn serving_explicit(name: &str, port: u16, source: Option<&str>) -> String {
    let source = source.map_or(String::new(), |source| format!("{}, ", quote_key(source)));
    format!(
        "portplan: {} → {port} ({source}set by you; not leased)\n",
        quote_key(name)
    )
}

fn why_sentence(plan: &Plan, entry: &Entry) -> String {
    let (min, max) = (plan.range.min, plan.range.max);
    let name = quote_key(&entry.name);
    let head = format!("{name} gets {}:", entry.port);
    let hashed = match (plan.hash, plan.namespace.is_empty()) {
        (HashKind::Lagom, _) => format!("Lagom's hash of {name}"),
        (HashKind::Sha256, true) => format!("SHA-256 of {name}"),
        (HashKind::Sha256, false) => format!(
            "SHA-256 of {name} in namespace {}",
            quote_key(&plan.namespace)
        ),
    };
    match &entry.reason {
        Reason::Pinned => format!("{head} it is pinned to that port in the config."),
        Reason::Home { .. } => format!(
            "{head} it is its home port ({hashed}, projected onto {min}-{max}), and nothing else holds it."
        ),
        Reason::Kept { since } => format!(
            "{head} it has held this port as a lease since {}, and leases are kept so ports never move (free it with `portplan release {name}`).",
            date(*since)
        ),
        Reason::Sequential => format!(
            "{head} the sequential layout hands out ports in name order from {min}, skipping taken ports."
        ),
        Reason::Block { base, offset } => format!(
            "{head} the block layout gives namespace {} the block starting at {base}, and {name} is number {offset} in name order.",
            quote_key_or_dash(&plan.namespace)
        ),
        Reason::Displaced { home, by } => {
            let held = match by {
                Holder::Service { service } => format!(
                    "service {} had it first (it sorts earlier, or keeps a lease)",
                    quote_key(service)
                ),
                Holder::Pinned { service } => {
                    format!("service {} is pinned to it", quote_key(service))
                }
                Holder::Lease {
                    namespace,
                    service,
                    root: None,
                } => format!(
                    "the registry leases it to {}",
                    lease_label(namespace, service)
                ),
                Holder::Lease {
                    namespace,
                    service,
                    root: Some(root),
                } => format!(
                    "the registry leases it to {} of another checkout, {}",
                    lease_label(namespace, service),
                    quote_path(root)
                ),
                Holder::Busy => "a process on this host is using it".into(),
                Holder::Excluded => "the config excludes it".into(),
                Holder::Unsafe => "browsers refuse to connect to it (browser_safe)".into(),
                Holder::Range => "it is not a port of the range".into(),
            };
            let layout = if plan.layout == Layout::Hash {
                "the closest free port above it (wrapping to the start of the range)"
            } else {
                "another port"
            };
            format!("{head} its home port is {home} ({hashed}), but {held}, so it took {layout}.")
        }
    }
}

/// `.env` lines: `WEB_PORT=21225`. Names become upper-case ASCII letters, digits and `_`,
/// so no name can break a line or inject a shell word.
pub fn env(plan: &Plan) -> Result<String> {
    Ok(env_variables(plan)?
        .iter()
        .map(|(variable, entry)| format!("{variable}={}\n", entry.port))
        .collect())
}

/// Each entry's variable (`WEB_PORT`), in plan order; two services with one variable are
/// an error, as they would overwrite each other.
pub fn env_variables(plan: &Plan) -> Result<Vec<(String, &Entry)>> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut variables = Vec::with_capacity(plan.entries.len());
    for entry in &plan.entries {
        let variable = env_variable(&entry.name);
        if let Some(first) = seen.insert(variable.clone(), &entry.name) {
            return Err(PlanError::new(
                ErrorKind::InvalidName,
                format!(
                    "services {} and {} would both be {variable} in env output; rename one",
                    quote_key(first),
                    quote_key(&entry.name)
                ),
            ));
        }
        variables.push((variable, entry));
    }
    Ok(variables)
}

pub fn env_variable(name: &str) -> String {
    let mut variable: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if variable.starts_with(|c: char| c.is_ascii_digit()) {
        variable.insert(0, '_');
    }
    variable.push_str("_PORT");
    variable
}

/// The line a CLI prints on stderr for an error, and its exit code (an `exit` field of the
/// error wins: `run` exits 127 or 126 as a shell does).
pub fn error(error: &PlanError) -> (String, i32) {
    let exit = error.data.exit.unwrap_or(error.kind.exit_code());
    (
        format!(
            "portplan: error: {}\n",
            error.message.replace(['\n', '\r'], " ")
        ),
        exit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::datetime;

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_795_392_000), "2026-11-23");
        assert_eq!(datetime(1_795_428_245), "2026-11-23T10:04:05Z");
    }

    #[test]
    fn env_variables_are_shell_safe() {
        assert_eq!(env_variable("web"), "WEB_PORT");
        assert_eq!(env_variable("my-api.v2"), "MY_API_V2_PORT");
        assert_eq!(env_variable("9lives"), "_9LIVES_PORT");
        assert_eq!(env_variable("x;rm -rf /$(id)"), "X_RM__RF____ID__PORT");
        assert_eq!(env_variable("café"), "CAF__PORT");
    }
}
