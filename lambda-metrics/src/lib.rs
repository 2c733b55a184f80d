//! Lambda's own metrics, per function, alias and executed version, read the way a canary
//! gate and a cost report need them: one [`PeriodStats`] per closed period.
//!
//! - [`MetricSource`] is the trait both consumers depend on. It answers a
//!   [`LambdaMetricsQuery`] (a [`Series`] and a [`MetricWindow`]) with the periods that
//!   have data, discovers which dimension sets exist ([`MetricSource::dimension_sets`]),
//!   and reads any other CloudWatch metric for custom gates ([`CustomMetricQuery`]).
//! - [`CloudWatchMetrics`] implements it with `GetMetricData` and `ListMetrics` of
//!   aws-sdk-cloudwatch; the local emulator serves the same protocol, so a rehearsal runs
//!   this very adapter.
//! - [`InMemoryMetrics`] implements it from periods a test sets, for domain tests in
//!   virtual time.
//!
//! The rules every source keeps: a period is returned only when it lies wholly inside the
//! window (callers end the window at the last *closed* period, see
//! [`MetricWindow::closed`]); a period without `Invocations` is absent, never a zero; a
//! missing `Errors` or `Throttles` point beside present `Invocations` is zero, because
//! Lambda only publishes non-zero values.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod cloudwatch;
mod in_memory;
mod model;

pub use cloudwatch::{CloudWatchMetrics, RequestCounts};
pub use in_memory::InMemoryMetrics;
pub use model::{
    CustomMetricQuery, DimensionSet, LambdaMetricsQuery, MetricDatapoint, MetricSource, MetricWindow, MetricsError,
    PeriodStats, Series,
};
