//! A small seeded generator for the randomized and fuzz tests: SplitMix64, so a failure's seed replays it.

pub struct Rng(pub u64);

impl Rng {
    /// Seeded from the environment variable `var` if set, else at random; the seed is printed to replay a run.
    pub fn from_env(var: &str, label: &str) -> Rng {
        let seed = std::env::var(var).ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random);
        eprintln!("{label}: {var}={seed}");
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
