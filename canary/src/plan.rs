//! What a deployment will do: the steps, how long each holds, the bake, the gates and
//! their thresholds, how late a metric period is trusted, and what happens when the
//! evidence stays inconclusive. A [`CanaryPlan`] is written into the journal when a
//! deployment starts, so every later tick (on any machine) judges by the same plan.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::alias::AliasTarget;

/// The whole plan of one deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryPlan {
    /// The function's name.
    pub function: String,
    /// The alias whose traffic moves.
    pub alias: String,
    /// The version the alias is on when the deployment starts (e.g. Python "1").
    pub baseline_version: String,
    /// The version traffic moves to (e.g. Rust "2").
    pub candidate_version: String,
    /// Candidate traffic share per step, in percent; strictly increasing, ending at 100.
    pub steps: Vec<f64>,
    /// Each step is held at least this long, and until its gates decide.
    #[serde(with = "crate::units::duration")]
    pub min_step_duration: Duration,
    /// How long the candidate runs at 100 % with the gates still on before the run is done.
    #[serde(with = "crate::units::duration")]
    pub bake: Duration,
    /// During the bake the gates look at this much recent traffic (a rolling window).
    #[serde(with = "crate::units::duration")]
    pub bake_window: Duration,
    /// The metric period (CloudWatch publishes Lambda metrics per minute).
    #[serde(with = "crate::units::duration")]
    pub period: Duration,
    /// A period is read only this long after it ends: the function timeout (a metric is
    /// stamped when the invocation starts) plus CloudWatch's ingestion delay.
    #[serde(with = "crate::units::duration")]
    pub lateness: Duration,
    /// How long a tick of `start` waits before the next one.
    #[serde(with = "crate::units::duration")]
    pub poll_interval: Duration,
    /// How long the lock is held without being renewed.
    #[serde(with = "crate::units::duration")]
    pub lease: Duration,
    /// What to do when a step stays inconclusive after its extensions.
    pub inconclusive_policy: InconclusivePolicy,
    /// How many times a step is extended by `min_step_duration` while inconclusive.
    pub max_extensions: u32,
    /// Every gate's thresholds.
    pub gates: GateSettings,
    /// The pre-traffic parity gate, when there is one (`report <file>` or `replay of
    /// <corpus>`): no traffic moves before a `parity_passed` decision is journaled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_traffic: Option<String>,
}

/// What a step that stays inconclusive after all its extensions leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InconclusivePolicy {
    /// Put the alias back on the baseline.
    Rollback,
    /// Stop advancing and wait for a human (`resume`, `promote` or `abort`).
    Hold,
}

/// Every gate's thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateSettings {
    /// Absolute ceiling of the candidate's error rate (Errors / Invocations).
    pub max_error_rate: f64,
    /// How far (in absolute terms: 0.01 = one percentage point) the candidate's error rate
    /// may exceed the baseline's.
    pub max_error_rate_increase: f64,
    /// Confidence a gate needs to pass (one-sided).
    pub confidence: f64,
    /// Confidence a gate needs to fail. Stricter than `confidence` because the same
    /// growing evidence is tested again after every period.
    pub fail_confidence: f64,
    /// The candidate needs this many invocations in a step before the step can pass.
    pub min_invocations: u64,
    /// Absolute ceiling of the candidate's throttle share (Throttles / (Invocations + Throttles)).
    pub max_throttle_rate: f64,
    /// A latency gate passes when at most this share of its judged periods breach.
    pub max_breaching_share: f64,
    /// A latency or custom gate needs at least this many judged periods to pass.
    pub min_periods: u64,
    /// Duration percentile gates (default: p50 required at 1.5×, p99 optional at 2×).
    pub latency: Vec<LatencyGate>,
    /// Gates on other CloudWatch metrics (none by default).
    pub custom: Vec<CustomGate>,
}

impl Default for GateSettings {
    fn default() -> Self {
        GateSettings {
            max_error_rate: 0.05,
            max_error_rate_increase: 0.01,
            confidence: 0.95,
            fail_confidence: 0.99,
            min_invocations: 300,
            max_throttle_rate: 0.01,
            max_breaching_share: 0.2,
            min_periods: 3,
            latency: vec![
                LatencyGate { percentile: "p50".into(), max_ms: None, max_ratio: Some(1.5), required: true },
                LatencyGate { percentile: "p99".into(), max_ms: None, max_ratio: Some(2.0), required: false },
            ],
            custom: Vec::new(),
        }
    }
}

/// A Duration percentile gate: absolute ceiling and/or ratio to the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyGate {
    /// `p50`, `p95`, `p99`, `p99.9`.
    pub percentile: String,
    /// Absolute ceiling of the percentile, in ms.
    #[serde(default)]
    pub max_ms: Option<f64>,
    /// Ceiling as a multiple of the baseline's same percentile (concurrent period, else preflight).
    #[serde(default)]
    pub max_ratio: Option<f64>,
    /// A required gate must pass for a step to advance; an optional one only ever fails
    /// it (a percentile from too few samples is then reported, not awaited).
    #[serde(default = "yes")]
    pub required: bool,
}

impl LatencyGate {
    /// The percentile as a fraction: `p99` → 0.99; None when it is not `p<number>` between 0 and 100.
    pub fn quantile(&self) -> Option<f64> {
        let number: f64 = self.percentile.strip_prefix('p')?.parse().ok()?;
        (number > 0.0 && number < 100.0).then_some((number * 100.0).round() / 10_000.0)
    }

    /// CloudWatch's low-sample rule: fewer than 10 / (1 − p) samples per period.
    pub(crate) fn min_samples_per_period(&self) -> u64 {
        self.quantile().map(|quantile| (10.0 / (1.0 - quantile)).round() as u64).unwrap_or(u64::MAX)
    }
}

/// Any CloudWatch metric, judged per closed period against a ceiling or a floor. In
/// dimension values `{function}`, `{alias}`, `{candidate}` and `{baseline}` are replaced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomGate {
    /// The gate's name; its result is reported as `custom-<name>`.
    pub name: String,
    /// The CloudWatch namespace, such as `Orders/Checkout`.
    pub namespace: String,
    /// The metric's name.
    pub metric_name: String,
    /// The metric's full dimension set (placeholders allowed in values).
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// `Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount`, `pNN`.
    #[serde(default = "average")]
    pub statistic: String,
    /// A period breaches above this value.
    #[serde(default)]
    pub max: Option<f64>,
    /// A period breaches below this value.
    #[serde(default)]
    pub min: Option<f64>,
    /// Whether the gate must pass for a step to advance (default yes).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

fn average() -> String {
    "Average".into()
}

/// A plan or setting that cannot run; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// No steps at all.
    #[error("steps must not be empty")]
    NoSteps,
    /// A step at 0 % or less, or above 100 %.
    #[error("step {index} is {weight} %: each step must be above 0 and at most 100")]
    StepOutOfRange {
        /// The step, from 1.
        index: usize,
        /// Its share, in percent.
        weight: f64,
    },
    /// A step not above the one before it.
    #[error("steps must increase: step {index} ({weight} %) does not exceed the one before ({previous} %)")]
    StepsNotIncreasing {
        /// The step, from 1.
        index: usize,
        /// Its share, in percent.
        weight: f64,
        /// The share of the step before, in percent.
        previous: f64,
    },
    /// The steps end below 100 %.
    #[error("the last step must be 100 %, not {weight} %: the run ends with the candidate taking all traffic")]
    LastStepNot100 {
        /// The last step's share, in percent.
        weight: f64,
    },
    /// A number or duration outside its range.
    #[error("{field} must be {expected}, not {value}")]
    OutOfRange {
        /// The setting, as `cutover.toml` names it (`gates.confidence`, `period`).
        field: &'static str,
        /// The range it must be in.
        expected: &'static str,
        /// The value given.
        value: String,
    },
    /// A latency gate whose percentile is not `p<number>`.
    #[error("latency gate `{percentile}` is not a percentile: write p50, p95, p99 or p99.9")]
    BadPercentile {
        /// The percentile as written.
        percentile: String,
    },
    /// A gate with no limit, which could never fail.
    #[error("gate `{gate}` has neither a ceiling nor a {alternative}: it could never fail")]
    GateWithoutThreshold {
        /// The latency gate's percentile or the custom gate's name.
        gate: String,
        /// The other limit it could have: `ratio` (latency) or `floor` (custom).
        alternative: &'static str,
    },
    /// A lease the `start` loop cannot keep renewed.
    #[error(
        "`lease` ({lease}) must be longer than `poll_interval` ({poll_interval}): a `start` loop renews its lock once per tick, so a shorter lease lapses between ticks and another controller may take the alias"
    )]
    LeaseNotLongerThanPoll {
        /// The lease, as a duration.
        lease: String,
        /// The poll interval, as a duration.
        poll_interval: String,
    },
    /// Baseline and candidate are the same version.
    #[error("the candidate version must differ from the baseline (both are {version})")]
    SameVersion {
        /// The version named twice.
        version: String,
    },
    /// `$LATEST` named as baseline or candidate.
    #[error("version `{version}` cannot take part: an alias routes to published versions, not $LATEST")]
    Latest {
        /// `$LATEST`.
        version: String,
    },
}

impl CanaryPlan {
    /// Checks what can be checked without AWS.
    pub(crate) fn validate(&self) -> Result<(), PlanError> {
        validate_steps(&self.steps)?;
        for version in [&self.baseline_version, &self.candidate_version] {
            if version == "$LATEST" {
                return Err(PlanError::Latest { version: version.clone() });
            }
        }
        if self.baseline_version == self.candidate_version {
            return Err(PlanError::SameVersion { version: self.candidate_version.clone() });
        }
        let positive = |field: &'static str, value: Duration| {
            if value.is_zero() {
                Err(PlanError::OutOfRange { field, expected: "above zero", value: "0s".into() })
            } else {
                Ok(())
            }
        };
        positive("period", self.period)?;
        positive("poll_interval", self.poll_interval)?;
        positive("lease", self.lease)?;
        positive("bake_window", self.bake_window)?;
        validate_lease(self.lease, self.poll_interval)?;
        if !self.period.as_secs().is_multiple_of(60) || self.period.subsec_nanos() != 0 {
            return Err(PlanError::OutOfRange {
                field: "period",
                expected: "whole minutes",
                value: crate::units::format_duration(self.period),
            });
        }
        self.gates.validate()
    }

    /// The alias routing of step `index`.
    pub(crate) fn step_target(&self, index: usize) -> AliasTarget {
        let weight = self.steps.get(index).copied().unwrap_or(100.0);
        if weight >= 100.0 {
            AliasTarget::only(&self.candidate_version)
        } else {
            AliasTarget::split(&self.baseline_version, &self.candidate_version, weight / 100.0)
        }
    }

    /// All traffic back on the baseline: a rollback's routing.
    pub(crate) fn baseline_target(&self) -> AliasTarget {
        AliasTarget::only(&self.baseline_version)
    }

    /// How long a step may run before its inconclusive policy applies.
    pub(crate) fn step_deadline(&self) -> Duration {
        self.min_step_duration.saturating_mul(1 + self.max_extensions)
    }
}

/// The lock's lease must outlive the wait between two ticks, each of which renews it.
pub(crate) fn validate_lease(lease: Duration, poll_interval: Duration) -> Result<(), PlanError> {
    if lease <= poll_interval {
        return Err(PlanError::LeaseNotLongerThanPoll {
            lease: crate::units::format_duration(lease),
            poll_interval: crate::units::format_duration(poll_interval),
        });
    }
    Ok(())
}

/// Steps in percent: not empty, each above 0 and at most 100, strictly increasing, ending at 100.
pub fn validate_steps(steps: &[f64]) -> Result<(), PlanError> {
    let Some(last) = steps.last() else { return Err(PlanError::NoSteps) };
    for (index, weight) in steps.iter().enumerate() {
        if !(*weight > 0.0 && *weight <= 100.0) {
            return Err(PlanError::StepOutOfRange { index: index + 1, weight: *weight });
        }
        if index > 0 && *weight <= steps[index - 1] {
            return Err(PlanError::StepsNotIncreasing {
                index: index + 1,
                weight: *weight,
                previous: steps[index - 1],
            });
        }
    }
    if *last != 100.0 {
        return Err(PlanError::LastStepNot100 { weight: *last });
    }
    Ok(())
}

impl GateSettings {
    /// Rates and shares between 0 and 1, confidences in [0.5, 1), every gate with a limit.
    pub(crate) fn validate(&self) -> Result<(), PlanError> {
        let fraction = |field: &'static str, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(PlanError::OutOfRange { field, expected: "between 0 and 1", value: value.to_string() })
            }
        };
        fraction("gates.max_error_rate", self.max_error_rate)?;
        fraction("gates.max_error_rate_increase", self.max_error_rate_increase)?;
        fraction("gates.max_throttle_rate", self.max_throttle_rate)?;
        fraction("gates.max_breaching_share", self.max_breaching_share)?;
        if !(0.5..1.0).contains(&self.confidence) {
            return Err(PlanError::OutOfRange {
                field: "gates.confidence",
                expected: "at least 0.5 and below 1",
                value: self.confidence.to_string(),
            });
        }
        if !(0.5..1.0).contains(&self.fail_confidence) {
            return Err(PlanError::OutOfRange {
                field: "gates.fail_confidence",
                expected: "at least 0.5 and below 1",
                value: self.fail_confidence.to_string(),
            });
        }
        for gate in &self.latency {
            if gate.quantile().is_none() {
                return Err(PlanError::BadPercentile { percentile: gate.percentile.clone() });
            }
            if gate.max_ms.is_none() && gate.max_ratio.is_none() {
                return Err(PlanError::GateWithoutThreshold { gate: gate.percentile.clone(), alternative: "ratio" });
            }
        }
        for gate in &self.custom {
            if gate.max.is_none() && gate.min.is_none() {
                return Err(PlanError::GateWithoutThreshold { gate: gate.name.clone(), alternative: "floor" });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_must_rise_to_exactly_100() {
        assert_eq!(validate_steps(&[10.0, 50.0, 100.0]), Ok(()));
        assert_eq!(validate_steps(&[100.0]), Ok(()));
        assert!(matches!(validate_steps(&[50.0, 10.0, 100.0]), Err(PlanError::StepsNotIncreasing { index: 2, .. })));
        assert!(matches!(validate_steps(&[10.0, 150.0]), Err(PlanError::StepOutOfRange { index: 2, .. })));
        assert!(matches!(validate_steps(&[10.0, 50.0]), Err(PlanError::LastStepNot100 { .. })));
        assert!(matches!(validate_steps(&[0.0, 100.0]), Err(PlanError::StepOutOfRange { index: 1, .. })));
        assert_eq!(validate_steps(&[]), Err(PlanError::NoSteps));
    }

    #[test]
    fn cloudwatch_low_sample_thresholds() {
        let gate = |percentile: &str| LatencyGate {
            percentile: percentile.into(),
            max_ms: None,
            max_ratio: Some(2.0),
            required: true,
        };
        assert_eq!(gate("p99").min_samples_per_period(), 1000);
        assert_eq!(gate("p95").min_samples_per_period(), 200);
        assert_eq!(gate("p50").min_samples_per_period(), 20);
        assert_eq!(gate("p99.9").quantile(), Some(0.999));
        assert_eq!(gate("median").quantile(), None);
    }
}
