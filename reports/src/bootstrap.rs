//! A bootstrap confidence interval on the difference of two means of per-invocation
//! billed milliseconds, priced: how sure the Δ$ per 1M requests is, given how many
//! invocations were sampled and how spread their durations are.
//!
//! Resampling a million invocations a thousand times would take seconds, so each resample
//! draws `m = min(n, 4,000)` invocations and the deviation of its mean is scaled by
//! √(m/n) (the m-out-of-n bootstrap with the usual rescaling): the same interval as a full
//! bootstrap for the mean, at a bounded cost. The generator is seeded, so a report is
//! reproducible.

use rand::rngs::SmallRng as StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::histogram::Histogram;

/// The generator's seed when `--seed` is not given: the same usage gives the same interval.
pub const DEFAULT_SEED: u64 = 0x00c0_ffee;
/// Resamples drawn for an interval unless the settings say otherwise.
pub(crate) const DEFAULT_RESAMPLES: u32 = 1000;
const MAX_DRAWS: u64 = 4_000;

/// A bootstrap confidence interval of a saving in USD (JSON: `compute_interval`), with
/// what it takes to reproduce it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// `low`: the lower bound, in USD.
    pub low: f64,
    /// `high`: the upper bound, in USD.
    pub high: f64,
    /// `level`: the confidence level, as a fraction (0.95).
    pub level: f64,
    /// `resamples`: how many bootstrap resamples the bounds come from.
    pub resamples: u32,
    /// `seed`: the random generator's seed (`--seed`); the same seed and usage give the
    /// same interval.
    pub seed: u64,
}

/// Draws values of a histogram in proportion to their counts.
struct Sampler<'histogram> {
    values: Vec<u64>,
    cumulative: Vec<u64>,
    histogram: &'histogram Histogram,
}

impl<'histogram> Sampler<'histogram> {
    fn new(histogram: &'histogram Histogram) -> Sampler<'histogram> {
        let mut values = Vec::new();
        let mut cumulative = Vec::new();
        let mut running = 0;
        for (ms, count) in histogram.iter() {
            running += count;
            values.push(ms);
            cumulative.push(running);
        }
        Sampler { values, cumulative, histogram }
    }

    fn draw(&self, random: &mut StdRng) -> u64 {
        let total = self.cumulative.last().copied().unwrap_or_default();
        let ticket = random.random_range(0..total);
        let index = self.cumulative.partition_point(|reached| *reached <= ticket);
        self.values[index]
    }

    /// A resampled mean, rescaled to the variance of a mean of all n.
    fn resampled_mean(&self, random: &mut StdRng) -> f64 {
        let count = self.histogram.count();
        let mean = self.histogram.mean().unwrap_or_default();
        let draws = count.min(MAX_DRAWS);
        let sum: u64 = (0..draws).map(|_| self.draw(random)).sum();
        let resampled = sum as f64 / draws as f64;
        mean + (resampled - mean) * (draws as f64 / count as f64).sqrt()
    }
}

/// The interval of `before_mean × before_usd_per_ms − after_mean × after_usd_per_ms`, at
/// 95 %. `None` when either side has no sample.
pub(crate) fn delta_interval(
    before: &Histogram,
    before_usd_per_ms: f64,
    after: &Histogram,
    after_usd_per_ms: f64,
    resamples: u32,
    seed: u64,
) -> Option<Interval> {
    if before.is_empty() || after.is_empty() || resamples == 0 {
        return None;
    }
    let mut random = StdRng::seed_from_u64(seed);
    let before_sampler = Sampler::new(before);
    let after_sampler = Sampler::new(after);
    let mut deltas: Vec<f64> = (0..resamples)
        .map(|_| {
            before_sampler.resampled_mean(&mut random) * before_usd_per_ms
                - after_sampler.resampled_mean(&mut random) * after_usd_per_ms
        })
        .collect();
    deltas.sort_by(f64::total_cmp);
    let at = |quantile: f64| deltas[((quantile * (deltas.len() - 1) as f64).round() as usize).min(deltas.len() - 1)];
    Some(Interval { low: at(0.025), high: at(0.975), level: 0.95, resamples, seed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_sample_has_no_spread_and_a_spread_one_brackets_the_point_estimate() {
        let before: Histogram = [(100, 1000)].into_iter().collect();
        let after: Histogram = [(10, 1000)].into_iter().collect();
        let interval = delta_interval(&before, 1.0, &after, 1.0, 200, 7).expect("interval");
        assert_eq!((interval.low, interval.high), (90.0, 90.0));

        let before: Histogram = [(50, 500), (150, 500)].into_iter().collect();
        let interval = delta_interval(&before, 1.0, &after, 1.0, 500, 7).expect("interval");
        // Point estimate 90; the mean of 1000 draws of ±50 has a standard error of ≈1.58,
        // so the 95 % interval is about 90 ± 3.1.
        assert!(interval.low < 90.0 && interval.high > 90.0, "{interval:?}");
        assert!(interval.low > 85.0 && interval.high < 95.0, "{interval:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let before: Histogram = [(50, 5), (150, 5), (400, 1)].into_iter().collect();
        let after: Histogram = [(10, 7), (30, 3)].into_iter().collect();
        let first = delta_interval(&before, 2.0, &after, 1.0, 100, 42);
        assert_eq!(first, delta_interval(&before, 2.0, &after, 1.0, 100, 42));
        assert!(delta_interval(&Histogram::new(), 1.0, &after, 1.0, 100, 42).is_none());
    }
}
