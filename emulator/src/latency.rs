//! The AWS latency model: a profile of how long each AWS call takes from a Lambda function,
//! applied by the proxy in front of the local back end, and the trace of the calls each
//! invocation made.
//!
//! A profile is a TOML file; every figure cites its source:
//!
//! ```toml
//! name = "eu-west-1, a Lambda function calling regional endpoints"
//! [default]
//! median_ms = 10.0
//! p99_ms = 40.0
//! source = "estimate: ..."
//! [[call]]
//! service = "dynamodb"     # the signing name, as the write log names services
//! operation = "GetItem"    # optional: without it, every call of the service
//! median_ms = 4.0
//! p99_ms = 15.0
//! source = "https://..."
//! ```
//!
//! A call's delay is drawn from a log-normal with the profile's median and 99th
//! percentile (AWS latencies are right-skewed), from a seeded generator per sandbox.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What `latency_profile = "default"` names: the profile shipped with the emulator.
pub const DEFAULT_LATENCY_PROFILE: &str = "default";

/// The shipped profile (eu-west-1), embedded.
const BUILTIN: &str = include_str!("../profiles/aws-eu-west-1.toml");

/// The z-score of the 99th percentile of a standard normal.
const Z_P99: f64 = 2.326_347_874;

/// A loaded latency profile.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyProfile {
    /// What the profile models (`name`).
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    default: Delay,
    calls: Vec<CallDelay>,
}

/// One figure of a profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Delay {
    median_ms: f64,
    p99_ms: f64,
    source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallDelay {
    service: String,
    operation: Option<String>,
    #[serde(flatten)]
    delay: Delay,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    default: Delay,
    #[serde(default, rename = "call")]
    calls: Vec<CallDelay>,
}

/// Why a profile was refused; the message names the file and, where it can, the line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("latency profile {path}: {message}")]
pub struct LatencyProfileError {
    /// The file as given.
    pub path: PathBuf,
    /// What is wrong.
    pub message: String,
}

impl LatencyProfile {
    /// Reads and checks a profile file; [`DEFAULT_LATENCY_PROFILE`] is the shipped one.
    pub fn load(path: &Path) -> Result<LatencyProfile, LatencyProfileError> {
        if path == Path::new(DEFAULT_LATENCY_PROFILE) {
            return LatencyProfile::parse(BUILTIN, Path::new("emulator/profiles/aws-eu-west-1.toml"));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|error| LatencyProfileError { path: path.to_path_buf(), message: error.to_string() })?;
        LatencyProfile::parse(&text, path)
    }

    /// Checks profile text; `path` is for messages.
    pub fn parse(text: &str, path: &Path) -> Result<LatencyProfile, LatencyProfileError> {
        let refuse = |message: String| LatencyProfileError { path: path.to_path_buf(), message };
        let raw: RawProfile = toml::from_str(text).map_err(|error| {
            let line = error.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = error.message().trim_end().to_string();
            refuse(match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            })
        })?;
        raw.default.check("default").map_err(refuse)?;
        for (index, call) in raw.calls.iter().enumerate() {
            let at = format!(
                "call #{} ({}{})",
                index + 1,
                call.service,
                call.operation.as_deref().map(|operation| format!(" {operation}")).unwrap_or_default()
            );
            if call.service.is_empty() {
                return Err(refuse(format!("{at}: service must not be empty")));
            }
            call.delay.check(&at).map_err(refuse)?;
        }
        Ok(LatencyProfile { name: raw.name, path: path.to_path_buf(), default: raw.default, calls: raw.calls })
    }

    /// The figure for a call: the operation's own, else its service's, else the default.
    fn figure(&self, service: &str, operation: &str) -> &Delay {
        let exact =
            self.calls.iter().find(|call| call.service == service && call.operation.as_deref() == Some(operation));
        let service_wide = || self.calls.iter().find(|call| call.service == service && call.operation.is_none());
        exact.or_else(service_wide).map_or(&self.default, |call| &call.delay)
    }

    /// The median delay of a call, as the profile states it.
    pub fn median(&self, service: &str, operation: &str) -> Duration {
        Duration::from_secs_f64(self.figure(service, operation).median_ms / 1000.0)
    }

    /// One draw of a call's delay.
    pub(crate) fn draw(&self, service: &str, operation: &str, rng: &mut LatencyRng) -> Duration {
        let figure = self.figure(service, operation);
        let sigma = (figure.p99_ms / figure.median_ms).ln() / Z_P99;
        let milliseconds = figure.median_ms * (sigma * rng.standard_normal()).exp();
        Duration::from_secs_f64(milliseconds.max(0.0) / 1000.0)
    }
}

impl Delay {
    fn check(&self, at: &str) -> Result<(), String> {
        if !(self.median_ms.is_finite() && self.median_ms > 0.0) {
            return Err(format!("{at}: median_ms = {} must be a positive number", self.median_ms));
        }
        if !(self.p99_ms.is_finite() && self.p99_ms >= self.median_ms) {
            return Err(format!("{at}: p99_ms = {} must be at least median_ms ({})", self.p99_ms, self.median_ms));
        }
        if self.source.trim().is_empty() {
            return Err(format!("{at}: every figure cites its source; source is empty"));
        }
        Ok(())
    }
}

/// The seeded generator of one sandbox's delays.
#[derive(Debug)]
pub(crate) struct LatencyRng(rand::rngs::StdRng);

impl LatencyRng {
    pub(crate) fn seeded(seed: u64) -> LatencyRng {
        LatencyRng(rand::rngs::StdRng::seed_from_u64(seed))
    }

    /// Box-Muller: one standard normal draw.
    fn standard_normal(&mut self) -> f64 {
        let uniform: f64 = self.0.random_range(f64::EPSILON..1.0);
        let angle: f64 = self.0.random_range(0.0..std::f64::consts::TAU);
        (-2.0 * uniform.ln()).sqrt() * angle.cos()
    }
}

/// One AWS call of an invocation, as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwsCall {
    /// The signing name of the service: `dynamodb`, `s3`, `codepipeline`, ...
    pub service: String,
    /// The API operation: `GetItem`, `PutObject`, `CreatePipeline`, ...
    pub operation: String,
    /// When the call reached the proxy, in µs after the invocation began.
    pub start_us: u64,
    /// When its answer's headers were back, in µs after the invocation began.
    pub end_us: u64,
    /// The delay the latency profile added (0 without a profile).
    pub added_us: u64,
    /// The HTTP status of the answer (502 when the back end could not be reached).
    pub status: u16,
}

/// The critical path of an invocation's calls: the time some call was in flight, so that
/// concurrent calls count once; and the calls that ran alone (with nothing overlapping),
/// which a rewrite can only shorten by making them concurrent or removing them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalPath {
    /// The time at least one call was in flight, µs.
    pub busy_us: u64,
    /// The sum of every call's own time, µs (`busy_us` less than this means overlap).
    pub total_us: u64,
    /// The most calls in flight at once.
    pub max_concurrent: usize,
    /// `service:operation` of each call in start order, `+` joining those that overlapped.
    pub sequence: Vec<String>,
}

impl CriticalPath {
    /// The critical path of `calls` (any order).
    pub fn of(calls: &[AwsCall]) -> CriticalPath {
        let mut sorted: Vec<&AwsCall> = calls.iter().collect();
        sorted.sort_by_key(|call| (call.start_us, call.end_us));
        let mut busy_us = 0;
        let mut sequence: Vec<String> = Vec::new();
        let mut group_end: Option<u64> = None;
        let mut max_concurrent = 0;
        for (index, call) in sorted.iter().enumerate() {
            let name = format!("{}:{}", call.service, call.operation);
            match group_end {
                Some(end) if call.start_us < end => {
                    if let Some(last) = sequence.last_mut() {
                        last.push('+');
                        last.push_str(&name);
                    }
                    if call.end_us > end {
                        busy_us += call.end_us - end;
                        group_end = Some(call.end_us);
                    }
                }
                _ => {
                    busy_us += call.end_us.saturating_sub(call.start_us);
                    group_end = Some(call.end_us);
                    sequence.push(name);
                }
            }
            let in_flight = sorted[..=index].iter().filter(|other| other.end_us > call.start_us).count();
            max_concurrent = max_concurrent.max(in_flight);
        }
        CriticalPath {
            busy_us,
            total_us: calls.iter().map(|call| call.end_us.saturating_sub(call.start_us)).sum(),
            max_concurrent,
            sequence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = r#"
name = "test"
[default]
median_ms = 10.0
p99_ms = 40.0
source = "a test"
[[call]]
service = "dynamodb"
median_ms = 4.0
p99_ms = 12.0
source = "a test"
[[call]]
service = "dynamodb"
operation = "Query"
median_ms = 8.0
p99_ms = 20.0
source = "a test"
"#;

    #[test]
    fn the_shipped_profile_is_valid_and_cites_every_figure() {
        let profile = LatencyProfile::load(Path::new(DEFAULT_LATENCY_PROFILE)).expect("the shipped profile parses");
        assert_eq!(profile.median("dynamodb", "GetItem"), Duration::from_millis(4));
        assert_eq!(profile.median("codepipeline", "CreatePipeline"), Duration::from_millis(60));
        assert!(profile.calls.iter().all(|call| !call.delay.source.is_empty()));
    }

    #[test]
    fn the_operations_figure_wins_over_its_services_and_the_default() {
        let profile = LatencyProfile::parse(PROFILE, Path::new("p.toml")).expect("valid");
        assert_eq!(profile.median("dynamodb", "Query"), Duration::from_millis(8));
        assert_eq!(profile.median("dynamodb", "GetItem"), Duration::from_millis(4));
        assert_eq!(profile.median("s3", "PutObject"), Duration::from_millis(10));
    }

    #[test]
    fn draws_have_the_profiles_median_and_p99() {
        let profile = LatencyProfile::parse(PROFILE, Path::new("p.toml")).expect("valid");
        let mut rng = LatencyRng::seeded(7);
        let mut draws: Vec<f64> =
            (0..20_000).map(|_| profile.draw("s3", "PutObject", &mut rng).as_secs_f64() * 1000.0).collect();
        draws.sort_by(f64::total_cmp);
        let median = draws[10_000];
        let p99 = draws[19_800];
        assert!((9.5..10.5).contains(&median), "median {median}");
        assert!((36.0..44.0).contains(&p99), "p99 {p99}");
    }

    #[test]
    fn a_figure_without_a_source_or_with_p99_under_the_median_is_refused_by_name() {
        let unsourced = PROFILE.replacen("source = \"a test\"", "source = \"\"", 2);
        let message = LatencyProfile::parse(&unsourced, Path::new("p.toml")).expect_err("refused").to_string();
        assert!(message.contains("p.toml") && message.contains("source is empty"), "{message}");
        let inverted = PROFILE.replace("p99_ms = 20.0", "p99_ms = 2.0");
        let message = LatencyProfile::parse(&inverted, Path::new("p.toml")).expect_err("refused").to_string();
        assert!(message.contains("call #2 (dynamodb Query): p99_ms = 2"), "{message}");
        let typo = PROFILE.replace("median_ms = 4.0", "median = 4.0");
        let message = LatencyProfile::parse(&typo, Path::new("p.toml")).expect_err("refused").to_string();
        assert!(message.contains("line "), "{message}");
    }

    fn call(operation: &str, start_us: u64, end_us: u64) -> AwsCall {
        AwsCall { service: "dynamodb".into(), operation: operation.into(), start_us, end_us, added_us: 0, status: 200 }
    }

    #[test]
    fn overlapping_calls_count_once_on_the_critical_path() {
        let path = CriticalPath::of(&[call("GetItem", 0, 10), call("Query", 20, 40), call("PutItem", 25, 50)]);
        assert_eq!(path.busy_us, 10 + 30);
        assert_eq!(path.total_us, 10 + 20 + 25);
        assert_eq!(path.max_concurrent, 2);
        assert_eq!(path.sequence, ["dynamodb:GetItem", "dynamodb:Query+dynamodb:PutItem"]);
        let sequential = CriticalPath::of(&[call("A", 0, 10), call("B", 10, 20)]);
        assert_eq!((sequential.busy_us, sequential.max_concurrent), (20, 1));
    }
}
