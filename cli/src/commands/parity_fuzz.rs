//! `cutover parity fuzz`: resolves the arguments as `parity run` does (target URIs, rules,
//! corpus, config, AWS settings) plus the seed and the number of mutants, opens both sides
//! with a [`parity::ParitySession`], runs a [`parity::Fuzzer`], renders the report and
//! maps the verdict to the exit code.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::anyhow;
use parity::{
    AwsSettings, Corpus, CorpusFilter, FuzzFormat, FuzzProgress, FuzzSettings, Fuzzer, ParityRules, ParitySession,
    Record, ReplaySettings, TargetOptions, TargetUri,
};

use super::parity::{checked_rules, input, rules_file, target_uri};
use crate::args::{ParityFormatArg, ParityFuzzArgs};
use crate::exit::Failure;
use crate::output;

pub(super) fn run(args: ParityFuzzArgs, format: ParityFormatArg) -> Result<(), Failure> {
    let settings = FuzzRunSettings::resolve(args, format)?;
    let runtime = super::async_runtime()?;
    runtime.block_on(fuzz(settings))
}

/// Everything a fuzz run needs, checked before anything starts.
struct FuzzRunSettings {
    baseline: TargetUri,
    candidate: TargetUri,
    records: Vec<Record>,
    rules: ParityRules,
    fuzz: FuzzSettings,
    targets: TargetOptions,
    format: FuzzFormat,
    output: Option<PathBuf>,
}

impl FuzzRunSettings {
    fn resolve(args: ParityFuzzArgs, format: ParityFormatArg) -> Result<Self, Failure> {
        let format = match format {
            ParityFormatArg::Table => FuzzFormat::Table,
            ParityFormatArg::Json => FuzzFormat::Json,
            ParityFormatArg::Markdown => FuzzFormat::Markdown,
            ParityFormatArg::Junit => {
                return Err(input(anyhow!("parity fuzz renders table, json or markdown, not junit")));
            }
        };
        let baseline = target_uri("baseline", &args.baseline)?;
        let candidate = target_uri("candidate", &args.candidate)?;
        for (flag, uri) in [("baseline", &baseline), ("candidate", &candidate)] {
            if *uri == TargetUri::Recorded {
                return Err(input(anyhow!(
                    "--{flag} recorded: recorded answers exist only for the corpus's own events, not for mutants"
                )));
            }
        }
        let corpus = Corpus::open(&args.corpus).map_err(input)?;
        let rules = checked_rules(rules_file(args.rules.as_deref()).as_deref(), &corpus, &args.config.config)?;
        // The fuzzer draws from the whole corpus (and replays it first), so it holds it.
        let filter = CorpusFilter { routes: args.route, ..CorpusFilter::default() };
        let records: Vec<Record> = corpus.records(filter).collect::<Result<_, _>>().map_err(input)?;
        if records.is_empty() {
            return Err(input(anyhow!(
                "no records matched in {}: the corpus is empty or the filters exclude every record",
                args.corpus.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ")
            )));
        }
        if args.mutants == 0 {
            return Err(input(anyhow!("--mutants must be at least 1: a fuzz run of no mutants proves nothing")));
        }
        if let Some(path) = &args.output {
            output::check_writable_destination(path, "--output").map_err(input)?;
        }
        if args.concurrency == 0 {
            return Err(input(anyhow!("--concurrency must be at least 1")));
        }
        if !(args.timeout.is_finite() && args.timeout > 0.0) {
            return Err(input(anyhow!("--timeout must be a positive number of seconds")));
        }
        Ok(Self {
            baseline,
            candidate,
            records,
            rules,
            fuzz: FuzzSettings {
                seed: args.seed,
                mutants: args.mutants,
                replay: ReplaySettings { concurrency: args.concurrency, examples_per_signature: 3 },
                shrink_attempts: args.shrink_attempts,
            },
            targets: TargetOptions {
                timeout: Duration::from_secs_f64(args.timeout),
                config_path: args.config.config,
                aws: AwsSettings {
                    profile: args.aws.profile,
                    region: args.aws.region,
                    endpoint_url: args.aws.endpoint_url,
                },
                logs: if args.sandbox_logs { emulator::LogSink::Stderr } else { emulator::LogSink::Discard },
            },
            format,
            output: args.output,
        })
    }
}

async fn fuzz(settings: FuzzRunSettings) -> Result<(), Failure> {
    let session = ParitySession::open(&settings.baseline, &settings.candidate, None, &settings.targets).await.map_err(
        |error| {
            if error.is_input_error() { Failure::Input(error.into()) } else { Failure::Unexpected(error.into()) }
        },
    )?;
    let fuzzer = Fuzzer {
        baseline: session.baseline.as_ref(),
        candidate: session.candidate.as_ref(),
        rules: &settings.rules,
        settings: settings.fuzz,
    };
    let terminal = std::io::stderr().is_terminal();
    let result = fuzzer.run(settings.records, |progress| show_progress(terminal, progress)).await;
    if terminal {
        eprintln!();
    }
    session.shutdown().await;
    let report = result.map_err(|error| {
        if error.is_input_error() { Failure::Input(error.into()) } else { Failure::Unexpected(error.into()) }
    })?;
    let text = parity::render_fuzz(&report, settings.format);
    match &settings.output {
        Some(path) => output::write_atomically(path, text.as_bytes()).map_err(Failure::Unexpected)?,
        None => output::stdout(&text)?,
    }
    if report.passed() { Ok(()) } else { Err(Failure::Checked) }
}

/// A progress line on stderr, only when stderr is a terminal.
fn show_progress(terminal: bool, progress: FuzzProgress) {
    if !terminal {
        return;
    }
    let (stage, done, total) = match progress {
        FuzzProgress::Corpus { done, total } => ("corpus, unmutated", done, total),
        FuzzProgress::Mutants { done, total } => ("mutants", done, total),
    };
    if done < 10 || done.is_multiple_of(10) || done == total {
        eprint!("\r{stage}: {done}/{total}          ");
    }
}
