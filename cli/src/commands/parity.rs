//! `cutover parity run`: resolves the arguments into typed settings (target URIs, rules,
//! corpus filter, shard), runs a [`parity::ParitySession`], renders the report and maps the
//! verdict to the exit code. `cutover parity merge` combines the shards' JSON reports.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::anyhow;
use parity::{
    AwsSettings, Corpus, CorpusFilter, ParityRules, ParitySession, ReplaySettings, ReportFormat, ShardReportText,
    StatusFilter, TargetOptions, TargetUri,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{ParityArgs, ParityCommand, ParityFormatArg, ParityMergeArgs, ParityRunArgs, RecordFilterArgs};
use crate::exit::Failure;
use crate::output;

/// The rules file used when `--rules` is not given and it exists.
const DEFAULT_RULES_FILE: &str = "parity.toml";

pub fn run(args: ParityArgs, format: ParityFormatArg) -> Result<(), Failure> {
    match args.command {
        ParityCommand::Run(run_args) => {
            let settings = RunSettings::resolve(run_args, format)?;
            let runtime = super::async_runtime()?;
            runtime.block_on(run_parity(settings))
        }
        ParityCommand::Merge(merge_args) => merge(merge_args, format),
        ParityCommand::Fuzz(fuzz_args) => super::parity_fuzz::run(fuzz_args, format),
    }
}

/// Everything a run needs, checked before anything starts.
struct RunSettings {
    baseline: TargetUri,
    candidate: TargetUri,
    secondary: Option<TargetUri>,
    corpus: Corpus,
    filter: CorpusFilter,
    rules: ParityRules,
    replay: ReplaySettings,
    targets: TargetOptions,
    max_mismatch: usize,
    format: ReportFormat,
    output: Option<PathBuf>,
    /// `--shard K/N`: which shard, and what identifies the replay for `parity merge`.
    shard: Option<(parity::Shard, parity::ReplayIdentity)>,
}

pub(super) fn input(error: impl Into<anyhow::Error>) -> Failure {
    Failure::Input(error.into())
}

pub(super) fn target_uri(flag: &str, text: &str) -> Result<TargetUri, Failure> {
    text.parse::<TargetUri>().map_err(|error| input(anyhow!(error).context(format!("--{flag}"))))
}

/// The rules file: `--rules`, else parity.toml when it exists; `None` for the built-in rules.
pub(super) fn rules_file(flag: Option<&Path>) -> Option<PathBuf> {
    match flag {
        Some(path) => Some(path.to_path_buf()),
        None if Path::new(DEFAULT_RULES_FILE).exists() => Some(PathBuf::from(DEFAULT_RULES_FILE)),
        None => None,
    }
}

/// The rules of `path` (the built-in ones without a file), checked against the routes of
/// the corpus and of the config: a rule scoped to a route that neither has is a typo that
/// would hide nothing, named with its file and line before anything starts.
pub(super) fn checked_rules(path: Option<&Path>, corpus: &Corpus, config: &Path) -> Result<ParityRules, Failure> {
    let rules = match path {
        Some(path) => ParityRules::load(path).map_err(input)?,
        None => ParityRules::default(),
    };
    let declared: Vec<String> = emulator::Config::load(config)
        .map(|config| {
            config.routes.iter().map(|route| format!("{} {}", route.method.to_ascii_uppercase(), route.path)).collect()
        })
        .unwrap_or_default();
    let corpus_routes = corpus.records(CorpusFilter::default()).map_while(Result::ok).map(|record| record.route);
    rules.check_routes(corpus_routes, &declared).map_err(input)?;
    Ok(rules)
}

fn timestamp(flag: &str, text: Option<&str>) -> Result<Option<OffsetDateTime>, Failure> {
    text.map(|text| {
        OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|error| input(anyhow!("--{flag} {text:?} is not an RFC 3339 time: {error}")))
    })
    .transpose()
}

/// The records `--route`, `--method`, `--status`, `--since` and `--until` keep, each flag
/// checked and named when it is wrong.
pub(super) fn record_filter(args: &RecordFilterArgs) -> Result<CorpusFilter, Failure> {
    let statuses = args
        .status
        .iter()
        .map(|text| text.parse::<StatusFilter>().map_err(|message| input(anyhow!("--status: {message}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = CorpusFilter {
        routes: args.route.clone(),
        methods: args.method.clone(),
        statuses,
        since: timestamp("since", args.since.as_deref())?,
        until: timestamp("until", args.until.as_deref())?,
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since > until
    {
        return Err(input(anyhow!("--since {since} is after --until {until}: no record can match both")));
    }
    Ok(filter)
}

impl RunSettings {
    fn resolve(args: ParityRunArgs, format: ParityFormatArg) -> Result<Self, Failure> {
        let baseline = target_uri("baseline", &args.baseline)?;
        let candidate = target_uri("candidate", &args.candidate)?;
        let secondary = args.secondary.as_deref().map(|text| target_uri("secondary", text)).transpose()?;
        let rules_path = rules_file(args.rules.as_deref());
        let corpus = Corpus::open(&args.corpus).map_err(input)?;
        let rules = checked_rules(rules_path.as_deref(), &corpus, &args.config.config)?;
        let filter = record_filter(&args.filter)?;
        // A replay proves nothing about records it never ran: an empty corpus or a filter
        // that matches nothing is an input error, found before any side starts.
        match corpus.records(filter.clone()).next() {
            None => {
                return Err(input(anyhow!(
                    "no records matched in {}: the corpus is empty or the filters exclude every record",
                    args.corpus.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ")
                )));
            }
            Some(Err(error)) => return Err(input(error)),
            Some(Ok(_)) => {}
        }
        let shard = args
            .shard
            .as_deref()
            .map(|text| shard_plan(text, &corpus, &filter, &rules, rules_path.as_deref()))
            .transpose()?;
        if let Some(path) = &args.output {
            output::check_writable_destination(path, "--output").map_err(input)?;
        }
        if args.concurrency == 0 {
            return Err(input(anyhow!("--concurrency must be at least 1")));
        }
        if !(args.timeout.is_finite() && args.timeout > 0.0) {
            return Err(input(anyhow!("--timeout must be a positive number of seconds")));
        }
        let format = report_format(format);
        Ok(Self {
            baseline,
            candidate,
            secondary,
            corpus,
            filter,
            rules,
            replay: ReplaySettings { concurrency: args.concurrency, examples_per_signature: args.examples },
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
            max_mismatch: args.max_mismatch,
            format,
            output: args.output,
            shard,
        })
    }
}

async fn run_parity(settings: RunSettings) -> Result<(), Failure> {
    let session =
        ParitySession::open(&settings.baseline, &settings.candidate, settings.secondary.as_ref(), &settings.targets)
            .await
            .map_err(|error| {
                if error.is_input_error() { Failure::Input(error.into()) } else { Failure::Unexpected(error.into()) }
            })?;
    let progress = Progress::new(&settings);
    let records = settings.corpus.records(settings.filter.clone());
    let corpus_records = parity::RecordCount::default();
    let records: Box<dyn Iterator<Item = _>> = match &settings.shard {
        Some((shard, _)) => Box::new(shard.select(records, &settings.rules, corpus_records.clone())),
        None => Box::new(records),
    };
    let result = session.run(records, &settings.rules, settings.replay, |done| progress.update(done)).await;
    progress.finish();
    session.shutdown().await;
    let mut report = result.map_err(|error| match error {
        parity::SessionError::Replay(replay) => Failure::Input(replay.into()),
        capture @ parity::SessionError::Capture { .. } => Failure::Unexpected(capture.into()),
    })?;
    if let Some((shard, identity)) = &settings.shard {
        parity::seal_shard(&mut report, *shard, identity.clone(), corpus_records.get(), settings.max_mismatch);
    }
    let text = parity::render(&report, settings.format, settings.max_mismatch);
    match &settings.output {
        Some(path) => output::write_atomically(path, text.as_bytes()).map_err(Failure::Unexpected)?,
        None => output::stdout(&text)?,
    }
    if report.passed(settings.max_mismatch) { Ok(()) } else { Err(Failure::Checked) }
}

/// A progress bar on stderr, only when stderr is a terminal (logs and CI output stay
/// clean). The total is counted with one extra streamed pass over the corpus, which is
/// cheap next to replaying it.
struct Progress {
    total: Option<usize>,
}

impl Progress {
    const WIDTH: usize = 30;

    fn new(settings: &RunSettings) -> Self {
        let total = std::io::stderr()
            .is_terminal()
            .then(|| settings.corpus.records(settings.filter.clone()).filter_map(Result::ok))
            .map(|records| match &settings.shard {
                Some((shard, _)) => records.filter(|record| shard.holds(record, &settings.rules)).count(),
                None => records.count(),
            });
        Self { total }
    }

    fn update(&self, done: usize) {
        let Some(total) = self.total else { return };
        if done < 10 || done.is_multiple_of(10) || done == total {
            let filled = (done * Self::WIDTH).checked_div(total).unwrap_or(Self::WIDTH).min(Self::WIDTH);
            eprint!("\r[{}{}] {done}/{total} records", "#".repeat(filled), "-".repeat(Self::WIDTH - filled));
        }
    }

    fn finish(&self) {
        if self.total.is_some() {
            eprintln!();
        }
    }
}

fn report_format(format: ParityFormatArg) -> ReportFormat {
    match format {
        ParityFormatArg::Table => ReportFormat::Table,
        ParityFormatArg::Json => ReportFormat::Json,
        ParityFormatArg::Markdown => ReportFormat::Markdown,
        ParityFormatArg::Junit => ReportFormat::Junit,
    }
}

/// `--shard K/N`, checked: the shard holds at least one record (a shard of nothing would
/// prove nothing, and merge needs every shard), and the replay's identity (the corpus
/// files' and the rules' digests, the filters) for `parity merge` to check.
fn shard_plan(
    text: &str,
    corpus: &Corpus,
    filter: &CorpusFilter,
    rules: &ParityRules,
    rules_path: Option<&Path>,
) -> Result<(parity::Shard, parity::ReplayIdentity), Failure> {
    let shard = text.parse::<parity::Shard>().map_err(|error| input(anyhow!(error).context("--shard")))?;
    let seen = parity::RecordCount::default();
    if shard.select(corpus.records(filter.clone()), rules, seen.clone()).next().is_none() {
        return Err(input(anyhow!(
            "--shard {shard}: none of the corpus's {} records falls in this shard (each entity's records go to one \
             shard); use fewer shards",
            seen.get()
        )));
    }
    let rules_text = rules_path
        .map(|path| {
            std::fs::read(path)
                .map_err(|error| input(anyhow!(error).context(format!("cannot read {}", path.display()))))
        })
        .transpose()?;
    let identity = parity::ReplayIdentity::new(corpus, filter, rules_text.as_deref()).map_err(input)?;
    Ok((shard, identity))
}

/// `cutover parity merge`: reads the shards' JSON reports, merges them into one report
/// (refusing, with the file named, reports that are not the N shards of one run), renders
/// it in any format `parity run` renders and maps its verdict to the exit code.
fn merge(args: ParityMergeArgs, format: ParityFormatArg) -> Result<(), Failure> {
    if let Some(path) = &args.output {
        output::check_writable_destination(path, "--output").map_err(input)?;
    }
    let texts = args
        .reports
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| ShardReportText { file: path.display().to_string(), text })
                .map_err(|error| input(anyhow!(error).context(format!("cannot read {}", path.display()))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let merged = parity::merge_shard_reports(&texts, args.max_mismatch).map_err(input)?;
    let text = parity::render(&merged.report, report_format(format), merged.max_mismatch);
    match &args.output {
        Some(path) => output::write_atomically(path, text.as_bytes()).map_err(Failure::Unexpected)?,
        None => output::stdout(&text)?,
    }
    if merged.report.passed(merged.max_mismatch) { Ok(()) } else { Err(Failure::Checked) }
}
