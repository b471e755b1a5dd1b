//! Exact sums of weighted f32 values, one per model entry, rounded once when read.
//!
//! An f32 value is `m 2^E` with an integer `m < 2^24` and `-149 <= E <= 104`, so an integer
//! multiple `c m 2^E` (`c < 2^64`) is an integer number of units of 2^-149 below 2^(88 + 253).
//! Each entry keeps that integer in 11 signed chunks of 32 bits each (bits 32 k to 32 k + 31 in
//! chunk k), and a term adds its four 32-bit pieces to four chunks without carrying: a chunk
//! holds up to 2^31 terms before it could overflow, and the carries are resolved only when the
//! sum is read. The sum is thus exact and does not depend on the order of its terms; reading it
//! divided by an integer gives the correctly rounded f64 of the exact quotient.

use serde::{Deserialize, Serialize};

/// Chunks of 32 bits per entry: the highest term reaches chunk 7 + 3.
const CHUNKS: usize = 11;

/// Terms an entry may take: each adds less than 2^32 to a chunk, which holds 2^63.
pub(crate) const MAX_TERMS: u64 = 1 << 31;

/// The exact sums of `len` entries (empty: every sum is zero and nothing is allocated).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ExactSums {
    chunks: Vec<i64>,
}

impl ExactSums {
    /// Makes room for `len` entries (all zero) if none was made yet.
    pub(crate) fn reserve(&mut self, len: usize) {
        if self.chunks.is_empty() {
            self.chunks = vec![0; len * CHUNKS];
        }
    }

    /// Adds `multiple` times the finite `x` to entry `entry`.
    #[inline]
    pub(crate) fn add(&mut self, entry: usize, multiple: u64, x: f32) {
        let bits = x.to_bits();
        let exponent = (bits >> 23) & 0xff;
        debug_assert!(exponent < 0xff, "finite values only");
        let fraction = bits & 0x7f_ffff;
        // Subnormals (exponent 0) share the lowest normal exponent, without the hidden bit.
        let (mantissa, shift) = if exponent == 0 {
            (fraction, 0)
        } else {
            (fraction | 0x80_0000, exponent - 1)
        };
        let term = (u128::from(mantissa) * u128::from(multiple)) << (shift & 31);
        let at = entry * CHUNKS + (shift >> 5) as usize;
        let chunks = &mut self.chunks[at..at + 4];
        // 0 for a positive value, -1 for a negative one: `(p ^ sign) - sign` is `p` or `-p`
        // without a branch (signs are as good as random).
        let sign = -i64::from(bits >> 31);
        let pieces = [
            (term & 0xffff_ffff) as i64,
            ((term >> 32) & 0xffff_ffff) as i64,
            ((term >> 64) & 0xffff_ffff) as i64,
            (term >> 96) as i64,
        ];
        for (c, p) in chunks.iter_mut().zip(pieces) {
            *c += (p ^ sign) - sign;
        }
    }

    /// Entry `entry`'s sum divided by `divisor` (> 0), correctly rounded to f64.
    pub(crate) fn quotient(&self, entry: usize, divisor: u64) -> f64 {
        if self.chunks.is_empty() {
            return 0.0;
        }
        let (negative, magnitude) = resolve(&self.chunks[entry * CHUNKS..(entry + 1) * CHUNKS]);
        let q = divide(&magnitude, divisor);
        if negative {
            -q
        } else {
            q
        }
    }
}

/// Words of 64 bits of a resolved sum: 11 chunks of 32 bits and the carry out of the top.
const WORDS: usize = 6;

/// The sign and magnitude of the integer that `chunks` stand for (little-endian words).
fn resolve(chunks: &[i64]) -> (bool, [u64; WORDS]) {
    let mut digits = [0u32; 2 * WORDS];
    let mut carry: i128 = 0;
    for (d, &c) in digits.iter_mut().zip(chunks) {
        let v = i128::from(c) + carry;
        *d = (v & 0xffff_ffff) as u32;
        carry = v >> 32;
    }
    // The carry out of the top chunk is below 2^32 in magnitude: it is the top digit of a
    // two's complement number of 12 digits.
    digits[CHUNKS] = (carry & 0xffff_ffff) as u32;
    let mut words = [0u64; WORDS];
    for (w, pair) in words.iter_mut().zip(digits.chunks(2)) {
        *w = u64::from(pair[0]) | (u64::from(pair[1]) << 32);
    }
    let negative = carry < 0;
    if negative {
        // Two's complement: invert and add one.
        let mut one = 1u64;
        for w in &mut words {
            let (v, c) = (!*w).overflowing_add(one);
            *w = v;
            one = u64::from(c);
        }
    }
    (negative, words)
}

/// 2^k for an exponent in f64's normal range.
fn pow2(k: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&k));
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `magnitude` units of 2^-149 divided by `divisor`, correctly rounded to f64.
fn divide(magnitude: &[u64; WORDS], divisor: u64) -> f64 {
    let Some(top_word) = magnitude.iter().rposition(|&w| w != 0) else {
        return 0.0;
    };
    let low_word = magnitude.iter().position(|&w| w != 0).unwrap_or(0);
    let low = low_word as i32 * 64 + magnitude[low_word].trailing_zeros() as i32;
    let top = top_word as i32 * 64 + 63 - magnitude[top_word].leading_zeros() as i32;
    // Few significant bits and a small divisor: one IEEE division of exact operands.
    if top - low < 53 && divisor < 1 << 53 {
        let w = low_word;
        let pair = u128::from(magnitude[w])
            | (u128::from(magnitude.get(w + 1).copied().unwrap_or(0)) << 64);
        let significand = (pair >> (low % 64)) as u64;
        return significand as f64 / divisor as f64 * pow2(low - 149);
    }
    // Long division of magnitude 2^128 by the divisor: the quotient has at least 64
    // significant bits, of which the top 64 and a sticky bit round correctly.
    let mut shifted = [0u64; WORDS + 2];
    shifted[2..].copy_from_slice(magnitude);
    let mut quotient = [0u64; WORDS + 2];
    let mut rem: u128 = 0;
    let d = u128::from(divisor);
    for i in (0..shifted.len()).rev() {
        let cur = (rem << 64) | u128::from(shifted[i]);
        quotient[i] = (cur / d) as u64;
        rem = cur % d;
    }
    let Some(qt) = quotient.iter().rposition(|&w| w != 0) else {
        return 0.0;
    };
    let lead = quotient[qt].leading_zeros();
    let bit = qt as i32 * 64 + 63 - lead as i32;
    // The top 64 bits of the quotient, and whether anything below them is nonzero.
    let (top64, rest_nonzero) = if lead == 0 {
        (quotient[qt], quotient[..qt].iter().any(|&w| w != 0))
    } else {
        let below = quotient[qt - 1];
        let t = (quotient[qt] << lead) | (below >> (64 - lead));
        let spill = below << lead != 0;
        (t, spill || quotient[..qt - 1].iter().any(|&w| w != 0))
    };
    let sticky = u64::from(rest_nonzero || rem != 0);
    (top64 | sticky) as f64 * pow2(bit - 63 - 128 - 149)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn sum_of(terms: &[(u64, f32)], divisor: u64) -> f64 {
        let mut s = ExactSums::default();
        s.reserve(1);
        for &(c, x) in terms {
            s.add(0, c, x);
        }
        s.quotient(0, divisor)
    }

    #[test]
    fn exact_where_f64_is_exact() {
        assert_eq!(sum_of(&[(1, 1.5), (3, -0.25)], 1), 0.75);
        assert_eq!(sum_of(&[(1, 1.0), (3, 5.0)], 4), 4.0);
        assert_eq!(sum_of(&[(2, 1.0)], 3), 2.0 / 3.0);
        assert_eq!(sum_of(&[(1, -7.0)], 2), -3.5);
        assert_eq!(sum_of(&[], 5), 0.0);
        assert_eq!(sum_of(&[(1, 1.0), (1, -1.0)], 5), 0.0);
        // The extremes of f32: the smallest subnormal and the largest finite value.
        let tiny = f32::from_bits(1);
        assert_eq!(sum_of(&[(1, tiny)], 1), f64::from(tiny));
        assert_eq!(sum_of(&[(3, tiny)], 2), 1.5 * f64::from(tiny));
        assert_eq!(sum_of(&[(1, f32::MAX)], 1), f64::from(f32::MAX));
        assert_eq!(
            sum_of(&[(u64::MAX, f32::MAX), (u64::MAX, -f32::MAX)], 1),
            0.0
        );
        assert_eq!(
            sum_of(&[(u64::MAX, -f32::MAX)], u64::MAX),
            -f64::from(f32::MAX)
        );
    }

    #[test]
    fn cancellation_keeps_what_f64_loses() {
        // 2^100 + 2^-100 - 2^100: f64 arithmetic gives 0, the exact sum 2^-100.
        let big = 2f32.powi(100);
        let small = 2f32.powi(-100);
        assert_eq!(
            sum_of(&[(1, big), (1, small), (1, -big)], 1),
            2f64.powi(-100)
        );
        // A sum spread over 200 bits divided by 3: the long division rounds it.
        let want = (2f64.powi(100) + 2f64.powi(-100)) / 3.0;
        assert_eq!(sum_of(&[(1, big), (1, small)], 3), want);
    }

    #[test]
    fn order_does_not_matter_and_rounding_is_to_nearest() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..200 {
            let terms: Vec<(u64, f32)> = (0..rng.random_range(1..40))
                .map(|_| {
                    let x = rng.random_range(-1.0f32..1.0) * 2f32.powi(rng.random_range(-30..30));
                    (rng.random_range(0..1000), x)
                })
                .collect();
            let divisor = rng.random_range(1..5000);
            let q = sum_of(&terms, divisor);
            let mut reversed = terms.clone();
            reversed.reverse();
            assert_eq!(q.to_bits(), sum_of(&reversed, divisor).to_bits());
            // Against the slow path, and against f64 arithmetic within its error bound.
            let mut s = ExactSums::default();
            s.reserve(1);
            terms.iter().for_each(|&(c, x)| s.add(0, c, x));
            let (negative, magnitude) = resolve(&s.chunks);
            let slow = divide(&magnitude, divisor | (1 << 60)) * (divisor | (1 << 60)) as f64;
            let naive: f64 = terms.iter().map(|&(c, x)| c as f64 * f64::from(x)).sum();
            let scale: f64 = terms
                .iter()
                .map(|&(c, x)| c as f64 * f64::from(x).abs())
                .sum();
            assert!((q * divisor as f64 - naive).abs() <= scale * 1e-13 + 1e-300);
            let signed = if negative { -slow } else { slow };
            assert!((signed - naive).abs() <= scale * 1e-13 + 1e-300);
        }
    }

    #[test]
    fn the_long_division_rounds_like_the_fast_path() {
        // Sums with few significant bits, divided by small divisors: the fast path. The same
        // sums shifted up by 2^100 apart force the long division; the low parts must agree.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..500 {
            let x = f32::from_bits(rng.random_range(0x3000_0000..0x4f00_0000));
            let c = rng.random_range(1..1u64 << 40);
            let divisor = rng.random_range(1u64 << 44..1u64 << 50);
            let fast = sum_of(&[(c, x)], divisor);
            let mut s = ExactSums::default();
            s.reserve(1);
            s.add(0, c, x);
            let (_, magnitude) = resolve(&s.chunks);
            // Force the long division by asking for it directly.
            let slow = long_division(&magnitude, divisor);
            assert_eq!(fast.to_bits(), slow.to_bits(), "{c} x {x} / {divisor}");
        }
    }

    /// The long-division path of `divide`, whatever the number of significant bits.
    fn long_division(magnitude: &[u64; WORDS], divisor: u64) -> f64 {
        // A divisor >= 2^53 takes the long division: scale the magnitude up by the same
        // power of two so that the quotient is unchanged.
        let k = 64 - divisor.leading_zeros();
        let shift = 54u32.saturating_sub(k).min(10);
        let big = divisor << shift;
        assert!(big >= 1 << 53);
        let mut m = *magnitude;
        let mut carry = 0u64;
        for w in &mut m {
            let v = (*w << shift) | carry;
            carry = if shift == 0 { 0 } else { *w >> (64 - shift) };
            *w = v;
        }
        divide(&m, big)
    }
}
