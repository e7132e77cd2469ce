//! SPEC v3 §9 "Compose": a compose file at the project root declares services, and
//! `COMPOSE_PROJECT_NAME` is distinct per checkout.
//!
//! Each published host port written as a variable `<NAME>_PORT` makes `<name>` (NAME
//! lower-cased, `_` as `-`: `API_GATEWAY_PORT` → `api-gateway`) a service:
//!
//! ```yaml
//! services:
//!   web:
//!     ports:
//!       - "${WEB_PORT}:80"                       # short syntax
//!       - "127.0.0.1:${ADMIN_PORT:-8080}:81/tcp" # with an address, a default, a protocol
//!       - target: 5432                           # long syntax
//!         published: ${DB_PORT}
//! ```
//!
//! The forms of a reference are Compose's: `$WEB_PORT`, `${WEB_PORT}`,
//! `${WEB_PORT:-8080}`, `${WEB_PORT-8080}`, `${WEB_PORT:?message}`, `${WEB_PORT?message}`.
//! Only the host port counts, and only when it is the variable alone: container ports,
//! addresses, literal ports (`"8080:80"`), ranges (`"9000-9001:80-81"`), a container port
//! alone (`"${WEB_PORT}"`, which Compose publishes on a random host port), `${X:+alt}`
//! (the port is then `alt`), `$$` (a literal `$`), variables anywhere else (`environment:`,
//! `expose:`) and variables portplan does not write (`Web_PORT`: portplan writes
//! `WEB_PORT`) are ignored.
//!
//! YAML is read by `saphyr-parser` (pure Rust, no `unsafe` C translation; events with line
//! and column) into a flat arena: an alias shares its anchor's node instead of copying it,
//! so an alias bomb costs no memory, and nothing recurses on the document's depth. Merge
//! keys (`<<: *defaults`) are followed, as Compose does. Text that is not YAML is an
//! `invalid_config` error naming the file, line and column; no input panics.

use crate::project::url::Checkout;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The compose files Compose itself reads at a project root, in its order of preference:
/// the host reads the first that exists.
pub const COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A service a compose file declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ComposeService {
    /// The portplan service: `api-gateway`.
    pub name: String,
    /// The variable the file uses for its port: `API_GATEWAY_PORT` (what `env` writes).
    pub variable: String,
    /// Every published port written with the variable, in file order.
    pub found: Vec<ComposePort>,
}

/// One published port written with a service's variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ComposePort {
    /// The compose service whose `ports` hold it (the key under `services:`).
    pub service: String,
    /// The default written after `:-` or `-` (`${WEB_PORT:-8080}`), when it is a port
    /// number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<u16>,
    /// Where the port's value starts in the file, both from 1 (the column in characters).
    pub line: u32,
    pub column: u32,
}

/// `COMPOSE_PROJECT_NAME` for the checkout at `root`: its `.localhost` label
/// ([`Checkout::label`]: the project's slug and 5 base32 characters of SHA-256 of
/// namespace and root, `shop-3fk2a`). Distinct per checkout, and valid for Compose: lower-
/// case letters, digits and `-`, starting with a letter or digit.
pub fn compose_project_name(namespace: &str, root: &str) -> String {
    Checkout::new(namespace, root).label().to_owned()
}

/// Compose's rule for a project name: lower-case ASCII letters, digits, `_` and `-`,
/// starting with a letter or digit.
pub fn is_compose_project_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The service a variable stands for: `WEB_PORT` → `web`, `API_GATEWAY_PORT` →
/// `api-gateway`, `_9LIVES_PORT` → `9lives` (the `_` that `env` puts before a digit is
/// dropped). Several names share a variable (`my.api`, `my_api`, `my-api`: `MY_API_PORT`);
/// this is the one with `-`, so a command merging compose services into a config should
/// match them by variable, not by name. None unless the variable is `<NAME>_PORT` with NAME of upper-case
/// letters, digits and `_` holding a letter or digit, and is what `env` writes for that
/// name (so `env` sets the variable the file reads).
pub fn service_of_variable(variable: &str) -> Option<String> {
    let stem = variable.strip_suffix("_PORT")?;
    if !stem
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        || !stem.bytes().any(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    // `env` writes `_9LIVES_PORT` for `9lives` (a variable cannot start with a digit).
    let stem = match stem.strip_prefix('_') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => stem,
    };
    let name: String = stem
        .chars()
        .map(|c| match c {
            '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    (crate::commands::render::env_variable(&name) == variable).then_some(name)
}

#[cfg(feature = "compose")]
pub use reading::compose_services;

/// Reading compose text (feature `compose`, on by default: the YAML reader is left out of
/// builds that do not read compose files).
#[cfg(feature = "compose")]
mod reading {
    use super::{ComposePort, ComposeService, service_of_variable};
    use crate::error::{ErrorKind, PlanError, Result};
    use crate::text::{forbidden_in_name, quote_path};
    use saphyr_parser::{Event, Parser, ScanError, Span};
    use std::collections::{BTreeMap, BTreeSet};

    /// The services the compose text `text` of the file `file` (its name or path, for
    /// messages) declares, sorted by name. Text that is not YAML, or whose top level or
    /// `services` is not a mapping, is `invalid_config` with the file, line and column.
    pub fn compose_services(file: &str, text: &str) -> Result<Vec<ComposeService>> {
        let tree = Tree::read(text).map_err(|e| not_yaml(file, &e))?;
        let mut found: BTreeMap<String, ComposeService> = BTreeMap::new();
        for &root in &tree.roots {
            let services = match &tree.nodes[root] {
                Node::Mapping(_) => match tree.get(root, "services") {
                    Some(services) => services,
                    None => continue,
                },
                Node::Null => continue,
                Node::Scalar(scalar) if scalar.is_null() => continue,
                _ => {
                    return Err(shape(
                        file,
                        tree.place(root),
                        "the top level is not a mapping, so this is no compose file",
                    ));
                }
            };
            let entries = match &tree.nodes[services] {
                Node::Mapping(entries) => entries,
                Node::Null => continue,
                Node::Scalar(scalar) if scalar.is_null() => continue,
                _ => {
                    return Err(shape(
                        file,
                        tree.place(services),
                        "services is not a mapping of compose services",
                    ));
                }
            };
            for &(key, service) in entries {
                let Node::Scalar(key) = &tree.nodes[key] else {
                    continue;
                };
                let Some(ports) = tree.get(service, "ports") else {
                    continue;
                };
                let Node::Sequence(ports) = &tree.nodes[ports] else {
                    continue;
                };
                for &port in ports {
                    let published = match &tree.nodes[port] {
                        Node::Scalar(scalar) => {
                            short_syntax_host(&scalar.text).map(|r| (r, scalar))
                        }
                        Node::Mapping(_) => {
                            match tree.get(port, "published").map(|p| &tree.nodes[p]) {
                                Some(Node::Scalar(scalar)) => {
                                    sole_reference(&scalar.text).map(|r| (r, scalar))
                                }
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    let Some((reference, scalar)) = published else {
                        continue;
                    };
                    let Some(name) = service_of_variable(reference.name) else {
                        continue;
                    };
                    let entry = found.entry(name.clone()).or_insert_with(|| ComposeService {
                        name,
                        variable: reference.name.to_owned(),
                        found: Vec::new(),
                    });
                    entry.found.push(ComposePort {
                        service: key.text.clone(),
                        default: reference.default(),
                        line: scalar.line,
                        column: scalar.column,
                    });
                }
            }
        }
        Ok(found.into_values().collect())
    }

    /// `compose.yaml is not valid YAML: line 3, column 5: <the parser's words>`.
    fn not_yaml(file: &str, error: &ScanError) -> PlanError {
        let line = u32::try_from(error.marker().line()).unwrap_or(u32::MAX);
        let column = u32::try_from(error.marker().col().saturating_add(1)).unwrap_or(u32::MAX);
        let words: String = error
            .info()
            .chars()
            .map(|c| {
                if forbidden_in_name(c) {
                    c.escape_default().collect()
                } else {
                    c.to_string()
                }
            })
            .collect();
        PlanError::new(
            ErrorKind::InvalidConfig,
            format!(
                "{} is not valid YAML: line {line}, column {column}: {words}",
                quote_path(file)
            ),
        )
        .with(|data| {
            data.path = Some(file.to_owned());
            data.line = Some(line);
        })
    }

    /// A compose file whose shape no compose file has.
    fn shape(file: &str, (line, column): (u32, u32), what: &str) -> PlanError {
        PlanError::new(
            ErrorKind::InvalidConfig,
            format!("{}: line {line}, column {column}: {what}", quote_path(file)),
        )
        .with(|data| {
            data.path = Some(file.to_owned());
            data.line = Some(line);
        })
    }

    /// A scalar and where it starts (both from 1).
    #[derive(Debug)]
    struct Scalar {
        text: String,
        line: u32,
        column: u32,
    }

    impl Scalar {
        /// YAML's null (`services:`, `services: ~`, `services: null`).
        fn is_null(&self) -> bool {
            matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
        }
    }

    #[derive(Debug)]
    enum Node {
        Scalar(Scalar),
        Sequence(Vec<usize>),
        Mapping(Vec<(usize, usize)>),
        /// An alias whose anchor is unknown or not yet complete (`&a [*a]`): read as null,
        /// so the tree has no cycle.
        Null,
    }

    /// A container being read, and the anchor it will be known by.
    struct Open {
        node: usize,
        anchor: usize,
        key: Option<usize>,
    }

    /// Every node of a YAML stream in one arena; a node reached through an alias is shared.
    struct Tree {
        nodes: Vec<Node>,
        /// Where each node starts (line and column, from 1).
        places: Vec<(u32, u32)>,
        /// The root node of each document.
        roots: Vec<usize>,
    }

    impl Tree {
        fn read(text: &str) -> std::result::Result<Tree, ScanError> {
            let mut tree = Tree {
                nodes: Vec::new(),
                places: Vec::new(),
                roots: Vec::new(),
            };
            let mut open: Vec<Open> = Vec::new();
            // Anchor ids count up from 1 through the stream: the node of each, by id.
            let mut anchors: Vec<Option<usize>> = Vec::new();
            for event in Parser::new_from_str(text) {
                let (event, span) = event?;
                let (line, column) = place(&span);
                let done = match event {
                    Event::Scalar(text, _, anchor, _) => {
                        let node = tree.push(
                            Node::Scalar(Scalar {
                                text: text.into_owned(),
                                line,
                                column,
                            }),
                            (line, column),
                        );
                        anchor_at(&mut anchors, anchor, node);
                        node
                    }
                    Event::Alias(anchor) => match anchors.get(anchor) {
                        Some(&Some(node)) => node,
                        _ => tree.push(Node::Null, (line, column)),
                    },
                    Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                        let node = tree.push(
                            if matches!(event, Event::SequenceStart(..)) {
                                Node::Sequence(Vec::new())
                            } else {
                                Node::Mapping(Vec::new())
                            },
                            (line, column),
                        );
                        open.push(Open {
                            node,
                            anchor,
                            key: None,
                        });
                        continue;
                    }
                    Event::SequenceEnd | Event::MappingEnd => match open.pop() {
                        Some(closed) => {
                            anchor_at(&mut anchors, closed.anchor, closed.node);
                            closed.node
                        }
                        None => continue,
                    },
                    _ => continue,
                };
                match open.last_mut() {
                    None => tree.roots.push(done),
                    Some(parent) => match &mut tree.nodes[parent.node] {
                        Node::Sequence(items) => items.push(done),
                        Node::Mapping(entries) => match parent.key.take() {
                            None => parent.key = Some(done),
                            Some(key) => entries.push((key, done)),
                        },
                        Node::Scalar(_) | Node::Null => {}
                    },
                }
            }
            Ok(tree)
        }

        fn push(&mut self, node: Node, place: (u32, u32)) -> usize {
            self.nodes.push(node);
            self.places.push(place);
            self.nodes.len() - 1
        }

        fn place(&self, node: usize) -> (u32, u32) {
            self.places.get(node).copied().unwrap_or((1, 1))
        }

        /// The value of `key` in the mapping `node`: its own, else the first found through
        /// its merge keys (`<<: *base`, `<<: [*a, *b]`), each mapping looked at once.
        fn get(&self, node: usize, key: &str) -> Option<usize> {
            let mut seen = BTreeSet::new();
            let mut todo = vec![node];
            while let Some(node) = todo.pop() {
                if !seen.insert(node) {
                    continue;
                }
                let Node::Mapping(entries) = &self.nodes[node] else {
                    continue;
                };
                let mut merged = Vec::new();
                for &(k, v) in entries {
                    match &self.nodes[k] {
                        Node::Scalar(scalar) if scalar.text == key => return Some(v),
                        Node::Scalar(scalar) if scalar.text == "<<" => merged.push(v),
                        _ => {}
                    }
                }
                // Depth first, in the order written: a later source is looked at last.
                for source in merged.into_iter().rev() {
                    match &self.nodes[source] {
                        Node::Sequence(items) => todo.extend(items.iter().rev()),
                        _ => todo.push(source),
                    }
                }
            }
            None
        }
    }

    /// Records that anchor `id` (0: none) names `node`.
    fn anchor_at(anchors: &mut Vec<Option<usize>>, id: usize, node: usize) {
        if id == 0 {
            return;
        }
        if anchors.len() <= id {
            anchors.resize(id + 1, None);
        }
        anchors[id] = Some(node);
    }

    fn place(span: &Span) -> (u32, u32) {
        let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(span.start.col().saturating_add(1)).unwrap_or(u32::MAX);
        (line, column)
    }

    /// A variable reference: `$NAME`, `${NAME}`, `${NAME<op><arg>}`.
    #[derive(Debug, PartialEq)]
    pub(super) struct Reference<'a> {
        pub(super) name: &'a str,
        op: &'a str,
        arg: &'a str,
    }

    impl Reference<'_> {
        /// Whether the value is the variable's (or its default, or an error when unset);
        /// `:+`/`+` give another value when the variable is set.
        fn is_the_variable(&self) -> bool {
            matches!(self.op, "" | ":-" | "-" | ":?" | "?")
        }

        fn default(&self) -> Option<u16> {
            match self.op {
                ":-" | "-" => self.arg.parse().ok().filter(|&port| port != 0),
                _ => None,
            }
        }
    }

    /// A piece of interpolated text: plain text, or one reference.
    #[derive(Debug, PartialEq)]
    enum Piece<'a> {
        Text(&'a str),
        Reference(Reference<'a>),
    }

    /// The pieces of `text` as Compose interpolates it.
    fn pieces(text: &str) -> Vec<Piece<'_>> {
        let bytes = text.as_bytes();
        let mut pieces = Vec::new();
        let mut start = 0; // of the current text piece
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'$' {
                i += 1;
                continue;
            }
            let (reference, end) = match bytes.get(i + 1) {
                Some(b'$') => {
                    i += 2;
                    continue;
                }
                Some(b'{') => braced(text, i),
                Some(&b) if b == b'_' || b.is_ascii_alphabetic() => {
                    let end = i + 1 + name_length(&text[i + 1..]);
                    let reference = Reference {
                        name: &text[i + 1..end],
                        op: "",
                        arg: "",
                    };
                    (Some(reference), end)
                }
                _ => (None, i + 1),
            };
            if let Some(reference) = reference {
                if start < i {
                    pieces.push(Piece::Text(&text[start..i]));
                }
                pieces.push(Piece::Reference(reference));
                start = end;
            }
            i = end;
        }
        if start < text.len() {
            pieces.push(Piece::Text(&text[start..]));
        }
        pieces
    }

    /// Bytes of a variable name at the start of `text`: `[A-Za-z0-9_]*`.
    fn name_length(text: &str) -> usize {
        text.bytes()
            .take_while(|&b| b == b'_' || b.is_ascii_alphanumeric())
            .count()
    }

    /// The reference `${...}` at `at`, and where it ends (nested `${...}` in a default
    /// included); None (and the byte after `$`) when it is unterminated or malformed.
    fn braced(text: &str, at: usize) -> (Option<Reference<'_>>, usize) {
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut j = at;
        let close = loop {
            match bytes.get(j) {
                None => return (None, at + 1),
                Some(b'$') if bytes.get(j + 1) == Some(&b'{') => {
                    depth += 1;
                    j += 2;
                }
                Some(b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        break j;
                    }
                    j += 1;
                }
                Some(_) => j += 1,
            }
        };
        let inner = &text[at + 2..close];
        let name = &inner[..name_length(inner)];
        let rest = &inner[name.len()..];
        let op = [":-", ":?", ":+", "-", "?", "+"]
            .into_iter()
            .find(|op| rest.starts_with(op))
            .unwrap_or("");
        let valid = name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
            && (rest.is_empty() || !op.is_empty());
        let reference = valid.then(|| Reference {
            name,
            op,
            arg: &rest[op.len()..],
        });
        match reference {
            Some(reference) => (Some(reference), close + 1),
            None => (None, at + 1),
        }
    }

    /// `text` when it is one reference to a variable and nothing else.
    fn sole_reference(text: &str) -> Option<Reference<'_>> {
        let mut pieces = pieces(text.trim());
        match (pieces.pop(), pieces.is_empty()) {
            (Some(Piece::Reference(reference)), true) if reference.is_the_variable() => {
                Some(reference)
            }
            _ => None,
        }
    }

    /// The host port of a short-syntax entry, `[[ADDRESS:]HOST:]CONTAINER[/PROTOCOL]`,
    /// when it is one reference: the part before the last `:` outside references.
    fn short_syntax_host(text: &str) -> Option<Reference<'_>> {
        let mut parts: Vec<Vec<Piece<'_>>> = vec![Vec::new()];
        for piece in pieces(text.trim()) {
            match piece {
                Piece::Text(text) => {
                    let mut split = text.split(':');
                    if let Some(first) = split.next().filter(|t| !t.is_empty()) {
                        parts.last_mut()?.push(Piece::Text(first));
                    }
                    for next in split {
                        parts.push(Vec::new());
                        if !next.is_empty() {
                            parts.last_mut()?.push(Piece::Text(next));
                        }
                    }
                }
                reference => parts.last_mut()?.push(reference),
            }
        }
        if parts.len() < 2 {
            return None;
        }
        let mut host = parts.swap_remove(parts.len() - 2);
        match (host.pop(), host.is_empty()) {
            (Some(Piece::Reference(reference)), true) if reference.is_the_variable() => {
                Some(reference)
            }
            _ => None,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn reference<'a>(name: &'a str, op: &'a str, arg: &'a str) -> Reference<'a> {
            Reference { name, op, arg }
        }

        #[test]
        fn references_are_read_as_compose_interpolates() {
            assert_eq!(pieces("${A}"), [Piece::Reference(reference("A", "", ""))]);
            assert_eq!(
                pieces("$A_B:1"),
                [
                    Piece::Reference(reference("A_B", "", "")),
                    Piece::Text(":1")
                ]
            );
            assert_eq!(pieces("$$A"), [Piece::Text("$$A")]);
            assert_eq!(
                pieces("${A:-${B:-1}}x"),
                [
                    Piece::Reference(reference("A", ":-", "${B:-1}")),
                    Piece::Text("x")
                ]
            );
            assert_eq!(pieces("${A"), [Piece::Text("${A")]);
            assert_eq!(pieces("${1A}"), [Piece::Text("${1A}")]);
            assert_eq!(pieces("${A!x}"), [Piece::Text("${A!x}")]);
            assert_eq!(pieces("${}"), [Piece::Text("${}")]);
            assert_eq!(pieces("$"), [Piece::Text("$")]);
            assert_eq!(pieces("a$-b"), [Piece::Text("a$-b")]);
            assert_eq!(
                pieces("${A?need it}"),
                [Piece::Reference(reference("A", "?", "need it"))]
            );
            assert_eq!(
                pieces("é${A}é"),
                [
                    Piece::Text("é"),
                    Piece::Reference(reference("A", "", "")),
                    Piece::Text("é")
                ]
            );
        }

        #[test]
        fn the_host_port_is_the_part_before_the_container_port() {
            let host = |text| short_syntax_host(text).map(|r| (r.name, r.default()));
            assert_eq!(host("${WEB_PORT}:80"), Some(("WEB_PORT", None)));
            assert_eq!(
                host("127.0.0.1:${WEB_PORT:-8080}:80/tcp"),
                Some(("WEB_PORT", Some(8080)))
            );
            assert_eq!(
                host("[::1]:${WEB_PORT-8080}:80"),
                Some(("WEB_PORT", Some(8080)))
            );
            assert_eq!(
                host("${IP:-0.0.0.0}:$WEB_PORT:80"),
                Some(("WEB_PORT", None))
            );
            assert_eq!(
                host("${WEB_PORT:?set WEB_PORT}:80"),
                Some(("WEB_PORT", None))
            );
            assert_eq!(host("${WEB_PORT:-abc}:80"), Some(("WEB_PORT", None)));
            assert_eq!(host("${WEB_PORT:-0}:80"), Some(("WEB_PORT", None)));
            assert_eq!(host(" ${WEB_PORT}:80 "), Some(("WEB_PORT", None)));
            for ignored in [
                "${WEB_PORT}",
                "80",
                "8080:80",
                "9000-9001:80-81",
                "${WEB_PORT}-${WEB_END_PORT}:80-81",
                "8080:${WEB_PORT}",
                "${WEB_PORT:+9000}:80",
                "$${WEB_PORT}:80",
                "x${WEB_PORT}:80",
                ":80",
                "",
            ] {
                assert_eq!(host(ignored), None, "{ignored}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_map_to_the_services_env_writes_them_for() {
        assert_eq!(service_of_variable("WEB_PORT").as_deref(), Some("web"));
        assert_eq!(
            service_of_variable("API_GATEWAY_PORT").as_deref(),
            Some("api-gateway")
        );
        assert_eq!(service_of_variable("V2_PORT").as_deref(), Some("v2"));
        assert_eq!(
            service_of_variable("_9LIVES_PORT").as_deref(),
            Some("9lives")
        );
        assert_eq!(service_of_variable("_9_PORT").as_deref(), Some("9"));
        assert_eq!(service_of_variable("_WEB_PORT").as_deref(), Some("-web"));
        for not_a_service in [
            "PORT",
            "_PORT",
            "__PORT",
            "Web_PORT",
            "WEB_PORTS",
            "WEB",
            "WÉB_PORT",
            "9LIVES_PORT",
            "WEB-X_PORT",
        ] {
            assert_eq!(service_of_variable(not_a_service), None, "{not_a_service}");
        }
    }

    #[test]
    fn project_names_are_distinct_per_checkout_and_valid_for_compose() {
        let a = compose_project_name("shop", "/home/me/shop");
        let b = compose_project_name("shop", "/tmp/shop");
        assert_ne!(a, b);
        assert!(a.starts_with("shop-"), "{a}");
        assert_eq!(a, compose_project_name("shop", "/home/me/shop"));
        for name in [
            a,
            b,
            compose_project_name("@Acme/Shop", "/x"),
            compose_project_name("", "/"),
            compose_project_name("🚀", "C:\\w"),
            compose_project_name("", "/home/me/_private"),
        ] {
            assert!(is_compose_project_name(&name), "{name}");
        }
        assert!(!is_compose_project_name("-x"));
        assert!(!is_compose_project_name("_x"));
        assert!(!is_compose_project_name("Shop"));
        assert!(!is_compose_project_name(""));
    }
}
