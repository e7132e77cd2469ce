//! Config discovery, the project root and the namespace (SPEC §7) through
//! `project::discovery` (what a session decides from the files it read), and where the
//! registry is (`registry::location`): one rule, so every host decides alike.

use portplan::ConfigInput;
use portplan::project::discovery::{self, GitInfo, Resolved, Walk};
use portplan::registry::location::{self, Environment};
use serde_json::{Value, json};

/// What the files of a walk make of a call: `{"config", "root", "config_file"}`, `{"need":
/// "git"}` or `{"error"}`. `request` is the walk (`cwd`, `folders`, `config_path`,
/// `config_file`) with the caller's `options`, the `names` asked for and git's answers.
fn load(request: Value) -> Value {
    let walk: Walk = serde_json::from_value(request.clone()).expect("a walk");
    let field = |key: &str| request.get(key).filter(|v| !v.is_null()).cloned();
    let options: Option<ConfigInput> =
        field("options").map(|o| serde_json::from_value(o).expect("options"));
    let names: Vec<String> = field("names")
        .map(|n| serde_json::from_value(n).expect("names"))
        .unwrap_or_default();
    let git: Option<GitInfo> = field("git").map(|g| serde_json::from_value(g).expect("git"));
    let answer = discovery::find_project(&walk).and_then(|project| {
        Ok(
            match discovery::resolve(&project, options, &names, git.as_ref())? {
                Resolved::Config(config) => json!({
                    "config": config,
                    "root": project.root,
                    "config_file": project.config_file,
                }),
                Resolved::NeedGit => json!({ "need": "git" }),
            },
        )
    });
    answer.unwrap_or_else(|error| json!({ "error": error }))
}

/// Where the registry is for `platform`, the variables in `env`, `home` and `cwd`:
/// `{"dir", "file"}` or `{"error"}`.
fn registry_path(request: Value) -> Value {
    let text = |key: &str| request[key].as_str();
    let var = |name: &str| request["env"][name].as_str();
    let found = location::locate(&Environment {
        platform: text("platform").unwrap_or_default(),
        portplan_home: var("PORTPLAN_HOME"),
        xdg_state_home: var("XDG_STATE_HOME"),
        local_app_data: var("LOCALAPPDATA"),
        home: text("home"),
        cwd: text("cwd").expect("cwd"),
    });
    match found {
        Ok(location) => json!({ "dir": location.dir, "file": location.file }),
        Err(error) => json!({ "error": error }),
    }
}

/// A folder of the walk: its path, its candidate files (name → what the host saw) and
/// its markers.
fn folder(path: &str, files: Value, markers: &[&str]) -> Value {
    json!({ "path": path, "files": files, "markers": markers })
}

fn text(text: &str) -> Value {
    json!({ "text": text })
}

/// The walk from /home/me/shop/web up to /, with `shop` holding what is given.
fn walk(web: Value, shop: Value, shop_markers: &[&str]) -> Value {
    json!({
        "cwd": "/home/me/shop/web",
        "folders": [
            folder("/home/me/shop/web", web, &[]),
            folder("/home/me/shop", shop, shop_markers),
            folder("/home/me", json!({}), &[]),
            folder("/home", json!({}), &[]),
            folder("/", json!({}), &[]),
        ],
    })
}

fn with(mut request: Value, key: &str, value: Value) -> Value {
    request[key] = value;
    request
}

#[test]
fn the_config_is_the_first_one_upward_and_its_folder_is_the_root() {
    // web/package.json has no "portplan" key: the search goes on to shop/portplan.toml.
    let request = walk(
        json!({ "package.json": text(r#"{"name": "web-app"}"#) }),
        json!({ "portplan.toml": text("namespace = \"shop\"\n[services]\nweb = true\n") }),
        &[".git"],
    );
    let answer = load(request);
    assert_eq!(answer["root"], "/home/me/shop");
    assert_eq!(answer["config_file"], "/home/me/shop/portplan.toml");
    assert_eq!(answer["config"]["namespace"], "shop");
    assert_eq!(answer["config"]["services"], json!({ "web": true }));
    // Within one folder: portplan.toml, then package.json, then pyproject.toml.
    let both = walk(
        json!({}),
        json!({
            "package.json": text(r#"{"portplan": {"range": [3000, 3999]}}"#),
            "pyproject.toml": text("[tool.portplan]\nrange = [4000, 4999]\n"),
        }),
        &[],
    );
    let answer = load(both);
    assert_eq!(answer["config_file"], "/home/me/shop/package.json");
    assert_eq!(answer["config"]["range"], json!([3000, 3999]));
}

#[test]
fn without_a_config_the_root_is_the_nearest_marker_else_the_cwd() {
    let answer = load(walk(json!({}), json!({}), &[".git"]));
    assert_eq!(answer["root"], "/home/me/shop");
    assert_eq!(answer["config_file"], Value::Null);
    assert_eq!(
        answer["config"]["namespace"], "shop",
        "the root folder's name"
    );
    let nothing = load(walk(json!({}), json!({}), &[]));
    assert_eq!(nothing["root"], "/home/me/shop/web");
    assert_eq!(nothing["config"]["namespace"], "web");
    // A package.json without a portplan key is a marker; an unknown marker is not.
    let marked = load(walk(
        json!({ "package.json": text(r#"{"name": "@me/web"}"#) }),
        json!({}),
        &["node_modules"],
    ));
    assert_eq!(
        marked["root"], "/home/me/shop/web",
        "the cwd: no known marker"
    );
    assert_eq!(marked["config"]["namespace"], "@me/web");
    let request = with(
        walk(
            json!({ "package.json": text(r#"{"name": "@me/web"}"#) }),
            json!({}),
            &[],
        ),
        "folders",
        json!([
            folder(
                "/home/me/shop/web",
                json!({ "package.json": text(r#"{"name": "@me/web"}"#) }),
                &["package.json"]
            ),
            folder("/", json!({}), &[]),
        ]),
    );
    let answer = load(request);
    assert_eq!(answer["root"], "/home/me/shop/web");
    assert_eq!(answer["config"]["namespace"], "@me/web");
    // No folder at all (a filesystem root as cwd): the cwd, named "".
    let bare = load(json!({ "cwd": "/", "folders": [folder("/", json!({}), &[])] }));
    assert_eq!(
        (bare["root"].clone(), bare["config"]["namespace"].clone()),
        (json!("/"), json!(""))
    );
}

#[test]
fn the_namespace_is_the_projects_own_name() {
    let with_files = |files: Value| {
        load(walk(
            json!({}),
            merge(
                json!({ "portplan.toml": text("[services]\nweb = true\n") }),
                files,
            ),
            &[".git"],
        ))["config"]["namespace"]
            .clone()
    };
    // package.json's name, else pyproject's [project] name, else the root folder's name.
    assert_eq!(
        with_files(json!({
            "package.json": text(r#"{"name": "shop-js"}"#),
            "pyproject.toml": text("[project]\nname = \"shop-py\"\n"),
        })),
        "shop-js"
    );
    assert_eq!(
        with_files(json!({ "pyproject.toml": text("[project]\nname = \"shop-py\"\n") })),
        "shop-py"
    );
    assert_eq!(
        with_files(
            json!({ "package.json": text(r#"{"private": true}"#), "pyproject.toml": text("[tool.x]\n") })
        ),
        "shop"
    );
    assert_eq!(
        with_files(json!({ "package.json": text(r#"{"name": ""}"#) })),
        "shop",
        "an empty name moves on"
    );
    assert_eq!(
        with_files(json!({ "package.json": text(r#"{"name": 7}"#) })),
        "shop",
        "a name that is not a string moves on"
    );
    // Clones in folders of other names still agree (the package's name), and the namespace
    // is not the folder that holds the config.
    let clone = load(json!({
        "cwd": "/srv/checkout-2",
        "folders": [
            folder("/srv/checkout-2", json!({
                "portplan.toml": text("[services]\nweb = true\n"),
                "package.json": text(r#"{"name": "shop-js"}"#),
            }), &[".git", "package.json"]),
            folder("/srv", json!({}), &[]),
            folder("/", json!({}), &[]),
        ],
    }));
    assert_eq!(clone["config"]["namespace"], "shop-js");
}

fn merge(mut a: Value, b: Value) -> Value {
    for (key, value) in b.as_object().unwrap() {
        a[key] = value.clone();
    }
    a
}

#[test]
fn an_explicit_namespace_and_lagom_win_over_the_projects_name() {
    let project = |config: &str, options: Value| {
        load(with(
            walk(
                json!({}),
                json!({ "portplan.toml": text(config), "package.json": text(r#"{"name": "shop-js"}"#) }),
                &[],
            ),
            "options",
            options,
        ))
    };
    assert_eq!(
        project("namespace = \"x\"\n", json!({}))["config"]["namespace"],
        "x"
    );
    assert_eq!(
        project("namespace = \"\"\n", json!({}))["config"]["namespace"],
        ""
    );
    assert_eq!(
        project("namespace = \"x\"\n", json!({ "namespace": "y" }))["config"]["namespace"],
        "y"
    );
    // Lagom's hash needs the empty namespace: a Lagom config needs no namespace line.
    let lagom = project("hash = \"lagom\"\n[services]\nweb = true\n", json!({}));
    assert_eq!(lagom["config"]["namespace"], "");
    assert_eq!(lagom["config"]["hash"], "lagom");
    assert_eq!(
        project("", json!({ "hash": "lagom" }))["config"]["namespace"],
        ""
    );
    // Options override the file, and asked-for names become services.
    let loaded = load(with(
        with(
            walk(
                json!({}),
                json!({ "portplan.toml": text("[services]\nweb = true\n") }),
                &[],
            ),
            "options",
            json!({ "range": [3000, 3999] }),
        ),
        "names",
        json!(["api"]),
    ));
    assert_eq!(loaded["config"]["range"], json!([3000, 3999]));
    assert_eq!(
        loaded["config"]["services"],
        json!({ "web": true, "api": true })
    );
    assert_eq!(
        load(with(
            walk(json!({}), json!({}), &[]),
            "options",
            json!({ "range": [9, 1] })
        ))["error"]["kind"],
        "invalid_range"
    );
}

#[test]
fn a_candidate_that_cannot_be_read_or_parsed_is_an_error_naming_its_path() {
    let unreadable = load(walk(
        json!({ "package.json": { "error": { "code": "EACCES", "reason": "permission denied" } } }),
        json!({ "portplan.toml": text("") }),
        &[],
    ));
    assert_eq!(
        unreadable["error"],
        json!({ "kind": "host", "message": "cannot read /home/me/shop/web/package.json: Permission denied", "path": "/home/me/shop/web/package.json", "code": "EACCES" })
    );
    let huge = load(walk(
        json!({}),
        json!({ "pyproject.toml": { "error": { "code": "EFBIG" } } }),
        &[],
    ));
    assert_eq!(
        huge["error"]["message"],
        "cannot read /home/me/shop/pyproject.toml: it is larger than 1 MiB, too large to be a project file"
    );
    let broken = load(walk(json!({ "package.json": text("{") }), json!({}), &[]));
    assert_eq!(broken["error"]["kind"], "invalid_config");
    assert!(
        broken["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("/home/me/shop/web/package.json: package.json is not valid JSON: line 1"),
        "{broken}"
    );
    assert_eq!(broken["error"]["path"], "/home/me/shop/web/package.json");
    // Above the config nothing is looked at.
    let above = load(json!({
        "cwd": "/w",
        "folders": [
            folder("/w", json!({ "portplan.toml": text("") }), &[]),
            folder("/", json!({ "package.json": text("{") }), &[]),
        ],
    }));
    assert_eq!(above["root"], "/w");
    // The root's package.json read for the name: its error too.
    let name_unreadable = load(walk(
        json!({}),
        json!({ "portplan.toml": text(""), "package.json": { "error": { "code": "EIO", "reason": "i/o" } } }),
        &[],
    ));
    assert_eq!(
        name_unreadable["error"]["message"],
        "cannot read /home/me/shop/package.json: Input/output error"
    );
    let bad_key = load(walk(
        json!({ "portplan.toml": text("layout = \"spiral\"\n") }),
        json!({}),
        &[],
    ));
    assert_eq!(bad_key["error"]["kind"], "invalid_config");
    let not_a_table = load(walk(
        json!({ "package.json": text(r#"{"portplan": "x"}"#) }),
        json!({}),
        &[],
    ));
    assert_eq!(
        not_a_table["error"]["message"],
        "/home/me/shop/web/package.json: the portplan config must be a table (object), not \"x\""
    );
}

#[test]
fn a_bad_value_in_the_config_file_names_the_file_and_the_key() {
    let shop = |config: &str| walk(json!({}), json!({ "portplan.toml": text(config) }), &[]);
    let file = "/home/me/shop/portplan.toml";
    let port = load(shop("[services]\nweb = 70000\n"));
    assert_eq!(
        port["error"],
        json!({
            "kind": "invalid_port",
            "message": format!("{file}: services.web: must be true (any port), false (no port) or a port number from 1 to 65535, not 70000"),
            "key": "services.web",
            "service": "web",
            "path": file,
        })
    );
    let range = load(shop("range = [5000, 4000]\n"));
    assert_eq!(range["error"]["path"], file);
    assert_eq!(range["error"]["key"], "range");
    let unknown = load(shop("rnage = 1\n"));
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{file}: rnage: unknown key")),
        "{unknown}"
    );
    let in_package = load(walk(
        json!({ "package.json": text(r#"{"portplan": {"exclude": ["http"]}}"#) }),
        json!({}),
        &[],
    ));
    assert_eq!(
        in_package["error"]["path"],
        "/home/me/shop/web/package.json"
    );
    assert_eq!(in_package["error"]["key"], "exclude[0]");

    // The caller's options and the names asked for are not the file's: no path.
    let options = load(with(
        shop("range = [3000, 3999]\n"),
        "options",
        json!({ "range": [5000, 4000] }),
    ));
    assert_eq!(options["error"]["key"], "range");
    assert_eq!(options["error"].get("path"), None, "{options}");
    assert!(
        options["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("range: ")
    );
    let asked = load(with(
        shop("[services]\nweb = true\n"),
        "names",
        json!(["a\nb"]),
    ));
    assert_eq!(asked["error"]["kind"], "invalid_name");
    assert_eq!(asked["error"].get("path"), None, "{asked}");
    // A bad file key that the options set over is no error at all.
    let overridden = load(with(
        shop("range = [5000, 4000]\n"),
        "options",
        json!({ "range": [3000, 3999] }),
    ));
    assert_eq!(overridden["config"]["range"], json!([3000, 3999]));
    // Without a file (the project's folder name as namespace) there is no path to give.
    let no_file = load(with(
        walk(json!({}), json!({}), &[]),
        "options",
        json!({ "layout": "spiral" }),
    ));
    assert_eq!(no_file["error"].get("path"), None, "{no_file}");
}

#[test]
fn a_config_file_given_is_used_as_is() {
    let given = |config_file: Value, folders: Value| {
        load(json!({
            "cwd": "/home/me/shop/web",
            "config_path": "../conf/ports.toml",
            "config_file": config_file,
            "folders": folders,
        }))
    };
    let conf_folders = json!([
        folder(
            "/home/me/shop/conf",
            json!({ "package.json": text(r#"{"name": "conf-pkg"}"#) }),
            &["package.json"]
        ),
        folder("/home/me/shop", json!({}), &[".git"]),
        folder("/", json!({}), &[]),
    ]);
    let answer = given(
        json!({ "path": "/home/me/shop/conf/ports.toml", "text": "[services]\nweb = true\n" }),
        conf_folders.clone(),
    );
    assert_eq!(answer["root"], "/home/me/shop/conf");
    assert_eq!(answer["config_file"], "/home/me/shop/conf/ports.toml");
    assert_eq!(answer["config"]["namespace"], "conf-pkg");
    let missing = given(
        json!({ "path": "/home/me/shop/conf/ports.toml", "missing": true }),
        json!([]),
    );
    assert_eq!(
        missing["error"]["message"],
        "the config file ../conf/ports.toml does not exist"
    );
    assert_eq!(missing["error"]["kind"], "invalid_config");
    let unreadable = given(
        json!({ "path": "/home/me/shop/conf/ports.toml", "error": { "code": "EACCES", "reason": "x" } }),
        conf_folders.clone(),
    );
    assert_eq!(
        unreadable["error"]["message"],
        "cannot read ../conf/ports.toml: Permission denied"
    );
    let empty_pyproject = load(json!({
        "cwd": "/w",
        "config_path": "pyproject.toml",
        "config_file": { "path": "/w/pyproject.toml", "text": "[project]\nname = \"x\"\n" },
        "folders": [folder("/w", json!({}), &[])],
    }));
    assert_eq!(
        empty_pyproject["error"]["message"],
        "pyproject.toml holds no portplan config (a [tool.portplan] table in pyproject.toml, a \"portplan\" key in package.json)"
    );
    let unparsable = given(
        json!({ "path": "/home/me/shop/conf/ports.toml", "text": "[services" }),
        conf_folders,
    );
    assert!(
        unparsable["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("../conf/ports.toml: ports.toml is not valid TOML"),
        "{unparsable}"
    );
    assert_eq!(
        load(json!({ "cwd": "/w", "config_path": "x.toml" }))["error"]["kind"],
        "invalid_request"
    );
}

#[test]
fn git_is_asked_only_for_the_git_namespace() {
    let request = with(
        walk(
            json!({}),
            json!({ "portplan.toml": text("namespace = \"git\"\n") }),
            &[".git"],
        ),
        "git",
        Value::Null,
    );
    assert_eq!(load(request.clone()), json!({ "need": "git" }));
    let answer = load(with(
        request,
        "git",
        json!({ "remote": "git@x:me/shop.git", "toplevel": "/home/me/shop", "branch": "main", "head": "1a2b3c4" }),
    ));
    assert_eq!(answer["config"]["namespace"], "shop@main");
    assert_eq!(answer["root"], "/home/me/shop");
}

#[test]
fn windows_paths_are_joined_with_backslashes() {
    let answer = load(json!({
        "cwd": "C:\\work\\shop",
        "folders": [
            folder("C:\\work\\shop", json!({ "package.json": { "error": { "code": "EPERM" } } }), &[]),
            folder("C:\\work", json!({}), &[]),
            folder("C:\\", json!({}), &[]),
        ],
    }));
    assert_eq!(
        answer["error"]["message"],
        "cannot read C:\\work\\shop\\package.json: Operation not permitted"
    );
    let named = load(json!({
        "cwd": "C:\\work\\shop",
        "folders": [folder("C:\\work\\shop", json!({}), &[".git"]), folder("C:\\", json!({}), &[])],
    }));
    assert_eq!(named["config"]["namespace"], "shop");
}

#[test]
fn the_registry_is_where_the_platform_keeps_user_state() {
    let at = |platform: &str, env: Value| {
        registry_path(
            json!({ "platform": platform, "env": env, "home": "/home/me", "cwd": "/home/me/shop" }),
        )
    };
    assert_eq!(
        at("linux", json!({})),
        json!({ "dir": "/home/me/.local/state/portplan", "file": "/home/me/.local/state/portplan/registry.json" })
    );
    assert_eq!(
        at("linux", json!({ "XDG_STATE_HOME": "/var/state/" }))["file"],
        "/var/state/portplan/registry.json"
    );
    // The XDG spec: a relative XDG_STATE_HOME is ignored; an empty value is unset.
    assert_eq!(
        at("linux", json!({ "XDG_STATE_HOME": "state" }))["dir"],
        "/home/me/.local/state/portplan"
    );
    assert_eq!(
        at("freebsd", json!({ "XDG_STATE_HOME": "" }))["dir"],
        "/home/me/.local/state/portplan"
    );
    // PORTPLAN_HOME wins everywhere; a relative one is resolved against cwd.
    assert_eq!(
        at(
            "linux",
            json!({ "PORTPLAN_HOME": "../reg/./x", "XDG_STATE_HOME": "/var/state" })
        )["file"],
        "/home/me/reg/x/registry.json"
    );
    assert_eq!(
        at("darwin", json!({ "PORTPLAN_HOME": "/tmp/pp" }))["dir"],
        "/tmp/pp"
    );
    assert_eq!(
        at(
            "darwin",
            json!({ "PORTPLAN_HOME": "", "XDG_STATE_HOME": "/x" })
        )["dir"],
        "/home/me/Library/Application Support/portplan"
    );
    let windows = |env: Value| {
        registry_path(
            json!({ "platform": "win32", "env": env, "home": "C:\\Users\\me", "cwd": "C:\\work" }),
        )
    };
    assert_eq!(
        windows(json!({ "LOCALAPPDATA": "C:\\Users\\me\\AppData\\Local" })),
        json!({ "dir": "C:\\Users\\me\\AppData\\Local\\portplan", "file": "C:\\Users\\me\\AppData\\Local\\portplan\\registry.json" })
    );
    assert_eq!(
        windows(json!({}))["dir"],
        "C:\\Users\\me\\AppData\\Local\\portplan"
    );
    assert_eq!(
        windows(json!({ "PORTPLAN_HOME": "reg" }))["file"],
        "C:\\work\\reg\\registry.json"
    );
    let no_home = registry_path(json!({ "platform": "linux", "env": {}, "cwd": "/w" }));
    assert_eq!(no_home["error"]["kind"], "host");
    assert!(
        no_home["error"]["message"]
            .as_str()
            .unwrap()
            .contains("set PORTPLAN_HOME")
    );
    assert_eq!(
        registry_path(
            json!({ "platform": "linux", "env": { "PORTPLAN_HOME": "/p" }, "cwd": "/w" })
        )["dir"],
        "/p",
        "no home needed"
    );
}
