//! A splitmix64 generator: tiny, fast, and the same numbers on every machine.
//!
//! Kept by hand on purpose: `lifeline sample` promises the same bytes for the same options in
//! every version, and the `rand` crates do not promise stable streams across their releases.

/// splitmix64 (Steele, Lea and Flood 2014): a 64-bit state advanced by a Weyl sequence and
/// mixed by two multiply-xorshift rounds.
#[derive(Debug, Clone)]
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A generator for one part of the output (a facility, a layout, a user), so that parts do
    /// not shift each other's numbers: the seed and the part's labels are mixed into one state.
    pub(super) fn derive(seed: u64, parts: &[u64]) -> Self {
        let mut r = Rng::new(seed);
        for &p in parts {
            let x = r.next_u64();
            r = Rng::new(x ^ p.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        }
        r
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < `bound` (0 when `bound` is 0). The modulo bias is irrelevant here.
    pub(super) fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            self.next_u64();
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// `lo ≤ n ≤ hi` (`lo` when `hi < lo`).
    pub(super) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            self.next_u64();
            return lo;
        }
        let span = hi.abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.below(span))
    }

    /// A uniform number in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (false for `p ≤ 0` or NaN). Always draws one number, so the
    /// sequence does not depend on `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        let u = self.unit();
        p > 0.0 && u < p
    }

    /// One element of a non-empty array.
    pub(super) fn pick<'a, T, const N: usize>(&mut self, xs: &'a [T; N]) -> &'a T {
        const { assert!(N > 0, "pick from an empty array") };
        &xs[self.below(N as u64) as usize]
    }

    /// An index into a list of weights (the last index when all weights are 0).
    pub(super) fn weighted<const N: usize>(&mut self, weights: &[u32; N]) -> usize {
        const { assert!(N > 0, "weights of nothing") };
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        N - 1
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn splitmix64_reference_values() {
        // The first outputs of splitmix64 seeded with 0 (as in the reference implementation).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn bounds() {
        let mut r = Rng::new(7);
        for _ in 0..1000 {
            assert!(r.below(3) < 3);
            let x = r.range(-2, 2);
            assert!((-2..=2).contains(&x));
            assert!(r.weighted(&[0, 5, 0]) == 1);
        }
        assert_eq!(r.below(0), 0);
        assert_eq!(r.range(5, 1), 5);
        assert!(!r.chance(0.0));
        assert!(!r.chance(f64::NAN));
        assert!(r.chance(1.0));
    }
}
