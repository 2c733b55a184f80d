//! The pre-traffic gate: a parity verdict before the first shift.
//!
//! Two sources give the same [`ParityVerdict`]. A `cutover parity` JSON report
//! ([`ParityVerdict::from_report`]) is checked at preflight: it must pass, replay at least
//! one record, and name the deployment's function and candidate version, or the deployment
//! does not start. A [`ParityCheck`] replays a corpus itself once the deployment has
//! started ([`LambdaParity`]: `lambda:<fn>:<baseline>` against `lambda:<fn>:<candidate>`
//! through `parity`'s [`ParitySession`], with the controller's AWS settings), and the
//! controller journals the verdict before it may shift any traffic.
//!
//! A report passes when no record mismatched or failed and no write differed: the report
//! does not say how many mismatches its run allowed, so the gate allows none.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parity::{AwsSettings, Corpus, CorpusFilter, ParityRules, ParitySession, ReplaySettings, TargetOptions, TargetUri};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A parity run's counts and whether the candidate may take traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParityVerdict {
    /// `report <file>` or `replay of <corpus>`.
    pub source: String,
    /// The baseline target, as parity names it (`lambda:orders:1`).
    pub baseline: String,
    /// The candidate target, as parity names it (`lambda:orders:2`).
    pub candidate: String,
    /// True when at least one record was replayed and none mismatched, failed or wrote differently.
    pub passed: bool,
    /// Records replayed.
    pub total: u64,
    /// Records whose responses matched.
    pub matched: u64,
    /// Records equal as data but different in bytes (key order, escaping, numbers).
    pub cosmetic: u64,
    /// Records different only where two runs of the baseline differ too.
    pub noise: u64,
    /// Records different in a way a client sees.
    pub mismatch: u64,
    /// Records a side failed to answer.
    pub errors: u64,
    /// Writes (side effects) that differed between the two sides.
    pub side_effect_mismatches: u64,
    /// One sentence: why it passed or what failed.
    pub reason: String,
}

/// A report that cannot be used as the gate at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", .path.display())]
pub struct ParityReportError {
    /// The report's path.
    pub path: PathBuf,
    /// What is missing or wrong in it.
    pub reason: String,
}

/// Why a replay could not give a verdict (a failing verdict is not an error).
#[derive(Debug, thiserror::Error)]
pub enum ParityCheckError {
    /// A corpus file is missing or holds a bad record.
    #[error("the parity corpus cannot be read")]
    Corpus(#[source] parity::CorpusError),
    /// The corpus has no record of the deployment's function.
    #[error("the parity corpus holds no records of {function}")]
    NoRecords {
        /// The function.
        function: String,
    },
    /// The `lambda:` targets could not be set up.
    #[error("could not open the parity targets")]
    Open(#[source] parity::OpenTargetError),
    /// The replay stopped with an error (not a failing verdict).
    #[error("the parity replay failed")]
    Replay(#[source] parity::SessionError),
    /// The replay's thread or runtime could not be started.
    #[error("could not run the parity replay")]
    Runtime(#[source] std::io::Error),
}

impl ParityCheckError {
    /// A bad corpus (the user's input, exit 2), as opposed to a failure on the way.
    pub fn is_input_error(&self) -> bool {
        matches!(self, ParityCheckError::Corpus(_) | ParityCheckError::NoRecords { .. })
    }
}

impl ParityVerdict {
    /// Reads a `cutover parity --format json` report.
    pub fn from_report(text: &str, path: &Path) -> Result<ParityVerdict, ParityReportError> {
        let bad = |reason: String| ParityReportError { path: path.to_path_buf(), reason };
        let report: Value =
            serde_json::from_str(text).map_err(|error| bad(format!("not a parity JSON report ({error})")))?;
        let totals = report.get("totals").ok_or_else(|| bad("not a parity JSON report: no `totals`".into()))?;
        let count = |key: &str| -> Result<u64, ParityReportError> {
            totals
                .get(key)
                .and_then(Value::as_u64)
                .ok_or_else(|| bad(format!("not a parity JSON report: no `totals.{key}`")))
        };
        let text_of = |key: &str| -> Result<String, ParityReportError> {
            report
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| bad(format!("not a parity JSON report: no `{key}`")))
        };
        let side_effect_mismatches = report
            .get("side_effects")
            .and_then(|effects| effects.get("mismatches"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        Ok(ParityVerdict::new(
            format!("report {}", path.display()),
            text_of("baseline")?,
            text_of("candidate")?,
            [
                count("total")?,
                count("matched")?,
                count("cosmetic")?,
                count("noise")?,
                count("mismatch")?,
                count("errors")?,
            ],
            side_effect_mismatches,
        ))
    }

    fn new(
        source: String,
        baseline: String,
        candidate: String,
        counts: [u64; 6],
        side_effect_mismatches: u64,
    ) -> ParityVerdict {
        let [total, matched, cosmetic, noise, mismatch, errors] = counts;
        let passed = total > 0 && mismatch == 0 && errors == 0 && side_effect_mismatches == 0;
        let reason = if total == 0 {
            "no record was replayed: no evidence is never a pass".to_string()
        } else if passed {
            format!(
                "{total} records replayed: {matched} matched, {cosmetic} cosmetic, {noise} noise; no mismatch, no error, no differing write"
            )
        } else {
            format!(
                "{mismatch} mismatched and {errors} failed of {total} records, {side_effect_mismatches} differing writes (none allowed)"
            )
        };
        ParityVerdict {
            source,
            baseline,
            candidate,
            passed,
            total,
            matched,
            cosmetic,
            noise,
            mismatch,
            errors,
            side_effect_mismatches,
            reason,
        }
    }

    /// Whether this verdict is about `function` at `version` (as the candidate), and if
    /// not, why. A target names its function by name or ARN (`lambda:`, `local:`).
    pub(crate) fn candidate_mismatch(&self, function: &str, version: &str) -> Option<String> {
        let Some((name, qualifier)) = target_function(&self.candidate) else {
            return Some(format!("its candidate `{}` names no function version", self.candidate));
        };
        if name != function {
            return Some(format!("its candidate `{}` is function {name}, not {function}", self.candidate));
        }
        match qualifier {
            Some(qualifier) if qualifier == version => None,
            Some(qualifier) => {
                Some(format!("its candidate `{}` is {name}:{qualifier}, not version {version}", self.candidate))
            }
            None => Some(format!(
                "its candidate `{}` names no version (the deployment's candidate is {version})",
                self.candidate
            )),
        }
    }

    /// The preflight's judgement of a report: passing, non-empty, about this candidate.
    pub(crate) fn admits(&self, function: &str, version: &str) -> Result<String, String> {
        if let Some(mismatch) = self.candidate_mismatch(function, version) {
            return Err(format!("{} does not apply: {mismatch}", self.source));
        }
        if self.passed {
            Ok(format!("{}: {} against {}: {}", self.source, self.candidate, self.baseline, self.reason))
        } else {
            Err(format!("{} failed: {}", self.source, self.reason))
        }
    }
}

/// `lambda:f:2`, `lambda:arn:aws:lambda:…:function:f:2`, `local:f:2` → (`f`, `Some("2")`).
fn target_function(target: &str) -> Option<(String, Option<String>)> {
    let reference = target.strip_prefix("lambda:").or_else(|| target.strip_prefix("local:"))?;
    let parsed = aws_settings::FunctionRef::parse(reference).ok()?;
    Some((parsed.name, parsed.qualifier))
}

/// Replays recorded traffic against the baseline and the candidate before the first shift.
#[async_trait::async_trait]
pub trait ParityCheck: Send + Sync {
    /// The corpus it replays, for the plan and the journal.
    fn describe(&self) -> String;

    /// Replays against `function:baseline` and `function:candidate`; a failing verdict is
    /// `Ok`, an error means there is no verdict.
    async fn verdict(&self, function: &str, baseline: &str, candidate: &str)
    -> Result<ParityVerdict, ParityCheckError>;
}

/// The pre-traffic gate a deployment asks for.
#[derive(Clone, Default)]
pub enum PreTraffic {
    /// No parity verdict before the first shift.
    #[default]
    None,
    /// A `cutover parity` report, judged at preflight.
    Report(ParityVerdict),
    /// A replay the controller runs after `started`, before the first shift.
    Replay(Arc<dyn ParityCheck>),
}

impl PreTraffic {
    /// What the plan records about it.
    pub(crate) fn describe(&self) -> Option<String> {
        match self {
            PreTraffic::None => None,
            PreTraffic::Report(verdict) => Some(verdict.source.clone()),
            PreTraffic::Replay(check) => Some(check.describe()),
        }
    }
}

impl std::fmt::Debug for PreTraffic {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreTraffic::None => formatter.write_str("None"),
            PreTraffic::Report(verdict) => formatter.debug_tuple("Report").field(verdict).finish(),
            PreTraffic::Replay(check) => formatter.debug_tuple("Replay").field(&check.describe()).finish(),
        }
    }
}

/// [`ParityCheck`] on deployed versions: Invoke through aws-sdk-lambda, as
/// `cutover parity --baseline lambda:<fn>:<baseline> --candidate lambda:<fn>:<candidate>`.
#[derive(Debug, Clone)]
pub struct LambdaParity {
    /// The corpus files (JSON lines); only the deployment's function's records are replayed.
    pub corpus: Vec<PathBuf>,
    /// How responses are compared (parity.toml).
    pub rules: ParityRules,
    /// Where Lambda is reached for the Invokes.
    pub aws: AwsSettings,
    /// Per-Invoke timeout.
    pub timeout: Duration,
}

#[async_trait::async_trait]
impl ParityCheck for LambdaParity {
    fn describe(&self) -> String {
        let paths: Vec<String> = self.corpus.iter().map(|path| path.display().to_string()).collect();
        format!("replay of {}", paths.join(", "))
    }

    async fn verdict(
        &self,
        function: &str,
        baseline: &str,
        candidate: &str,
    ) -> Result<ParityVerdict, ParityCheckError> {
        // A replay keeps per-run state that is not `Send`: it runs on a thread of its own
        // with a single-threaded runtime, whatever runtime the controller is on.
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let (parity, function, baseline, candidate) =
            (self.clone(), function.to_string(), baseline.to_string(), candidate.to_string());
        std::thread::spawn(move || {
            let outcome = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime.block_on(parity.replay(&function, &baseline, &candidate)),
                Err(error) => Err(ParityCheckError::Runtime(error)),
            };
            let _ = sender.send(outcome);
        });
        receiver
            .await
            .unwrap_or_else(|_| Err(ParityCheckError::Runtime(std::io::Error::other("the replay thread stopped"))))
    }
}

impl LambdaParity {
    async fn replay(&self, function: &str, baseline: &str, candidate: &str) -> Result<ParityVerdict, ParityCheckError> {
        let corpus = Corpus::open(&self.corpus).map_err(ParityCheckError::Corpus)?;
        // Only this function's records: the corpus of a repository holds all its functions.
        let mut records = Vec::new();
        for record in corpus.records(CorpusFilter::default()) {
            let record = record.map_err(ParityCheckError::Corpus)?;
            if record.function == function {
                records.push(Ok(record));
            }
        }
        if records.is_empty() {
            return Err(ParityCheckError::NoRecords { function: function.to_string() });
        }
        let side =
            |version: &str| TargetUri::Lambda { function: function.to_string(), qualifier: Some(version.to_string()) };
        let options = TargetOptions {
            timeout: self.timeout,
            config_path: PathBuf::from("cutover.toml"),
            aws: self.aws.clone(),
            logs: emulator::LogSink::Discard,
        };
        let session = ParitySession::open(&side(baseline), &side(candidate), None, &options)
            .await
            .map_err(ParityCheckError::Open)?;
        let report = session.run(records, &self.rules, ReplaySettings::default(), |_| {}).await;
        session.shutdown().await;
        let report = report.map_err(ParityCheckError::Replay)?;
        let totals = &report.totals;
        Ok(ParityVerdict::new(
            self.describe(),
            report.baseline.clone(),
            report.candidate.clone(),
            [totals.total, totals.matched, totals.cosmetic, totals.noise, totals.mismatch, totals.errors]
                .map(|count| count as u64),
            report.side_effect_mismatches() as u64,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(candidate: &str, total: u64, mismatch: u64) -> String {
        serde_json::json!({
            "baseline": "lambda:get-cluster:1",
            "candidate": candidate,
            "totals": { "total": total, "matched": total - mismatch, "cosmetic": 0, "noise": 0, "mismatch": mismatch, "errors": 0 },
            "side_effects": null,
        })
        .to_string()
    }

    #[test]
    fn a_report_admits_only_a_passing_nonempty_run_of_the_same_candidate() {
        let path = Path::new("parity.json");
        let read = |text: String| ParityVerdict::from_report(&text, path).expect("a report");
        assert!(read(report("lambda:get-cluster:2", 40, 0)).admits("get-cluster", "2").is_ok());
        let arn = "lambda:arn:aws:lambda:eu-west-1:123456789012:function:get-cluster:2";
        assert!(read(report(arn, 40, 0)).admits("get-cluster", "2").is_ok());
        let wrong_version =
            read(report("lambda:get-cluster:3", 40, 0)).admits("get-cluster", "2").expect_err("version 3");
        assert!(wrong_version.contains("is get-cluster:3, not version 2"), "{wrong_version}");
        let wrong_function =
            read(report("local:list-clusters:2", 40, 0)).admits("get-cluster", "2").expect_err("other function");
        assert!(wrong_function.contains("is function list-clusters, not get-cluster"), "{wrong_function}");
        let alias = read(report("lambda:get-cluster", 40, 0)).admits("get-cluster", "2").expect_err("no version");
        assert!(alias.contains("names no version"), "{alias}");
        let failing = read(report("lambda:get-cluster:2", 40, 3)).admits("get-cluster", "2").expect_err("mismatches");
        assert!(failing.contains("3 mismatched and 0 failed of 40 records"), "{failing}");
        let empty = read(report("lambda:get-cluster:2", 0, 0)).admits("get-cluster", "2").expect_err("empty");
        assert!(empty.contains("no record was replayed"), "{empty}");
        let error = ParityVerdict::from_report("{\"totals\": {}}", path).expect_err("not a report");
        assert_eq!(error.to_string(), "parity.json: not a parity JSON report: no `baseline`");
    }
}
