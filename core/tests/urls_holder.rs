//! SPEC v3 §9: `.localhost` hosts per checkout, `COMPOSE_PROJECT_NAME`, and the words
//! for who holds a port, through the public API.

use portplan::commands::render::env_variable;
use portplan::project::compose::{
    compose_project_name, is_compose_project_name, service_of_variable,
};
use portplan::project::url::{
    Checkout, MAX_HOST_BYTES, checkout_label, is_localhost_host, is_plain_label, service_label,
};
use portplan::text::forbidden_in_name;
use portplan::words::holder::{Listener, ListeningProcess, PortHolder, PortLease};
use proptest::prelude::*;

#[test]
fn the_checkout_rules_of_url_and_compose_agree() {
    let checkout = Checkout::new("shop@main", "/home/me/shop");
    assert_eq!(
        compose_project_name("shop@main", "/home/me/shop"),
        checkout.label()
    );
    assert!(checkout.label().starts_with("shop-main-"));
    assert_eq!(service_of_variable("WEB_PORT").as_deref(), Some("web"));
}

#[test]
fn who_holds_a_port_reads_what_hosts_send() {
    let holder: PortHolder = serde_json::from_str(
        r#"{"port": 21000,
            "listener": {"state": "processes", "processes": [{"pid": 4242, "command": ["node", "vite"], "cwd": "/home/me/shop"}]},
            "lease": {"namespace": "shop", "name": "web", "root": "/home/me/shop"}}"#,
    )
    .unwrap();
    assert_eq!(
        holder.sentence(),
        "port 21000 is held by pid 4242 (node vite, in /home/me/shop), leased to web of shop in /home/me/shop"
    );
    let answer = holder.clone().answer();
    assert_eq!(answer.holder, holder);
}

/// Any UTF-8 name or namespace of up to 255 bytes (a few code point ranges the labels
/// treat differently); mostly short, sometimes long.
fn name() -> impl Strategy<Value = String> {
    let chars = |length: std::ops::Range<usize>| {
        prop::collection::vec(
            prop_oneof![
                4 => prop::char::range('a', 'z'),
                2 => prop::char::range('A', 'Z'),
                2 => prop::char::range('0', '9'),
                3 => prop::sample::select(vec!['-', '_', '.', '@', '/', ' ', '~']),
                1 => prop::char::range('\u{a0}', '\u{17f}'),
                1 => any::<char>(),
            ],
            length,
        )
    };
    prop_oneof![6 => chars(0..24), 1 => chars(60..300)].prop_map(|chars| {
        let mut text: String = chars.into_iter().collect();
        while text.len() > 255 {
            text.pop();
        }
        text
    })
}

fn root() -> impl Strategy<Value = String> {
    prop_oneof![
        name().prop_map(|n| format!("/home/me/{n}")),
        name().prop_map(|n| format!("C:\\Users\\me\\{n}")),
        name(),
    ]
}

proptest! {
    #[test]
    fn a_compose_variable_names_the_service_env_writes_it_for(name in name()) {
        let variable = env_variable(&name);
        if let Some(service) = service_of_variable(&variable) {
            prop_assert_eq!(env_variable(&service), variable);
        } else {
            // Only names with no ASCII letter or digit (`_PORT`, `__PORT`).
            prop_assert!(!name.chars().any(|c| c.is_ascii_alphanumeric()), "{}", name);
        }
    }

    #[test]
    fn hosts_are_valid_dns_names(name in name(), namespace in name(), root in root()) {
        let checkout = Checkout::new(&namespace, &root);
        let host = checkout.host(&name);
        prop_assert!(is_localhost_host(&host), "{host}");
        prop_assert!(host.len() <= MAX_HOST_BYTES);
        prop_assert!(is_plain_label(&service_label(&name)));
        prop_assert!(is_plain_label(checkout.label()));
        prop_assert!(is_compose_project_name(&compose_project_name(&namespace, &root)));
        // Stable.
        prop_assert_eq!(&host, &Checkout::new(&namespace, &root).host(&name));
        prop_assert_eq!(checkout_label(&namespace, &root), checkout.label());
        let url = checkout.url(&name, 21000);
        prop_assert_eq!(url, format!("http://{host}:21000"));
    }

    #[test]
    fn plain_names_stay_and_other_names_differ(name in name()) {
        let label = service_label(&name);
        if is_plain_label(&name) {
            prop_assert_eq!(&label, &name);
        } else {
            prop_assert_ne!(&label, &name);
            // A name that differs only in case gets another label.
            let upper = name.to_uppercase();
            if upper != name && upper.len() <= 255 {
                prop_assert_ne!(service_label(&upper), label);
            }
        }
    }

    #[test]
    fn two_roots_are_two_checkouts(namespace in name(), a in root(), b in root()) {
        prop_assume!(a != b);
        prop_assert_ne!(checkout_label(&namespace, &a), checkout_label(&namespace, &b));
    }

    #[test]
    fn who_sentences_print_on_one_line(
        name in name(), namespace in name(), root in root(), cwd in root(),
        words in prop::collection::vec(name(), 0..4), pid in any::<Option<u32>>(),
    ) {
        let holder = PortHolder {
            port: 21000,
            listener: Listener::Processes {
                processes: vec![ListeningProcess { pid, command: words, cwd: Some(cwd) }],
            },
            lease: Some(PortLease { namespace, name, root: Some(root) }),
        };
        let sentence = holder.sentence();
        prop_assert!(!sentence.chars().any(forbidden_in_name), "{}", sentence);
        prop_assert!(sentence.starts_with("port 21000 is held by "));
        // Names are cut at 64 characters, paths at 60, the command at 80.
        prop_assert!(sentence.chars().count() < 800, "{}", sentence);
    }
}
