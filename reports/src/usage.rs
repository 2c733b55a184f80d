//! The usage model: what each function did in a window, per version, as every source
//! (CloudWatch, the local emulator's REPORT lines, `cutover bench rewrite`, a hand-written
//! file) produces it and as the bill model reads it. It is also the `--usage FILE` format,
//! documented in docs/reports.md.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::histogram::{ColdHistogram, Histogram};

/// The usage format's version, written in every file.
pub(crate) const USAGE_FORMAT: u32 = 1;

/// What the functions did in one window, before and after: the input of every report,
/// and the `--usage FILE` / `--save-usage FILE` JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageModel {
    /// `format`: the usage format's version; 1, the only one this build reads (the
    /// default when absent).
    #[serde(default = "usage_format")]
    pub format: u32,
    /// `source`: where the figures come from, and whether they are a projection.
    pub source: UsageSource,
    /// `region`: the AWS region the functions run in (prices are regional).
    pub region: String,
    /// `window`: the time the figures cover; observed volumes are scaled from it to a
    /// 730-hour month.
    pub window: Window,
    /// `functions`: each function compared, with its before and after versions.
    pub functions: Vec<FunctionUsage>,
}

fn usage_format() -> u32 {
    USAGE_FORMAT
}

/// Where the figures come from. A projection (local runs, benchmarks, what-if files) is
/// labelled as such in every rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageSource {
    /// `kind`: which kind of source read the figures.
    pub kind: SourceKind,
    /// `projection`: true when nothing here was measured on AWS.
    pub projection: bool,
    /// `detail`: free text for people: the log group, the file, the benchmark (empty when
    /// absent).
    #[serde(default)]
    pub detail: String,
}

/// The kind of source a usage came from; `kind` in the usage file, kebab-case (`aws`,
/// `local-logs`, `bench`, `file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// CloudWatch metrics and Logs of deployed functions.
    Aws,
    /// REPORT lines of the local emulator.
    LocalLogs,
    /// The JSON of `cutover bench rewrite`.
    Bench,
    /// A hand-written or edited usage file.
    File,
}

/// `[start, end)`, RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// `start`: the first instant of the window, included (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    /// `end`: the instant the window ends, excluded (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
}

impl Window {
    /// The window's length in seconds; 0 when it ends before it starts.
    pub(crate) fn seconds(&self) -> f64 {
        (self.end - self.start).as_seconds_f64().max(0.0)
    }
}

/// One function's usage: the version being replaced and its replacement, side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionUsage {
    /// `function`: the Lambda function's name.
    pub function: String,
    /// `api`: the API Gateway API in front of the function (`rest` or `http`), if any: its
    /// request charge is part of the all-in view, and the migration does not change it.
    #[serde(default)]
    pub api: Option<ApiKind>,
    /// `before`: the version being replaced (the Python original).
    pub before: VersionUsage,
    /// `after`: the version replacing it (the Rust rewrite).
    pub after: VersionUsage,
    /// `sweep`: the after version measured at several memory sizes (`cutover bench sweep`,
    /// Power Tuning), for the memory recommendation and the frontier chart; empty when
    /// absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sweep: Vec<SweepPoint>,
}

/// The kind of API Gateway API in front of a function, each with its own per-call price;
/// `rest` or `http` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    /// A REST API (API Gateway v1).
    Rest,
    /// An HTTP API (API Gateway v2), cheaper per call.
    Http,
}

/// One published version of a function: its configuration and what it did in the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionUsage {
    /// `version`: the Lambda version number (or `$LATEST`).
    pub version: String,
    /// `runtime`: Lambda's runtime identifier: `python3.12`, `provided.al2023`, ...
    pub runtime: String,
    /// `package_type`: `zip` (the default) or `image`; images always have INIT billed.
    #[serde(default)]
    pub package_type: PackageType,
    /// `architecture`: `x86_64` (the default) or `arm64`, which has its own duration rates.
    #[serde(default)]
    pub architecture: Architecture,
    /// `memory_mb`: the configured memory in MB; GB-seconds are billed on it.
    pub memory_mb: u32,
    /// `ephemeral_storage_mb`: the configured `/tmp` size in MB (default 512, the
    /// included size).
    #[serde(default = "default_ephemeral_storage_mb")]
    pub ephemeral_storage_mb: u32,
    /// `provisioned_concurrency`: the provisioned concurrency kept on the version all
    /// month; None (absent) when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_concurrency: Option<ProvisionedConcurrency>,
    /// `invocations`: invocations of this version in the window. When absent, the
    /// sample's size.
    #[serde(default)]
    pub invocations: Option<u64>,
    /// `sample`: the invocations whose billed durations are known (every REPORT line
    /// read, or a sample of them): the distribution the bill uses.
    #[serde(default)]
    pub sample: InvocationSample,
    /// `max_memory_used_mb`: the highest Max Memory Used of any REPORT line, in MB; None
    /// when no line said it.
    #[serde(default)]
    pub max_memory_used_mb: Option<u32>,
    /// `log_bytes`: bytes this version logged in the window (CloudWatch Logs ingestion);
    /// 0 when not read.
    #[serde(default)]
    pub log_bytes: u64,
    /// `code_sha256`: Lambda's CodeSha256 of the version's package (base64), shown in the
    /// provenance; None when unknown (Lambda's configuration was not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
}

fn default_ephemeral_storage_mb() -> u32 {
    512
}

impl VersionUsage {
    /// Invocations in the window: the given count, or else the sample's size.
    pub(crate) fn invocations(&self) -> u64 {
        self.invocations.unwrap_or_else(|| self.sample.count())
    }

    /// A managed runtime (`python3.12`, `nodejs22.x`, ...) as opposed to an OS-only one
    /// (`provided.al2023`), whose INIT AWS has always billed.
    pub(crate) fn is_managed_runtime(&self) -> bool {
        !self.runtime.starts_with("provided")
    }
}

/// The billed durations of a version's invocations, warm and cold apart, as exact
/// counts per millisecond.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvocationSample {
    /// `warm_billed_ms`: billed milliseconds of warm invocations, as `[[ms, invocations], ...]`.
    #[serde(default)]
    pub warm_billed_ms: Histogram,
    /// `cold_billed_ms`: cold starts' billed milliseconds without and with INIT, as
    /// `[[ms, ms_with_init, cold_starts], ...]`.
    #[serde(default)]
    pub cold_billed_ms: ColdHistogram,
}

impl InvocationSample {
    /// Invocations in the sample, warm and cold.
    pub fn count(&self) -> u64 {
        self.warm_billed_ms.count() + self.cold_billed_ms.count()
    }

    /// Cold starts in the sample.
    pub fn cold_starts(&self) -> u64 {
        self.cold_billed_ms.count()
    }

    /// Every invocation's billed milliseconds, INIT included or not.
    pub(crate) fn billed(&self, init_billed: bool) -> Histogram {
        let mut all = self.warm_billed_ms.clone();
        all.merge(&self.cold_billed_ms.billed(init_billed));
        all
    }
}

/// How a version's code is packaged; `zip` or `image` in JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageType {
    /// A ZIP archive (the default): on a managed runtime, INIT is billed only from
    /// 2025-08-01.
    #[default]
    Zip,
    /// A container image: INIT is always billed.
    Image,
}

/// The instruction set a version runs on; `x86_64` or `arm64` in JSON. Each has its own
/// rates, and duration tiers count per architecture.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Architecture {
    /// x86_64 (the default).
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    /// arm64 (Graviton).
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name as Lambda and the usage file spell it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// Provisioned concurrency kept on all month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionedConcurrency {
    /// `instances`: the provisioned concurrency configured (execution environments kept warm).
    pub instances: u32,
    /// `invocation_share`: the share of invocations served by provisioned instances (0..=1,
    /// default 1); their duration is billed at the provisioned duration rate.
    #[serde(default = "all_of_them")]
    pub invocation_share: f64,
}

fn all_of_them() -> f64 {
    1.0
}

/// One memory size of a sweep of the after version.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPoint {
    /// `memory_mb`: the memory size measured, in MB.
    pub memory_mb: u32,
    /// `mean_billed_ms`: the mean billed duration per invocation at that size, in ms.
    pub mean_billed_ms: f64,
    /// `p99_ms`: the 99th percentile duration at that size, in ms, checked against
    /// `--latency-slo-ms`.
    pub p99_ms: f64,
}
