//! Decimal text to `f64`, exactly: the JSON and TOML readers' floats.

use crate::prelude::*;

/// Where the readers saturate a float's exponent: beyond any text's length in digits, and
/// far from overflowing the arithmetic on it.
pub const EXPONENT_CAP: i64 = 1 << 50;

/// `digits × 10^exponent` correctly rounded to the nearest f64 (ties to even), as
/// `str::parse::<f64>` gives, but without its 10 KB table of powers of five (the browser
/// module carries this). None when it overflows: a finite literal too big for f64 is an
/// error, as in the toml crate. Exact arithmetic on big integers: floats in configs are
/// rare and short, so speed does not matter.
pub fn decimal_to_f64(digits: &str, exponent: i64) -> Option<f64> {
    let digits = digits.trim_start_matches('0');
    let mut exponent = exponent;
    // 767 significant digits decide any rounding; later ones only matter as "not zero".
    const KEEP: usize = 780;
    let (digits, sticky) = if digits.len() > KEEP {
        exponent += (digits.len() - KEEP) as i64;
        (&digits[..KEEP], digits[KEEP..].bytes().any(|b| b != b'0'))
    } else {
        (digits, false)
    };
    let magnitude = digits.len() as i64 + exponent; // the value is below 10^magnitude
    if digits.is_empty() || magnitude < -330 {
        return Some(0.0);
    }
    if magnitude > 310 {
        return None;
    }
    // value = numerator / denominator, both big integers (u32 limbs, least significant first).
    let mut numerator = vec![0u32];
    for b in digits.bytes().chain(sticky.then_some(b'1')) {
        mul_add(&mut numerator, 10, u32::from(b - b'0'));
    }
    if sticky {
        exponent -= 1;
    }
    let mut denominator = vec![1u32];
    for _ in 0..exponent.unsigned_abs() {
        mul_add(if exponent < 0 { &mut denominator } else { &mut numerator }, 10, 0);
    }
    // Scale so that the quotient has at least 55 bits: 53 kept, a round bit and more.
    let shift = (bit_len(&denominator) as i64 - bit_len(&numerator) as i64 + 55).max(0) as usize;
    let (quotient, remainder_is_zero) = divide_shifted(&numerator, shift, &denominator);
    // value ≈ quotient × 2^-shift; keep 53 bits, fewer below the normal range.
    let top = bit_len(&quotient) as i64 - 1 - shift as i64;
    let unit = (top - 52).max(-1074); // the exponent of the last kept bit
    let dropped = (unit + shift as i64) as usize; // >= 2 by the choice of `shift`
    let mut mantissa = 0u64;
    for bit in (dropped..bit_len(&quotient)).rev() {
        mantissa = mantissa << 1 | u64::from(bit_at(&quotient, bit));
    }
    let round_bit = bit_at(&quotient, dropped - 1);
    let below = remainder_is_zero && (0..dropped - 1).all(|bit| !bit_at(&quotient, bit));
    if round_bit && (!below || mantissa & 1 == 1) {
        mantissa += 1;
    }
    let scale = if unit >= -1022 { f64::from_bits(((unit + 1023) as u64) << 52) } else { f64::from_bits(1 << (unit + 1074)) };
    let value = mantissa as f64 * scale;
    value.is_finite().then_some(value)
}

fn mul_add(number: &mut Vec<u32>, factor: u32, add: u32) {
    let mut carry = u64::from(add);
    for limb in number.iter_mut() {
        let product = u64::from(*limb) * u64::from(factor) + carry;
        *limb = product as u32;
        carry = product >> 32;
    }
    if carry > 0 {
        number.push(carry as u32);
    }
}

fn bit_len(number: &[u32]) -> usize {
    number.iter().rposition(|&limb| limb != 0).map_or(0, |i| i * 32 + 32 - number[i].leading_zeros() as usize)
}

fn bit_at(number: &[u32], bit: usize) -> bool {
    number.get(bit / 32).is_some_and(|limb| limb >> (bit % 32) & 1 == 1)
}

/// `(numerator × 2^shift) / denominator` by binary long division, and whether it is exact.
fn divide_shifted(numerator: &[u32], shift: usize, denominator: &[u32]) -> (Vec<u32>, bool) {
    let bits = bit_len(numerator) + shift;
    let mut quotient = vec![0u32; bits / 32 + 1];
    let mut remainder = vec![0u32; denominator.len() + 1];
    for bit in (0..bits).rev() {
        // remainder = remainder × 2 + the next bit of the shifted numerator
        let mut carry = u32::from(bit >= shift && bit_at(numerator, bit - shift));
        for limb in remainder.iter_mut() {
            let next = *limb >> 31;
            *limb = *limb << 1 | carry;
            carry = next;
        }
        if !less_than(&remainder, denominator) {
            let mut borrow = 0i64;
            for (i, limb) in remainder.iter_mut().enumerate() {
                let difference = i64::from(*limb) - i64::from(denominator.get(i).copied().unwrap_or(0)) - borrow;
                *limb = difference as u32;
                borrow = i64::from(difference < 0);
            }
            quotient[bit / 32] |= 1 << (bit % 32);
        }
    }
    (quotient, remainder.iter().all(|&limb| limb == 0))
}

fn less_than(a: &[u32], b: &[u32]) -> bool {
    let limb = |n: &[u32], i: usize| n.get(i).copied().unwrap_or(0);
    for i in (0..a.len().max(b.len())).rev() {
        if limb(a, i) != limb(b, i) {
            return limb(a, i) < limb(b, i);
        }
    }
    false
}
