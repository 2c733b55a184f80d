//! `cutover canary plan | start | tick | status | history | resume | pause | promote |
//! abort | decommission | rehearse`. Each subcommand resolves its arguments into
//! [`CanaryContext`] (function, alias, settings from cutover.toml and flags, the state
//! store, the SDK clients) before anything runs, calls the `canary` crate, and renders
//! the typed result it gets back (`CanaryRun`, `Preflight`, the journal) as a table or JSON.

use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::anyhow;
use aws_settings::{AwsSettings, FunctionRef};
use canary::render;
use canary::{
    CanaryError, CanaryRun, CanarySettings, CrashPoint, DeploymentRequest, InconclusivePolicy, LambdaParity,
    ParityVerdict, PreTraffic, RunStatus, SdkController, StateLocation, owner_name, parse_duration, sdk_controller,
};

use crate::args::{
    AwsArgs, CanaryArgs, CanaryCommand, CanaryOverrides, CanaryParityArgs, CanaryRehearseArgs, CanaryStartArgs,
    CanaryTargetArgs, InconclusiveArg, OutputFormat,
};
use crate::exit::Failure;
use crate::output;

/// The parity rules a replay uses when --parity-rules is not given and it exists.
const DEFAULT_PARITY_RULES: &str = "parity.toml";

/// The environment variable a crash drill sets to stop the controller at a transition.
const CRASH_AT: &str = "CUTOVER_CANARY_CRASH_AT";

pub fn run(args: CanaryArgs, format: OutputFormat) -> Result<(), Failure> {
    let runtime = super::async_runtime()?;
    runtime.block_on(async move {
        match args.command {
            CanaryCommand::Plan(args) => plan(args, format).await,
            CanaryCommand::Start(args) => start(args, format).await,
            CanaryCommand::Tick(args) => {
                let context = CanaryContext::resolve(&args, None).await?;
                let run = context.controller.tick(&context.function, &context.alias, SystemTime::now()).await;
                let run = context.finish(run).await?;
                finish_run(&run, format, false)
            }
            CanaryCommand::Status(args) => {
                let context = CanaryContext::resolve(&args, None).await?;
                let run = context.controller.status(&context.function, &context.alias, SystemTime::now()).await;
                finish_run(&run.map_err(canary_failure)?, format, false)
            }
            CanaryCommand::History(args) => {
                let context = CanaryContext::resolve(&args, None).await?;
                let records =
                    context.controller.history(&context.function, &context.alias).await.map_err(canary_failure)?;
                match format {
                    OutputFormat::Json => output::stdout_line(&to_json(&records)?),
                    OutputFormat::Table => output::stdout(&render::history(&records)),
                }
            }
            CanaryCommand::Resume(args) => {
                let context = CanaryContext::resolve(&args.target, None).await?;
                let run =
                    context.controller.resume(&context.function, &context.alias, SystemTime::now(), args.force).await;
                let run = context.finish(run).await?;
                if args.once || run.status != RunStatus::Running {
                    return finish_run(&run, format, !args.once);
                }
                let run = context.loop_ticks(run).await?;
                finish_run(&run, format, true)
            }
            CanaryCommand::Pause(args) => {
                let context = CanaryContext::resolve(&args, None).await?;
                let run = context
                    .controller
                    .pause(&context.function, &context.alias, SystemTime::now(), "paused by an operator")
                    .await;
                let run = context.finish(run).await?;
                finish_run(&run, format, false)
            }
            CanaryCommand::Promote(args) => {
                let context = CanaryContext::resolve(&args.target, None).await?;
                let run =
                    context.controller.promote(&context.function, &context.alias, SystemTime::now(), args.full).await;
                let run = context.finish(run).await?;
                finish_run(&run, format, false)
            }
            CanaryCommand::Abort(args) => {
                let context = CanaryContext::resolve(&args, None).await?;
                let run = context.controller.abort(&context.function, &context.alias, SystemTime::now()).await;
                let run = context.finish(run).await?;
                render_run(&run, format)?;
                Ok(())
            }
            CanaryCommand::Decommission(args) => {
                let context = CanaryContext::resolve(&args.target, None).await?;
                let run = context
                    .controller
                    .decommission(&context.function, &context.alias, SystemTime::now(), args.yes)
                    .await;
                // `--yes` takes the lock to journal the delete; give it back.
                let run = context.finish(run).await?;
                render_run(&run, format)?;
                match &run.decommission {
                    Some(check) if check.safe() => Ok(()),
                    _ => Err(Failure::Checked),
                }
            }
            CanaryCommand::Rehearse(args) => rehearse(args, format).await,
        }
    })
}

/// Everything a subcommand needs, resolved before it runs.
struct CanaryContext {
    function: String,
    alias: String,
    settings: CanarySettings,
    aws: AwsSettings,
    controller: SdkController,
}

impl CanaryContext {
    async fn resolve(args: &CanaryTargetArgs, overrides: Option<&CanaryOverrides>) -> Result<CanaryContext, Failure> {
        let (function, alias) = parse_target(&args.target)?;
        let mut settings = load_settings(&args.config.config, &function)?;
        if let Some(overrides) = overrides {
            apply_overrides(&mut settings, overrides)?;
        }
        let state = args.state.clone().or_else(|| settings.state.clone());
        let location = StateLocation::parse(state.as_deref().unwrap_or(StateLocation::DEFAULT_FOLDER))
            .map_err(|error| Failure::Input(anyhow!("--state: {error}")))?;
        let aws = aws_settings(&args.aws);
        let sdk_config = aws.sdk_config().await;
        let store = location.open(&sdk_config, &function, &alias);
        let mut controller = sdk_controller(&sdk_config, store, owner_name());
        if let Some(point) = crash_point()? {
            // A drill: die as `kill -9` would, leaving the lock and the journal as they are.
            controller = controller.with_crash_hook(Arc::new(move |at| {
                if at == point {
                    std::process::abort();
                }
                false
            }));
        }
        Ok(CanaryContext { function, alias, settings, aws, controller })
    }

    /// Releases the lock after a one-shot command, keeping the command's outcome.
    async fn finish(&self, run: Result<CanaryRun, CanaryError>) -> Result<CanaryRun, Failure> {
        let released = self.controller.release().await;
        let run = run.map_err(canary_failure)?;
        released.map_err(canary_failure)?;
        Ok(run)
    }

    /// Ticks every poll interval until the deployment stops running or Ctrl-C. A tick in
    /// flight completes before Ctrl-C is honoured, so the alias is never left mid-change.
    async fn loop_ticks(&self, mut run: CanaryRun) -> Result<CanaryRun, Failure> {
        let poll = self.settings.poll_interval;
        let live = std::io::stderr().is_terminal();
        while run.status == RunStatus::Running {
            if live {
                eprint!("\r\x1b[2K{}", render::status_line(&run));
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = tokio::signal::ctrl_c() => {
                    if live {
                        eprintln!();
                    }
                    eprintln!("stopped by Ctrl-C; the alias is as the journal says. Continue with `cutover canary resume {}:{}`", self.function, self.alias);
                    let _ = self.controller.release().await;
                    return Ok(run);
                }
            }
            match self.controller.tick(&self.function, &self.alias, SystemTime::now()).await {
                Ok(next) => run = next,
                Err(error) => {
                    let _ = self.controller.release().await;
                    return Err(canary_failure(error));
                }
            }
        }
        if live {
            eprintln!("\r\x1b[2K{}", render::status_line(&run));
        }
        self.controller.release().await.map_err(canary_failure)?;
        Ok(run)
    }
}

async fn plan(args: CanaryStartArgs, format: OutputFormat) -> Result<(), Failure> {
    let context = CanaryContext::resolve(&args.target, Some(&args.overrides)).await?;
    let request = context.request(&args)?;
    let preflight = context.controller.preflight(&request, SystemTime::now()).await.map_err(canary_failure)?;
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&preflight)?)?,
        OutputFormat::Table => output::stdout(&render::preflight(&preflight))?,
    }
    if preflight.passed() {
        Ok(())
    } else {
        Err(Failure::Input(anyhow!("preflight failed: {}", preflight.failures().join("; "))))
    }
}

async fn start(args: CanaryStartArgs, format: OutputFormat) -> Result<(), Failure> {
    let context = CanaryContext::resolve(&args.target, Some(&args.overrides)).await?;
    let request = context.request(&args)?;
    let run = context.controller.start(&request, SystemTime::now(), args.force).await;
    let run = match run {
        Ok(run) => run,
        Err(error) => {
            let _ = context.controller.release().await;
            return Err(canary_failure(error));
        }
    };
    let run = context.loop_ticks(run).await?;
    finish_run(&run, format, true)
}

impl CanaryContext {
    fn request(&self, args: &CanaryStartArgs) -> Result<DeploymentRequest, Failure> {
        Ok(DeploymentRequest {
            function: self.function.clone(),
            alias: self.alias.clone(),
            candidate_version: args.candidate.clone(),
            baseline_version: args.baseline.clone(),
            settings: self.settings.clone(),
            pre_traffic: self.pre_traffic(&args.parity)?,
        })
    }

    /// The parity gate the flags ask for, read and checked before anything starts.
    fn pre_traffic(&self, args: &CanaryParityArgs) -> Result<PreTraffic, Failure> {
        if let Some(path) = &args.parity_report {
            let text = std::fs::read_to_string(path).map_err(|error| {
                Failure::Input(anyhow!(error).context(format!("--parity-report: could not read {}", path.display())))
            })?;
            let verdict = ParityVerdict::from_report(&text, path)
                .map_err(|error| Failure::Input(anyhow!("--parity-report: {error}")))?;
            return Ok(PreTraffic::Report(verdict));
        }
        if args.parity_corpus.is_empty() {
            return Ok(PreTraffic::None);
        }
        // Open the corpus now: a missing file is bad input, found before the deployment starts.
        parity::Corpus::open(&args.parity_corpus)
            .map_err(|error| Failure::Input(anyhow!("--parity-corpus: {error}")))?;
        let rules = match &args.parity_rules {
            Some(path) => parity::ParityRules::load(path),
            None if Path::new(DEFAULT_PARITY_RULES).exists() => {
                parity::ParityRules::load(Path::new(DEFAULT_PARITY_RULES))
            }
            None => Ok(parity::ParityRules::default()),
        }
        .map_err(|error| Failure::Input(anyhow!("--parity-rules: {error}")))?;
        Ok(PreTraffic::Replay(Arc::new(LambdaParity {
            corpus: args.parity_corpus.clone(),
            rules,
            aws: self.aws.clone(),
            timeout: Duration::from_secs(60),
        })))
    }
}

async fn rehearse(args: CanaryRehearseArgs, format: OutputFormat) -> Result<(), Failure> {
    let (function, alias) = parse_target(&args.target)?;
    let mut settings = load_settings(&args.config.config, &function)?;
    apply_overrides(&mut settings, &args.overrides)?;
    // Local metrics are final as soon as an invocation ends: a short ingestion allowance.
    settings.ingestion_allowance = Duration::from_secs(10);
    let faults = parse_faults(&args.faults)?;
    if !(args.speed >= 1.0 && args.rate > 0.0) {
        return Err(Failure::Input(anyhow!("--speed must be at least 1 and --rate above 0")));
    }
    let events = corpus_events(&args.corpus, &function)?;
    let config = emulator::Config::load(&args.config.config).map_err(|error| Failure::Input(anyhow!(error)))?;
    let clock = Arc::new(emulator::ScaledClock::new(SystemTime::now(), args.speed));
    let options = emulator::EmulatorOptions { serve_http: true, start_backend: true, clock, ..Default::default() };
    let emulator = emulator::Emulator::start(config, options)
        .await
        .map_err(|error| Failure::Input(anyhow!(error).context("could not start the local stack")))?;
    let temporary = tempfile::tempdir().map_err(|error| Failure::Unexpected(anyhow!(error)))?;
    let state_folder = args.state.clone().unwrap_or_else(|| temporary.path().to_path_buf());
    let limit = settings.step_deadline_total();
    let rehearsal = canary::rehearsal::Rehearsal {
        function,
        alias,
        candidate_version: args.candidate.clone(),
        settings,
        events,
        rate: args.rate,
        warm_up: Duration::from_secs(150),
        faults,
        state_folder,
        limit,
    };
    if std::io::stderr().is_terminal() {
        eprintln!("rehearsing on a {}x clock; a virtual minute is {:.1} s", args.speed, 60.0 / args.speed);
    }
    let report = canary::rehearsal::rehearse(&emulator, rehearsal).await;
    emulator.shutdown().await;
    let report = report.map_err(|error| Failure::Unexpected(anyhow!(error)))?;
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&report)?)?,
        OutputFormat::Table => output::stdout(&render::rehearsal(&report))?,
    }
    match report.run.status {
        RunStatus::Done => Ok(()),
        _ => Err(Failure::Checked),
    }
}

fn parse_faults(faults: &[String]) -> Result<emulator::Faults, Failure> {
    let mut parsed = emulator::Faults::default();
    for fault in faults {
        let bad = |detail: &str| {
            Failure::Input(anyhow!("--fault {fault}: {detail}; write error-share=0.2, latency=300ms or crash-after=50"))
        };
        let Some((name, value)) = fault.split_once('=') else { return Err(bad("no value")) };
        match name {
            "error-share" => match value.parse::<f64>() {
                Ok(share) if (0.0..=1.0).contains(&share) => parsed.error_share = share,
                _ => return Err(bad("the share is a number from 0 to 1")),
            },
            "latency" => parsed.added_latency = parse_duration(value).map_err(|error| bad(&error.to_string()))?,
            "crash-after" => parsed.crash_after = Some(value.parse().map_err(|_| bad("a count of invocations"))?),
            _ => return Err(bad("unknown fault")),
        }
    }
    Ok(parsed)
}

/// The recorded events of `function`, as invoke payloads.
fn corpus_events(paths: &[std::path::PathBuf], function: &str) -> Result<Vec<bytes::Bytes>, Failure> {
    let corpus = parity::Corpus::open(paths).map_err(|error| Failure::Input(anyhow!(error)))?;
    let mut events = Vec::new();
    for record in corpus.records(parity::CorpusFilter::default()) {
        let record = record.map_err(|error| Failure::Input(anyhow!(error)))?;
        if record.function == function {
            let payload = serde_json::to_vec(&record.event).map_err(|error| Failure::Unexpected(anyhow!(error)))?;
            events.push(bytes::Bytes::from(payload));
        }
    }
    if events.is_empty() {
        return Err(Failure::Input(anyhow!("the corpus holds no events of {function}")));
    }
    Ok(events)
}

/// What a finished command exits with: 0 done (and for one-shot commands, running or
/// paused), 1 rolled back or halted, and for loops also held.
fn finish_run(run: &CanaryRun, format: OutputFormat, loop_ended: bool) -> Result<(), Failure> {
    render_run(run, format)?;
    match run.status {
        RunStatus::Done => Ok(()),
        RunStatus::Running if !loop_ended => Ok(()),
        RunStatus::Paused if !loop_ended => Ok(()),
        RunStatus::Running | RunStatus::Paused | RunStatus::Halted | RunStatus::RolledBack => Err(Failure::Checked),
    }
}

fn render_run(run: &CanaryRun, format: OutputFormat) -> Result<(), Failure> {
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(run)?),
        OutputFormat::Table => output::stdout(&render::run(run)),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map_err(|error| Failure::Unexpected(anyhow!(error).context("could not render JSON")))
}

fn canary_failure(error: CanaryError) -> Failure {
    if error.is_input_error() { Failure::Input(anyhow!(error)) } else { Failure::Unexpected(anyhow!(error)) }
}

fn parse_target(target: &str) -> Result<(String, String), Failure> {
    let reference = FunctionRef::parse(target).map_err(|error| Failure::Input(anyhow!(error)))?;
    match reference.qualifier.as_deref() {
        Some(alias) if alias != "$LATEST" && !alias.chars().all(|c| c.is_ascii_digit()) => {
            Ok((reference.name.clone(), alias.to_string()))
        }
        _ => Err(Failure::Input(anyhow!("`{target}` names no alias: write `function:alias`, e.g. get-cluster:live"))),
    }
}

fn load_settings(path: &Path, function: &str) -> Result<CanarySettings, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        // Against AWS there may be no cutover.toml at all: the defaults and flags apply.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && path == Path::new("cutover.toml") => {
            return Ok(CanarySettings::default());
        }
        Err(error) => return Err(Failure::Input(anyhow!(error).context(format!("could not read {}", path.display())))),
    };
    CanarySettings::from_toml(&text, path, function).map_err(|error| Failure::Input(anyhow!(error)))
}

fn apply_overrides(settings: &mut CanarySettings, overrides: &CanaryOverrides) -> Result<(), Failure> {
    let duration = |flag: &str, text: &Option<String>, slot: &mut Duration| -> Result<(), Failure> {
        if let Some(text) = text {
            *slot = parse_duration(text).map_err(|error| Failure::Input(anyhow!("--{flag}: {error}")))?;
        }
        Ok(())
    };
    if let Some(steps) = &overrides.steps {
        canary::validate_steps(steps).map_err(|error| Failure::Input(anyhow!("--steps: {error}")))?;
        settings.steps = steps.clone();
    }
    duration("step-duration", &overrides.step_duration, &mut settings.min_step_duration)?;
    duration("bake", &overrides.bake, &mut settings.bake)?;
    duration("poll-interval", &overrides.poll_interval, &mut settings.poll_interval)?;
    if let Some(policy) = overrides.inconclusive {
        settings.inconclusive_policy = match policy {
            InconclusiveArg::Rollback => InconclusivePolicy::Rollback,
            InconclusiveArg::Hold => InconclusivePolicy::Hold,
        };
    }
    if overrides.poll_interval.is_some() {
        settings.validate().map_err(|error| {
            Failure::Input(anyhow!("--poll-interval: {error} (`lease` comes from [canary] in cutover.toml)"))
        })?;
    }
    Ok(())
}

fn aws_settings(args: &AwsArgs) -> AwsSettings {
    AwsSettings { profile: args.profile.clone(), region: args.region.clone(), endpoint_url: args.endpoint_url.clone() }
}

fn crash_point() -> Result<Option<CrashPoint>, Failure> {
    match std::env::var(CRASH_AT) {
        Ok(text) => CrashPoint::parse(&text)
            .map(Some)
            .ok_or_else(|| Failure::Input(anyhow!("{CRASH_AT}={text}: write after-intent or after-update"))),
        Err(_) => Ok(None),
    }
}
