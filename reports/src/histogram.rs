//! Exact counts per whole millisecond. Lambda bills each invocation in whole milliseconds,
//! so a histogram keyed by billed milliseconds loses nothing the bill needs, and its size
//! is bounded by the number of distinct values (at most Lambda's 900,000 ms timeout), not
//! by the number of invocations: a million REPORT lines fold into a few thousand entries.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds → invocations. Serialised as `[[ms, count], ...]`, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<u64, u64>,
}

impl Histogram {
    /// An empty histogram.
    pub(crate) fn new() -> Histogram {
        Histogram::default()
    }

    /// Counts `count` more invocations billed `ms` milliseconds.
    pub(crate) fn add(&mut self, ms: u64, count: u64) {
        if count > 0 {
            *self.counts.entry(ms).or_default() += count;
        }
    }

    /// Adds every count of `other`.
    pub(crate) fn merge(&mut self, other: &Histogram) {
        for (ms, count) in &other.counts {
            self.add(*ms, *count);
        }
    }

    /// Invocations counted.
    pub(crate) fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// True when no invocation is counted.
    pub(crate) fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Σ ms × count.
    pub(crate) fn total_ms(&self) -> u128 {
        self.counts.iter().map(|(ms, count)| u128::from(*ms) * u128::from(*count)).sum()
    }

    /// The mean billed milliseconds, exact; None when empty.
    pub(crate) fn mean(&self) -> Option<f64> {
        let count = self.count();
        (count > 0).then(|| self.total_ms() as f64 / count as f64)
    }

    /// The largest billed milliseconds counted; None when empty.
    pub(crate) fn max(&self) -> Option<u64> {
        self.counts.keys().next_back().copied()
    }

    /// The smallest value with at least `quantile` of the counts at or below it
    /// (nearest-rank, as CloudWatch's percentiles of raw values); None when empty.
    pub(crate) fn quantile(&self, quantile: f64) -> Option<u64> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (ms, entries) in &self.counts {
            seen += entries;
            if seen >= rank {
                return Some(*ms);
            }
        }
        self.max()
    }

    /// `(billed ms, invocations)` pairs, ascending by milliseconds.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts.iter().map(|(ms, count)| (*ms, *count))
    }

    /// Distinct values held: what the histogram costs in memory.
    pub(crate) fn distinct(&self) -> usize {
        self.counts.len()
    }
}

impl FromIterator<(u64, u64)> for Histogram {
    fn from_iter<I: IntoIterator<Item = (u64, u64)>>(pairs: I) -> Histogram {
        let mut histogram = Histogram::new();
        for (ms, count) in pairs {
            histogram.add(ms, count);
        }
        histogram
    }
}

impl Serialize for Histogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.counts.iter().map(|(ms, count)| [*ms, *count]))
    }
}

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Histogram, D::Error> {
        let pairs = Vec::<[u64; 2]>::deserialize(deserializer)?;
        Ok(pairs.into_iter().map(|[ms, count]| (ms, count)).collect())
    }
}

/// Cold starts: (handler ms billed alone, handler + INIT billed together) → invocations.
/// Both figures are kept because whether INIT is billed depends on the runtime and the
/// date, which the bill model decides, not the reader. Serialised as
/// `[[handler_ms, with_init_ms, count], ...]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColdHistogram {
    counts: BTreeMap<(u64, u64), u64>,
}

impl ColdHistogram {
    /// Counts `count` more cold starts billed `handler_ms` without INIT and `with_init_ms`
    /// with it (raised to `handler_ms` if below).
    pub(crate) fn add(&mut self, handler_ms: u64, with_init_ms: u64, count: u64) {
        if count > 0 {
            *self.counts.entry((handler_ms, with_init_ms.max(handler_ms))).or_default() += count;
        }
    }

    /// Cold starts counted.
    pub(crate) fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Distinct (handler, with INIT) pairs held: what the histogram costs in memory.
    pub(crate) fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// The billed milliseconds, with or without INIT.
    pub(crate) fn billed(&self, init_billed: bool) -> Histogram {
        self.counts
            .iter()
            .map(|((handler_ms, with_init_ms), count)| (if init_billed { *with_init_ms } else { *handler_ms }, *count))
            .collect()
    }

    /// INIT alone, approximately: the difference of the two rounded figures.
    pub(crate) fn init(&self) -> Histogram {
        self.counts.iter().map(|((handler_ms, with_init_ms), count)| (with_init_ms - handler_ms, *count)).collect()
    }

    /// `(handler ms, handler + INIT ms, cold starts)` triples, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.counts.iter().map(|((handler_ms, with_init_ms), count)| (*handler_ms, *with_init_ms, *count))
    }
}

impl Serialize for ColdHistogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(|(handler_ms, with_init_ms, count)| [handler_ms, with_init_ms, count]))
    }
}

impl<'de> Deserialize<'de> for ColdHistogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ColdHistogram, D::Error> {
        let triples = Vec::<[u64; 3]>::deserialize(deserializer)?;
        let mut histogram = ColdHistogram::default();
        for [handler_ms, with_init_ms, count] in triples {
            if with_init_ms < handler_ms {
                return Err(serde::de::Error::custom(format!(
                    "a cold start billed {with_init_ms} ms with INIT but {handler_ms} ms without: the first figure includes the second"
                )));
            }
            histogram.add(handler_ms, with_init_ms, count);
        }
        Ok(histogram)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank_and_the_mean_is_exact() {
        let histogram: Histogram = [(10, 90), (20, 9), (100, 1)].into_iter().collect();
        assert_eq!(histogram.count(), 100);
        assert_eq!(histogram.quantile(0.5), Some(10));
        assert_eq!(histogram.quantile(0.9), Some(10));
        assert_eq!(histogram.quantile(0.91), Some(20));
        assert_eq!(histogram.quantile(0.99), Some(20));
        assert_eq!(histogram.quantile(1.0), Some(100));
        // (900 + 180 + 100) / 100
        assert_eq!(histogram.mean(), Some(11.8));
    }

    #[test]
    fn it_serialises_as_pairs_and_refuses_a_cold_start_cheaper_with_init() {
        let histogram: Histogram = [(12, 3), (7, 1), (12, 2)].into_iter().collect();
        assert_eq!(serde_json::to_string(&histogram).expect("json"), "[[7,1],[12,5]]");
        let cold: Result<ColdHistogram, _> = serde_json::from_str("[[20, 10, 1]]");
        assert!(cold.expect_err("refused").to_string().contains("includes"));
        let cold: ColdHistogram = serde_json::from_str("[[3, 19, 2]]").expect("cold");
        assert_eq!(cold.billed(true).mean(), Some(19.0));
        assert_eq!(cold.billed(false).mean(), Some(3.0));
        assert_eq!(cold.init().mean(), Some(16.0));
    }
}
