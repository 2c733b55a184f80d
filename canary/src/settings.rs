//! The canary's settings: defaults, then the `[canary]` table of `cutover.toml`, then its
//! `[canary.function.<name>]` table, then flags. The table is read strictly (unknown keys
//! are errors) from the same file text the emulator reads, and every error names the key
//! and its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::plan::{
    CanaryPlan, CustomGate, GateSettings, InconclusivePolicy, LatencyGate, PlanError, validate_lease, validate_steps,
};
use crate::units::parse_duration;

/// Every setting of a deployment except which function, alias and versions.
#[derive(Debug, Clone, PartialEq)]
pub struct CanarySettings {
    /// Candidate share per step, in percent, ending at 100 (`steps`; default 10, 50, 100).
    pub steps: Vec<f64>,
    /// The least time a step holds (`step_duration`; default 15m).
    pub min_step_duration: Duration,
    /// Time at 100 % with the gates on before the run is done (`bake`; default 48h).
    pub bake: Duration,
    /// The rolling window the bake's gates read (`bake_window`; default 1h).
    pub bake_window: Duration,
    /// The metric period, whole minutes (`period`; default 1m).
    pub period: Duration,
    /// Added to the function timeout to make the lateness allowance.
    pub ingestion_allowance: Duration,
    /// Time between two ticks of `start` (`poll_interval`; default 30s).
    pub poll_interval: Duration,
    /// How long the lock holds without renewal; longer than `poll_interval` (`lease`; default 5m).
    pub lease: Duration,
    /// How much of the baseline's past traffic preflight reads.
    pub preflight_lookback: Duration,
    /// What an inconclusive step leads to after its extensions (`inconclusive`; default hold).
    pub inconclusive_policy: InconclusivePolicy,
    /// Extensions of an inconclusive step (`max_extensions`; default 2).
    pub max_extensions: u32,
    /// The gates' thresholds (`[canary.gates]`).
    pub gates: GateSettings,
    /// `dynamodb://TABLE` or a folder; `None` is `.cutover/canary`.
    pub state: Option<String>,
}

impl Default for CanarySettings {
    fn default() -> Self {
        CanarySettings {
            steps: vec![10.0, 50.0, 100.0],
            min_step_duration: Duration::from_secs(15 * 60),
            bake: Duration::from_secs(48 * 3600),
            bake_window: Duration::from_secs(3600),
            period: Duration::from_secs(60),
            ingestion_allowance: Duration::from_secs(120),
            poll_interval: Duration::from_secs(30),
            lease: Duration::from_secs(5 * 60),
            preflight_lookback: Duration::from_secs(24 * 3600),
            inconclusive_policy: InconclusivePolicy::Hold,
            max_extensions: 2,
            gates: GateSettings::default(),
            state: None,
        }
    }
}

impl CanarySettings {
    /// The plan of one deployment; `timeout` is the longer of the two versions' timeouts.
    pub(crate) fn plan(
        &self,
        function: &str,
        alias: &str,
        baseline: &str,
        candidate: &str,
        timeout: Duration,
    ) -> CanaryPlan {
        CanaryPlan {
            function: function.to_string(),
            alias: alias.to_string(),
            baseline_version: baseline.to_string(),
            candidate_version: candidate.to_string(),
            steps: self.steps.clone(),
            min_step_duration: self.min_step_duration,
            bake: self.bake,
            bake_window: self.bake_window,
            period: self.period,
            lateness: timeout + self.ingestion_allowance,
            poll_interval: self.poll_interval,
            lease: self.lease,
            inconclusive_policy: self.inconclusive_policy,
            max_extensions: self.max_extensions,
            gates: self.gates.clone(),
            pre_traffic: None,
        }
    }

    /// The longest a run can take: every step to its deadline, the bake and its extensions.
    pub fn step_deadline_total(&self) -> Duration {
        let per_step = self.min_step_duration.saturating_mul(1 + self.max_extensions);
        per_step.saturating_mul(self.steps.len() as u32)
            + self.bake
            + self.min_step_duration.saturating_mul(self.max_extensions)
            + Duration::from_secs(600)
    }

    /// Defaults overlaid with `[canary]` and `[canary.function.<function>]` of `text`.
    pub fn from_toml(text: &str, path: &Path, function: &str) -> Result<CanarySettings, SettingsError> {
        let file: ConfigFile = toml::from_str(text).map_err(|error| {
            let line = error.span().map(|span| line_of(text, span.start));
            SettingsError { path: path.to_path_buf(), line, key: None, message: error.message().to_string() }
        })?;
        let mut settings = CanarySettings::default();
        let Some(table) = file.canary else { return Ok(settings) };
        let context = Context { text, path };
        table.apply_to(&mut settings, &context, "canary")?;
        if let Some(overrides) = table.function.as_ref().and_then(|functions| functions.get(function)) {
            if overrides.function.is_some() {
                return Err(context.error(
                    None,
                    format!("canary.function.{function}.function"),
                    "per-function tables do not nest".into(),
                ));
            }
            overrides.apply_to(&mut settings, &context, &format!("canary.function.{function}"))?;
        }
        if let Err(error) = settings.validate() {
            // Name the key the reader will change: the per-function one when it set either.
            let (key_table, raw) = match table.function.as_ref().and_then(|functions| functions.get(function)) {
                Some(overrides) if overrides.lease.is_some() || overrides.poll_interval.is_some() => {
                    (format!("canary.function.{function}"), overrides)
                }
                _ => ("canary".to_string(), &table),
            };
            let span = raw.lease.as_ref().or(raw.poll_interval.as_ref()).map(|value| value.span().start);
            let message = format!("{error} (set by `{key_table}.lease` and `{key_table}.poll_interval`)");
            return Err(context.error(span, format!("{key_table}.lease"), message));
        }
        Ok(settings)
    }

    /// The checks that span several settings (each key alone is checked where it is read).
    pub fn validate(&self) -> Result<(), PlanError> {
        validate_lease(self.lease, self.poll_interval)
    }
}

/// A bad `[canary]` setting: the file, the line, the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {}{}", .path.display(), .line.map(|line| format!(":{line}")).unwrap_or_default(), .key.as_ref().map(|key| format!("`{key}`: ")).unwrap_or_default(), .message)]
pub struct SettingsError {
    /// The file read.
    pub path: PathBuf,
    /// The 1-based line of the bad value; None when the parser gave no position.
    pub line: Option<usize>,
    /// The dotted key, such as `canary.steps`; None for a syntax error.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    canary: Option<RawCanary>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCanary {
    steps: Option<Spanned<Vec<f64>>>,
    step_duration: Option<Spanned<String>>,
    bake: Option<Spanned<String>>,
    bake_window: Option<Spanned<String>>,
    period: Option<Spanned<String>>,
    ingestion_allowance: Option<Spanned<String>>,
    poll_interval: Option<Spanned<String>>,
    lease: Option<Spanned<String>>,
    preflight_lookback: Option<Spanned<String>>,
    inconclusive: Option<InconclusivePolicy>,
    max_extensions: Option<u32>,
    state: Option<String>,
    gates: Option<Spanned<RawGates>>,
    function: Option<BTreeMap<String, RawCanary>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGates {
    max_error_rate: Option<f64>,
    max_error_rate_increase: Option<f64>,
    confidence: Option<f64>,
    fail_confidence: Option<f64>,
    min_invocations: Option<u64>,
    max_throttle_rate: Option<f64>,
    max_breaching_share: Option<f64>,
    min_periods: Option<u64>,
    latency: Option<Vec<LatencyGate>>,
    custom: Option<Vec<CustomGate>>,
}

struct Context<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Context<'_> {
    fn error(&self, offset: Option<usize>, key: String, message: String) -> SettingsError {
        SettingsError {
            path: self.path.to_path_buf(),
            line: offset.map(|offset| line_of(self.text, offset)),
            key: Some(key),
            message,
        }
    }

    fn duration(
        &self,
        value: &Option<Spanned<String>>,
        key: String,
        target: &mut Duration,
    ) -> Result<(), SettingsError> {
        if let Some(value) = value {
            *target = parse_duration(value.get_ref())
                .map_err(|error| self.error(Some(value.span().start), key, error.to_string()))?;
        }
        Ok(())
    }
}

impl RawCanary {
    fn apply_to(&self, settings: &mut CanarySettings, context: &Context<'_>, table: &str) -> Result<(), SettingsError> {
        if let Some(steps) = &self.steps {
            validate_steps(steps.get_ref()).map_err(|error| {
                context.error(Some(steps.span().start), format!("{table}.steps"), error.to_string())
            })?;
            settings.steps = steps.get_ref().clone();
        }
        context.duration(&self.step_duration, format!("{table}.step_duration"), &mut settings.min_step_duration)?;
        context.duration(&self.bake, format!("{table}.bake"), &mut settings.bake)?;
        context.duration(&self.bake_window, format!("{table}.bake_window"), &mut settings.bake_window)?;
        context.duration(&self.period, format!("{table}.period"), &mut settings.period)?;
        context.duration(
            &self.ingestion_allowance,
            format!("{table}.ingestion_allowance"),
            &mut settings.ingestion_allowance,
        )?;
        context.duration(&self.poll_interval, format!("{table}.poll_interval"), &mut settings.poll_interval)?;
        context.duration(&self.lease, format!("{table}.lease"), &mut settings.lease)?;
        context.duration(
            &self.preflight_lookback,
            format!("{table}.preflight_lookback"),
            &mut settings.preflight_lookback,
        )?;
        if let Some(policy) = self.inconclusive {
            settings.inconclusive_policy = policy;
        }
        if let Some(max_extensions) = self.max_extensions {
            settings.max_extensions = max_extensions;
        }
        if let Some(state) = &self.state {
            settings.state = Some(state.clone());
        }
        if let Some(gates) = &self.gates {
            let raw = gates.get_ref();
            let target = &mut settings.gates;
            let assign = |value: Option<f64>, slot: &mut f64| {
                if let Some(value) = value {
                    *slot = value;
                }
            };
            assign(raw.max_error_rate, &mut target.max_error_rate);
            assign(raw.max_error_rate_increase, &mut target.max_error_rate_increase);
            assign(raw.confidence, &mut target.confidence);
            assign(raw.fail_confidence, &mut target.fail_confidence);
            assign(raw.max_throttle_rate, &mut target.max_throttle_rate);
            assign(raw.max_breaching_share, &mut target.max_breaching_share);
            if let Some(value) = raw.min_invocations {
                target.min_invocations = value;
            }
            if let Some(value) = raw.min_periods {
                target.min_periods = value;
            }
            if let Some(latency) = &raw.latency {
                target.latency = latency.clone();
            }
            if let Some(custom) = &raw.custom {
                target.custom = custom.clone();
            }
            target.validate().map_err(|error| {
                context.error(Some(gates.span().start), format!("{table}.gates"), error.to_string())
            })?;
        }
        Ok(())
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "cutover.toml";

    #[test]
    fn the_table_overlays_defaults_and_a_function_table_overlays_it() {
        let text = r#"
[[function]]
name = "get-cluster"

[canary]
steps = [5, 25, 100]
step_duration = "10m"
inconclusive = "rollback"

[canary.gates]
max_error_rate = 0.02

[canary.function.get-cluster]
bake = "2h"
"#;
        let settings = CanarySettings::from_toml(text, Path::new(PATH), "get-cluster").expect("valid");
        assert_eq!(settings.steps, vec![5.0, 25.0, 100.0]);
        assert_eq!(settings.min_step_duration, Duration::from_secs(600));
        assert_eq!(settings.bake, Duration::from_secs(7200));
        assert_eq!(settings.inconclusive_policy, InconclusivePolicy::Rollback);
        assert_eq!(settings.gates.max_error_rate, 0.02);
        assert_eq!(settings.gates.min_invocations, GateSettings::default().min_invocations);
        let other = CanarySettings::from_toml(text, Path::new(PATH), "list-clusters").expect("valid");
        assert_eq!(other.bake, Duration::from_secs(48 * 3600), "the override is per function");
    }

    #[test]
    fn errors_name_the_key_and_the_line() {
        let steps = "[canary]\nbake = \"1h\"\nsteps = [50, 10, 100]\n";
        let error = CanarySettings::from_toml(steps, Path::new(PATH), "f").expect_err("decreasing");
        assert_eq!((error.line, error.key.as_deref()), (Some(3), Some("canary.steps")));
        assert!(error.to_string().starts_with("cutover.toml:3: `canary.steps`: steps must increase"), "{error}");

        let unknown = "[canary]\n\nstepz = [10, 100]\n";
        let error = CanarySettings::from_toml(unknown, Path::new(PATH), "f").expect_err("unknown key");
        assert_eq!(error.line, Some(3));
        assert!(error.message.contains("stepz"), "{error}");

        let lease = "[canary]\nsteps = [10, 100]\npoll_interval = \"5m\"\nlease = \"1m\"\n";
        let error =
            CanarySettings::from_toml(lease, Path::new(PATH), "f").expect_err("lease shorter than the poll interval");
        assert_eq!((error.line, error.key.as_deref()), (Some(4), Some("canary.lease")));
        assert!(error.message.contains("`lease` (1m) must be longer than `poll_interval` (5m)"), "{error}");
        assert!(error.message.contains("`canary.poll_interval`"), "{error}");
        let per_function = "[canary]\nlease = \"2m\"\n[canary.function.f]\npoll_interval = \"3m\"\n";
        let error = CanarySettings::from_toml(per_function, Path::new(PATH), "f").expect_err("the override breaks it");
        assert_eq!((error.line, error.key.as_deref()), (Some(4), Some("canary.function.f.lease")));
        assert!(
            CanarySettings::from_toml(per_function, Path::new(PATH), "g").is_ok(),
            "only f's poll interval is long"
        );

        let duration = "[canary]\nstep_duration = \"ten minutes\"\n";
        let error = CanarySettings::from_toml(duration, Path::new(PATH), "f").expect_err("bad duration");
        assert_eq!((error.line, error.key.as_deref()), (Some(2), Some("canary.step_duration")));
    }
}
