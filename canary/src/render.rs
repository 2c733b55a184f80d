//! Human renderings of the canary's results, for the CLI to print: a run (`status`,
//! `tick`, ...), the journal (`history`), the plan (`plan`) and a rehearsal's timeline.
//! JSON is the results serialised as they are.

use std::fmt::Write as _;

use crate::controller::{CanaryRun, Preflight};
use crate::gates::Figures;
use crate::journal::{Event, JournalRecord};
use crate::units::{format_duration, format_time};

/// A run as `status`, `tick` and the other commands print it: deployment, share, phase,
/// what it waits for, the gates and what the command journaled.
pub fn run(run: &CanaryRun) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {}:{}  version {} -> {}  [{}]",
        run.deployment_id, run.function, run.alias, run.baseline_version, run.candidate_version, run.phase_name
    );
    let steps: Vec<String> = run.steps.iter().map(|step| format!("{step}%")).collect();
    let _ = writeln!(text, "  candidate share  {}% (steps {})", run.candidate_percent, steps.join(" -> "));
    let _ = writeln!(text, "  started          {}", format_time(run.started_at));
    if let Some(since) = run.phase_since {
        let _ = writeln!(text, "  phase since      {}", format_time(since));
    }
    if let Some(alias) = &run.alias_observed {
        let _ = writeln!(text, "  alias now        {} (revision {})", alias.routing, alias.revision_id);
    }
    if let Some(waiting) = &run.waiting_for {
        let _ = writeln!(text, "  waiting for      {waiting}");
    }
    if let Some(lock) = &run.lock {
        let _ = writeln!(text, "  lock             {} until {}", lock.owner, format_time(lock.expires));
    }
    if let Some(evaluation) = &run.evaluation {
        let _ = writeln!(
            text,
            "\ngates over {} .. {} (candidate {} invocations / {} errors, baseline {} / {}): {:?}",
            format_time(evaluation.window_start),
            format_time(evaluation.window_end),
            evaluation.candidate.invocations,
            evaluation.candidate.errors,
            evaluation.baseline.invocations,
            evaluation.baseline.errors,
            evaluation.verdict
        );
        for gate in &evaluation.gates {
            let required = if gate.required { "" } else { " (optional)" };
            let _ = writeln!(
                text,
                "  {:<26} {:<13} {}",
                format!("{}{required}", gate.gate),
                format!("{:?}", gate.verdict).to_lowercase(),
                gate.reason
            );
        }
    }
    if !run.records.is_empty() {
        let _ = writeln!(text, "\nthis pass:");
        text.push_str(&history(&run.records));
    }
    if let Some(check) = &run.decommission {
        let _ = writeln!(text, "\ndecommission of version {}:", check.version);
        if check.references.is_empty() {
            let verb = if check.deleted { "deleted" } else { "nothing references it; delete it with --yes" };
            let _ = writeln!(text, "  {verb}");
        }
        for reference in &check.references {
            let _ = writeln!(text, "  still referenced: {} {}", reference.kind, reference.detail);
        }
    }
    text
}

/// One line of at most 120 characters, for the progress line `start` redraws on a terminal.
pub fn status_line(run: &CanaryRun) -> String {
    let mut line = format!("{}:{} {} {}%", run.function, run.alias, run.phase_name, run.candidate_percent);
    if let Some(waiting) = &run.waiting_for {
        line.push_str(" | ");
        line.push_str(waiting.split(';').next().unwrap_or_default());
    }
    line.chars().take(120).collect()
}

/// The journal, a record a line: sequence, time, what happened.
pub fn history(records: &[JournalRecord]) -> String {
    let mut text = String::new();
    for record in records {
        let _ = writeln!(text, "  #{:<4} {}  {}", record.sequence, format_time(record.at), summary(&record.event));
    }
    text
}

fn summary(event: &Event) -> String {
    match event {
        Event::Started { deployment_id, plan, alias, .. } => format!(
            "started {deployment_id}: {}:{} from {} ({}) to version {}",
            plan.function, plan.alias, alias.routing, alias.revision_id, plan.candidate_version
        ),
        Event::Intent { action, from, to, reason } => {
            format!("intent {action:?}: {} -> {to} with revision {} ({reason})", from.routing, from.revision_id)
        }
        Event::Applied { intent, alias, recovered } => format!(
            "applied #{intent}: {} (revision {}){}",
            alias.routing,
            alias.revision_id,
            if *recovered { ", found on resume" } else { "" }
        ),
        Event::Decision { decision, evaluation, reason, .. } => {
            let figures = evaluation
                .as_ref()
                .map(|evaluation| {
                    let error = evaluation.gates.iter().find_map(|gate| match &gate.figures {
                        Figures::ErrorRate { candidate_errors, candidate_invocations, .. } => {
                            Some(format!("{candidate_errors}/{candidate_invocations} errors"))
                        }
                        _ => None,
                    });
                    format!(
                        " [window {} periods of {}, {}]",
                        evaluation.candidate.periods,
                        format_duration(evaluation.period),
                        error.unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            format!("decision {decision:?}: {reason}{figures}")
        }
        Event::Halted { reason, .. } => format!("halted: {reason}"),
        Event::Paused { by, reason } => format!("paused ({by:?}): {reason}"),
        Event::Resumed { reason } => format!("resumed: {reason}"),
        Event::Operator { command } => format!("operator: {command}"),
        Event::Finished { outcome } => format!("finished: {outcome:?}"),
        Event::DeleteIntent { version } => format!("delete intent: version {version}"),
        Event::Deleted { version, refused: None } => format!("deleted: version {version}"),
        Event::Deleted { version, refused: Some(reason) } => format!("delete of version {version} refused: {reason}"),
    }
}

/// `cutover canary plan`: the plan, the checks and what each step should take.
pub fn preflight(preflight: &Preflight) -> String {
    let plan = &preflight.plan;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "plan for {}:{}: version {} -> {}",
        plan.function, plan.alias, plan.baseline_version, plan.candidate_version
    );
    let _ = writeln!(
        text,
        "  steps {} | at least {} each | bake {} | period {} read {} late | inconclusive: {:?} after {} extensions",
        plan.steps.iter().map(|step| format!("{step}%")).collect::<Vec<_>>().join(" -> "),
        format_duration(plan.min_step_duration),
        format_duration(plan.bake),
        format_duration(plan.period),
        format_duration(plan.lateness),
        plan.inconclusive_policy,
        plan.max_extensions
    );
    let gates = &plan.gates;
    let _ = writeln!(
        text,
        "  gates: error rate <= {}% and <= baseline + {}% (pass at {}%, fail at {}% confidence); >= {} candidate invocations per step; throttles <= {}%",
        gates.max_error_rate * 100.0,
        gates.max_error_rate_increase * 100.0,
        gates.confidence * 100.0,
        gates.fail_confidence * 100.0,
        gates.min_invocations,
        gates.max_throttle_rate * 100.0
    );
    for gate in &gates.latency {
        let _ = writeln!(
            text,
            "         latency {}: {}{}{} ({} samples per period)",
            gate.percentile,
            gate.max_ms.map(|ms| format!("<= {ms} ms ")).unwrap_or_default(),
            gate.max_ratio.map(|ratio| format!("<= {ratio}x baseline")).unwrap_or_default(),
            if gate.required { "" } else { ", optional" },
            gate.min_samples_per_period()
        );
    }
    for gate in &gates.custom {
        let _ =
            writeln!(text, "         custom {}: {}/{} {}", gate.name, gate.namespace, gate.metric_name, gate.statistic);
    }
    let _ = writeln!(
        text,
        "\nbaseline over {} .. {}: {} invocations, {} errors",
        format_time(preflight.baseline.window_start),
        format_time(preflight.baseline.window_end),
        preflight.baseline.invocations,
        preflight.baseline.errors
    );
    let _ = writeln!(
        text,
        "\n  {:<6} {:>14} {:>18} {:>10}  latency judged",
        "step", "candidate/min", "invocations needed", "expected"
    );
    for step in &preflight.steps {
        let _ = writeln!(
            text,
            "  {:<6} {:>14} {:>18} {:>10}  {}{}",
            format!("{}%", step.percent),
            step.candidate_invocations_per_minute,
            step.invocations_to_pass.map(|needed| needed.to_string()).unwrap_or_else(|| "-".into()),
            step.expected_duration.map(format_duration).unwrap_or_else(|| "too little traffic".into()),
            step.latency_judged.join(" "),
            if step.latency_not_judged.is_empty() {
                String::new()
            } else {
                format!(" (too few samples: {})", step.latency_not_judged.join(" "))
            }
        );
    }
    let _ = writeln!(text, "\npreflight:");
    for check in &preflight.checks {
        let _ = writeln!(text, "  {} {:<24} {}", if check.passed { "ok  " } else { "FAIL" }, check.check, check.detail);
    }
    text
}

/// A rehearsal's timeline (virtual time, real time, share, what happened) and its figures.
pub fn rehearsal(report: &crate::rehearsal::RehearsalReport) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{:>8} {:>7} {:>5}  what", "virtual", "real", "share");
    for entry in &report.timeline {
        let _ = writeln!(
            text,
            "{:>8} {:>6.1}s {:>4}%  {}",
            entry.after,
            entry.real_seconds,
            entry.candidate_percent,
            crate::rehearsal::describe(entry)
        );
    }
    let versions: Vec<String> =
        report.invocations_by_version.iter().map(|(version, count)| format!("{count} on {version}")).collect();
    let _ = writeln!(
        text,
        "\n{} after {} virtual ({:.1} s real at {}x): {} invocations ({} failed), {} ticks, {} Lambda API calls, {} CloudWatch calls for {} metrics",
        run_outcome(&report.run),
        format_duration(std::time::Duration::from_secs_f64(report.virtual_seconds)),
        report.real_seconds,
        report.speed.round(),
        versions.join(", "),
        report.failed_invocations,
        report.ticks,
        report.lambda_calls,
        report.cloudwatch_calls,
        report.cloudwatch_metrics_requested
    );
    if let Some(seconds) = report.breach_to_rollback_virtual_seconds {
        let _ = writeln!(
            text,
            "first shift to rollback: {} virtual",
            format_duration(std::time::Duration::from_secs_f64(seconds))
        );
    }
    text
}

fn run_outcome(run: &CanaryRun) -> String {
    format!("{}:{} {}", run.function, run.alias, run.phase_name)
}
