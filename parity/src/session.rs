//! A whole parity run over opened targets: open the sides (each `local:` side starts its
//! own emulator and moto server), replay, read back what each side wrote and diff it, and
//! stop everything that was started.

use crate::capture::CaptureError;
use crate::corpus::CorpusError;
use crate::open::open_target;
use crate::record::Record;
use crate::replay::{Replay, ReplayError, ReplaySettings};
use crate::report::ParityReport;
use crate::rules::ParityRules;
use crate::target::{OpenTargetError, Target, TargetOptions, TargetUri};

/// Why a run failed (a mismatch is not a failure: it is in the report).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The replay stopped: the corpus could not be read (the user's input).
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A side's writes could not be read back after the replay (its back end failed).
    #[error("could not read what the {side} wrote")]
    Capture {
        /// `baseline` or `candidate`.
        side: &'static str,
        /// Which call to the back end failed.
        #[source]
        source: CaptureError,
    },
}

/// The opened sides of a run.
pub struct ParitySession {
    /// The version answers are judged against.
    pub baseline: Box<dyn Target>,
    /// The version under test.
    pub candidate: Box<dyn Target>,
    /// A second run of the baseline, to learn noise from; `None` when none was asked for.
    pub secondary: Option<Box<dyn Target>>,
}

impl ParitySession {
    /// Opens the sides concurrently; if one fails, those that opened are shut down.
    pub async fn open(
        baseline: &TargetUri,
        candidate: &TargetUri,
        secondary: Option<&TargetUri>,
        options: &TargetOptions,
    ) -> Result<Self, OpenTargetError> {
        let secondary_future = async {
            match secondary {
                Some(uri) => Some(open_target(uri, options).await),
                None => None,
            }
        };
        let (baseline, candidate, secondary) =
            futures::join!(open_target(baseline, options), open_target(candidate, options), secondary_future);
        let secondary = secondary.transpose();
        if let (Ok(_), Ok(_), Ok(_)) = (&baseline, &candidate, &secondary) {
            return Ok(Self { baseline: baseline?, candidate: candidate?, secondary: secondary? });
        }
        let mut first_error = None;
        let mut note = |error: OpenTargetError| {
            first_error.get_or_insert(error);
        };
        let mut opened = Vec::new();
        match baseline {
            Ok(target) => opened.push(target),
            Err(error) => note(error),
        }
        match candidate {
            Ok(target) => opened.push(target),
            Err(error) => note(error),
        }
        match secondary {
            Ok(target) => opened.extend(target),
            Err(error) => note(error),
        }
        for target in opened {
            target.shutdown().await;
        }
        Err(first_error.expect("one side failed to open"))
    }

    /// Replays `records`, then diffs what the sides wrote when both can tell.
    pub async fn run<I>(
        &self,
        records: I,
        rules: &ParityRules,
        settings: ReplaySettings,
        on_progress: impl FnMut(usize),
    ) -> Result<ParityReport, SessionError>
    where
        I: IntoIterator<Item = Result<Record, CorpusError>>,
    {
        let replay = Replay {
            baseline: self.baseline.as_ref(),
            candidate: self.candidate.as_ref(),
            secondary: self.secondary.as_deref(),
            rules,
            settings,
        };
        let outcome = replay.run(records, on_progress).await?;
        let mut report = outcome.report;
        let (baseline, candidate) = futures::join!(self.baseline.side_effects(), self.candidate.side_effects());
        match (baseline, candidate) {
            (Some(baseline), Some(candidate)) => {
                let baseline = baseline.map_err(|source| SessionError::Capture { side: "baseline", source })?;
                let candidate = candidate.map_err(|source| SessionError::Capture { side: "candidate", source })?;
                report.add_side_effects(rules, &baseline, &candidate, &outcome.ids.candidate_to_baseline);
            }
            (baseline, candidate) => {
                let missing: Vec<String> =
                    [(baseline.is_none(), self.baseline.name()), (candidate.is_none(), self.candidate.name())]
                        .into_iter()
                        .filter_map(|(missing, name)| missing.then_some(name))
                        .collect();
                report.side_effects_note = Some(format!(
                    "side effects not captured: {} cannot tell what it wrote (only local: targets with a moto back end can)",
                    missing.join(" and ")
                ));
            }
        }
        Ok(report)
    }

    /// Stops every emulator, sandbox and moto server the sides started.
    pub async fn shutdown(self) {
        let secondary = async {
            if let Some(target) = self.secondary {
                target.shutdown().await;
            }
        };
        futures::join!(self.baseline.shutdown(), self.candidate.shutdown(), secondary);
    }
}
