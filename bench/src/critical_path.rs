//! The AWS-call critical path of a function's warm invocations, from the traces the
//! emulator's proxy takes under a latency profile: how long the invocation waited on AWS
//! (concurrent calls counted once), how many calls it made, how many ran at once, and the
//! order they ran in. Where the rewrite misses its warm target, this is the reason shown.

use std::collections::BTreeMap;

use emulator::CriticalPath;
use serde::Serialize;

/// The critical paths of one side's traced warm invocations, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPathFigures {
    /// Traced warm invocations (n of every figure below).
    pub invocations: usize,
    /// Median time some AWS call was in flight, ms (exact nearest rank).
    pub busy_p50_ms: f64,
    /// Median number of AWS calls.
    pub calls_p50: usize,
    /// The most calls in flight at once, over every invocation.
    pub max_concurrent: usize,
    /// The most frequent order of calls (`service:operation`, `+` joining concurrent
    /// ones); empty when the function made no AWS call.
    pub sequence: Vec<String>,
    /// Invocations that made exactly that sequence.
    pub sequence_invocations: usize,
    /// `busy_p50_ms` over the warm p50: the share of a median invocation spent waiting
    /// on AWS.
    pub share_of_warm_p50: Option<f64>,
}

impl CriticalPathFigures {
    /// `None` for no traced invocation: no trace is not zero calls.
    pub(crate) fn of(paths: &[CriticalPath], warm_p50_ms: Option<f64>) -> Option<CriticalPathFigures> {
        if paths.is_empty() {
            return None;
        }
        let busy_p50_ms = median(paths.iter().map(|path| path.busy_us).collect()) as f64 / 1000.0;
        let calls_p50 = median(paths.iter().map(calls_of).collect());
        let mut sequences: BTreeMap<&[String], usize> = BTreeMap::new();
        for path in paths {
            *sequences.entry(path.sequence.as_slice()).or_default() += 1;
        }
        // The most frequent; among equals, the first in order, so the result is stable.
        let (sequence, sequence_invocations) = sequences
            .iter()
            .max_by(|(a_sequence, a_count), (b_sequence, b_count)| {
                a_count.cmp(b_count).then(b_sequence.cmp(a_sequence))
            })
            .map(|(sequence, count)| (sequence.to_vec(), *count))
            .unwrap_or_default();
        Some(CriticalPathFigures {
            invocations: paths.len(),
            busy_p50_ms,
            calls_p50,
            max_concurrent: paths.iter().map(|path| path.max_concurrent).max().unwrap_or_default(),
            sequence,
            sequence_invocations,
            share_of_warm_p50: warm_p50_ms.filter(|p50| *p50 > 0.0).map(|p50| busy_p50_ms / p50),
        })
    }

    /// `dynamodb:GetItem → s3:PutObject: 87.0 ms of 95.0 ms p50`, or why there is none.
    pub fn bound(&self, warm_p50_ms: Option<f64>) -> String {
        let sequence = if self.sequence.is_empty() { "no AWS call".to_string() } else { self.sequence.join(" → ") };
        match warm_p50_ms {
            Some(p50) => format!("{sequence}: {:.1} ms of {p50:.1} ms p50", self.busy_p50_ms),
            None => format!("{sequence}: {:.1} ms", self.busy_p50_ms),
        }
    }
}

/// Every call of a path's sequence, the concurrent ones included.
fn calls_of(path: &CriticalPath) -> usize {
    path.sequence.iter().map(|step| step.split('+').count()).sum()
}

/// The lower median (nearest rank) of a non-empty list.
fn median<T: Ord + Copy + Default>(mut values: Vec<T>) -> T {
    values.sort_unstable();
    values.get(values.len().saturating_sub(1) / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(busy_us: u64, sequence: &[&str], max_concurrent: usize) -> CriticalPath {
        CriticalPath {
            busy_us,
            total_us: busy_us,
            max_concurrent,
            sequence: sequence.iter().map(|step| step.to_string()).collect(),
        }
    }

    #[test]
    fn medians_the_most_frequent_sequence_and_the_share_of_the_p50() {
        let create = ["dynamodb:GetItem", "s3:PutObject", "codepipeline:CreatePipeline+dynamodb:PutItem"];
        let paths = [path(80_000, &create, 2), path(90_000, &create, 2), path(10_000, &["dynamodb:GetItem"], 1)];
        let figures = CriticalPathFigures::of(&paths, Some(100.0)).expect("traced");
        assert_eq!((figures.invocations, figures.busy_p50_ms, figures.calls_p50), (3, 80.0, 4));
        assert_eq!((figures.max_concurrent, figures.sequence_invocations), (2, 2));
        assert_eq!(figures.share_of_warm_p50, Some(0.8));
        assert_eq!(
            figures.bound(Some(100.0)),
            "dynamodb:GetItem → s3:PutObject → codepipeline:CreatePipeline+dynamodb:PutItem: 80.0 ms of 100.0 ms p50"
        );
        assert_eq!(CriticalPathFigures::of(&[], Some(1.0)), None, "no trace is not zero");
        let silent = CriticalPathFigures::of(&[path(0, &[], 0)], Some(2.0)).expect("traced, no calls");
        assert_eq!((silent.calls_p50, silent.bound(Some(2.0)).as_str()), (0, "no AWS call: 0.0 ms of 2.0 ms p50"));
    }
}
