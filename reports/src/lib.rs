//! Cost reports for a Lambda migration: what moving a function from Python to Rust saves,
//! line by line, per 1M requests and per month, reconciled with the bill.
//!
//! The data flows in this order:
//!
//! 1. **Usage** ([`UsageModel`]): per function, the version being replaced and its
//!    replacement, each with its invocations, a histogram of billed milliseconds (warm
//!    invocations, and cold starts with and without INIT), memory, architecture, peak
//!    memory used, log bytes and provenance. It comes from CloudWatch Logs REPORT lines
//!    and metrics ([`AwsUsageSource`]; at scale aggregated on the server by Logs Insights,
//!    [`InsightsSettings`]), from the local emulator's log or `cutover bench
//!    rewrite` ([`usage_from_emulator_log`], [`usage_from_bench`], projections), or from
//!    a JSON file ([`read_usage_file`]). REPORT lines stream through [`LineAggregator`],
//!    so memory stays flat however many are read.
//! 2. **Prices** ([`PriceTable`]): the embedded table, `--prices FILE`, or a table
//!    refreshed from AWS's price list offer file ([`apply_offer`]). A missing price is an
//!    error, never $0.
//! 3. **The bill** ([`bill`]): one function per rule (rounding, INIT, GB-s, tiers, free
//!    tier, requests, storage, provisioned concurrency, API Gateway, logs), applied to a
//!    month of the account by [`bill::account_bill`].
//! 4. **The report** ([`build_report`] → [`CostReport`]): before and after per function
//!    and in total, two views of the saving, cold starts, memory advice, a 12-month
//!    projection, a bootstrap interval, provenance; and, with Cost Explorer's actuals,
//!    a [`Reconciliation`].
//! 5. **Renderers** ([`render`]): table, JSON, FOCUS CSV, Markdown, self-contained HTML.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

pub mod bill;
mod bootstrap;
mod cost_report;
mod histogram;
mod price_list;
mod prices;
mod reconcile;
pub mod render;
mod report_line;
mod sources;
mod usage;
mod usage_file;

pub use bootstrap::{DEFAULT_SEED, Interval};
pub use cost_report::{
    CostReport, DeltaPerMillion, DurationSummary, FunctionReport, Inconclusive, MemoryAdvice, ProjectionMonth,
    Provenance, ReportError, ReportSettings, Saving, Savings, SweepCost, Totals, VersionReport, build_report,
};
pub use histogram::{ColdHistogram, Histogram};
pub use price_list::{OfferError, apply_offer};
pub use prices::{Price, PriceError, PriceKey, PriceTable, RegionPrices, Tier};
pub use reconcile::{
    ActualCost, ActualsError, Category, CostExplorerActuals, Reconciliation, ReconciliationRow, reconcile,
};
pub use report_line::LineAggregator;
pub use sources::{
    AwsUsageSource, AwsWindow, FunctionPlan, InsightsSettings, SourceError, VersionPlan, report_query,
    usage_from_bench, usage_from_emulator_log,
};
pub use usage::{
    ApiKind, Architecture, FunctionUsage, InvocationSample, PackageType, ProvisionedConcurrency, SourceKind,
    SweepPoint, UsageModel, UsageSource, VersionUsage, Window,
};
pub use usage_file::{UsageFileError, read_usage_file, usage_to_json};
