//! The three layouts of SPEC §5. Each gets the free services in sort order and the taken set.

use crate::error::{ErrorKind, PlanError, Result};
use crate::plan::ReasonRef;
use crate::plan::config::{Config, Layout};
use crate::plan::home::{home_port, sha256_prefix};
use crate::plan::taken::{Given, Taken};

/// How many blocks the block layout tries before giving up (SPEC §5).
const BLOCK_PROBES: u32 = 100;

/// Where the layouts hand each assignment: the index of the service in `free`, its port,
/// and why. A callback rather than a returned list, so the plan writes each port straight
/// into its entry (a list of 60,000 reasons cost more than the hashing).
pub trait Give<'a>: FnMut(usize, u16, ReasonRef<'a>) {}
impl<'a, F: FnMut(usize, u16, ReasonRef<'a>)> Give<'a> for F {}

/// Gives every service of `free` a port (each index exactly once), or fails with nothing
/// of the plan kept.
pub fn assign<'a>(
    config: &Config,
    free: &[&'a str],
    taken: &Taken<'a>,
    given: Given<'a>,
    give: impl Give<'a>,
) -> Result<()> {
    if free.is_empty() {
        return Ok(());
    }
    let (min, max) = (config.range.min, config.range.max);
    let available = taken.set.count_free(min, max);
    if free.len() as u32 > available {
        return Err(exhausted(config, free.len() as u32, available));
    }
    match config.layout {
        Layout::Hash => hash(config, free, taken, given, give),
        Layout::Sequential => {
            sequential(config, free, taken, give);
            Ok(())
        }
        Layout::Block => block(config, free, taken, available, give),
    }
}

fn exhausted(config: &Config, needed: u32, free: u32) -> PlanError {
    let (min, max) = (config.range.min, config.range.max);
    let message = format!(
        "{needed} services need a port in {min}-{max}, but only {free} {} free there ({} missing); widen the range or remove services",
        if free == 1 { "is" } else { "are" },
        needed.saturating_sub(free),
    );
    PlanError::new(ErrorKind::RangeExhausted, message)
        .with(|data| (data.needed, data.free) = (Some(needed), Some(free)))
}

/// Sorted-conflict allocation: homes first (pass 1), then the displaced, each taking the
/// closest free port above its home, wrapping from max to min (pass 2).
fn hash<'a>(
    config: &Config,
    free: &[&'a str],
    taken: &Taken<'a>,
    mut given: Given<'a>,
    mut give: impl Give<'a>,
) -> Result<()> {
    // The displaced of pass 1, with their homes.
    let mut left: Vec<(usize, i64)> = Vec::new();
    for (index, &name) in free.iter().enumerate() {
        let home = home_port(config, name);
        // A home below 1 is no port at all (Lagom's i32::MIN case in a low range): pass 2.
        match u16::try_from(home).ok().filter(|&p| p != 0) {
            Some(port) if !taken.set.contains(port) && !given.contains(port) => {
                given.insert(port, name);
                give(index, port, ReasonRef::Home { home: port });
            }
            _ => left.push((index, home)),
        }
    }
    if left.is_empty() {
        return Ok(());
    }
    let (min, max) = (config.range.min, config.range.max);
    let mut next = NextFree::new(min, max, |p| taken.set.contains(p) || given.contains(p));
    for (index, home) in left {
        let by = taken.holder(home, &given);
        let start = if config.in_range(home) {
            home as u16
        } else {
            min
        };
        let port = next
            .take_from(start)
            .ok_or_else(|| exhausted(config, free.len() as u32, 0))?;
        given.insert(port, free[index]);
        give(index, port, ReasonRef::Displaced { home, by });
    }
    Ok(())
}

/// A counter from min, skipping taken ports (NixOS module and db-yard style).
fn sequential<'a>(config: &Config, free: &[&'a str], taken: &Taken<'a>, mut give: impl Give<'a>) {
    // assign() has checked there are enough free ports, so the counter never passes max.
    let mut port = config.range.min;
    for index in 0..free.len() {
        while taken.set.contains(port) {
            port += 1;
        }
        give(index, port, ReasonRef::Sequential);
        port = port.saturating_add(1);
    }
}

/// One block of ports per namespace (Hako style).
fn block<'a>(
    config: &Config,
    free: &[&'a str],
    taken: &Taken<'a>,
    available: u32,
    mut give: impl Give<'a>,
) -> Result<()> {
    let k = free.len() as u32;
    if k > config.block_size {
        let message = format!(
            "{k} services need one block, but a block holds {} ports; raise block_size",
            config.block_size
        );
        return Err(PlanError::new(ErrorKind::RangeExhausted, message)
            .with(|data| (data.needed, data.free) = (Some(k), Some(config.block_size))));
    }
    let blocks = config.block_count();
    let first = (sha256_prefix(config.namespace.as_bytes()) % u64::from(blocks)) as u32;
    for i in 0..blocks.min(BLOCK_PROBES) {
        let b = (first + i) % blocks;
        let base = u32::from(config.range.min) + b * config.block_size;
        if (base..base + k).all(|p| !taken.set.contains(p as u16)) {
            for offset in 0..free.len() {
                let reason = ReasonRef::Block {
                    base: base as u16,
                    offset: offset as u16,
                };
                give(offset, (base + offset as u32) as u16, reason);
            }
            return Ok(());
        }
    }
    let message = format!(
        "no block of {k} free ports found in the {} blocks tried of {}-{} ({available} ports free, but not together)",
        blocks.min(BLOCK_PROBES),
        config.range.min,
        config.range.max
    );
    Err(PlanError::new(ErrorKind::RangeExhausted, message)
        .with(|data| (data.needed, data.free) = (Some(k), Some(available))))
}

/// Finds the first port at or above a start that is not taken, wrapping from `max` to
/// `min`, in near-constant amortized time (union-find with path halving over the range),
/// so that pass 2 never walks the range once per displaced service.
struct NextFree {
    min: u16,
    /// `parent[i]` leads towards the first free index >= i; `parent[len]` is a sentinel.
    parent: Vec<u32>,
}

impl NextFree {
    /// `taken(port)` tells which ports of `min..=max` are unavailable from the start.
    fn new(min: u16, max: u16, taken: impl Fn(u16) -> bool) -> Self {
        let len = u32::from(max) - u32::from(min) + 1;
        let mut parent: Vec<u32> = (0..=len).collect();
        for (i, port) in (min..=max).enumerate() {
            if taken(port) {
                parent[i] = i as u32 + 1;
            }
        }
        NextFree { min, parent }
    }

    fn find(&mut self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            let grand = self.parent[self.parent[i as usize] as usize];
            self.parent[i as usize] = grand;
            i = grand;
        }
        i
    }

    /// Takes and returns the first free port at or after `start` (wrapping), if any.
    fn take_from(&mut self, start: u16) -> Option<u16> {
        let sentinel = self.parent.len() as u32 - 1;
        let from = u32::from(start.saturating_sub(self.min)).min(sentinel);
        let mut index = self.find(from);
        if index == sentinel {
            index = self.find(0);
        }
        if index == sentinel {
            return None;
        }
        self.parent[index as usize] = index + 1;
        Some(self.min + index as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_free_skips_taken_and_wraps() {
        let mut next = NextFree::new(10, 14, |p| p == 12 || p == 13);
        assert_eq!(next.take_from(12), Some(14));
        assert_eq!(next.take_from(12), Some(10));
        assert_eq!(next.take_from(14), Some(11));
        assert_eq!(next.take_from(10), None);
    }
}
