//! The core's modules import each other without a circle (issue 23): each file is one kind
//! of thing, and a newcomer can read them from the bottom up. Checked on the source text:
//! every `crate::a::b` path outside comments and test modules is an edge to the module file
//! it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of `core/src` by path (`plan::config`), with its text.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                walk(&path, &format!("{prefix}{name}::"), out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let module = match name.as_str() {
                    "mod" | "lib" => prefix.trim_end_matches("::").to_owned(),
                    _ => format!("{prefix}{name}"),
                };
                out.insert(module, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut out,
    );
    out
}

/// The code of a module without its comments and its test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `module`'s code names through `crate::` (the longest module prefix of each
/// path), leaving out its own children (a folder declares and re-exports them).
fn imports(module: &str, text: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let code = code(text);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let path: Vec<&str> = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or_default()
            .split("::")
            .filter(|part| !part.is_empty())
            .collect();
        for length in (1..=path.len()).rev() {
            let candidate = path[..length].join("::");
            if all.contains(&candidate) {
                let own_child = candidate.starts_with(&format!("{module}::"));
                if candidate != module && !own_child {
                    found.insert(candidate);
                }
                break;
            }
        }
    }
    found
}

#[test]
fn no_module_imports_itself_through_others() {
    let modules = modules();
    let all: BTreeSet<String> = modules.keys().cloned().collect();
    let graph: BTreeMap<&String, BTreeSet<String>> = modules
        .iter()
        .map(|(module, text)| (module, imports(module, text, &all)))
        .collect();
    // A depth-first walk from every module: meeting a module on the current path is a circle.
    fn visit(
        module: &str,
        graph: &BTreeMap<&String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|m| m == module) {
            panic!(
                "an import circle: {}",
                path[at..].join(" → ") + " → " + module
            );
        }
        if done.contains(module) {
            return;
        }
        path.push(module.to_owned());
        for next in graph.get(&module.to_owned()).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(module.to_owned());
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
    assert!(
        graph.len() > 40,
        "the walk found the modules ({})",
        graph.len()
    );
}

#[test]
fn the_plan_knows_nothing_of_registries_sessions_or_commands() {
    let modules = modules();
    let all: BTreeSet<String> = modules.keys().cloned().collect();
    for (module, text) in modules.iter().filter(|(m, _)| m.starts_with("plan")) {
        for import in imports(module, text, &all) {
            let top = import.split("::").next().unwrap_or_default();
            assert!(
                ["plan", "error", "input", "text"].contains(&top),
                "{module} imports {import}"
            );
        }
    }
}
