//! The gates: each turns the closed periods of one step (candidate and baseline behind
//! the same alias, per `ExecutedVersion`) into a [`Verdict`] with the figures behind it.
//!
//! - **error rate**: an absolute ceiling, judged with the Wilson interval of the
//!   candidate's Errors / Invocations, and a margin over the baseline, judged with a
//!   one-sided test of the difference of two proportions (Agresti–Caffo). Failing needs
//!   `fail_confidence`, passing needs `confidence`; between the two the gate is
//!   inconclusive, so a small sample never passes and never fails on noise.
//! - **latency**: each percentile per period, only where the period has the samples
//!   CloudWatch trusts (10 / (1 − p)); a period breaches when it exceeds the ceiling or
//!   the ratio to the baseline's same period. Fails when the breaching periods are
//!   significantly more than `max_breaching_share` (a binomial test), passes when at
//!   least `min_periods` are judged and their breaching share is within it.
//! - **throttles**: an absolute ceiling on the alias's throttle share (Wilson). Lambda
//!   publishes `Throttles` per function and per `Resource` (the alias), never per
//!   `ExecutedVersion`: a throttled request never reached a version. So the gate reads the
//!   alias's series and holds, rather than fails, when the alias was throttled as much
//!   before the deployment.
//! - **minimum invocations**: the step has seen enough candidate traffic.
//! - **custom**: any CloudWatch metric per period, against a ceiling or floor.
//!
//! When the baseline breaches an absolute ceiling as well (a shared downstream outage),
//! a gate that is not worse than the baseline says [`Verdict::Hold`], never `Fail`.

use std::collections::BTreeMap;
use std::time::SystemTime;

use lambda_metrics::{MetricDatapoint, MetricWindow, PeriodStats};
use serde::{Deserialize, Serialize};

use crate::plan::{CustomGate, GateSettings, LatencyGate};
use crate::statistics::{ProportionDifference, binomial_upper_tail, wilson_interval};

/// What a gate (or all of them together) says about the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Within the thresholds at `confidence`.
    Pass,
    /// Beyond a threshold at `fail_confidence`: roll back.
    Fail,
    /// Not enough evidence either way yet (never a pass).
    Inconclusive,
    /// Not worse than the baseline, but both are breaching: wait for a human.
    Hold,
}

/// The baseline's figures before the deployment started: the reference when no
/// concurrent baseline traffic exists (the bake, at 100 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineFigures {
    /// The start of the preflight window read.
    #[serde(with = "crate::units::timestamp")]
    pub window_start: SystemTime,
    /// The end of the preflight window (the last closed period's end).
    #[serde(with = "crate::units::timestamp")]
    pub window_end: SystemTime,
    /// Periods with baseline invocations.
    pub periods: u64,
    /// The baseline version's invocations behind the alias, summed.
    pub invocations: u64,
    /// Their errors, summed.
    pub errors: u64,
    /// `Throttles` of the baseline's `ExecutedVersion` series, summed (Lambda publishes
    /// none there; the gate reads `alias_throttles`).
    pub throttles: u64,
    /// `Throttles` of the alias (its `Resource` series) over the same window.
    #[serde(default)]
    pub alias_throttles: u64,
    /// The median over trusted periods of each percentile, in ms.
    pub percentiles_ms: BTreeMap<String, f64>,
}

impl BaselineFigures {
    /// Sums `periods` and takes, per latency gate, the median of the trusted periods.
    /// `alias_throttles` is left at zero for the caller to fill.
    pub(crate) fn from_periods(
        window: &MetricWindow,
        periods: &[PeriodStats],
        latency: &[LatencyGate],
    ) -> BaselineFigures {
        let mut percentiles_ms = BTreeMap::new();
        for gate in latency {
            let Some(quantile) = gate.quantile() else { continue };
            let mut values: Vec<f64> = periods
                .iter()
                .filter(|period| period.duration_samples >= gate.min_samples_per_period())
                .filter_map(|period| period.percentile(quantile))
                .collect();
            if let Some(median) = median(&mut values) {
                percentiles_ms.insert(gate.percentile.clone(), median);
            }
        }
        BaselineFigures {
            window_start: window.start,
            window_end: window.end,
            periods: periods.len() as u64,
            invocations: periods.iter().map(|period| period.invocations).sum(),
            errors: periods.iter().map(|period| period.errors).sum(),
            throttles: periods.iter().map(|period| period.throttles).sum(),
            alias_throttles: 0,
            percentiles_ms,
        }
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[middle - 1] + values[middle]) / 2.0 } else { values[middle] })
}

/// What the gates look at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Evidence<'a> {
    /// The candidate's periods in the window.
    pub(crate) candidate: &'a [PeriodStats],
    /// The baseline's periods in the same window (empty at 100 %).
    pub(crate) baseline: &'a [PeriodStats],
    /// Figures captured before the deployment, used where the concurrent baseline has none.
    pub(crate) reference: Option<&'a BaselineFigures>,
    /// Each custom gate with its datapoints in the window.
    pub(crate) custom: &'a [(CustomGate, Vec<MetricDatapoint>)],
    /// `Throttles` (Sum) of the alias's `Resource` series per period: where Lambda
    /// publishes them.
    pub(crate) alias_throttles: &'a [MetricDatapoint],
}

/// Counts summed over the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Periods with invocations.
    pub periods: u64,
    /// `Invocations`, summed.
    pub invocations: u64,
    /// `Errors`, summed.
    pub errors: u64,
    /// `Throttles` of the version's series, summed.
    pub throttles: u64,
}

impl Totals {
    /// The sums of `periods`.
    pub(crate) fn of(periods: &[PeriodStats]) -> Totals {
        Totals {
            periods: periods.len() as u64,
            invocations: periods.iter().map(|period| period.invocations).sum(),
            errors: periods.iter().map(|period| period.errors).sum(),
            throttles: periods.iter().map(|period| period.throttles).sum(),
        }
    }
}

/// One gate's verdict and the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// `error-rate`, `min-invocations`, `throttles`, `latency-<percentile>` or `custom-<name>`.
    pub gate: String,
    /// A required gate must pass for a step to advance; any gate's failure fails it.
    pub required: bool,
    /// The gate's verdict.
    pub verdict: Verdict,
    /// One sentence a release manager can act on.
    pub reason: String,
    /// The numbers the verdict was reached from.
    pub figures: Figures,
}

/// A gate's numbers, per kind of gate. Rates and shares are fractions (0.01 = 1 %).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figures {
    /// The error-rate gate: an absolute ceiling and a margin over the baseline.
    ErrorRate {
        /// The candidate's errors in the window.
        candidate_errors: u64,
        /// The candidate's invocations in the window.
        candidate_invocations: u64,
        /// Errors / invocations; None without invocations.
        candidate_rate: Option<f64>,
        /// Wilson interval of the candidate's rate (two-sided, at `2·confidence − 1`, so
        /// each side is one-sided at `confidence`).
        candidate_interval: Option<(f64, f64)>,
        /// The baseline's errors compared with (0 without a baseline).
        baseline_errors: u64,
        /// The baseline's invocations compared with (0 without a baseline).
        baseline_invocations: u64,
        /// `concurrent` (same window, same alias) or `preflight` (captured before the start).
        baseline_source: Option<String>,
        /// The gate's `max_error_rate`.
        ceiling: f64,
        /// The gate's `max_error_rate_increase`.
        margin: f64,
        /// Candidate rate minus baseline rate (Agresti–Caffo adjusted); None without both.
        difference: Option<f64>,
        /// The difference's one-sided upper bound at `confidence`; None without both.
        difference_upper_bound: Option<f64>,
        /// One-sided p-value of "the candidate's rate exceeds the baseline's by more than the margin".
        p_value: Option<f64>,
    },
    /// A Duration percentile gate, judged period by period.
    Latency {
        /// `p50`, `p99`, ...
        percentile: String,
        /// Samples a period needs to be judged: CloudWatch's 10 / (1 − p).
        min_samples_per_period: u64,
        /// Candidate periods with enough samples.
        judged_periods: u64,
        /// Judged periods over the ratio to the baseline, or over the ceiling while the
        /// baseline was not.
        breaching_periods: u64,
        /// Judged periods over the ceiling while the concurrent baseline was over it too.
        shared_periods: u64,
        /// Candidate periods with too few samples (or no value), not judged.
        low_sample_periods: u64,
        /// The most Duration samples any candidate period had.
        most_candidate_samples: u64,
        /// Median of the judged periods' percentile, in ms; None when none was judged.
        candidate_median_ms: Option<f64>,
        /// Median of the baseline values compared with, in ms; None without any.
        baseline_median_ms: Option<f64>,
        /// The gate's `max_ms`.
        ceiling_ms: Option<f64>,
        /// The gate's `max_ratio`.
        max_ratio: Option<f64>,
        /// The settings' `max_breaching_share`.
        allowed_breaching_share: f64,
        /// P(at least this many breaching periods | breach share = the allowed share).
        p_value: Option<f64>,
    },
    /// The throttle gate, on the alias's series.
    Throttles {
        /// The alias's throttled requests in the window.
        throttles: u64,
        /// Invocations of both versions plus the throttled requests.
        requests: u64,
        /// Wilson interval of the throttled share (at `2·confidence − 1`); None without requests.
        interval: Option<(f64, f64)>,
        /// The gate's `max_throttle_rate`.
        ceiling: f64,
    },
    /// The minimum-invocations gate.
    MinInvocations {
        /// The candidate's invocations in the window.
        invocations: u64,
        /// The settings' `min_invocations`.
        required: u64,
    },
    /// A custom gate on any CloudWatch metric.
    Custom {
        /// `namespace/metric_name`.
        metric: String,
        /// The CloudWatch statistic read.
        statistic: String,
        /// Periods with a datapoint.
        judged_periods: u64,
        /// Periods above `max` or below `min`.
        breaching_periods: u64,
        /// The newest period's value; None without datapoints.
        latest: Option<f64>,
        /// The gate's ceiling.
        max: Option<f64>,
        /// The gate's floor.
        min: Option<f64>,
        /// P(at least this many breaching periods | breach share = the allowed share).
        p_value: Option<f64>,
    },
}

/// All gates over one window, and the verdict they add up to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The start of the first period judged.
    #[serde(with = "crate::units::timestamp")]
    pub window_start: SystemTime,
    /// The end of the last closed period judged.
    #[serde(with = "crate::units::timestamp")]
    pub window_end: SystemTime,
    /// The metric period.
    #[serde(with = "crate::units::duration")]
    pub period: std::time::Duration,
    /// The candidate's counts in the window.
    pub candidate: Totals,
    /// The concurrent baseline's counts in the window (zero in the bake).
    pub baseline: Totals,
    /// Every gate's result: error rate, minimum invocations, throttles, then latency and custom gates.
    pub gates: Vec<GateResult>,
    /// Fail if any gate fails, else Hold if any holds, else Pass if every required gate
    /// passes, else Inconclusive.
    pub verdict: Verdict,
}

impl Evaluation {
    /// The gates' verdicts in one comparable line, so that the journal records an
    /// evaluation only when it changes.
    pub(crate) fn signature(&self) -> String {
        self.gates.iter().map(|gate| format!("{}={:?}", gate.gate, gate.verdict)).collect::<Vec<_>>().join(",")
    }

    /// The gates that failed.
    pub fn failing(&self) -> Vec<&GateResult> {
        self.gates.iter().filter(|gate| gate.verdict == Verdict::Fail).collect()
    }

    /// The failing gates and their reasons in one line, for a rollback's reason.
    pub(crate) fn failing_summary(&self) -> String {
        self.failing().iter().map(|gate| format!("{}: {}", gate.gate, gate.reason)).collect::<Vec<_>>().join("; ")
    }
}

/// Runs every gate of `settings` over `evidence` and adds their verdicts up.
pub(crate) fn evaluate(settings: &GateSettings, window: &MetricWindow, evidence: Evidence<'_>) -> Evaluation {
    let mut gates =
        vec![error_rate(settings, evidence), min_invocations(settings, evidence), throttles(settings, evidence)];
    for gate in &settings.latency {
        gates.push(latency(settings, gate, evidence));
    }
    for (gate, points) in evidence.custom {
        gates.push(custom(settings, gate, points));
    }
    let verdict = if gates.iter().any(|gate| gate.verdict == Verdict::Fail) {
        Verdict::Fail
    } else if gates.iter().any(|gate| gate.verdict == Verdict::Hold) {
        Verdict::Hold
    } else if gates.iter().filter(|gate| gate.required).all(|gate| gate.verdict == Verdict::Pass) {
        Verdict::Pass
    } else {
        Verdict::Inconclusive
    };
    Evaluation {
        window_start: window.start,
        window_end: window.end,
        period: window.period,
        candidate: Totals::of(evidence.candidate),
        baseline: Totals::of(evidence.baseline),
        gates,
        verdict,
    }
}

fn percent(rate: f64) -> String {
    let value = rate * 100.0;
    if value != 0.0 && value.abs() < 0.1 { format!("{value:.3}%") } else { format!("{value:.1}%") }
}

fn error_rate(settings: &GateSettings, evidence: Evidence<'_>) -> GateResult {
    let candidate = Totals::of(evidence.candidate);
    let concurrent = Totals::of(evidence.baseline);
    let (baseline_errors, baseline_invocations, baseline_source) = if concurrent.invocations > 0 {
        (concurrent.errors, concurrent.invocations, Some("concurrent"))
    } else if let Some(reference) = evidence.reference.filter(|reference| reference.invocations > 0) {
        (reference.errors, reference.invocations, Some("preflight"))
    } else {
        (0, 0, None)
    };
    let ceiling = settings.max_error_rate;
    let margin = settings.max_error_rate_increase;
    let mut figures = Figures::ErrorRate {
        candidate_errors: candidate.errors,
        candidate_invocations: candidate.invocations,
        candidate_rate: None,
        candidate_interval: None,
        baseline_errors,
        baseline_invocations,
        baseline_source: baseline_source.map(str::to_string),
        ceiling,
        margin,
        difference: None,
        difference_upper_bound: None,
        p_value: None,
    };
    let result = |verdict, reason: String, figures| GateResult {
        gate: "error-rate".into(),
        required: true,
        verdict,
        reason,
        figures,
    };
    if candidate.invocations == 0 {
        return result(Verdict::Inconclusive, "no candidate invocations in the closed periods yet".into(), figures);
    }
    let rate = candidate.errors as f64 / candidate.invocations as f64;
    // A two-sided interval at 2c − 1 has each side one-sided at c.
    let pass_interval = wilson_interval(candidate.errors, candidate.invocations, 2.0 * settings.confidence - 1.0);
    let fail_interval = wilson_interval(candidate.errors, candidate.invocations, 2.0 * settings.fail_confidence - 1.0);
    let absolute = if fail_interval.0 > ceiling {
        Verdict::Fail
    } else if pass_interval.1 <= ceiling {
        Verdict::Pass
    } else {
        Verdict::Inconclusive
    };
    let mut relative = None;
    let mut baseline_degraded = false;
    if let Some(source) = baseline_source {
        let difference =
            ProportionDifference::new(candidate.errors, candidate.invocations, baseline_errors, baseline_invocations);
        let p_value = difference.p_value_above(margin);
        let upper = difference.upper_bound(settings.confidence);
        let verdict = if p_value < 1.0 - settings.fail_confidence {
            Verdict::Fail
        } else if upper <= margin {
            Verdict::Pass
        } else {
            Verdict::Inconclusive
        };
        baseline_degraded = source == "concurrent"
            && wilson_interval(baseline_errors, baseline_invocations, 2.0 * settings.fail_confidence - 1.0).0 > ceiling;
        relative = Some((verdict, difference.estimate, upper, p_value));
    }
    if let Figures::ErrorRate {
        candidate_rate, candidate_interval, difference, difference_upper_bound, p_value, ..
    } = &mut figures
    {
        *candidate_rate = Some(rate);
        *candidate_interval = Some(pass_interval);
        if let Some((_, estimate, upper, p)) = relative {
            *difference = Some(estimate);
            *difference_upper_bound = Some(upper);
            *p_value = Some(p);
        }
    }
    let baseline_text = match baseline_source {
        Some(source) => format!(
            "baseline {} ({baseline_errors}/{baseline_invocations}, {source})",
            percent(baseline_errors as f64 / baseline_invocations as f64)
        ),
        None => "no baseline traffic to compare with".into(),
    };
    let candidate_text = format!("candidate {} ({}/{})", percent(rate), candidate.errors, candidate.invocations);
    let relative_verdict = relative.map(|(verdict, ..)| verdict);
    match (absolute, relative_verdict) {
        (_, Some(Verdict::Fail)) => {
            let p = relative.map(|(.., p)| p).unwrap_or_default();
            result(
                Verdict::Fail,
                format!("{candidate_text} exceeds {baseline_text} by more than {} (p = {p:.2e})", percent(margin)),
                figures,
            )
        }
        (Verdict::Fail, _) if baseline_degraded => result(
            Verdict::Hold,
            format!(
                "{candidate_text} is above the {} ceiling, but so is {baseline_text}: a shared cause, holding",
                percent(ceiling)
            ),
            figures,
        ),
        (Verdict::Fail, _) => result(
            Verdict::Fail,
            format!(
                "{candidate_text} is above the {} ceiling at {:.0}% confidence; {baseline_text}",
                percent(ceiling),
                settings.fail_confidence * 100.0
            ),
            figures,
        ),
        (Verdict::Pass, Some(Verdict::Pass) | None) => result(
            Verdict::Pass,
            format!(
                "{candidate_text}, at most {} at {:.0}% confidence; {baseline_text}",
                percent(pass_interval.1),
                settings.confidence * 100.0
            ),
            figures,
        ),
        _ => result(
            Verdict::Inconclusive,
            format!(
                "{candidate_text}, {baseline_text}: not yet enough invocations to bound it under the {} ceiling and {} margin",
                percent(ceiling),
                percent(margin)
            ),
            figures,
        ),
    }
}

fn min_invocations(settings: &GateSettings, evidence: Evidence<'_>) -> GateResult {
    let invocations = Totals::of(evidence.candidate).invocations;
    let required = settings.min_invocations;
    let (verdict, reason) = if invocations >= required {
        (Verdict::Pass, format!("{invocations} candidate invocations, {required} needed"))
    } else {
        (Verdict::Inconclusive, format!("{invocations} candidate invocations of the {required} a step needs"))
    };
    GateResult {
        gate: "min-invocations".into(),
        required: true,
        verdict,
        reason,
        figures: Figures::MinInvocations { invocations, required },
    }
}

fn throttles(settings: &GateSettings, evidence: Evidence<'_>) -> GateResult {
    // Every request the alias took in the window: what ran (both versions) and what was throttled.
    let throttled = evidence.alias_throttles.iter().map(|point| point.value.max(0.0).round() as u64).sum::<u64>();
    let requests = Totals::of(evidence.candidate).invocations + Totals::of(evidence.baseline).invocations + throttled;
    let ceiling = settings.max_throttle_rate;
    let mut figures = Figures::Throttles { throttles: throttled, requests, interval: None, ceiling };
    let result =
        |verdict, reason, figures| GateResult { gate: "throttles".into(), required: true, verdict, reason, figures };
    if requests == 0 {
        return result(
            Verdict::Inconclusive,
            "no requests to the alias in the closed periods yet".to_string(),
            figures,
        );
    }
    let pass_interval = wilson_interval(throttled, requests, 2.0 * settings.confidence - 1.0);
    let fail_low = wilson_interval(throttled, requests, 2.0 * settings.fail_confidence - 1.0).0;
    if let Figures::Throttles { interval, .. } = &mut figures {
        *interval = Some(pass_interval);
    }
    let share = throttled as f64 / requests as f64;
    let text = format!(
        "{} of the alias's requests throttled ({throttled}/{requests}; Lambda counts throttles per alias, not per version)",
        percent(share)
    );
    if fail_low > ceiling {
        let before = evidence
            .reference
            .map(|reference| (reference.alias_throttles, reference.invocations + reference.alias_throttles));
        if let Some((before_throttled, before_requests)) = before.filter(|(_, requests)| *requests > 0)
            && wilson_interval(before_throttled, before_requests, 2.0 * settings.fail_confidence - 1.0).0 > ceiling
        {
            return result(
                Verdict::Hold,
                format!(
                    "{text}, and it was throttled as much before the deployment ({before_throttled}/{before_requests}): shared concurrency, holding"
                ),
                figures,
            );
        }
        return result(Verdict::Fail, format!("{text}, above the {} ceiling", percent(ceiling)), figures);
    }
    if pass_interval.1 <= ceiling {
        return result(Verdict::Pass, format!("{text}, at most {}", percent(pass_interval.1)), figures);
    }
    result(
        Verdict::Inconclusive,
        format!("{text}: not yet enough requests to bound it under {}", percent(ceiling)),
        figures,
    )
}

fn latency(settings: &GateSettings, gate: &LatencyGate, evidence: Evidence<'_>) -> GateResult {
    let quantile = gate.quantile().unwrap_or(0.5);
    let min_samples = gate.min_samples_per_period();
    let baseline_by_start: BTreeMap<SystemTime, &PeriodStats> =
        evidence.baseline.iter().map(|period| (period.start, period)).collect();
    let reference = evidence.reference.and_then(|figures| figures.percentiles_ms.get(&gate.percentile).copied());
    let (mut judged, mut breaching, mut shared, mut low_sample, mut most_samples) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut candidate_values = Vec::new();
    let mut baseline_values = Vec::new();
    for period in evidence.candidate {
        most_samples = most_samples.max(period.duration_samples);
        let Some(value) = period.percentile(quantile).filter(|_| period.duration_samples >= min_samples) else {
            low_sample += 1;
            continue;
        };
        let concurrent = baseline_by_start
            .get(&period.start)
            .filter(|baseline| baseline.duration_samples >= min_samples)
            .and_then(|baseline| baseline.percentile(quantile));
        let baseline_value = concurrent.or(reference);
        judged += 1;
        candidate_values.push(value);
        if let Some(baseline_value) = baseline_value {
            baseline_values.push(baseline_value);
        }
        let over_ratio = match (gate.max_ratio, baseline_value) {
            (Some(ratio), Some(baseline_value)) => value > ratio * baseline_value,
            _ => false,
        };
        let over_ceiling = gate.max_ms.is_some_and(|ceiling| value > ceiling);
        let baseline_over_ceiling = gate.max_ms.zip(concurrent).is_some_and(|(ceiling, baseline)| baseline > ceiling);
        if over_ratio || (over_ceiling && !baseline_over_ceiling) {
            breaching += 1;
        } else if over_ceiling {
            shared += 1;
        }
    }
    let allowed = settings.max_breaching_share;
    let p_value = (judged > 0).then(|| binomial_upper_tail(breaching, judged, allowed.max(1e-6)));
    let shared_p = binomial_upper_tail(shared, judged, allowed.max(1e-6));
    let figures = Figures::Latency {
        percentile: gate.percentile.clone(),
        min_samples_per_period: min_samples,
        judged_periods: judged,
        breaching_periods: breaching,
        shared_periods: shared,
        low_sample_periods: low_sample,
        most_candidate_samples: most_samples,
        candidate_median_ms: median(&mut candidate_values),
        baseline_median_ms: median(&mut baseline_values),
        ceiling_ms: gate.max_ms,
        max_ratio: gate.max_ratio,
        allowed_breaching_share: allowed,
        p_value,
    };
    let limits = match (gate.max_ms, gate.max_ratio) {
        (Some(ceiling), Some(ratio)) => format!("{ceiling} ms or {ratio}× the baseline"),
        (Some(ceiling), None) => format!("{ceiling} ms"),
        (None, Some(ratio)) => format!("{ratio}× the baseline"),
        (None, None) => "no limit".into(),
    };
    let (verdict, reason) = if judged == 0 {
        (
            Verdict::Inconclusive,
            format!(
                "{} needs {min_samples} samples per period (CloudWatch's 10/(1-p)); the candidate's most was {most_samples}",
                gate.percentile
            ),
        )
    } else if p_value.is_some_and(|p| p < 1.0 - settings.fail_confidence) {
        (Verdict::Fail, format!("{} above {limits} in {breaching} of {judged} judged periods", gate.percentile))
    } else if shared > 0 && shared_p < 1.0 - settings.fail_confidence {
        (
            Verdict::Hold,
            format!("{} above {limits} in {shared} of {judged} periods, the baseline too: holding", gate.percentile),
        )
    } else if judged >= settings.min_periods && (breaching as f64) <= allowed * judged as f64 {
        (
            Verdict::Pass,
            format!("{} within {limits} in {} of {judged} judged periods", gate.percentile, judged - breaching),
        )
    } else {
        (
            Verdict::Inconclusive,
            format!(
                "{} above {limits} in {breaching} of {judged} judged periods ({} periods needed, {low_sample} had too few samples)",
                gate.percentile, settings.min_periods
            ),
        )
    };
    GateResult { gate: format!("latency-{}", gate.percentile), required: gate.required, verdict, reason, figures }
}

fn custom(settings: &GateSettings, gate: &CustomGate, points: &[MetricDatapoint]) -> GateResult {
    let judged = points.len() as u64;
    let breaching = points
        .iter()
        .filter(|point| gate.max.is_some_and(|max| point.value > max) || gate.min.is_some_and(|min| point.value < min))
        .count() as u64;
    let allowed = settings.max_breaching_share;
    let p_value = (judged > 0).then(|| binomial_upper_tail(breaching, judged, allowed.max(1e-6)));
    let figures = Figures::Custom {
        metric: format!("{}/{}", gate.namespace, gate.metric_name),
        statistic: gate.statistic.clone(),
        judged_periods: judged,
        breaching_periods: breaching,
        latest: points.last().map(|point| point.value),
        max: gate.max,
        min: gate.min,
        p_value,
    };
    let (verdict, reason) = if judged == 0 {
        (Verdict::Inconclusive, format!("no {} datapoints in the closed periods", gate.metric_name))
    } else if p_value.is_some_and(|p| p < 1.0 - settings.fail_confidence) {
        (
            Verdict::Fail,
            format!("{} {} out of bounds in {breaching} of {judged} periods", gate.metric_name, gate.statistic),
        )
    } else if judged >= settings.min_periods && (breaching as f64) <= allowed * judged as f64 {
        (
            Verdict::Pass,
            format!(
                "{} {} within bounds in {} of {judged} periods",
                gate.metric_name,
                gate.statistic,
                judged - breaching
            ),
        )
    } else {
        (
            Verdict::Inconclusive,
            format!("{} {} out of bounds in {breaching} of {judged} periods", gate.metric_name, gate.statistic),
        )
    };
    GateResult { gate: format!("custom-{}", gate.name), required: gate.required, verdict, reason, figures }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn period(minute: u64, invocations: u64, errors: u64, p50: f64, samples: u64) -> PeriodStats {
        PeriodStats {
            start: UNIX_EPOCH + Duration::from_secs(minute * 60),
            invocations,
            errors,
            throttles: 0,
            duration_samples: samples,
            duration_average_ms: Some(p50),
            duration_maximum_ms: Some(p50 * 3.0),
            duration_percentiles_ms: BTreeMap::from([("p50".to_string(), p50), ("p99".to_string(), p50 * 2.0)]),
        }
    }

    fn window(minutes: u64) -> MetricWindow {
        MetricWindow {
            start: UNIX_EPOCH,
            end: UNIX_EPOCH + Duration::from_secs(minutes * 60),
            period: Duration::from_secs(60),
        }
    }

    fn verdict_of<'a>(evaluation: &'a Evaluation, gate: &str) -> &'a GateResult {
        evaluation.gates.iter().find(|result| result.gate == gate).expect("gate present")
    }

    #[test]
    fn no_data_is_never_a_pass() {
        let evaluation = evaluate(
            &GateSettings::default(),
            &window(5),
            Evidence { candidate: &[], baseline: &[], reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(evaluation.verdict, Verdict::Inconclusive);
        assert!(evaluation.gates.iter().all(|gate| gate.verdict == Verdict::Inconclusive), "{:#?}", evaluation.gates);
    }

    #[test]
    fn an_error_spike_fails_and_a_clean_candidate_passes() {
        let settings = GateSettings::default();
        let baseline: Vec<_> = (0..5).map(|minute| period(minute, 900, 1, 100.0, 900)).collect();
        let spiking: Vec<_> = (0..5).map(|minute| period(minute, 100, 20, 100.0, 100)).collect();
        let evaluation = evaluate(
            &settings,
            &window(5),
            Evidence { candidate: &spiking, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(verdict_of(&evaluation, "error-rate").verdict, Verdict::Fail);
        assert_eq!(evaluation.verdict, Verdict::Fail);

        let clean: Vec<_> = (0..5).map(|minute| period(minute, 100, 0, 100.0, 100)).collect();
        let evaluation = evaluate(
            &settings,
            &window(5),
            Evidence { candidate: &clean, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(verdict_of(&evaluation, "error-rate").verdict, Verdict::Pass, "{:#?}", evaluation.gates[0]);
        assert_eq!(evaluation.verdict, Verdict::Pass, "{:#?}", evaluation.gates);
    }

    #[test]
    fn a_shared_outage_holds_instead_of_failing() {
        let settings = GateSettings::default();
        let baseline: Vec<_> = (0..5).map(|minute| period(minute, 900, 270, 100.0, 900)).collect();
        let candidate: Vec<_> = (0..5).map(|minute| period(minute, 100, 30, 100.0, 100)).collect();
        let evaluation = evaluate(
            &settings,
            &window(5),
            Evidence { candidate: &candidate, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(verdict_of(&evaluation, "error-rate").verdict, Verdict::Hold, "{:#?}", evaluation.gates[0]);
        assert_eq!(evaluation.verdict, Verdict::Hold);
    }

    #[test]
    fn p99_from_too_few_samples_is_inconclusive_while_p50_is_judged() {
        let settings = GateSettings::default();
        let baseline: Vec<_> = (0..5).map(|minute| period(minute, 900, 0, 100.0, 900)).collect();
        let candidate: Vec<_> = (0..5).map(|minute| period(minute, 100, 0, 90.0, 100)).collect();
        let evaluation = evaluate(
            &settings,
            &window(5),
            Evidence { candidate: &candidate, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        let p99 = verdict_of(&evaluation, "latency-p99");
        assert_eq!(p99.verdict, Verdict::Inconclusive);
        assert!(p99.reason.contains("1000 samples per period"), "{}", p99.reason);
        assert_eq!(verdict_of(&evaluation, "latency-p50").verdict, Verdict::Pass);
        assert_eq!(evaluation.verdict, Verdict::Pass, "p99 is optional by default");
    }

    #[test]
    fn a_latency_regression_fails_after_three_breaching_periods() {
        let settings = GateSettings::default();
        let baseline: Vec<_> = (0..3).map(|minute| period(minute, 900, 0, 100.0, 900)).collect();
        let slow: Vec<_> = (0..3).map(|minute| period(minute, 100, 0, 400.0, 100)).collect();
        let two = evaluate(
            &settings,
            &window(2),
            Evidence { candidate: &slow[..2], baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(
            verdict_of(&two, "latency-p50").verdict,
            Verdict::Inconclusive,
            "two periods are not enough at 99 %"
        );
        let three = evaluate(
            &settings,
            &window(3),
            Evidence { candidate: &slow, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(verdict_of(&three, "latency-p50").verdict, Verdict::Fail);
    }

    #[test]
    fn throttles_are_read_from_the_alias_and_hold_when_they_predate_the_deployment() {
        let settings = GateSettings::default();
        let baseline: Vec<_> = (0..5).map(|minute| period(minute, 900, 0, 100.0, 900)).collect();
        let candidate: Vec<_> = (0..5).map(|minute| period(minute, 100, 0, 100.0, 100)).collect();
        let throttled: Vec<_> = (0..5)
            .map(|minute| MetricDatapoint { start: UNIX_EPOCH + Duration::from_secs(minute * 60), value: 100.0 })
            .collect();
        let evidence = |reference| Evidence {
            candidate: &candidate,
            baseline: &baseline,
            reference,
            custom: &[],
            alias_throttles: &throttled,
        };
        let failed = evaluate(&settings, &window(5), evidence(None));
        let gate = verdict_of(&failed, "throttles");
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        assert!(gate.reason.contains("(500/5500;"), "{}", gate.reason);
        let before =
            BaselineFigures { alias_throttles: 600, ..BaselineFigures::from_periods(&window(5), &baseline, &[]) };
        let held = evaluate(&settings, &window(5), evidence(Some(&before)));
        assert_eq!(verdict_of(&held, "throttles").verdict, Verdict::Hold);
        let quiet = Evidence { alias_throttles: &[], ..evidence(None) };
        assert_eq!(verdict_of(&evaluate(&settings, &window(5), quiet), "throttles").verdict, Verdict::Pass);
    }

    fn latency_gate(percentile: &str) -> LatencyGate {
        LatencyGate { percentile: percentile.into(), max_ms: None, max_ratio: Some(1.5), required: true }
    }

    #[test]
    fn the_median_takes_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7.0]), Some(7.0));
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [40.0, 10.0, 30.0, 20.0]), Some(25.0));
    }

    #[test]
    fn the_baseline_figures_sum_the_periods_and_take_the_median_of_trusted_ones() {
        // p50 needs 20 samples a period: the period with 19 is left out of the median, the
        // one with exactly 20 is in.
        let periods = [
            period(0, 100, 1, 100.0, 100),
            period(1, 200, 2, 400.0, 20),
            period(2, 300, 3, 9_000.0, 19),
            period(3, 400, 4, 200.0, 100),
            period(4, 500, 5, 300.0, 100),
        ];
        let figures = BaselineFigures::from_periods(&window(5), &periods, &[latency_gate("p50"), latency_gate("p99")]);
        assert_eq!(figures.periods, 5);
        assert_eq!(figures.invocations, 1500);
        assert_eq!(figures.errors, 15);
        assert_eq!(figures.window_start, window(5).start);
        assert_eq!(figures.window_end, window(5).end);
        // p99 needs 1000 samples a period, which none had.
        assert_eq!(figures.percentiles_ms, BTreeMap::from([("p50".to_string(), 250.0)]));
    }

    #[test]
    fn percentages_keep_three_decimals_below_a_tenth_of_a_percent() {
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.25), "25.0%");
        assert_eq!(percent(0.001), "0.1%");
        assert_eq!(percent(0.0005), "0.050%");
        assert_eq!(percent(-0.0005), "-0.050%");
    }

    #[test]
    fn a_failing_evaluation_names_its_failing_gates_and_signs_every_verdict() {
        let settings = GateSettings::default();
        let baseline: Vec<_> = (0..5).map(|minute| period(minute, 900, 1, 100.0, 900)).collect();
        let spiking: Vec<_> = (0..5).map(|minute| period(minute, 100, 20, 100.0, 100)).collect();
        let evaluation = evaluate(
            &settings,
            &window(5),
            Evidence { candidate: &spiking, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        assert_eq!(
            evaluation.signature(),
            "error-rate=Fail,min-invocations=Pass,throttles=Pass,latency-p50=Pass,latency-p99=Inconclusive"
        );
        let failing: Vec<&str> = evaluation.failing().iter().map(|gate| gate.gate.as_str()).collect();
        assert_eq!(failing, ["error-rate"]);
        assert_eq!(evaluation.failing_summary(), format!("error-rate: {}", evaluation.gates[0].reason));
    }

    #[test]
    fn without_concurrent_baseline_traffic_the_preflight_figures_are_the_baseline() {
        let settings = GateSettings::default();
        let candidate: Vec<_> = (0..5).map(|minute| period(minute, 100, 0, 100.0, 100)).collect();
        let before: Vec<_> = (0..5).map(|minute| period(minute, 900, 9, 100.0, 900)).collect();
        let reference = BaselineFigures::from_periods(&window(5), &before, &settings.latency);
        let source = |reference: Option<&BaselineFigures>| {
            let evaluation = evaluate(
                &settings,
                &window(5),
                Evidence { candidate: &candidate, baseline: &[], reference, custom: &[], alias_throttles: &[] },
            );
            match &evaluation.gates[0].figures {
                Figures::ErrorRate { baseline_source, baseline_errors, baseline_invocations, .. } => {
                    (baseline_source.clone(), *baseline_errors, *baseline_invocations)
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(source(Some(&reference)), (Some("preflight".to_string()), 45, 4500));
        let silent = BaselineFigures { invocations: 0, errors: 0, ..reference.clone() };
        assert_eq!(source(Some(&silent)), (None, 0, 0));
        assert_eq!(source(None), (None, 0, 0));
    }

    fn error_rate_of(settings: &GateSettings, candidate: &[PeriodStats], baseline: &[PeriodStats]) -> GateResult {
        error_rate(settings, Evidence { candidate, baseline, reference: None, custom: &[], alias_throttles: &[] })
    }

    #[test]
    fn without_a_baseline_the_ceiling_alone_fails_at_fail_confidence() {
        let settings = GateSettings::default();
        // 10 % of 1000: the one-sided 99 % Wilson bound is about 8 %, above the 5 % ceiling
        // (with z ≈ 7 it would be under 5 %).
        let candidate: Vec<_> = (0..5).map(|minute| period(minute, 200, 20, 100.0, 200)).collect();
        let gate = error_rate_of(&settings, &candidate, &[]);
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        assert_eq!(
            gate.reason,
            "candidate 10.0% (100/1000) is above the 5.0% ceiling at 99% confidence; no baseline traffic to compare with"
        );
        let Figures::ErrorRate { candidate_rate, candidate_interval, difference, p_value, .. } = gate.figures else {
            panic!("{:?}", gate.figures)
        };
        assert_eq!(candidate_rate, Some(0.1));
        let (low, high) = candidate_interval.expect("an interval");
        assert!(low > 0.08 && low < 0.1 && high > 0.1 && high < 0.12, "{low} {high}");
        assert_eq!((difference, p_value), (None, None));
    }

    #[test]
    fn a_ceiling_of_zero_fails_only_on_an_error() {
        let settings = GateSettings { max_error_rate: 0.0, ..GateSettings::default() };
        // 9,000 clean invocations: their Wilson lower bound once came out a rounding error
        // above zero, which failed the gate.
        for invocations in [5000, 9000] {
            let gate = error_rate_of(&settings, &spread(5, invocations, 0), &[]);
            assert_eq!(gate.verdict, Verdict::Inconclusive, "{invocations}: {}", gate.reason);
        }
    }

    /// `count` one-minute periods sharing `invocations` and `errors` out evenly.
    fn spread(count: u64, invocations: u64, errors: u64) -> Vec<PeriodStats> {
        (0..count).map(|minute| period(minute, invocations / count, errors / count, 100.0, 100)).collect()
    }

    #[test]
    fn a_candidate_under_the_ceiling_fails_on_its_margin_over_the_baseline() {
        let settings = GateSettings::default();
        // 4 % is not surely above the 5 % ceiling, but surely more than 1 point above 0 %.
        let gate = error_rate_of(&settings, &spread(5, 1000, 40), &spread(5, 10_000, 0));
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        assert!(
            gate.reason.starts_with(
                "candidate 4.0% (40/1000) exceeds baseline 0.0% (0/10000, concurrent) by more than 1.0% (p = "
            ),
            "{}",
            gate.reason
        );
    }

    #[test]
    fn only_a_concurrent_baseline_above_the_ceiling_holds_a_candidate_above_it() {
        let settings = GateSettings::default();
        let candidate = spread(5, 2000, 140);
        // 7 % of 4,500 is above 5 % at 99 % (its one-sided bound is about 6.1 %), as the
        // candidate's 7 % of 2,000 is: a shared cause.
        let gate = error_rate_of(&settings, &candidate, &spread(5, 4500, 315));
        assert_eq!(gate.verdict, Verdict::Hold, "{}", gate.reason);
        assert!(gate.reason.contains("but so is baseline 7.0% (315/4500, concurrent)"), "{}", gate.reason);
        // The same rate before the deployment is no shared cause now.
        let before = BaselineFigures::from_periods(&window(5), &spread(5, 4500, 315), &[]);
        let gate = error_rate(
            &settings,
            Evidence {
                candidate: &candidate,
                baseline: &[],
                reference: Some(&before),
                custom: &[],
                alias_throttles: &[],
            },
        );
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        assert!(gate.reason.ends_with("baseline 7.0% (315/4500, preflight)"), "{}", gate.reason);
        // With a ceiling of zero, a clean concurrent baseline is not above it.
        let settings = GateSettings { max_error_rate: 0.0, ..GateSettings::default() };
        let gate = error_rate_of(&settings, &spread(5, 1000, 5), &spread(5, 9000, 0));
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        assert!(gate.reason.contains("is above the 0.0% ceiling"), "{}", gate.reason);
    }

    /// The throttle gate over five periods of 1,000 candidate invocations and none of the
    /// baseline's, the alias throttled `per_period` times a period.
    fn throttles_of(settings: &GateSettings, per_period: f64, reference: Option<&BaselineFigures>) -> GateResult {
        let candidate = spread(5, 5000, 0);
        let throttled: Vec<_> = (0..5)
            .map(|minute| MetricDatapoint { start: UNIX_EPOCH + Duration::from_secs(minute * 60), value: per_period })
            .collect();
        throttles(
            settings,
            Evidence { candidate: &candidate, baseline: &[], reference, custom: &[], alias_throttles: &throttled },
        )
    }

    #[test]
    fn the_throttle_share_passes_and_fails_at_their_own_confidences() {
        let settings = GateSettings::default();
        // 35 of 5,035: 0.7 %, at most 0.9 % at 95 % one-sided.
        let gate = throttles_of(&settings, 7.0, None);
        assert_eq!(gate.verdict, Verdict::Pass, "{}", gate.reason);
        assert!(gate.reason.starts_with("0.7% of the alias's requests throttled (35/5035;"), "{}", gate.reason);
        let Figures::Throttles { interval, throttles, requests, .. } = gate.figures else {
            panic!("{:?}", gate.figures)
        };
        assert_eq!((throttles, requests), (35, 5035));
        assert_eq!(interval, Some(wilson_interval(35, 5035, 0.9)));
        // 90 of 5,090: 1.8 %, surely above 1 % at 99 % (at least 1.36 %).
        let gate = throttles_of(&settings, 18.0, None);
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        assert!(gate.reason.ends_with("above the 1.0% ceiling"), "{}", gate.reason);
    }

    #[test]
    fn throttles_hold_only_when_the_alias_was_surely_throttled_before_too() {
        let settings = GateSettings::default();
        let before = |invocations: u64, alias_throttles: u64| BaselineFigures {
            invocations,
            alias_throttles,
            ..BaselineFigures::from_periods(&window(5), &[], &[])
        };
        // Before: 90 of 5,000 requests, surely above 1 % at 99 %.
        let gate = throttles_of(&settings, 100.0, Some(&before(4910, 90)));
        assert_eq!(gate.verdict, Verdict::Hold, "{}", gate.reason);
        assert!(gate.reason.contains("as much before the deployment (90/5000)"), "{}", gate.reason);
        // Before: no requests at all, or none throttled under a ceiling of zero.
        let gate = throttles_of(&settings, 100.0, Some(&before(0, 0)));
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        let strict = GateSettings { max_throttle_rate: 0.0, ..GateSettings::default() };
        let gate = throttles_of(&strict, 100.0, Some(&before(5000, 0)));
        assert_eq!(gate.verdict, Verdict::Fail, "{}", gate.reason);
        // Under a ceiling of zero, no throttle is no breach.
        let gate = throttles_of(&strict, 0.0, None);
        assert_eq!(gate.verdict, Verdict::Inconclusive, "{}", gate.reason);
    }

    #[test]
    fn latency_periods_breach_over_the_ratio_or_over_the_ceiling_alone() {
        let settings = GateSettings::default();
        let gate = LatencyGate { percentile: "p50".into(), max_ms: Some(300.0), max_ratio: Some(1.5), required: true };
        // (candidate p50, baseline p50, candidate samples) per minute; p50 needs 20 samples.
        let minutes = [
            (150.0, 100.0, 100), // exactly 1.5× the baseline: within
            (300.0, 250.0, 100), // exactly at the ceiling: within
            (350.0, 320.0, 100), // over the ceiling, the baseline too: shared
            (350.0, 250.0, 100), // over the ceiling alone: breaching
            (120.0, 100.0, 100), // 1.2× the baseline: within
            (900.0, 100.0, 19),  // too few samples: not judged
            (400.0, 300.0, 120), // over the ceiling, the baseline at it: breaching
        ];
        let candidate: Vec<_> = (0u64..)
            .zip(minutes)
            .map(|(minute, (value, _, samples))| period(minute, samples, 0, value, samples))
            .collect();
        let baseline: Vec<_> =
            (0u64..).zip(minutes).map(|(minute, (_, value, _))| period(minute, 900, 0, value, 900)).collect();
        let result = latency(
            &settings,
            &gate,
            Evidence { candidate: &candidate, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        );
        let Figures::Latency {
            judged_periods,
            breaching_periods,
            shared_periods,
            low_sample_periods,
            most_candidate_samples,
            candidate_median_ms,
            baseline_median_ms,
            ..
        } = result.figures
        else {
            panic!("{:?}", result.figures)
        };
        assert_eq!(
            (judged_periods, breaching_periods, shared_periods, low_sample_periods, most_candidate_samples),
            (6, 2, 1, 1, 120)
        );
        assert_eq!((candidate_median_ms, baseline_median_ms), (Some(325.0), Some(250.0)));
    }

    #[test]
    fn a_latency_gate_with_nothing_judged_has_no_p_value() {
        let settings = GateSettings::default();
        let candidate: Vec<_> = (0..5).map(|minute| period(minute, 10, 0, 100.0, 10)).collect();
        let result = latency(
            &settings,
            &latency_gate("p50"),
            Evidence { candidate: &candidate, baseline: &[], reference: None, custom: &[], alias_throttles: &[] },
        );
        let Figures::Latency { judged_periods, low_sample_periods, p_value, .. } = result.figures else {
            panic!("{:?}", result.figures)
        };
        assert_eq!((judged_periods, low_sample_periods, p_value), (0, 5, None));
        assert_eq!(result.verdict, Verdict::Inconclusive);
    }

    fn latency_verdict(settings: &GateSettings, minutes: &[(f64, f64)]) -> GateResult {
        let gate = LatencyGate { percentile: "p50".into(), max_ms: Some(300.0), max_ratio: Some(1.5), required: true };
        let candidate: Vec<_> =
            (0u64..).zip(minutes).map(|(minute, (value, _))| period(minute, 100, 0, *value, 100)).collect();
        let baseline: Vec<_> =
            (0u64..).zip(minutes).map(|(minute, (_, value))| period(minute, 900, 0, *value, 900)).collect();
        latency(
            settings,
            &gate,
            Evidence { candidate: &candidate, baseline: &baseline, reference: None, custom: &[], alias_throttles: &[] },
        )
    }

    #[test]
    fn latency_holds_on_surely_shared_breaches_and_passes_within_the_allowed_share() {
        let settings = GateSettings::default();
        let (fine, shared, breaching) = ((100.0, 100.0), (400.0, 400.0), (400.0, 100.0));
        // Five of five periods over the ceiling with the baseline: P = 0.2⁵, a shared cause.
        let result = latency_verdict(&settings, &[shared; 5]);
        assert_eq!(result.verdict, Verdict::Hold, "{}", result.reason);
        assert_eq!(result.reason, "p50 above 300 ms or 1.5× the baseline in 5 of 5 periods, the baseline too: holding");
        // One of five: no evidence of a shared cause, and within the allowed fifth.
        let result = latency_verdict(&settings, &[shared, fine, fine, fine, fine]);
        assert_eq!(result.verdict, Verdict::Pass, "{}", result.reason);
        let result = latency_verdict(&settings, &[breaching, fine, fine, fine, fine]);
        assert_eq!(result.verdict, Verdict::Pass, "{}", result.reason);
        assert_eq!(result.reason, "p50 within 300 ms or 1.5× the baseline in 4 of 5 judged periods");
        // Two of five breaching: more than a fifth, not yet surely so.
        let result = latency_verdict(&settings, &[breaching, breaching, fine, fine, fine]);
        assert_eq!(result.verdict, Verdict::Inconclusive, "{}", result.reason);
        // Clean, but fewer periods than `min_periods`.
        let result = latency_verdict(&settings, &[fine, fine]);
        assert_eq!(result.verdict, Verdict::Inconclusive, "{}", result.reason);
    }

    fn custom_gate() -> CustomGate {
        CustomGate {
            name: "queue".into(),
            namespace: "AWS/SQS".into(),
            metric_name: "ApproximateAgeOfOldestMessage".into(),
            dimensions: BTreeMap::new(),
            statistic: "Maximum".into(),
            max: Some(60.0),
            min: Some(1.0),
            required: false,
        }
    }

    fn custom_of(values: &[f64]) -> GateResult {
        let points: Vec<_> = (0u64..)
            .zip(values)
            .map(|(minute, value)| MetricDatapoint {
                start: UNIX_EPOCH + Duration::from_secs(minute * 60),
                value: *value,
            })
            .collect();
        custom(&GateSettings::default(), &custom_gate(), &points)
    }

    #[test]
    fn a_custom_gate_counts_periods_beyond_its_ceiling_or_floor() {
        // At the ceiling and at the floor is within; above and below are not.
        let result = custom_of(&[60.0, 1.0, 61.0, 0.5, 0.2, 30.0]);
        assert_eq!(result.gate, "custom-queue");
        assert!(!result.required);
        assert_eq!(
            result.figures,
            Figures::Custom {
                metric: "AWS/SQS/ApproximateAgeOfOldestMessage".into(),
                statistic: "Maximum".into(),
                judged_periods: 6,
                breaching_periods: 3,
                latest: Some(30.0),
                max: Some(60.0),
                min: Some(1.0),
                p_value: Some(binomial_upper_tail(3, 6, 0.2)),
            }
        );
        assert_eq!(result.verdict, Verdict::Inconclusive, "{}", result.reason);
        assert_eq!(result.reason, "ApproximateAgeOfOldestMessage Maximum out of bounds in 3 of 6 periods");
    }

    #[test]
    fn a_custom_gate_fails_on_surely_too_many_breaches_and_passes_within_the_share() {
        let result = custom_of(&[90.0; 5]);
        assert_eq!(result.verdict, Verdict::Fail, "{}", result.reason);
        assert_eq!(result.reason, "ApproximateAgeOfOldestMessage Maximum out of bounds in 5 of 5 periods");
        let result = custom_of(&[90.0, 30.0, 30.0, 30.0, 30.0]);
        assert_eq!(result.verdict, Verdict::Pass, "{}", result.reason);
        assert_eq!(result.reason, "ApproximateAgeOfOldestMessage Maximum within bounds in 4 of 5 periods");
        // Clean, but fewer periods than `min_periods`.
        assert_eq!(custom_of(&[30.0, 30.0]).verdict, Verdict::Inconclusive);
        let result = custom_of(&[]);
        assert_eq!(result.verdict, Verdict::Inconclusive);
        assert_eq!(result.reason, "no ApproximateAgeOfOldestMessage datapoints in the closed periods");
        let Figures::Custom { p_value, latest, .. } = result.figures else { panic!("{:?}", result.figures) };
        assert_eq!((p_value, latest), (None, None));
    }
}
