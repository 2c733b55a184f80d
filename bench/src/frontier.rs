//! Which memory sizes of a sweep are worth having: the cost/latency frontier (no other
//! size is both cheaper and faster at the tail), and the sizes AWS Lambda Power Tuning's
//! strategies would pick: the cheapest, the fastest, the balanced one, and the cheapest
//! that meets a latency objective. Only conclusive points count: a size with no warm
//! invocation, or one where Lambda itself failed an invocation (out of memory, a
//! timeout), is evidence of nothing better and is never picked.

use serde::Serialize;

use crate::sweep::{MemoryPoint, PointVerdict};

/// A latency objective on the warm invocations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "percentile", content = "ms", rename_all = "snake_case")]
pub enum Slo {
    /// The warm p99 at most this many milliseconds.
    WarmP99Ms(f64),
    /// The warm p50 at most this many milliseconds.
    WarmP50Ms(f64),
}

impl Slo {
    /// Whether `point` meets it; `None` when the point has no warm figure.
    pub(crate) fn met_by(self, point: &MemoryPoint) -> Option<bool> {
        match self {
            Slo::WarmP99Ms(limit) => point.warm_p99_ms.map(|p99| p99 <= limit),
            Slo::WarmP50Ms(limit) => point.warm_p50_ms.map(|p50| p50 <= limit),
        }
    }
}

impl std::fmt::Display for Slo {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slo::WarmP99Ms(ms) => write!(formatter, "warm p99 ≤ {ms} ms"),
            Slo::WarmP50Ms(ms) => write!(formatter, "warm p50 ≤ {ms} ms"),
        }
    }
}

/// A conclusive point's two coordinates.
fn coordinates(point: &MemoryPoint) -> Option<(f64, f64)> {
    if point.verdict != PointVerdict::Conclusive {
        return None;
    }
    Some((point.cost_per_million_usd?, point.warm_p99_ms?))
}

/// The memory sizes no other conclusive point dominates: none is at most as costly and at
/// most as slow at p99 while better on one of them. Equal points are both kept.
pub(crate) fn frontier(points: &[MemoryPoint]) -> Vec<u32> {
    let candidates: Vec<(u32, (f64, f64))> =
        points.iter().filter_map(|point| coordinates(point).map(|xy| (point.memory_mb, xy))).collect();
    candidates
        .iter()
        .filter(|(_, (cost, p99))| {
            !candidates.iter().any(|(_, (other_cost, other_p99))| {
                other_cost <= cost && other_p99 <= p99 && (other_cost < cost || other_p99 < p99)
            })
        })
        .map(|(memory_mb, _)| *memory_mb)
        .collect()
}

/// The cheapest conclusive point meeting `slo` (every conclusive point without one); ties
/// go to the lower p99, then to less memory.
pub(crate) fn cheapest(points: &[MemoryPoint], slo: Option<Slo>) -> Option<u32> {
    points
        .iter()
        .filter(|point| slo.is_none_or(|slo| slo.met_by(point) == Some(true)))
        .filter_map(|point| coordinates(point).map(|xy| (point.memory_mb, xy)))
        .min_by(|(a_mb, (a_cost, a_p99)), (b_mb, (b_cost, b_p99))| {
            a_cost.total_cmp(b_cost).then(a_p99.total_cmp(b_p99)).then(a_mb.cmp(b_mb))
        })
        .map(|(memory_mb, _)| memory_mb)
}

/// The conclusive point with the lowest warm p99; ties go to the cheaper, then to less
/// memory.
pub(crate) fn fastest(points: &[MemoryPoint]) -> Option<u32> {
    points
        .iter()
        .filter_map(|point| coordinates(point).map(|xy| (point.memory_mb, xy)))
        .min_by(|(a_mb, (a_cost, a_p99)), (b_mb, (b_cost, b_p99))| {
            a_p99.total_cmp(b_p99).then(a_cost.total_cmp(b_cost)).then(a_mb.cmp(b_mb))
        })
        .map(|(memory_mb, _)| memory_mb)
}

/// Power Tuning's `balanced` strategy with its default weight 0.5: the least
/// `0.5 × cost / max cost + 0.5 × p99 / max p99` over the conclusive points.
pub(crate) fn balanced(points: &[MemoryPoint]) -> Option<u32> {
    let candidates: Vec<(u32, (f64, f64))> =
        points.iter().filter_map(|point| coordinates(point).map(|xy| (point.memory_mb, xy))).collect();
    let max_cost = candidates.iter().map(|(_, (cost, _))| *cost).fold(0.0, f64::max);
    let max_p99 = candidates.iter().map(|(_, (_, p99))| *p99).fold(0.0, f64::max);
    let score = |cost: f64, p99: f64| {
        0.5 * if max_cost > 0.0 { cost / max_cost } else { 0.0 } + 0.5 * if max_p99 > 0.0 { p99 / max_p99 } else { 0.0 }
    };
    candidates
        .iter()
        .min_by(|(a_mb, (a_cost, a_p99)), (b_mb, (b_cost, b_p99))| {
            score(*a_cost, *a_p99).total_cmp(&score(*b_cost, *b_p99)).then(a_mb.cmp(b_mb))
        })
        .map(|(memory_mb, _)| *memory_mb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::tests::point;

    #[test]
    fn the_frontier_keeps_the_undominated_and_equal_points_and_drops_the_rest() {
        let points = [
            point(128, Some(2.0), Some(90.0), PointVerdict::Conclusive),
            point(256, Some(3.0), Some(40.0), PointVerdict::Conclusive),
            // Dearer and slower than 256: dominated.
            point(512, Some(4.0), Some(45.0), PointVerdict::Conclusive),
            // Equal to 256 on both: neither dominates the other.
            point(384, Some(3.0), Some(40.0), PointVerdict::Conclusive),
            // The cheapest and fastest of all, but it ran out of memory once: evidence of nothing.
            point(1024, Some(1.0), Some(10.0), PointVerdict::Failed { reason: "Runtime.OutOfMemory ×1".into() }),
            point(1769, None, None, PointVerdict::Inconclusive { reason: "no warm invocation".into() }),
        ];
        assert_eq!(frontier(&points), [128, 256, 384]);
        assert_eq!(cheapest(&points, None), Some(128));
        assert_eq!(cheapest(&points, Some(Slo::WarmP99Ms(50.0))), Some(256), "the tie on cost goes to less memory");
        assert_eq!(cheapest(&points, Some(Slo::WarmP99Ms(5.0))), None, "none conclusive meets it");
        assert_eq!(cheapest(&points, Some(Slo::WarmP50Ms(1000.0))), Some(128));
        assert_eq!(fastest(&points), Some(256));
        assert_eq!(balanced(&points), Some(256), "0.5×3/4 + 0.5×40/90 beats 0.5×2/4 + 0.5×90/90");
        assert_eq!(frontier(&points[4..]), Vec::<u32>::new(), "no conclusive point, no frontier");
        assert_eq!(cheapest(&points[4..], None), None);
    }
}
