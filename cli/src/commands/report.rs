//! `cutover report`: the cost report, and `cutover report prices refresh`.
//!
//! Arguments are resolved into [`RunSettings`] (every file read and checked, every flag
//! validated) before anything reaches AWS; then usage is read from one source, priced by
//! the `reports` crate, optionally reconciled with Cost Explorer, and rendered.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use aws_settings::AwsSettings;
use reports::{
    ApiKind, Architecture, AwsUsageSource, AwsWindow, CostExplorerActuals, FunctionPlan, InsightsSettings, PackageType,
    PriceTable, ReportSettings, UsageModel, VersionPlan, Window,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::args::{
    ApiArg, ArchitectureArg, PricesCommand, PricesRefreshArgs, ReportArgs, ReportCommand, ReportFormatArg,
    ReportRunArgs, UsageSourceArg,
};
use crate::exit::Failure;
use crate::output::{stdout, write_atomically};

pub fn run(args: ReportArgs, format: ReportFormatArg) -> Result<(), Failure> {
    match args.command {
        Some(ReportCommand::Prices(prices)) => match prices.command {
            PricesCommand::Refresh(refresh) => refresh_prices(refresh),
        },
        None => {
            let settings = RunSettings::resolve(args.run, format)?;
            let report = settings.report()?;
            let text = match settings.format {
                ReportFormatArg::Table => reports::render::render_table(&report),
                ReportFormatArg::Json => reports::render::render_json(&report),
                ReportFormatArg::Markdown => reports::render::render_markdown(&report),
                ReportFormatArg::Csv => reports::render::render_csv(&report),
                ReportFormatArg::Html => reports::render::render_html(&report),
            };
            match &settings.output {
                Some(path) => write_atomically(path, text.as_bytes()).map_err(Failure::Unexpected),
                None => stdout(&text),
            }
        }
    }
}

/// Where the usage comes from, resolved.
enum Source {
    File(UsageModel),
    Local { plans: Vec<FunctionPlan>, logs: Option<PathBuf>, bench: Option<PathBuf> },
    Aws { plans: Vec<FunctionPlan>, read: AwsWindow, metrics: bool, lambda_configuration: bool },
}

struct RunSettings {
    source: Source,
    region: String,
    aws: AwsSettings,
    prices: PriceTable,
    report: ReportSettings,
    reconcile: bool,
    format: ReportFormatArg,
    output: Option<PathBuf>,
    save_usage: Option<PathBuf>,
}

impl RunSettings {
    fn resolve(args: ReportRunArgs, format: ReportFormatArg) -> Result<RunSettings, Failure> {
        let input = |error: anyhow::Error| Failure::Input(error);
        let prices = match &args.prices {
            Some(path) => PriceTable::load(path).map_err(|error| input(error.into()))?,
            None => PriceTable::embedded(),
        };
        let (monthly_requests, monthly_requests_by_function) =
            parse_monthly_requests(&args.monthly_requests).map_err(input)?;
        if !(args.growth > -100.0 && args.growth.is_finite()) {
            return Err(input(anyhow!("--growth {} is not a monthly growth in percent above -100", args.growth)));
        }
        let aws = AwsSettings {
            profile: args.aws.profile.clone(),
            region: args.aws.region.clone(),
            endpoint_url: args.aws.endpoint_url.clone(),
        };
        let now = OffsetDateTime::now_utc();
        let (source, region) = match (&args.usage, args.source) {
            (Some(path), _) => {
                let usage = reports::read_usage_file(path).map_err(|error| input(error.into()))?;
                let region = args.aws.region.clone().unwrap_or_else(|| usage.region.clone());
                (Source::File(usage), region)
            }
            (None, Some(UsageSourceArg::Local)) => {
                if args.logs.is_none() && args.bench.is_none() {
                    return Err(input(anyhow!(
                        "--source local reads --logs FILE (an emulator log) or --bench FILE (`cutover bench rewrite --format json`)"
                    )));
                }
                if monthly_requests.is_none() && monthly_requests_by_function.is_empty() {
                    return Err(input(anyhow!(
                        "--source local has no traffic rate to scale to a month: give --monthly-requests N"
                    )));
                }
                let config = emulator::Config::load(&args.config)
                    .with_context(|| format!("could not read {}", args.config.display()))
                    .map_err(input)?;
                let wanted =
                    |name: &str| args.functions.is_empty() || args.functions.iter().any(|function| function == name);
                for function in &args.functions {
                    if !config.functions.iter().any(|candidate| &candidate.name == function) {
                        return Err(input(anyhow!("function `{function}` is not in {}", args.config.display())));
                    }
                }
                let mut plans = Vec::new();
                for function in config.functions.iter().filter(|function| wanted(&function.name)) {
                    let version = |number: &str, architecture: ArchitectureArg| -> Result<VersionPlan, Failure> {
                        let declared =
                            function.versions.iter().find(|version| version.version == number).ok_or_else(|| {
                                input(anyhow!(
                                    "function `{}` has no version {number} in {}",
                                    function.name,
                                    args.config.display()
                                ))
                            })?;
                        let runtime = match &declared.runtime {
                            emulator::RuntimeConfig::Python { .. } => args.before_runtime.clone(),
                            emulator::RuntimeConfig::Bootstrap { .. } => "provided.al2023".to_string(),
                        };
                        Ok(VersionPlan {
                            version: number.to_string(),
                            runtime,
                            architecture: architecture_of(architecture),
                            package_type: PackageType::Zip,
                            memory_mb: Some(declared.memory_mb),
                        })
                    };
                    plans.push(FunctionPlan {
                        function: function.name.clone(),
                        api: args.api.map(api_of),
                        before: version(&args.before, args.before_arch)?,
                        after: version(&args.after, args.after_arch)?,
                    });
                }
                let region = args.aws.region.clone().unwrap_or_else(|| config.local.region.clone());
                (Source::Local { plans, logs: args.logs.clone(), bench: args.bench.clone() }, region)
            }
            (None, Some(UsageSourceArg::Aws)) => {
                if args.functions.is_empty() {
                    return Err(input(anyhow!("--source aws needs --function NAME (repeat for several)")));
                }
                for function in &args.functions {
                    aws_settings::FunctionRef::parse(function).map_err(|error| input(error.into()))?;
                }
                let until = match &args.until {
                    Some(text) => parse_time(text, "--until").map_err(input)?,
                    None => now.replace_time(time::Time::MIDNIGHT),
                };
                let since = match &args.since {
                    Some(text) => parse_time(text, "--since").map_err(input)?,
                    None => until - time::Duration::days(i64::from(args.days)),
                };
                if until <= since {
                    return Err(input(anyhow!(
                        "the window {} .. {} is empty: --until must be after --since",
                        rfc3339(since),
                        rfc3339(until)
                    )));
                }
                let plan_version = |number: &str, runtime: &str, architecture: ArchitectureArg| VersionPlan {
                    version: number.to_string(),
                    runtime: runtime.to_string(),
                    architecture: architecture_of(architecture),
                    package_type: PackageType::Zip,
                    memory_mb: None,
                };
                let plans = args
                    .functions
                    .iter()
                    .map(|function| FunctionPlan {
                        function: function.clone(),
                        api: args.api.map(api_of),
                        before: plan_version(&args.before, &args.before_runtime, args.before_arch),
                        after: plan_version(&args.after, &args.after_runtime, args.after_arch),
                    })
                    .collect();
                let region = args
                    .aws
                    .region
                    .clone()
                    .ok_or_else(|| input(anyhow!("--source aws needs --region (prices are regional)")))?;
                (
                    Source::Aws {
                        plans,
                        read: AwsWindow {
                            window: Window { start: since, end: until },
                            alias: Some(args.alias.clone()),
                            all_log_lines: args.all_log_lines,
                            insights: args.logs_insights.then(|| InsightsSettings {
                                deadline: std::time::Duration::from_secs(args.insights_timeout),
                                ..InsightsSettings::default()
                            }),
                        },
                        metrics: !args.no_metrics,
                        lambda_configuration: !args.no_lambda_config,
                    },
                    region,
                )
            }
            (None, None) => {
                return Err(input(anyhow!("say where usage comes from: --usage FILE, --source local or --source aws")));
            }
        };
        // An unknown region fails here, before any AWS call.
        prices.region(&region).map_err(|error| input(error.into()))?;
        Ok(RunSettings {
            source,
            region,
            aws,
            prices,
            report: ReportSettings {
                free_tier: !args.no_free_tier,
                monthly_requests,
                monthly_requests_by_function,
                growth_per_month: args.growth / 100.0,
                seed: args.seed,
                latency_slo_ms: args.latency_slo_ms,
                generated_at: Some(now),
                ..ReportSettings::default()
            },
            reconcile: args.reconcile,
            format,
            output: args.output,
            save_usage: args.save_usage,
        })
    }

    fn report(&self) -> Result<reports::CostReport, Failure> {
        let runtime = super::async_runtime()?;
        runtime.block_on(async {
            let nominal_window = || {
                let end = OffsetDateTime::now_utc();
                Window { start: end - time::Duration::hours(730), end }
            };
            let mut usage = match &self.source {
                Source::File(usage) => usage.clone(),
                Source::Local { plans, logs: Some(logs), .. } => {
                    let file = std::fs::File::open(logs)
                        .with_context(|| format!("could not open {}", logs.display()))
                        .map_err(Failure::Input)?;
                    let (usage, _) = reports::usage_from_emulator_log(
                        BufReader::new(file),
                        &logs.display().to_string(),
                        plans,
                        &self.region,
                        nominal_window(),
                    )
                    .map_err(|error| Failure::Input(error.into()))?;
                    usage
                }
                Source::Local { plans, bench: Some(bench), .. } => {
                    let text = std::fs::read_to_string(bench)
                        .with_context(|| format!("could not read {}", bench.display()))
                        .map_err(Failure::Input)?;
                    reports::usage_from_bench(
                        &text,
                        &bench.display().to_string(),
                        plans,
                        &self.region,
                        nominal_window(),
                    )
                    .map_err(|error| Failure::Input(error.into()))?
                }
                Source::Local { .. } => return Err(Failure::Input(anyhow!("--source local needs --logs or --bench"))),
                Source::Aws { plans, read, metrics, lambda_configuration } => {
                    let config = self.aws.sdk_config().await;
                    let source = AwsUsageSource::from_config(&config, *lambda_configuration, *metrics);
                    source.usage(plans, &self.region, read).await.map_err(|error| Failure::Unexpected(error.into()))?
                }
            };
            usage.region = self.region.clone();
            if let Some(path) = &self.save_usage {
                write_atomically(path, reports::usage_to_json(&usage).as_bytes()).map_err(Failure::Unexpected)?;
            }
            let mut report = reports::build_report(&usage, &self.prices, &self.report)
                .map_err(|error| Failure::Input(error.into()))?;
            if self.reconcile {
                let config = self.aws.sdk_config().await;
                let actuals = CostExplorerActuals::from_config(&config)
                    .actuals(&usage.window, &self.region)
                    .await
                    .map_err(|error| Failure::Unexpected(error.into()))?;
                report.reconciliation = Some(
                    reports::reconcile(&usage, &self.prices, &actuals).map_err(|error| Failure::Input(error.into()))?,
                );
            }
            Ok(report)
        })
    }
}

fn refresh_prices(args: PricesRefreshArgs) -> Result<(), Failure> {
    let mut table = match &args.prices {
        Some(path) => PriceTable::load(path).map_err(|error| Failure::Input(error.into()))?,
        None => PriceTable::embedded(),
    };
    for offer in &args.offer {
        let text = std::fs::read_to_string(offer)
            .with_context(|| format!("could not read offer file {}", offer.display()))
            .map_err(Failure::Input)?;
        reports::apply_offer(&mut table, &text, &offer.display().to_string())
            .map_err(|error| Failure::Input(error.into()))?;
    }
    let text = table.to_toml();
    // The written table must read back: check before it replaces anything.
    PriceTable::parse(&text, Path::new("refreshed")).map_err(|error| Failure::Unexpected(error.into()))?;
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes()).map_err(Failure::Unexpected),
        None => stdout(&text),
    }
}

fn parse_monthly_requests(values: &[String]) -> anyhow::Result<(Option<f64>, BTreeMap<String, f64>)> {
    let mut all = None;
    let mut by_function = BTreeMap::new();
    for value in values {
        let (function, number) = match value.split_once('=') {
            Some((function, number)) => (Some(function.trim()), number),
            None => (None, value.as_str()),
        };
        let requests: f64 = number
            .trim()
            .replace('_', "")
            .parse()
            .ok()
            .filter(|requests: &f64| requests.is_finite() && *requests > 0.0)
            .ok_or_else(|| anyhow!("--monthly-requests `{value}`: write a positive number, or FUNCTION=NUMBER"))?;
        match function {
            Some(function) => {
                by_function.insert(function.to_string(), requests);
            }
            None => all = Some(requests),
        }
    }
    Ok((all, by_function))
}

fn parse_time(text: &str, flag: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .with_context(|| format!("{flag} `{text}` is not an RFC 3339 time such as 2026-08-01T00:00:00Z"))
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn architecture_of(architecture: ArchitectureArg) -> Architecture {
    match architecture {
        ArchitectureArg::X86_64 => Architecture::X86_64,
        ArchitectureArg::Arm64 => Architecture::Arm64,
    }
}

fn api_of(api: ApiArg) -> ApiKind {
    match api {
        ApiArg::Rest => ApiKind::Rest,
        ApiArg::Http => ApiKind::Http,
    }
}
