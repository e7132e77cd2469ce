//! Planning (SPEC §3–§6): the taken set, the layouts, and the plan of a config.

use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::answer::*;
use crate::plan::config::HashKind;
use crate::plan::config::{Config, Service};
use crate::plan::layout;
use crate::plan::taken::{Given, Taken};
use crate::text::quote_key;
use std::collections::BTreeMap;

/// Plans `config` with the ports in `busy` taken on the host (SPEC §3–§6).
pub fn plan(config: &Config, busy: &[u16]) -> Result<Plan> {
    plan_with(config, &Held::busy(busy))
}

/// [`plan`], naming every service by reference to `config`.
pub fn plan_ref<'a>(config: &'a Config, held: &'a Held) -> Result<PlanRef<'a>> {
    Ok(PlanRef {
        exclude: &config.exclude,
        hash: config.hash,
        layout: config.layout,
        namespace: &config.namespace,
        entries: entries(config, held)?,
        range: config.range,
    })
}

/// Plans with registry knowledge: other leases are taken, `kept` services keep their port.
pub fn plan_with(config: &Config, held: &Held<'_>) -> Result<Plan> {
    Ok(Plan {
        exclude: config.exclude.clone(),
        hash: config.hash,
        layout: config.layout,
        namespace: config.namespace.clone(),
        entries: entries(config, held)?,
        range: config.range,
    })
}

/// The entries of the plan, sorted by name.
fn entries<'a, E: MakeEntry<'a>>(config: &'a Config, held: &'a Held<'a>) -> Result<Vec<E>> {
    let pinned = check_pins(config, held)?;
    let mut taken = Taken::new(config, pinned, &held.busy, &held.leases);
    let mut given = Given::new(config);
    // Entries in name order, so the plan comes out sorted without a sort; a free service's
    // entry is written in place once the layout gives it a port.
    let mut entries: Vec<E> = Vec::with_capacity(config.services.len());
    let mut free_names: Vec<&str> = Vec::new();
    let mut free_entries: Vec<u32> = Vec::new();
    for (name, service) in &config.services {
        let (port, reason) = match (service, held.kept.get(name.as_str())) {
            (Service::Disabled, _) => continue,
            (Service::Pinned(port), _) => (*port, ReasonRef::Pinned),
            (Service::Free, Some(&(port, since))) => {
                taken.set.insert(port);
                given.insert(port, name);
                (port, ReasonRef::Kept { since })
            }
            (Service::Free, None) => {
                free_names.push(name);
                free_entries.push(entries.len() as u32);
                // Overwritten below: the layout gives every free service a port or fails.
                (0, ReasonRef::Sequential)
            }
        };
        entries.push(E::make(name, port, reason));
    }
    if config.hash == HashKind::Lagom {
        // Lagom sorts as Java does: by UTF-16 code units.
        let mut order: Vec<(&str, u32)> = free_names.into_iter().zip(free_entries).collect();
        order.sort_unstable_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        (free_names, free_entries) = order.into_iter().unzip();
    }
    layout::assign(config, &free_names, &taken, given, |index, port, reason| {
        entries[free_entries[index] as usize].set(port, reason);
    })?;
    Ok(entries)
}

/// Duplicate pins and pins on busy ports are errors (SPEC §2). A lease never makes a pin
/// busy (SPEC §7: a pin is the user's own statement); the registry leaves busy pins out.
fn check_pins<'a>(config: &'a Config, held: &Held<'_>) -> Result<BTreeMap<u16, &'a str>> {
    let mut by_port: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for (name, service) in &config.services {
        if let Service::Pinned(port) = service {
            by_port.entry(*port).or_default().push(name);
        }
    }
    if let Some((&port, names)) = by_port.iter().find(|(_, names)| names.len() > 1) {
        let list = names
            .iter()
            .map(|n| format!("`{}`", quote_key(n)))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!("services {list} all pin port {port}; give each its own port");
        return Err(
            PlanError::new(ErrorKind::DuplicatePin, message).with(|data| {
                data.port = Some(port);
                data.services = Some(names.iter().map(|n| (*n).to_owned()).collect());
            }),
        );
    }
    for (&port, names) in &by_port {
        let name = names[0];
        if held.busy.contains(&port) {
            let message = format!(
                "service `{}` is pinned to port {port}, but it is in use on this host",
                quote_key(name)
            );
            return Err(PlanError::new(ErrorKind::PinBusy, message)
                .with(|data| (data.service, data.port) = (Some(name.to_owned()), Some(port))));
        }
    }
    Ok(by_port
        .into_iter()
        .map(|(port, names)| (port, names[0]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_reasons_are_written_as_the_owned_ones() {
        let lease = |root| HolderRef::Lease {
            namespace: "other",
            service: "web",
            root,
        };
        let holders = [
            HolderRef::Service { service: "a\"b" },
            HolderRef::Pinned { service: "db" },
            lease(None),
            lease(Some("/home/me/shop")),
            HolderRef::Busy,
            HolderRef::Excluded,
            HolderRef::Unsafe,
            HolderRef::Range,
        ];
        let reasons = holders
            .into_iter()
            .map(|by| ReasonRef::Displaced { home: -3, by })
            .chain([
                ReasonRef::Pinned,
                ReasonRef::Home { home: 40001 },
                ReasonRef::Sequential,
                ReasonRef::Block {
                    base: 40000,
                    offset: 2,
                },
                ReasonRef::Kept {
                    since: 1_795_392_000,
                },
            ]);
        for reason in reasons {
            let owned = Reason::from(reason);
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                serde_json::to_string(&owned).unwrap(),
                "{owned:?}"
            );
        }
    }

    #[test]
    fn a_borrowed_plan_is_written_as_the_owned_one() {
        let config = Config::from_text(
            r#"{"range": [40000, 40011], "exclude": [40003], "services":
                {"a": true, "b": true, "c": true, "d": true, "e": 40001, "f": false,
                 "g": true, "h": true, "i": true}}"#,
        )
        .unwrap();
        let held = Held::busy(&[40002, 40007]);
        let owned = plan_with(&config, &held).unwrap();
        assert!(
            owned
                .entries
                .iter()
                .any(|e| matches!(e.reason, Reason::Displaced { .. })),
            "the case displaces a service"
        );
        assert_eq!(
            serde_json::to_string(&plan_ref(&config, &held).unwrap()).unwrap(),
            serde_json::to_string(&owned).unwrap()
        );
    }

    #[test]
    fn reasons_are_written_as_docs_core_api_shows_them() {
        let displaced = Reason::Displaced {
            home: 40001,
            by: Holder::Lease {
                namespace: "other".into(),
                service: "web".into(),
                root: None,
            },
        };
        let text = serde_json::to_string(&displaced).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"displaced","home":40001,"by":"lease","namespace":"other","service":"web"}"#
        );
        assert_eq!(serde_json::from_str::<Reason>(&text).unwrap(), displaced);
        let unsafe_home = Reason::Displaced {
            home: 6000,
            by: Holder::Unsafe,
        };
        assert_eq!(
            serde_json::to_string(&unsafe_home).unwrap(),
            r#"{"kind":"displaced","home":6000,"by":"unsafe"}"#
        );
        assert_eq!(
            serde_json::to_string(&Reason::Pinned).unwrap(),
            r#"{"kind":"pinned"}"#
        );
    }
}
