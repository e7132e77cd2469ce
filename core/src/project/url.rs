//! SPEC v3 §9 "URLs": every service with a port has `http://<host>:<port>`, where
//! `<host>` ends in `.localhost` (RFC 6761: browsers resolve it to loopback without DNS,
//! and keep cookies per host, so two checkouts do not share logins).
//!
//! The host is `<service>.<checkout>.localhost` (docs/urls-compose.md):
//!
//! - `<service>`: the service's name when it is already a plain DNS label (lowercase ASCII
//!   letters and digits, single hyphens inside, at most 63 bytes: `web`, `api-v2`); any
//!   other name becomes a readable slug of it and 4 base32 characters of SHA-256 of the
//!   name as written (`Web` → `web-<hash>`, `my_api` → `my-api-<hash>`, `@acme/docs` →
//!   `acme-docs-<hash>`, `🚀` → `<hash>`), so no two names share a label unless their
//!   hashes collide.
//! - `<checkout>`: a slug of the project (the namespace, else the root folder's name) and
//!   5 base32 characters of SHA-256 of `namespace ‖ 0x00 ‖ root` (`shop-<hash>`): stable
//!   for a checkout, different between two checkouts of one project, whatever their
//!   folders are called. Services of one checkout share this parent, so an app may set a
//!   cookie for the whole checkout (`Domain=shop-<hash>.localhost`) and no other checkout
//!   sees it.
//!
//! Every label is 1 to 63 bytes of `a-z`, `0-9` and `-`, neither starting nor ending with
//! `-` and never holding `--` (so never an IDNA `xn--` label that a browser would try to
//! decode); a whole host is at most 63 + 1 + 63 + 1 + 9 = 137 bytes (DNS allows 253).
//! No input panics: names and roots are any UTF-8.

use crate::commands::render::env_variable;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The top-level domain of every host (RFC 6761).
pub const TLD: &str = "localhost";

/// The longest DNS label, in bytes (RFC 1035).
pub const MAX_LABEL_BYTES: usize = 63;

/// The longest host name, in bytes (RFC 1035, without the trailing dot).
pub const MAX_HOST_BYTES: usize = 253;

/// Base32 characters of SHA-256 that tell apart two names with one slug (20 bits).
pub const NAME_HASH_CHARS: usize = 4;

/// Base32 characters of SHA-256 that tell apart two checkouts of one project (25 bits).
pub const CHECKOUT_HASH_CHARS: usize = 5;

/// RFC 4648's base32 alphabet, lower-cased: every character is valid in a DNS label.
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A service's URL, as `url --json`, `plan --json` and `run` (`<SERVICE>_URL`) give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceUrl {
    /// The service, as named in the config.
    pub name: String,
    pub port: u16,
    /// `web.shop-3fk2a.localhost`.
    pub host: String,
    /// `http://web.shop-3fk2a.localhost:21000`.
    pub url: String,
}

/// The `.localhost` names of one checkout: computed once (one SHA-256), then a host per
/// service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    label: String,
}

impl Checkout {
    /// The checkout of the project root `root` (absolute, as the host gives it) whose
    /// namespace is `namespace` (`shop`, `shop@main`, or `""`).
    pub fn new(namespace: &str, root: &str) -> Checkout {
        Checkout {
            label: checkout_label(namespace, root),
        }
    }

    /// The checkout's own label: `shop-3fk2a`. Also a valid `COMPOSE_PROJECT_NAME`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `<service>.<checkout>.localhost`.
    pub fn host(&self, name: &str) -> String {
        format!("{}.{}.{TLD}", service_label(name), self.label)
    }

    /// `http://<service>.<checkout>.localhost:<port>`.
    pub fn url(&self, name: &str, port: u16) -> String {
        format!("http://{}:{port}", self.host(name))
    }

    /// The service's URL with its parts.
    pub fn service_url(&self, name: &str, port: u16) -> ServiceUrl {
        let host = self.host(name);
        ServiceUrl {
            name: name.to_owned(),
            port,
            url: format!("http://{host}:{port}"),
            host,
        }
    }
}

/// The host of service `name` in the checkout at `root`: `web.shop-3fk2a.localhost`.
pub fn host(name: &str, namespace: &str, root: &str) -> String {
    Checkout::new(namespace, root).host(name)
}

/// The URL of service `name` on `port` in the checkout at `root`:
/// `http://web.shop-3fk2a.localhost:21000`.
pub fn url(name: &str, namespace: &str, root: &str, port: u16) -> String {
    Checkout::new(namespace, root).url(name, port)
}

/// The variable `run` and `env` set to a service's URL: `WEB_URL` beside `WEB_PORT`
/// (the same upper-casing as [`env_variable`]).
pub fn url_variable(name: &str) -> String {
    let mut variable = env_variable(name);
    variable.truncate(variable.len() - "_PORT".len());
    variable.push_str("_URL");
    variable
}

/// A service's label: the name itself when it is a plain label, else its slug and
/// [`NAME_HASH_CHARS`] base32 characters of SHA-256 of the name as written.
pub fn service_label(name: &str) -> String {
    if is_plain_label(name) {
        return name.to_owned();
    }
    hashed_label(name, &Sha256::digest(name.as_bytes()), NAME_HASH_CHARS)
}

/// A checkout's label: the slug of the project (the namespace, else the root folder's
/// name) and [`CHECKOUT_HASH_CHARS`] base32 characters of SHA-256 of
/// `namespace ‖ 0x00 ‖ root`.
pub fn checkout_label(namespace: &str, root: &str) -> String {
    let project = if namespace.is_empty() {
        crate::paths::file_name(root)
    } else {
        namespace
    };
    let mut hasher = Sha256::new();
    hasher.update(namespace.as_bytes());
    hasher.update([0u8]);
    hasher.update(root.as_bytes());
    hashed_label(project, &hasher.finalize(), CHECKOUT_HASH_CHARS)
}

/// `<slug>-<hash>`, cut so it fits in one label; the hash alone when the text has no
/// letter or digit to show.
fn hashed_label(text: &str, digest: &[u8], hash_chars: usize) -> String {
    let hash = base32(digest, hash_chars);
    let slug = slug(text, MAX_LABEL_BYTES - 1 - hash.len());
    if slug.is_empty() {
        hash
    } else {
        format!("{slug}-{hash}")
    }
}

/// Whether `label` is a valid DNS label as portplan writes them: 1..=63 bytes of `a-z`,
/// `0-9` and `-`, no `-` first or last, no `--` (RFC 1123 labels, lower-case, that are
/// not IDNA-reserved).
pub fn is_plain_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_BYTES
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
        && !label.contains("--")
}

/// Whether `host` is a host portplan could give: plain labels, the last one `localhost`,
/// at most 253 bytes.
pub fn is_localhost_host(host: &str) -> bool {
    host.len() <= MAX_HOST_BYTES
        && host
            .strip_suffix(TLD)
            .and_then(|rest| rest.strip_suffix('.'))
            .is_some_and(|rest| rest.split('.').all(is_plain_label))
}

/// The first `chars` base32 characters of `digest` (`chars` <= 12, 60 bits of 64).
fn base32(digest: &[u8], chars: usize) -> String {
    let mut first = [0u8; 8];
    for (to, from) in first.iter_mut().zip(digest) {
        *to = *from;
    }
    let bits = u64::from_be_bytes(first);
    (0..chars.min(12))
        .map(|i| char::from(BASE32[((bits >> (59 - 5 * i)) & 31) as usize]))
        .collect()
}

/// Lower-case ASCII letters and digits of `text` (Latin-1 letters folded to ASCII: `é` →
/// `e`, `ß` → `ss`), every run of anything else as one `-`, no `-` first or last, at most
/// `max` bytes.
fn slug(text: &str, max: usize) -> String {
    let mut slug = String::new();
    let mut gap = false;
    for c in text.chars() {
        let folded = fold(c);
        if folded.is_empty() {
            gap = true;
            continue;
        }
        if gap && !slug.is_empty() {
            slug.push('-');
        }
        gap = false;
        slug.push_str(folded);
        if slug.len() >= max {
            break;
        }
    }
    slug.truncate(max);
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A character as slug text: itself lower-cased for ASCII letters and digits, the ASCII
/// letters of a Latin-1 letter (`É` → `e`, `æ` → `ae`), else nothing.
fn fold(c: char) -> &'static str {
    const ASCII: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
    /// U+00C0..=U+00FF, one entry each; `` for the two signs among them (× and ÷).
    const LATIN1: [&str; 64] = [
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", //
        "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "ss", //
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", //
        "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
    ];
    match c {
        '0'..='9' => &ASCII[c as usize - '0' as usize..][..1],
        'a'..='z' => &ASCII[10 + c as usize - 'a' as usize..][..1],
        'A'..='Z' => &ASCII[10 + c as usize - 'A' as usize..][..1],
        '\u{c0}'..='\u{ff}' => LATIN1[c as usize - 0xc0],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(text: &str, chars: usize) -> String {
        base32(&Sha256::digest(text.as_bytes()), chars)
    }

    #[test]
    fn plain_names_are_their_own_label() {
        for name in ["web", "api-v2", "9lives", "a", &"x".repeat(63)] {
            assert_eq!(service_label(name), name);
        }
    }

    #[test]
    fn other_names_get_a_slug_and_a_hash() {
        let of = |name: &str, slug: &str| {
            let hash = hash_of(name, NAME_HASH_CHARS);
            let expected = if slug.is_empty() {
                hash
            } else {
                format!("{slug}-{hash}")
            };
            assert_eq!(service_label(name), expected, "{name:?}");
        };
        of("Web", "web");
        of("WEB", "web");
        of("my_api", "my-api");
        of("@acme/docs", "acme-docs");
        of("café", "cafe");
        of("Ærø", "aero");
        of("straße", "strasse");
        of("a--b", "a-b");
        of("-web-", "web");
        of("xn--nxasmq6b", "xn-nxasmq6b");
        of("web.v2", "web-v2");
        of("日本語", "");
        of("🚀", "");
        of("!!!", "");
        of(&"y".repeat(64), &"y".repeat(58));
        assert_ne!(service_label("Web"), service_label("WEB"));
        assert_ne!(service_label("Web"), service_label("web"));
    }

    #[test]
    fn long_names_fit_in_one_label() {
        let long = "ab_".repeat(85);
        assert_eq!(long.len(), 255);
        let label = service_label(&long);
        assert!(is_plain_label(&label), "{label}");
        assert_eq!(label.len(), 63);
        // A 255-byte name of 4-byte characters.
        let emoji = "🦀".repeat(63);
        assert_eq!(service_label(&emoji).len(), NAME_HASH_CHARS);
    }

    #[test]
    fn the_checkout_is_the_project_and_a_hash_of_its_root() {
        let checkout = Checkout::new("shop", "/home/me/shop");
        let mut key = b"shop\0/home/me/shop".to_vec();
        let expected = format!(
            "shop-{}",
            base32(&Sha256::digest(&key), CHECKOUT_HASH_CHARS)
        );
        assert_eq!(checkout.label(), expected);
        assert_eq!(
            checkout.host("web"),
            format!("web.{expected}.localhost"),
            "web.shop-<hash>.localhost"
        );
        assert_eq!(
            checkout.url("web", 21000),
            format!("http://web.{expected}.localhost:21000")
        );
        assert_eq!(
            url("web", "shop", "/home/me/shop", 21000),
            checkout.url("web", 21000)
        );
        // Without a namespace: the root folder's name (Windows paths too).
        key = b"\0C:\\Users\\me\\Shop".to_vec();
        assert_eq!(
            checkout_label("", "C:\\Users\\me\\Shop"),
            format!(
                "shop-{}",
                base32(&Sha256::digest(&key), CHECKOUT_HASH_CHARS)
            )
        );
        assert!(checkout_label("shop@feature/Login", "/w").starts_with("shop-feature-login-"));
        assert!(checkout_label("@acme/shop", "/w").starts_with("acme-shop-"));
        assert_eq!(checkout_label("", "/").len(), CHECKOUT_HASH_CHARS);
    }

    #[test]
    fn two_checkouts_of_one_project_differ_also_with_one_folder_name() {
        let a = Checkout::new("shop", "/home/me/shop");
        let b = Checkout::new("shop", "/tmp/shop");
        let c = Checkout::new("shop", "/home/me/shop-2");
        assert_ne!(a.label(), b.label());
        assert_ne!(a.label(), c.label());
        assert_ne!(a.host("web"), b.host("web"));
        assert_eq!(a, Checkout::new("shop", "/home/me/shop"), "stable");
        // Namespaces whose slugs coincide stay apart.
        assert_ne!(
            checkout_label("shop@main", "/a"),
            checkout_label("shop-main", "/a")
        );
    }

    #[test]
    fn urls_cross_to_the_hosts_with_their_parts() {
        let url = Checkout::new("shop", "/home/me/shop").service_url("My API", 21000);
        assert_eq!(url.name, "My API");
        assert!(url.host.starts_with("my-api-"));
        assert_eq!(url.url, format!("http://{}:21000", url.host));
        let json = serde_json::to_value(&url).unwrap();
        assert_eq!(json["port"], 21000);
        assert_eq!(serde_json::from_value::<ServiceUrl>(json).unwrap(), url);
    }

    #[test]
    fn url_variables_sit_beside_the_port_variables() {
        assert_eq!(url_variable("web"), "WEB_URL");
        assert_eq!(url_variable("api-gateway"), "API_GATEWAY_URL");
        assert_eq!(url_variable("9lives"), "_9LIVES_URL");
        assert_eq!(url_variable("café"), "CAF__URL");
    }

    #[test]
    fn labels_are_checked_as_dns_wants() {
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "A",
            "a_b",
            "a.b",
            "é",
            &"x".repeat(64),
        ] {
            assert!(!is_plain_label(bad), "{bad:?}");
        }
        assert!(is_localhost_host("web.shop-abcde.localhost"));
        assert!(!is_localhost_host("web.shop.example"));
        assert!(!is_localhost_host(".localhost"));
        assert!(!is_localhost_host("localhost"));
        assert!(!is_localhost_host("web..localhost"));
    }

    #[test]
    fn base32_reads_the_digest_from_its_first_bit() {
        assert_eq!(base32(&[0; 32], 5), "aaaaa");
        assert_eq!(base32(&[0xff; 32], 12), "777777777777");
        // 0b00001_00010_00011_... : b c d
        assert_eq!(
            base32(&[0b0000_1000, 0b1000_0110, 0, 0, 0, 0, 0, 0], 3),
            "bcd"
        );
        assert_eq!(base32(&[], 2), "aa");
    }
}
