//! SPEC v3 §9 "Compose": the services a compose file declares (feature `compose`).
#![cfg(feature = "compose")]

use portplan::ErrorKind;
use portplan::project::compose::{COMPOSE_FILES, ComposePort, ComposeService, compose_services};
use portplan::text::forbidden_in_name;
use proptest::prelude::*;

fn port(service: &str, default: Option<u16>, line: u32, column: u32) -> ComposePort {
    ComposePort {
        service: service.into(),
        default,
        line,
        column,
    }
}

fn names(services: &[ComposeService]) -> Vec<&str> {
    services.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn compose_files_in_the_order_compose_prefers_them() {
    assert_eq!(
        COMPOSE_FILES,
        [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yaml",
            "docker-compose.yml"
        ]
    );
}

#[test]
fn every_syntax_of_a_published_port() {
    let text = r#"
services:
  web:
    image: nginx
    ports:
      - "${WEB_PORT}:80"
      - "127.0.0.1:${ADMIN_PORT:-8080}:81/tcp"
      - '[::1]:${API_GATEWAY_PORT-9000}:82'
      - $METRICS_PORT:9090
      - ${DNS_PORT:?set DNS_PORT}:53/udp
      - "${DNS_PORT}:53/tcp"
      - "3000"
      - 3001:3001
      - "9000-9001:90-91"
      - "${CONTAINER_ONLY_PORT}"
      - "8080:${TARGET_PORT}"
      - "${ALT_PORT:+7000}:70"
      - "$${ESCAPED_PORT}:71"
      - "${HOST_IP:-0.0.0.0}:${BOUND_PORT}:72"
  db:
    image: postgres
    environment:
      PGPORT: ${DB_INNER_PORT}
    expose:
      - "${EXPOSED_PORT}"
    ports:
      - target: 5432
        published: ${DB_PORT:-5432}
        host_ip: 127.0.0.1
      - target: 5433
        published: "8081"
      - target: 5434
        published: "${LONG_RANGE_PORT}-${OTHER_PORT}"
      - target: 5435
"#;
    let services = compose_services("compose.yaml", text).unwrap();
    assert_eq!(
        names(&services),
        [
            "admin",
            "api-gateway",
            "bound",
            "db",
            "dns",
            "metrics",
            "web"
        ]
    );
    let by = |name: &str| services.iter().find(|s| s.name == name).unwrap();
    assert_eq!(by("web").variable, "WEB_PORT");
    assert_eq!(by("web").found, [port("web", None, 6, 9)]);
    assert_eq!(by("admin").found, [port("web", Some(8080), 7, 9)]);
    assert_eq!(by("api-gateway").variable, "API_GATEWAY_PORT");
    assert_eq!(by("api-gateway").found, [port("web", Some(9000), 8, 9)]);
    assert_eq!(by("metrics").found, [port("web", None, 9, 9)]);
    assert_eq!(
        by("dns").found,
        [port("web", None, 10, 9), port("web", None, 11, 9)],
        "one service, every place"
    );
    assert_eq!(by("bound").found, [port("web", None, 19, 9)]);
    assert_eq!(by("db").found, [port("db", Some(5432), 28, 20)]);
}

#[test]
fn anchors_aliases_and_merge_keys_as_compose_reads_them() {
    let text = r#"
x-ports: &ports
  - "${SHARED_PORT}:80"
x-base: &base
  ports:
    - "${BASE_PORT}:80"
x-deeper: &deeper
  <<: *base
services:
  a:
    ports: *ports
  b:
    <<: *base
  c:
    <<: [*deeper]
  d:
    <<: *base
    ports: ["${OWN_PORT}:80"]
  e:
    ports:
      - *ports
"#;
    let services = compose_services("compose.yaml", text).unwrap();
    assert_eq!(names(&services), ["base", "own", "shared"]);
    let by = |name: &str| services.iter().find(|s| s.name == name).unwrap();
    let in_services =
        |name: &str| -> Vec<String> { by(name).found.iter().map(|p| p.service.clone()).collect() };
    assert_eq!(in_services("base"), ["b", "c"], "d's own ports win");
    assert_eq!(in_services("shared"), ["a"]);
    assert_eq!(in_services("own"), ["d"]);
}

#[test]
fn files_without_services_declare_none() {
    for text in [
        "",
        "# only a comment\n",
        "---\n",
        "services:\n",
        "services: ~\n",
        "services: null\n",
        "null\n",
        "services: {}\n",
        "name: shop\n",
        "services:\n  web:\n",
        "services:\n  web:\n    image: x\n",
        "services:\n  web:\n    ports: \"${WEB_PORT}:80\"\n",
        "services:\n  web:\n    ports:\n      - [\"${WEB_PORT}:80\"]\n",
        "services:\n  ? [a]\n  : {ports: [\"${WEB_PORT}:80\"]}\n",
        "services:\n  web:\n    ports: [\"${Web_PORT}:80\", \"${PORT}:81\"]\n",
    ] {
        assert_eq!(
            compose_services("compose.yaml", text).unwrap(),
            [],
            "{text:?}"
        );
    }
}

#[test]
fn several_documents_and_recursive_anchors() {
    let text = "services:\n  a:\n    ports: [\"${A_PORT}:1\"]\n---\nservices:\n  b:\n    ports: [\"${B_PORT}:1\"]\n";
    assert_eq!(
        names(&compose_services("c.yaml", text).unwrap()),
        ["a", "b"]
    );
    // An alias to a node still open reads as null: no cycle, no hang.
    let text = "services: &s\n  a:\n    ports: [\"${A_PORT}:1\"]\n    <<: *s\n";
    assert_eq!(names(&compose_services("c.yaml", text).unwrap()), ["a"]);
    // A byte-order mark is not content.
    let text = "\u{feff}services:\n  a:\n    ports: [\"${A_PORT}:1\"]\n";
    assert_eq!(names(&compose_services("c.yaml", text).unwrap()), ["a"]);
}

#[test]
fn an_alias_bomb_costs_nothing() {
    let mut text = String::from("a0: &a0 [\"${BOMB_PORT}:1\"]\n");
    for i in 1..40 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("services:\n  x:\n    <<: *a39\n    ports: *a39\n");
    assert_eq!(compose_services("c.yaml", &text).unwrap(), []);
    let mut merges = String::from("m0: &m0 {ports: [\"${DEEP_PORT}:1\"]}\n");
    for i in 1..2000 {
        merges.push_str(&format!("m{i}: &m{i} {{<<: [*m{}, *m{}]}}\n", i - 1, i - 1));
    }
    merges.push_str("services:\n  x:\n    <<: *m1999\n");
    let services = compose_services("c.yaml", &merges).unwrap();
    assert_eq!(names(&services), ["deep"]);
}

#[test]
fn bad_yaml_is_an_error_with_file_line_and_column() {
    let error = compose_services(
        "/home/me/shop/compose.yaml",
        "services:\n  web:\n    ports: [\"${WEB_PORT}:80\"\n  db: {}\n",
    )
    .unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidConfig);
    assert!(
        error
            .message
            .starts_with("/home/me/shop/compose.yaml is not valid YAML: line "),
        "{}",
        error.message
    );
    assert_eq!(
        error.data.path.as_deref(),
        Some("/home/me/shop/compose.yaml")
    );
    assert!(error.data.line.is_some());
    for (text, line) in [
        ("services:\n  web: [\n", 3),
        ("a: b: c\n", 1),
        ("services:\n\tweb: {}\n", 2),
        ("key: \"unterminated\n", 1),
        ("- a\nb: c\n", 2),
        ("*undefined\n", 1),
    ] {
        let error = compose_services("compose.yaml", text).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidConfig, "{text:?}");
        assert_eq!(error.data.line, Some(line), "{text:?}: {}", error.message);
        assert!(error.message.contains(", column "), "{}", error.message);
    }
    let error = compose_services("compose.yaml", "- a\n- b\n").unwrap_err();
    assert_eq!(
        error.message,
        "compose.yaml: line 1, column 1: the top level is not a mapping, so this is no compose file"
    );
    let error = compose_services("compose.yaml", "services:\n  - web\n").unwrap_err();
    assert_eq!(
        error.message,
        "compose.yaml: line 2, column 3: services is not a mapping of compose services"
    );
    let error = compose_services("my\ncompose.yaml", "a: [").unwrap_err();
    assert!(
        error
            .message
            .starts_with("\"my\\ncompose.yaml\" is not valid YAML"),
        "{}",
        error.message
    );
}

#[test]
fn deep_nesting_is_no_crash() {
    let deep = "[".repeat(200_000);
    assert!(compose_services("c.yaml", &deep).is_err());
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(compose_services("c.yaml", &deep).is_err());
    let deep = "- ".repeat(50_000) + "x\n";
    assert!(compose_services("c.yaml", &deep).is_err());
}

proptest! {
    #[test]
    fn compose_text_never_panics(text in ".{0,400}") {
        let _ = compose_services("compose.yaml", &text);
    }

    #[test]
    fn compose_like_text_never_panics(
        parts in prop::collection::vec(
            prop::sample::select(vec![
                "services:", "\n", "  ", "- ", "ports:", "web:", "\"", "'", "${", "}", "$", ":-", "_PORT",
                "WEB", ":", "80", "&a ", "*a", "<<: ", "[", "]", "{", "}", ",", "published: ", "#", "? ",
                "---", "...", "|", ">", "!reset ", "\t", "é",
            ]),
            0..80,
        )
    ) {
        let text: String = parts.concat();
        if let Err(error) = compose_services("compose.yaml", &text) {
            prop_assert_eq!(error.kind, ErrorKind::InvalidConfig);
            prop_assert!(!error.message.chars().any(forbidden_in_name), "{}", error.message);
        }
    }

}
