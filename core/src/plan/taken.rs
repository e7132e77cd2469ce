//! The taken set (SPEC §3): pinned ports, busy ports, excluded ports and the ports browsers
//! refuse, each with what is behind it (for the reasons of SPEC §6), and the ports given
//! out so far.

use crate::plan::bad_ports::BROWSER_BAD_PORTS;
use crate::plan::config::Config;
use crate::plan::{HolderRef, LeaseHolder};
use std::collections::BTreeMap;

/// A set of ports, one bit each (8 KiB: stays in cache while a plan tests it at every step).
#[derive(Clone)]
pub struct PortSet {
    words: Vec<u64>,
}

impl Default for PortSet {
    fn default() -> Self {
        PortSet {
            words: vec![0; 1024],
        }
    }
}

impl PortSet {
    pub fn insert(&mut self, port: u16) {
        self.words[usize::from(port >> 6)] |= 1 << (port & 63);
    }

    pub fn contains(&self, port: u16) -> bool {
        self.words[usize::from(port >> 6)] & (1 << (port & 63)) != 0
    }

    /// How many ports of `min..=max` are not in the set (counted a word of 64 at a time:
    /// port by port, this was most of the time of a plan of 100 services).
    pub fn count_free(&self, min: u16, max: u16) -> u32 {
        let (min, max) = (u32::from(min), u32::from(max));
        let (first, last) = (min >> 6, max >> 6);
        let taken: u32 = (first..=last)
            .map(|index| {
                let mut word = self.words[index as usize];
                if index == first {
                    word &= u64::MAX << (min & 63);
                }
                if index == last {
                    word &= u64::MAX >> (63 - (max & 63));
                }
                word.count_ones()
            })
            .sum();
        max - min + 1 - taken
    }
}

/// Who was given which port so far. Membership is a [`PortSet`]; the owners, read only to
/// name a displaced service's holder, are indexes into `names` (4 bytes per port of the
/// range).
pub struct Given<'a> {
    min: u16,
    ports: PortSet,
    owner_of: Vec<u32>,
    names: Vec<&'a str>,
    /// Ports below the range (only Lagom's `i32::MIN` home gives one).
    outside: Vec<(u16, &'a str)>,
}

impl<'a> Given<'a> {
    pub fn new(config: &Config) -> Self {
        Given {
            min: config.range.min,
            ports: PortSet::default(),
            owner_of: vec![u32::MAX; config.range_len() as usize],
            names: Vec::new(),
            outside: Vec::new(),
        }
    }

    fn slot(&self, port: u16) -> Option<usize> {
        port.checked_sub(self.min)
            .map(usize::from)
            .filter(|&i| i < self.owner_of.len())
    }

    pub fn contains(&self, port: u16) -> bool {
        self.ports.contains(port)
    }

    pub fn get(&self, port: u16) -> Option<&'a str> {
        if !self.contains(port) {
            return None;
        }
        match self.slot(port) {
            Some(i) => Some(self.names[self.owner_of[i] as usize]),
            None => self
                .outside
                .iter()
                .find(|(p, _)| *p == port)
                .map(|&(_, name)| name),
        }
    }

    pub fn insert(&mut self, port: u16, name: &'a str) {
        self.ports.insert(port);
        match self.slot(port) {
            Some(i) => {
                self.owner_of[i] = self.names.len() as u32;
                self.names.push(name);
            }
            None => self.outside.push((port, name)),
        }
    }
}

/// The taken set T with what is behind each port.
pub struct Taken<'a> {
    /// Every port of T: no free service gets one.
    pub set: PortSet,
    pub pinned: BTreeMap<u16, &'a str>,
    /// Ports leased to others in the registry.
    pub leases: &'a BTreeMap<u16, LeaseHolder<'a>>,
    pub busy: PortSet,
    pub config: &'a Config,
}

impl<'a> Taken<'a> {
    /// T for `config`: its pins, its excluded ports and, when `browser_safe`, the ports
    /// browsers refuse; plus the ports busy on the host and leased to others.
    pub fn new(
        config: &'a Config,
        pinned: BTreeMap<u16, &'a str>,
        busy: &[u16],
        leases: &'a BTreeMap<u16, LeaseHolder<'a>>,
    ) -> Self {
        let mut busy_set = PortSet::default();
        busy.iter().for_each(|&p| busy_set.insert(p));
        let mut set = busy_set.clone();
        for excluded in &config.exclude {
            (excluded.first..=excluded.last).for_each(|p| set.insert(p));
        }
        if config.browser_safe {
            BROWSER_BAD_PORTS.iter().for_each(|&p| set.insert(p));
        }
        pinned.keys().for_each(|&p| set.insert(p));
        leases.keys().for_each(|&p| set.insert(p));
        Taken {
            set,
            pinned,
            leases,
            busy: busy_set,
            config,
        }
    }

    /// Why `port` is unavailable, `given` being the owners of ports handed out so far. The
    /// user's own statements (pins, then services) come before the host's and the rules'.
    pub fn holder(&self, port: i64, given: &Given<'a>) -> HolderRef<'a> {
        let Ok(port) = u16::try_from(port) else {
            return HolderRef::Range;
        };
        if port == 0 {
            return HolderRef::Range;
        }
        if let Some(&service) = self.pinned.get(&port) {
            return HolderRef::Pinned { service };
        }
        if let Some(service) = given.get(port) {
            return HolderRef::Service { service };
        }
        if let Some(lease) = self.leases.get(&port) {
            return HolderRef::Lease {
                namespace: lease.namespace,
                service: lease.name,
                root: lease.root,
            };
        }
        if self.busy.contains(port) {
            return HolderRef::Busy;
        }
        if self.config.is_excluded(port) {
            return HolderRef::Excluded;
        }
        if self.config.is_unsafe(port) {
            return HolderRef::Unsafe;
        }
        HolderRef::Range
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::bad_ports::browsers_refuse;

    #[test]
    fn port_set_counts_free_ports() {
        let mut set = PortSet::default();
        set.insert(1);
        set.insert(65535);
        assert!(set.contains(65535) && !set.contains(2));
        assert_eq!(set.count_free(1, 10), 9);
        for port in [63, 64, 127, 128, 40000, 40063, 40064] {
            set.insert(port);
        }
        let one_by_one = |min: u16, max: u16| (min..=max).filter(|&p| !set.contains(p)).count();
        for (min, max) in [
            (1, 1),
            (2, 2),
            (1, 65535),
            (63, 64),
            (64, 127),
            (65, 126),
            (60, 130),
            (40000, 40064),
            (40001, 40063),
            (65535, 65535),
        ] {
            assert_eq!(
                set.count_free(min, max) as usize,
                one_by_one(min, max),
                "{min}-{max}"
            );
        }
    }

    #[test]
    fn browser_bad_ports_are_sorted_and_looked_up() {
        assert!(BROWSER_BAD_PORTS.windows(2).all(|w| w[0] < w[1]));
        assert!(browsers_refuse(6000) && browsers_refuse(10080) && !browsers_refuse(21225));
    }
}
