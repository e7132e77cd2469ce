//! Port sets for the layouts: a bitset over all 65,536 ports, and a "next free port"
//! finder so that pass 2 never walks the range once per displaced service.

use crate::prelude::*;

/// A set of ports, one bit each (8 KiB).
#[derive(Clone)]
pub struct PortSet {
    words: Vec<u64>,
}

impl Default for PortSet {
    fn default() -> Self {
        PortSet { words: vec![0; 1024] }
    }
}

impl PortSet {
    pub fn insert(&mut self, port: u16) {
        self.words[usize::from(port >> 6)] |= 1 << (port & 63);
    }

    pub fn contains(&self, port: u16) -> bool {
        self.words[usize::from(port >> 6)] & (1 << (port & 63)) != 0
    }

    /// Whether a port given as a wider integer (a Lagom home may be below 1) is in the set.
    pub fn contains_wide(&self, port: i64) -> bool {
        u16::try_from(port).is_ok_and(|p| self.contains(p))
    }

    /// How many ports of `min..=max` are not in the set.
    pub fn count_free(&self, min: u16, max: u16) -> u32 {
        (min..=max).filter(|&p| !self.contains(p)).count() as u32
    }
}

/// Finds the first port at or above a start that is not taken, wrapping from `max` to
/// `min`, in near-constant amortized time (union-find with path halving over the range).
pub struct NextFree {
    min: u16,
    /// `parent[i]` leads towards the first free index >= i; `parent[len]` is a sentinel.
    parent: Vec<u32>,
}

impl NextFree {
    /// `taken(port)` tells which ports of `min..=max` are unavailable from the start.
    pub fn new(min: u16, max: u16, taken: impl Fn(u16) -> bool) -> Self {
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
    pub fn take_from(&mut self, start: u16) -> Option<u16> {
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

    #[test]
    fn port_set_counts_free_ports() {
        let mut set = PortSet::default();
        set.insert(1);
        set.insert(65535);
        assert!(set.contains(65535) && !set.contains(2));
        assert_eq!(set.count_free(1, 10), 9);
        assert!(!set.contains_wide(-5));
    }
}
