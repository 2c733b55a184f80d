//! [`CostReport`]: the usage model priced, per function and in total, before and after.
//! Computed here, rendered elsewhere.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::bill::{
    self, LineCost, MONTH_SECONDS, MonthlyUsage, account_bill, ephemeral_storage_gb_seconds, gb_seconds,
    init_is_billed, log_gigabytes, provisioned_concurrency_gb_seconds,
};
use crate::bootstrap::{self, Interval};
use crate::histogram::Histogram;
use crate::prices::{PriceError, PriceKey, PriceTable, RegionPrices};
use crate::reconcile::Reconciliation;
use crate::usage::{ApiKind, Architecture, FunctionUsage, UsageModel, UsageSource, VersionUsage, Window};

/// How to price and project: everything the command line decides.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    /// Take the free tier's 1M requests and 400,000 GB-s a month off the bill, allocated
    /// pro rata (false with `--no-free-tier`).
    pub free_tier: bool,
    /// Requests per month for every function, instead of the observed rate.
    pub monthly_requests: Option<f64>,
    /// Requests per month for named functions; wins over `monthly_requests`.
    pub monthly_requests_by_function: BTreeMap<String, f64>,
    /// Traffic growth per month, as a fraction (0.05 = 5 % a month).
    pub growth_per_month: f64,
    /// Months in the projection (12 by default); 0 leaves it out.
    pub projection_months: u32,
    /// The bootstrap generator's seed (`--seed`): the same seed gives the same interval.
    pub seed: u64,
    /// Bootstrap resamples per interval (1,000 by default); 0 leaves the interval out.
    pub resamples: u32,
    /// The after version's p99 must stay under this for a memory size to be recommended.
    pub latency_slo_ms: Option<f64>,
    /// Peak memory used × this is the least memory recommended (1.5 by default).
    pub memory_headroom: f64,
    /// When the report was made; left out of the report when `None` (tests, snapshots).
    pub generated_at: Option<OffsetDateTime>,
}

impl Default for ReportSettings {
    fn default() -> ReportSettings {
        ReportSettings {
            free_tier: true,
            monthly_requests: None,
            monthly_requests_by_function: BTreeMap::new(),
            growth_per_month: 0.0,
            projection_months: 12,
            seed: bootstrap::DEFAULT_SEED,
            resamples: bootstrap::DEFAULT_RESAMPLES,
            latency_slo_ms: None,
            memory_headroom: 1.5,
            generated_at: None,
        }
    }
}

/// Why no report could be made from the usage and settings given.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The price table lacks the region or a price the report needs.
    #[error(transparent)]
    Price(#[from] PriceError),
    /// The usage's window ends at or before its start: the user gives one that ends after
    /// it starts.
    #[error("the window {start} .. {end} is empty: it must end after it starts")]
    EmptyWindow {
        /// The window's start, RFC 3339.
        start: String,
        /// The window's end, RFC 3339.
        end: String,
    },
    /// No function has REPORT lines for both versions in the window: the user picks a
    /// window (or versions) that served traffic.
    #[error("no invocations to report in the window {start} .. {end}: {detail}. An empty window is not a saving")]
    NoData {
        /// The window's start, RFC 3339.
        start: String,
        /// The window's end, RFC 3339.
        end: String,
        /// Per function, which version had no REPORT lines.
        detail: String,
    },
    /// `--monthly-requests FUNCTION=N` names a function the usage does not hold: a typo,
    /// or a function not read.
    #[error("--monthly-requests names function `{function}`, which is not in the usage")]
    UnknownFunction {
        /// The name as given.
        function: String,
    },
    /// The usage lists no function at all.
    #[error("the usage holds no functions")]
    NoFunctions,
}

/// The priced comparison, before and after, per function and in total: what every
/// renderer shows, and the JSON of `--format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    /// `projection`: true when nothing was measured on AWS: every figure is a projection.
    pub projection: bool,
    /// `provenance`: where the usage and the prices come from, and the settings applied.
    pub provenance: Provenance,
    /// `functions`: each function with data for both versions, in the usage's order.
    pub functions: Vec<FunctionReport>,
    /// `inconclusive`: functions left out, and why: a version without data is not a saving.
    pub inconclusive: Vec<Inconclusive>,
    /// `totals`: the month of every function in `functions` together.
    pub totals: Totals,
    /// `projection_months`: the all-in bill month by month under the growth setting; empty
    /// when no months are projected.
    pub projection_months: Vec<ProjectionMonth>,
    /// `reconciliation`: the model beside Cost Explorer's actuals for the window; None
    /// (absent) unless asked for with `--reconcile`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<Reconciliation>,
}

/// Where a report's figures come from, and the settings that shaped them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// `source`: the usage's source, as the usage says it.
    pub source: UsageSource,
    /// `region`: the AWS region priced.
    pub region: String,
    /// `window`: the time the usage covers.
    pub window: Window,
    /// `window_hours`: the window's length in hours.
    pub window_hours: f64,
    /// `prices_as_of`: the price table's date (`YYYY-MM-DD`).
    pub prices_as_of: String,
    /// `price_table`: `embedded`, or the path of the `--prices` file or offer file.
    pub price_table: String,
    /// `price_sources`: price key (`lambda_requests`, ...) → its citation, for every price
    /// the report used.
    pub price_sources: BTreeMap<String, String>,
    /// `free_tier`: true when the free tier was allocated to the functions.
    pub free_tier: bool,
    /// `month_hours`: the hours of a month in monthly figures (AWS's 730).
    pub month_hours: f64,
    /// `growth_per_month`: traffic growth per projected month, as a fraction (0.05 = 5 %).
    pub growth_per_month: f64,
    /// `generated_at`: when the report was made (RFC 3339); None (absent) in tests and
    /// snapshots.
    #[serde(skip_serializing_if = "Option::is_none", with = "optional_rfc3339")]
    pub generated_at: Option<OffsetDateTime>,
}

mod optional_rfc3339 {
    use serde::Serializer;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub(super) fn serialize<S: Serializer>(at: &Option<OffsetDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
        match at.and_then(|at| at.format(&Rfc3339).ok()) {
            Some(text) => serializer.serialize_some(&text),
            None => serializer.serialize_none(),
        }
    }
}

/// A function left out of the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inconclusive {
    /// `function`: the function's name.
    pub function: String,
    /// `reason`: which version had no REPORT lines in the window, and its invocations.
    pub reason: String,
}

/// One function, before and after, priced at the same monthly volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionReport {
    /// `function`: the function's name.
    pub function: String,
    /// `api`: the API Gateway API in front of it (`rest`, `http`); null when none.
    pub api: Option<ApiKind>,
    /// `monthly_requests`: the requests per month both versions are priced at.
    pub monthly_requests: f64,
    /// `monthly_requests_basis`: `observed` (the window's rate scaled to 730 hours) or
    /// `given` (--monthly-requests).
    pub monthly_requests_basis: &'static str,
    /// `before`: the version being replaced.
    pub before: VersionReport,
    /// `after`: the version replacing it.
    pub after: VersionReport,
    /// `saving`: the monthly saving, in the compute and the all-in view.
    pub saving: Savings,
    /// `delta_per_million`: before minus after, per 1M requests.
    pub delta_per_million: DeltaPerMillion,
    /// `memory`: the after version's peak memory and the size recommended for it.
    pub memory: MemoryAdvice,
    /// `sweep`: the after version's compute cost at each measured memory size, ascending
    /// by size; absent when the usage has no sweep.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sweep: Vec<SweepCost>,
}

/// One version's figures: its sample, and its bill per 1M requests and per month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionReport {
    /// `version`: the Lambda version.
    pub version: String,
    /// `runtime`: Lambda's runtime identifier.
    pub runtime: String,
    /// `architecture`: `x86_64` or `arm64`.
    pub architecture: Architecture,
    /// `memory_mb`: the configured memory, in MB.
    pub memory_mb: u32,
    /// `code_sha256`: Lambda's CodeSha256 of the package; null when unknown.
    pub code_sha256: Option<String>,
    /// `invocations_in_window`: the version's invocations in the window (the volume).
    pub invocations_in_window: u64,
    /// `sample_size`: invocations whose billed duration is known (REPORT lines read).
    pub sample_size: u64,
    /// `cold_starts`: cold starts in the sample.
    pub cold_starts: u64,
    /// `cold_start_share`: cold starts ÷ sample size, as a fraction.
    pub cold_start_share: f64,
    /// `init_billed`: true when this version's INIT is billed in the window (runtime,
    /// package type and date decide).
    pub init_billed: bool,
    /// `billed_ms`: the handler's billed milliseconds over the sample, INIT excluded.
    pub billed_ms: DurationSummary,
    /// `init_ms_p50`: the median INIT of the cold starts, in ms; null without cold starts.
    pub init_ms_p50: Option<u64>,
    /// `cold_start_ms_p50`: the median cold-start latency (INIT + first invocation), in
    /// ms; null without cold starts.
    pub cold_start_ms_p50: Option<u64>,
    /// `max_memory_used_mb`: the peak Max Memory Used, in MB; null when unknown.
    pub max_memory_used_mb: Option<u32>,
    /// `per_million`: the bill of 1M requests by line, priced alone, without the free tier.
    pub per_million: Vec<LineCost>,
    /// `per_million_compute_usd`: the compute lines of `per_million`, in USD.
    pub per_million_compute_usd: f64,
    /// `per_million_all_in_usd`: every line of `per_million`, in USD.
    pub per_million_all_in_usd: f64,
    /// `monthly`: the month's bill by line at `monthly_requests`, with tiers and (when on)
    /// the free tier applied.
    pub monthly: Vec<LineCost>,
    /// `monthly_compute_usd`: the compute lines of `monthly`, in USD.
    pub monthly_compute_usd: f64,
    /// `monthly_all_in_usd`: every line of `monthly`, free tier credit included, in USD.
    pub monthly_all_in_usd: f64,
    /// `cold_start_monthly_usd`: what the cold starts' INIT costs a month, in USD.
    pub cold_start_monthly_usd: f64,
    /// `latency_cdf`: `[billed ms, share of invocations at or under it]` pairs, INIT
    /// excluded: the latency distribution, at most ~40 points.
    pub latency_cdf: Vec<(u64, f64)>,
}

/// A distribution of billed milliseconds; percentiles are nearest-rank, as CloudWatch's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DurationSummary {
    /// `mean`: the exact mean, in ms.
    pub mean: f64,
    /// `p50`: the median, in ms.
    pub p50: u64,
    /// `p90`: the 90th percentile, in ms.
    pub p90: u64,
    /// `p99`: the 99th percentile, in ms.
    pub p99: u64,
    /// `max`: the largest, in ms.
    pub max: u64,
}

/// A monthly saving in both views.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Savings {
    /// `compute`: duration, INIT, ephemeral storage and provisioned concurrency only:
    /// what the rewrite changes.
    pub compute: Saving,
    /// `all_in`: every line, requests, API Gateway, logs and the free tier included.
    pub all_in: Saving,
}

/// A monthly cost before and after, and the difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Saving {
    /// `before_usd`: the month before the migration, in USD.
    pub before_usd: f64,
    /// `after_usd`: the month after it, in USD.
    pub after_usd: f64,
    /// `saving_usd`: before minus after, in USD; negative when the after version costs more.
    pub saving_usd: f64,
    /// `saving_percent`: the saving as a percentage of the before figure; `None` (null)
    /// when that is $0.
    pub saving_percent: Option<f64>,
}

impl Saving {
    fn new(before_usd: f64, after_usd: f64) -> Saving {
        let saving_usd = before_usd - after_usd;
        Saving {
            before_usd,
            after_usd,
            saving_usd,
            saving_percent: (before_usd.abs() > f64::EPSILON).then(|| saving_usd / before_usd * 100.0),
        }
    }
}

/// What 1M requests save, before minus after.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DeltaPerMillion {
    /// `compute_usd`: the compute lines' saving per 1M requests, in USD.
    pub compute_usd: f64,
    /// `all_in_usd`: every line's saving per 1M requests, in USD.
    pub all_in_usd: f64,
    /// `compute_interval`: 95 % bootstrap interval of `compute_usd` from the sampled
    /// durations; the all-in interval is the same shifted, as requests and API Gateway do
    /// not vary per call. None when no resamples were asked for.
    pub compute_interval: Option<Interval>,
}

/// The memory the after version needs, from its peak use and any sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryAdvice {
    /// `before_memory_mb`: the before version's configured memory, in MB.
    pub before_memory_mb: u32,
    /// `before_max_used_mb`: its peak Max Memory Used, in MB; null when unknown.
    pub before_max_used_mb: Option<u32>,
    /// `after_memory_mb`: the after version's configured memory, in MB.
    pub after_memory_mb: u32,
    /// `after_max_used_mb`: its peak Max Memory Used, in MB; null when unknown.
    pub after_max_used_mb: Option<u32>,
    /// `recommended_mb`: the size recommended for the after version, in MB; null when
    /// neither its peak nor a sweep point allows one.
    pub recommended_mb: Option<u32>,
    /// `basis`: how the recommendation was reached, in a sentence for people.
    pub basis: String,
}

/// One memory size of a sweep, priced.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SweepCost {
    /// `memory_mb`: the memory size, in MB.
    pub memory_mb: u32,
    /// `p99_ms`: the measured 99th percentile duration, in ms.
    pub p99_ms: f64,
    /// `compute_per_million_usd`: the duration cost of 1M requests at that size, at the
    /// list rate, in USD.
    pub compute_per_million_usd: f64,
}

/// Every reported function's month together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// `monthly_requests`: the requests per month of all reported functions.
    pub monthly_requests: f64,
    /// `before`: the month's bill before, by line, summed over the functions.
    pub before: Vec<LineCost>,
    /// `after`: the month's bill after, by line, summed over the functions.
    pub after: Vec<LineCost>,
    /// `saving`: the monthly saving in both views.
    pub saving: Savings,
}

/// One month of the projection, all-in, every function together; tiers and the free
/// tier are recomputed each month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProjectionMonth {
    /// `month`: the month's number, from 1.
    pub month: u32,
    /// `requests`: the month's requests after growth.
    pub requests: f64,
    /// `before_usd`: the month's bill before, in USD.
    pub before_usd: f64,
    /// `after_usd`: the month's bill after, in USD.
    pub after_usd: f64,
    /// `saving_usd`: before minus after, in USD.
    pub saving_usd: f64,
    /// `cumulative_saving_usd`: the saving of this month and every one before it, in USD.
    pub cumulative_saving_usd: f64,
}

/// What one version's sample says per invocation.
struct Profile<'usage> {
    version: &'usage VersionUsage,
    init_billed: bool,
    handler: Histogram,
    billed: Histogram,
    mean_handler_ms: f64,
    mean_billed_ms: f64,
    log_bytes_per_invocation: f64,
}

impl<'usage> Profile<'usage> {
    fn new(version: &'usage VersionUsage, window: &Window) -> Option<Profile<'usage>> {
        if version.sample.count() == 0 {
            return None;
        }
        let init_billed = init_is_billed(version.is_managed_runtime(), version.package_type, window.start.date());
        let handler = version.sample.billed(false);
        let billed = version.sample.billed(init_billed);
        let invocations = version.invocations().max(1) as f64;
        Some(Profile {
            version,
            init_billed,
            mean_handler_ms: handler.mean().unwrap_or_default(),
            mean_billed_ms: billed.mean().unwrap_or_default(),
            handler,
            billed,
            log_bytes_per_invocation: version.log_bytes as f64 / invocations,
        })
    }

    /// A month of `requests` of this version, in billable quantities.
    fn monthly(&self, requests: f64, api: Option<ApiKind>) -> MonthlyUsage {
        let memory_mb = self.version.memory_mb;
        let provisioned = self.version.provisioned_concurrency;
        let share = provisioned.map(|provisioned| provisioned.invocation_share.clamp(0.0, 1.0)).unwrap_or_default();
        let handler_gb_seconds = gb_seconds(self.mean_handler_ms * requests, memory_mb);
        let init_gb_seconds = gb_seconds((self.mean_billed_ms - self.mean_handler_ms) * requests, memory_mb);
        MonthlyUsage {
            architecture: self.version.architecture,
            requests,
            duration_gb_seconds: handler_gb_seconds * (1.0 - share),
            init_gb_seconds: init_gb_seconds * (1.0 - share),
            provisioned_duration_gb_seconds: handler_gb_seconds * share,
            provisioned_gb_seconds: provisioned
                .map(|provisioned| provisioned_concurrency_gb_seconds(provisioned.instances, memory_mb, MONTH_SECONDS))
                .unwrap_or_default(),
            ephemeral_storage_gb_seconds: ephemeral_storage_gb_seconds(
                self.version.ephemeral_storage_mb,
                self.mean_billed_ms * requests,
            ),
            log_gigabytes: log_gigabytes(self.log_bytes_per_invocation * requests),
            api,
        }
    }
}

fn scaled(usage: &MonthlyUsage, factor: f64) -> MonthlyUsage {
    MonthlyUsage {
        architecture: usage.architecture,
        requests: usage.requests * factor,
        duration_gb_seconds: usage.duration_gb_seconds * factor,
        init_gb_seconds: usage.init_gb_seconds * factor,
        provisioned_duration_gb_seconds: usage.provisioned_duration_gb_seconds * factor,
        provisioned_gb_seconds: usage.provisioned_gb_seconds * factor,
        ephemeral_storage_gb_seconds: usage.ephemeral_storage_gb_seconds * factor,
        log_gigabytes: usage.log_gigabytes * factor,
        api: usage.api,
    }
}

/// Prices `usage` with `prices` as `settings` say.
pub fn build_report(
    usage: &UsageModel,
    prices: &PriceTable,
    settings: &ReportSettings,
) -> Result<CostReport, ReportError> {
    let window = usage.window;
    let (start, end) = (rfc3339(window.start), rfc3339(window.end));
    if window.seconds() <= 0.0 {
        return Err(ReportError::EmptyWindow { start, end });
    }
    if usage.functions.is_empty() {
        return Err(ReportError::NoFunctions);
    }
    for function in settings.monthly_requests_by_function.keys() {
        if !usage.functions.iter().any(|usage| &usage.function == function) {
            return Err(ReportError::UnknownFunction { function: function.clone() });
        }
    }
    let region = prices.region(&usage.region)?;

    let mut inconclusive = Vec::new();
    let mut conclusive: Vec<(&FunctionUsage, Profile<'_>, Profile<'_>, f64, &'static str)> = Vec::new();
    for function in &usage.functions {
        let before = Profile::new(&function.before, &window);
        let after = Profile::new(&function.after, &window);
        match (before, after) {
            (Some(before), Some(after)) => {
                let (requests, basis) = monthly_requests(function, &window, settings);
                conclusive.push((function, before, after, requests, basis));
            }
            (before, after) => {
                let missing: Vec<String> = [(before.is_none(), &function.before), (after.is_none(), &function.after)]
                    .into_iter()
                    .filter(|(missing, _)| *missing)
                    .map(|(_, version)| {
                        format!(
                            "version {} has {} invocations and no REPORT lines",
                            version.version,
                            version.invocations()
                        )
                    })
                    .collect();
                inconclusive.push(Inconclusive { function: function.function.clone(), reason: missing.join("; ") });
            }
        }
    }
    if conclusive.is_empty() {
        let detail = inconclusive
            .iter()
            .map(|entry| format!("{}: {}", entry.function, entry.reason))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ReportError::NoData { start, end, detail });
    }

    let before_usage: Vec<MonthlyUsage> =
        conclusive.iter().map(|(function, before, _, requests, _)| before.monthly(*requests, function.api)).collect();
    let after_usage: Vec<MonthlyUsage> =
        conclusive.iter().map(|(function, _, after, requests, _)| after.monthly(*requests, function.api)).collect();
    let before_bills = account_bill(&before_usage, &region, settings.free_tier)?;
    let after_bills = account_bill(&after_usage, &region, settings.free_tier)?;

    let mut functions = Vec::new();
    for (index, (function, before, after, requests, basis)) in conclusive.iter().enumerate() {
        let before_report = version_report(before, &before_usage[index], &before_bills[index], &region)?;
        let after_report = version_report(after, &after_usage[index], &after_bills[index], &region)?;
        let usd_per_ms = |profile: &Profile<'_>| -> Result<f64, PriceError> {
            let rate = region.get(PriceKey::duration(profile.version.architecture))?.list_rate();
            Ok(gb_seconds(1.0, profile.version.memory_mb) * rate * 1e6)
        };
        let compute_usd = before_report.per_million_compute_usd - after_report.per_million_compute_usd;
        let delta_per_million = DeltaPerMillion {
            compute_usd,
            all_in_usd: before_report.per_million_all_in_usd - after_report.per_million_all_in_usd,
            compute_interval: bootstrap::delta_interval(
                &before.billed,
                usd_per_ms(before)?,
                &after.billed,
                usd_per_ms(after)?,
                settings.resamples,
                settings.seed,
            ),
        };
        let saving = Savings {
            compute: Saving::new(before_report.monthly_compute_usd, after_report.monthly_compute_usd),
            all_in: Saving::new(before_report.monthly_all_in_usd, after_report.monthly_all_in_usd),
        };
        let sweep = sweep_costs(function, &region)?;
        let memory = memory_advice(function, &after_report, &sweep, settings);
        functions.push(FunctionReport {
            function: function.function.clone(),
            api: function.api,
            monthly_requests: *requests,
            monthly_requests_basis: basis,
            before: before_report,
            after: after_report,
            saving,
            delta_per_million,
            memory,
            sweep,
        });
    }

    let totals = Totals {
        monthly_requests: conclusive.iter().map(|(_, _, _, requests, _)| requests).sum(),
        before: sum_lines(before_bills.iter().flatten()),
        after: sum_lines(after_bills.iter().flatten()),
        saving: Savings {
            compute: Saving::new(
                before_bills.iter().map(|lines| bill::total(lines, true)).sum(),
                after_bills.iter().map(|lines| bill::total(lines, true)).sum(),
            ),
            all_in: Saving::new(
                before_bills.iter().map(|lines| bill::total(lines, false)).sum(),
                after_bills.iter().map(|lines| bill::total(lines, false)).sum(),
            ),
        },
    };

    let mut projection_months = Vec::new();
    let mut cumulative = 0.0;
    for month in 1..=settings.projection_months {
        let factor = (1.0 + settings.growth_per_month).powi(month as i32 - 1);
        let grown = |usages: &[MonthlyUsage]| usages.iter().map(|usage| scaled(usage, factor)).collect::<Vec<_>>();
        let before: f64 = account_bill(&grown(&before_usage), &region, settings.free_tier)?
            .iter()
            .map(|lines| bill::total(lines, false))
            .sum();
        let after: f64 = account_bill(&grown(&after_usage), &region, settings.free_tier)?
            .iter()
            .map(|lines| bill::total(lines, false))
            .sum();
        cumulative += before - after;
        projection_months.push(ProjectionMonth {
            month,
            requests: totals.monthly_requests * factor,
            before_usd: before,
            after_usd: after,
            saving_usd: before - after,
            cumulative_saving_usd: cumulative,
        });
    }

    let mut used_keys: Vec<PriceKey> = PriceKey::ALL.into_iter().filter(|key| region.get(*key).is_ok()).collect();
    used_keys.retain(|key| price_used(*key, &before_usage, &after_usage));
    let price_sources = used_keys
        .iter()
        .filter_map(|key| {
            region.get(*key).ok().map(|price| (key.name().to_string(), describe_source(prices, &price.source)))
        })
        .collect();

    Ok(CostReport {
        projection: usage.source.projection,
        provenance: Provenance {
            source: usage.source.clone(),
            region: usage.region.clone(),
            window,
            window_hours: window.seconds() / 3600.0,
            prices_as_of: prices.prices_as_of.clone(),
            price_table: prices.origin.clone(),
            price_sources,
            free_tier: settings.free_tier,
            month_hours: MONTH_SECONDS / 3600.0,
            growth_per_month: settings.growth_per_month,
            generated_at: settings.generated_at,
        },
        functions,
        inconclusive,
        totals,
        projection_months,
        reconciliation: None,
    })
}

/// What ran in the window, each version at its own invocations, in billable quantities.
pub(crate) fn window_usage(usage: &UsageModel) -> Vec<MonthlyUsage> {
    let mut usages = Vec::new();
    for function in &usage.functions {
        for version in [&function.before, &function.after] {
            if let Some(profile) = Profile::new(version, &usage.window) {
                usages.push(profile.monthly(version.invocations() as f64, function.api));
            }
        }
    }
    usages
}

fn monthly_requests(function: &FunctionUsage, window: &Window, settings: &ReportSettings) -> (f64, &'static str) {
    if let Some(requests) = settings.monthly_requests_by_function.get(&function.function) {
        return (*requests, "given");
    }
    if let Some(requests) = settings.monthly_requests {
        return (requests, "given");
    }
    let observed = (function.before.invocations() + function.after.invocations()) as f64;
    (observed / window.seconds() * MONTH_SECONDS, "observed")
}

fn version_report(
    profile: &Profile<'_>,
    monthly: &MonthlyUsage,
    monthly_lines: &[LineCost],
    region: &RegionPrices<'_>,
) -> Result<VersionReport, PriceError> {
    let version = profile.version;
    let per_million_usage = scaled(monthly, 1e6 / monthly.requests.max(f64::MIN_POSITIVE));
    let per_million = account_bill(std::slice::from_ref(&per_million_usage), region, false)?.remove(0);
    let sample = &version.sample;
    let cold_billed_with_init = sample.cold_billed_ms.billed(true);
    let line_usd = |lines: &[LineCost], line: bill::Line| {
        lines.iter().filter(|cost| cost.line == line).map(|cost| cost.usd).sum::<f64>()
    };
    Ok(VersionReport {
        version: version.version.clone(),
        runtime: version.runtime.clone(),
        architecture: version.architecture,
        memory_mb: version.memory_mb,
        code_sha256: version.code_sha256.clone(),
        invocations_in_window: version.invocations(),
        sample_size: sample.count(),
        cold_starts: sample.cold_starts(),
        cold_start_share: sample.cold_starts() as f64 / sample.count().max(1) as f64,
        init_billed: profile.init_billed,
        billed_ms: DurationSummary {
            mean: profile.mean_handler_ms,
            p50: profile.handler.quantile(0.5).unwrap_or_default(),
            p90: profile.handler.quantile(0.9).unwrap_or_default(),
            p99: profile.handler.quantile(0.99).unwrap_or_default(),
            max: profile.handler.max().unwrap_or_default(),
        },
        init_ms_p50: sample.cold_billed_ms.init().quantile(0.5),
        cold_start_ms_p50: cold_billed_with_init.quantile(0.5),
        max_memory_used_mb: version.max_memory_used_mb,
        per_million_compute_usd: bill::total(&per_million, true),
        per_million_all_in_usd: bill::total(&per_million, false),
        per_million,
        monthly: monthly_lines.to_vec(),
        monthly_compute_usd: bill::total(monthly_lines, true),
        monthly_all_in_usd: bill::total(monthly_lines, false),
        cold_start_monthly_usd: line_usd(monthly_lines, bill::Line::Init),
        latency_cdf: cdf(&profile.handler),
    })
}

/// At most ~40 points of the distribution, denser in the tail.
fn cdf(histogram: &Histogram) -> Vec<(u64, f64)> {
    let mut quantiles: Vec<f64> = (0..=19).map(|step| f64::from(step) * 0.05).collect();
    quantiles.extend([0.96, 0.97, 0.98, 0.99, 0.995, 0.999, 1.0]);
    let mut points: Vec<(u64, f64)> = Vec::new();
    let count = histogram.count().max(1) as f64;
    for quantile in quantiles {
        if let Some(ms) = histogram.quantile(quantile) {
            let share = histogram.iter().take_while(|(value, _)| *value <= ms).map(|(_, entries)| entries).sum::<u64>()
                as f64
                / count;
            if points.last().map(|(last, _)| *last) != Some(ms) {
                points.push((ms, share));
            }
        }
    }
    points
}

fn sweep_costs(function: &FunctionUsage, region: &RegionPrices<'_>) -> Result<Vec<SweepCost>, PriceError> {
    let mut points = Vec::new();
    for point in &function.sweep {
        let rate = region.get(PriceKey::duration(function.after.architecture))?.list_rate();
        points.push(SweepCost {
            memory_mb: point.memory_mb,
            p99_ms: point.p99_ms,
            compute_per_million_usd: gb_seconds(point.mean_billed_ms * 1e6, point.memory_mb) * rate,
        });
    }
    points.sort_by_key(|point| point.memory_mb);
    Ok(points)
}

/// The least memory with headroom over the peak used, rounded up to 64 MB (and at least
/// Lambda's 128 MB); with sweep data, the cheapest measured size that keeps both the
/// headroom and the latency objective.
fn memory_advice(
    function: &FunctionUsage,
    after: &VersionReport,
    sweep: &[SweepCost],
    settings: &ReportSettings,
) -> MemoryAdvice {
    let peak = function.after.max_memory_used_mb;
    let floor = peak.map(|peak| (f64::from(peak) * settings.memory_headroom).ceil() as u32);
    let rounded = floor.map(|floor| floor.div_ceil(64).max(2) * 64);
    let eligible: Vec<&SweepCost> = sweep
        .iter()
        .filter(|point| floor.is_none_or(|floor| point.memory_mb >= floor))
        .filter(|point| settings.latency_slo_ms.is_none_or(|slo| point.p99_ms <= slo))
        .collect();
    let (recommended_mb, basis) = match (
        eligible.iter().min_by(|a, b| a.compute_per_million_usd.total_cmp(&b.compute_per_million_usd)),
        rounded,
    ) {
        (Some(point), _) => (
            Some(point.memory_mb),
            format!(
                "the cheapest size of the sweep with {:.0}% headroom over the peak{}: ${:.4} of compute per 1M at p99 {:.0} ms",
                (settings.memory_headroom - 1.0) * 100.0,
                settings.latency_slo_ms.map(|slo| format!(" and p99 under {slo:.0} ms")).unwrap_or_default(),
                point.compute_per_million_usd,
                point.p99_ms
            ),
        ),
        (None, Some(rounded)) => (
            Some(rounded),
            format!(
                "peak {} MB × {:.2} headroom, rounded up to 64 MB; below the measured {} MB, less memory also means less CPU: confirm the latency with a sweep",
                peak.unwrap_or_default(),
                settings.memory_headroom,
                after.memory_mb
            ),
        ),
        (None, None) => (None, "no Max Memory Used in the usage: no recommendation".to_string()),
    };
    MemoryAdvice {
        before_memory_mb: function.before.memory_mb,
        before_max_used_mb: function.before.max_memory_used_mb,
        after_memory_mb: function.after.memory_mb,
        after_max_used_mb: peak,
        recommended_mb,
        basis,
    }
}

fn sum_lines<'line>(lines: impl Iterator<Item = &'line LineCost>) -> Vec<LineCost> {
    let mut sums: BTreeMap<bill::Line, LineCost> = BTreeMap::new();
    for line in lines {
        let entry = sums.entry(line.line).or_insert_with(|| LineCost {
            line: line.line,
            quantity: 0.0,
            unit: line.unit.clone(),
            usd: 0.0,
        });
        entry.quantity += line.quantity;
        entry.usd += line.usd;
    }
    sums.into_values().collect()
}

fn price_used(key: PriceKey, before: &[MonthlyUsage], after: &[MonthlyUsage]) -> bool {
    let any = |test: &dyn Fn(&MonthlyUsage) -> bool| before.iter().chain(after).any(test);
    match key {
        PriceKey::LambdaRequests => true,
        PriceKey::LambdaDurationX86 => any(&|usage| usage.architecture == Architecture::X86_64),
        PriceKey::LambdaDurationArm => any(&|usage| usage.architecture == Architecture::Arm64),
        PriceKey::LambdaEphemeralStorage => any(&|usage| usage.ephemeral_storage_gb_seconds > 0.0),
        PriceKey::ProvisionedConcurrencyX86 | PriceKey::ProvisionedDurationX86 => {
            any(&|usage| usage.provisioned_gb_seconds > 0.0 && usage.architecture == Architecture::X86_64)
        }
        PriceKey::ProvisionedConcurrencyArm | PriceKey::ProvisionedDurationArm => {
            any(&|usage| usage.provisioned_gb_seconds > 0.0 && usage.architecture == Architecture::Arm64)
        }
        PriceKey::ApiGatewayRestRequests => any(&|usage| usage.api == Some(ApiKind::Rest)),
        PriceKey::ApiGatewayHttpRequests => any(&|usage| usage.api == Some(ApiKind::Http)),
        PriceKey::LogsIngestion => any(&|usage| usage.log_gigabytes > 0.0),
    }
}

fn describe_source(prices: &PriceTable, source: &str) -> String {
    source
        .split('+')
        .map(|key| prices.sources.get(key).cloned().unwrap_or_else(|| key.to_string()))
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
