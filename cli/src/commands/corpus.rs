//! `cutover corpus`: pull, check, stats, sample, filter. The work is the `corpus` crate's;
//! this resolves flags, runs it and renders the result.

use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::anyhow;
use corpus::{CorpusToolError, PullError, PullOptions, Sampling, Selection};
use parity::Corpus;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::parity::{record_filter, rules_file};
use crate::args::{CorpusArgs, CorpusCommand, CorpusPullArgs, CorpusSelectArgs, OutputFormat};
use crate::exit::Failure;
use crate::output::stdout;

pub fn run(args: CorpusArgs, format: OutputFormat) -> Result<(), Failure> {
    match args.command {
        CorpusCommand::Pull(pull) => run_pull(&pull, format),
        CorpusCommand::Stats(read) => {
            let stats = corpus::stats(&open(&read.corpus)?).map_err(tool_error)?;
            if stats.records == 0 {
                return Err(Failure::Input(anyhow!("the corpus holds no record")));
            }
            stdout(&match format {
                OutputFormat::Json => json(&stats)?,
                OutputFormat::Table => stats_table(&stats),
            })
        }
        CorpusCommand::Check(read) => {
            let report = corpus::check(&open(&read.corpus)?).map_err(tool_error)?;
            stdout(&match format {
                OutputFormat::Json => json(&report)?,
                OutputFormat::Table => check_table(&report),
            })?;
            if report.passes() { Ok(()) } else { Err(Failure::Checked) }
        }
        CorpusCommand::Sample(sample) => {
            if !(0.0..=1.0).contains(&sample.rate) || sample.rate.is_nan() {
                return Err(Failure::Input(anyhow!("--rate {} must be within 0..=1", sample.rate)));
            }
            let rules = match rules_file(sample.rules.as_deref()) {
                Some(path) => parity::ParityRules::load(&path).map_err(|error| Failure::Input(error.into()))?,
                None => parity::ParityRules::default(),
            };
            let mut selection = selection(&sample.select)?;
            selection.sampling = Some(Sampling { rate: sample.rate, seed: sample.seed });
            selection.rules = rules;
            write_selection(&sample.select, &selection, format)
        }
        CorpusCommand::Filter(filter) => {
            let selection = selection(&filter.select)?;
            write_selection(&filter.select, &selection, format)
        }
    }
}

fn open(paths: &[std::path::PathBuf]) -> Result<Corpus, Failure> {
    Corpus::open(paths).map_err(|error| Failure::Input(error.into()))
}

/// A malformed corpus and an unwritable output are the user's to fix (exit 2).
fn tool_error(error: CorpusToolError) -> Failure {
    Failure::Input(error.into())
}

fn json(value: &impl serde::Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map(|text| text + "\n").map_err(|error| Failure::Unexpected(anyhow!(error)))
}

fn time_flag(flag: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>, Failure> {
    text.map(|text| {
        OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|error| Failure::Input(anyhow!("--{flag} {text:?} is not an RFC 3339 time: {error}")))
    })
    .transpose()
}

fn selection(args: &CorpusSelectArgs) -> Result<Selection, Failure> {
    Ok(Selection {
        functions: args.functions.clone(),
        sources: args.sources.clone(),
        filter: record_filter(&args.filter)?,
        sampling: None,
        max_records: args.max,
        rules: parity::ParityRules::default(),
    })
}

fn write_selection(args: &CorpusSelectArgs, selection: &Selection, format: OutputFormat) -> Result<(), Failure> {
    let corpus = open(&args.corpus)?;
    let summary = corpus::select(&corpus, selection, &args.out).map_err(tool_error)?;
    stdout(&match format {
        OutputFormat::Json => json(&summary)?,
        OutputFormat::Table => format!(
            "{}: {} of {} records ({} entities)\n",
            summary.out.display(),
            summary.written,
            summary.read,
            summary.entities
        ),
    })
}

fn run_pull(args: &CorpusPullArgs, format: OutputFormat) -> Result<(), Failure> {
    let until = time_flag("until", args.until.as_deref())?.unwrap_or_else(OffsetDateTime::now_utc);
    let since = time_flag("since", args.since.as_deref())?
        .unwrap_or_else(|| until - time::Duration::hours(i64::from(args.hours)));
    if since >= until {
        return Err(Failure::Input(anyhow!("the window is empty: --since must be before --until")));
    }
    if args.shard_records == 0 {
        return Err(Failure::Input(anyhow!("--shard-records must be at least 1")));
    }
    if let Some(function) = args.functions.iter().find(|function| aws_settings::FunctionRef::parse(function).is_err()) {
        return Err(Failure::Input(anyhow!("--function {function:?} is not a function name")));
    }
    let options = PullOptions {
        functions: args.functions.clone(),
        start: since,
        end: until,
        out: args.out.clone(),
        shard_records: args.shard_records,
        resume: args.resume,
        page_size: args.page_size,
    };
    let settings = aws_settings::AwsSettings {
        profile: args.aws.profile.clone(),
        region: args.aws.region.clone(),
        endpoint_url: args.aws.endpoint_url.clone(),
    };
    let runtime = super::async_runtime()?;
    let summary = runtime.block_on(async {
        let client = aws_sdk_cloudwatchlogs::Client::new(&settings.sdk_config().await);
        // Ctrl-C stops after the page being committed: what was pulled stays, --resume goes on.
        let interrupted = Arc::new(AtomicBool::new(false));
        let flag = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Release);
            }
        });
        let terminal = std::io::stderr().is_terminal();
        let result = corpus::pull(
            &client,
            &options,
            |progress| {
                if terminal {
                    #[allow(clippy::print_stderr)]
                    {
                        eprint!(
                            "\r{}: {} pages, {} events, {} records",
                            progress.function, progress.pages, progress.events, progress.records
                        );
                    }
                }
            },
            || interrupted.load(Ordering::Acquire),
        )
        .await;
        if terminal {
            #[allow(clippy::print_stderr)]
            {
                eprintln!();
            }
        }
        result
    });
    let summary = summary.map_err(|error| match error {
        PullError::Service { .. } => Failure::Unexpected(error.into()),
        other => Failure::Input(other.into()),
    })?;
    for function in &summary.functions {
        if function.missing_group {
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "warning: log group /aws/lambda/{} does not exist: has the function run with the recorder on, in this region?",
                    function.function
                );
            }
        }
        if function.unreadable > 0 || !function.incomplete.is_empty() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "warning: {}: {} record lines unreadable; split records never completed: {}",
                    function.function,
                    function.unreadable,
                    if function.incomplete.is_empty() { "none".to_string() } else { function.incomplete.join(", ") }
                );
            }
        }
    }
    stdout(&match format {
        OutputFormat::Json => json(&summary)?,
        OutputFormat::Table => pull_table(&summary, &args.out),
    })?;
    // No records is no corpus: say so instead of succeeding on nothing. A resumed pull
    // counts the shards an earlier run wrote.
    if summary.records() == 0 && !(summary.resumed && holds_shards(&args.out)) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("no record lines in the window: nothing to replay (is the recorder on, CUTOVER_RECORD=log?)");
        }
        return Err(Failure::Checked);
    }
    Ok(())
}

/// Whether `out` holds a shard (`*.jsonl`), without reading any.
fn holds_shards(out: &Path) -> bool {
    std::fs::read_dir(out).is_ok_and(|mut entries| {
        entries.any(|entry| {
            entry.is_ok_and(|entry| entry.path().extension().is_some_and(|extension| extension == "jsonl"))
        })
    })
}

fn pull_table(summary: &corpus::PullSummary, out: &Path) -> String {
    let mut text = format!(
        "{:<28} {:>6} {:>8} {:>8} {:>6} {:>6} {:>10} {:>10}\n",
        "function", "pages", "events", "records", "dups", "joined", "unreadable", "incomplete"
    );
    for function in &summary.functions {
        let _ = writeln!(
            text,
            "{:<28} {:>6} {:>8} {:>8} {:>6} {:>6} {:>10} {:>10}",
            function.function,
            function.pages,
            function.events,
            function.records,
            function.duplicates,
            function.joined,
            function.unreadable,
            function.incomplete.len()
        );
    }
    let _ = writeln!(
        text,
        "{} records written to {}{}",
        summary.records(),
        out.display(),
        if summary.resumed { " (resumed)" } else { "" }
    );
    text
}

fn stats_table(stats: &corpus::CorpusStats) -> String {
    let mut text = format!(
        "{} records, {} .. {}\n",
        stats.records,
        stats.first_recorded_at.as_deref().unwrap_or("?"),
        stats.last_recorded_at.as_deref().unwrap_or("?")
    );
    for (name, function) in &stats.functions {
        let _ = writeln!(text, "{name}: {} records, {} raised", function.records, function.raised);
        for (route, route_stats) in &function.routes {
            let outcomes: Vec<String> =
                route_stats.outcomes.iter().map(|(outcome, count)| format!("{outcome}: {count}")).collect();
            let _ = writeln!(text, "  {route:<44} {:>7}  {}", route_stats.records, outcomes.join(", "));
        }
    }
    let sources: Vec<String> = stats.sources.iter().map(|(source, count)| format!("{source}: {count}")).collect();
    let _ = writeln!(text, "sources: {}", sources.join(", "));
    text
}

fn check_table(report: &corpus::CheckReport) -> String {
    if report.records == 0 {
        return "the corpus holds no record: nothing to check, no pass\n".to_string();
    }
    if report.findings.is_empty() {
        return format!("{} records, no secret in the clear\n", report.records);
    }
    let mut text = format!("{} records, {} secrets in the clear:\n", report.records, report.findings.len());
    for finding in &report.findings {
        let _ = writeln!(
            text,
            "  {} ({}): {} at {}",
            finding.id, finding.function, finding.finding.kind, finding.finding.path
        );
    }
    text.push_str(
        "redact them at the source (the recorder's settings) and pull again; the values are not shown here\n",
    );
    text
}
