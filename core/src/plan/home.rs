//! Home ports (SPEC §4): where a service lands when nothing is in its way.

use crate::plan::config::{Config, HashKind};
use sha2::{Digest, Sha256};

/// The first 8 bytes of SHA-256(bytes), big-endian.
pub fn sha256_prefix(bytes: &[u8]) -> u64 {
    let digest = Sha256::digest(bytes);
    u64::from_be_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}

/// `sha256_prefix` of a name's key: the name, or namespace ‖ 0x00 ‖ name (fed to the
/// hasher piece by piece, so no key is built).
pub fn name_hash(namespace: &str, name: &str) -> u64 {
    let mut hasher = Sha256::new();
    if !namespace.is_empty() {
        hasher.update(namespace.as_bytes());
        hasher.update([0u8]);
    }
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    u64::from_be_bytes(digest[..8].try_into().expect("SHA-256 has 32 bytes"))
}

/// Java's `String.hashCode`: over UTF-16 code units, wrapping at 32 bits.
pub fn java_string_hash(name: &str) -> i32 {
    name.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Lagom's projection of a name: MurmurHash3 (seed 0xcafebabe) of the Java hash code,
/// one block, length 1, finalized; read as a signed int.
pub fn lagom_hash(name: &str) -> i32 {
    let s = java_string_hash(name) as u32;
    let mut k = s.wrapping_mul(0xcc9e_2d51);
    k = k.rotate_left(15);
    k = k.wrapping_mul(0x1b87_3593);
    let mut h = 0xcafe_babe_u32 ^ k;
    h = h.rotate_left(13);
    h = h.wrapping_mul(5).wrapping_add(0xe654_6b64);
    h ^= 1;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h as i32
}

/// The home port of `name` under `config`. An i64 because one Lagom hash value
/// (`i32::MIN`) gives a home below `min`, as Java's `Math.abs` does (SPEC §4).
pub fn home_port(config: &Config, name: &str) -> i64 {
    let min = i64::from(config.range.min);
    let len = i64::from(config.range_len());
    match config.hash {
        HashKind::Sha256 => {
            let h = name_hash(&config.namespace, name);
            min + (h % len as u64) as i64
        }
        HashKind::Lagom => {
            // Java: Math.abs(Integer.MIN_VALUE) == Integer.MIN_VALUE, and % keeps the sign.
            let h = lagom_hash(name);
            let abs = if h == i32::MIN {
                i64::from(h)
            } else {
                i64::from(h).abs()
            };
            min + abs % len
        }
    }
}
