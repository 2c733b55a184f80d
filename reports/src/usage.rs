//! The usage model: what each function did in a window, per version, as every source
//! (CloudWatch, the local emulator's REPORT lines, `cutover bench rewrite`, a hand-written
//! file) produces it and as the bill model reads it. It is also the `--usage FILE` format,
//! documented in docs/reports.md.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::histogram::{ColdHistogram, Histogram};

/// The usage format's version, written in every file.
pub const USAGE_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageModel {
    #[serde(default = "usage_format")]
    pub format: u32,
    pub source: UsageSource,
    /// The AWS region the functions run in (prices are regional).
    pub region: String,
    pub window: Window,
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
    pub kind: SourceKind,
    /// True when nothing here was measured on AWS.
    pub projection: bool,
    /// Free text: the log group, the file, the benchmark.
    #[serde(default)]
    pub detail: String,
}

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
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
}

impl Window {
    pub fn seconds(&self) -> f64 {
        (self.end - self.start).as_seconds_f64().max(0.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionUsage {
    pub function: String,
    /// The API Gateway API in front of the function, if any: its request charge is part
    /// of the all-in view, and the migration does not change it.
    #[serde(default)]
    pub api: Option<ApiKind>,
    /// The version being replaced (the Python original).
    pub before: VersionUsage,
    /// The version replacing it (the Rust rewrite).
    pub after: VersionUsage,
    /// The after version measured at several memory sizes (`cutover bench sweep`, Power
    /// Tuning), for the memory recommendation and the frontier chart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sweep: Vec<SweepPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    Rest,
    Http,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionUsage {
    pub version: String,
    /// Lambda's runtime identifier: `python3.12`, `provided.al2023`, ...
    pub runtime: String,
    #[serde(default)]
    pub package_type: PackageType,
    #[serde(default)]
    pub architecture: Architecture,
    pub memory_mb: u32,
    #[serde(default = "default_ephemeral_storage_mb")]
    pub ephemeral_storage_mb: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned_concurrency: Option<ProvisionedConcurrency>,
    /// Invocations of this version in the window. When absent, the sample's size.
    #[serde(default)]
    pub invocations: Option<u64>,
    /// The invocations whose billed durations are known (every REPORT line read, or a
    /// sample of them): the distribution the bill uses.
    #[serde(default)]
    pub sample: InvocationSample,
    #[serde(default)]
    pub max_memory_used_mb: Option<u32>,
    /// Bytes this version logged in the window (CloudWatch Logs ingestion).
    #[serde(default)]
    pub log_bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sha256: Option<String>,
}

fn default_ephemeral_storage_mb() -> u32 {
    512
}

impl VersionUsage {
    pub fn invocations(&self) -> u64 {
        self.invocations.unwrap_or_else(|| self.sample.count())
    }

    /// A managed runtime (`python3.12`, `nodejs22.x`, ...) as opposed to an OS-only one
    /// (`provided.al2023`), whose INIT AWS has always billed.
    pub fn is_managed_runtime(&self) -> bool {
        !self.runtime.starts_with("provided")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvocationSample {
    /// Billed milliseconds of warm invocations.
    #[serde(default)]
    pub warm_billed_ms: Histogram,
    /// Cold starts: billed milliseconds without and with INIT.
    #[serde(default)]
    pub cold_billed_ms: ColdHistogram,
}

impl InvocationSample {
    pub fn count(&self) -> u64 {
        self.warm_billed_ms.count() + self.cold_billed_ms.count()
    }

    pub fn cold_starts(&self) -> u64 {
        self.cold_billed_ms.count()
    }

    /// Every invocation's billed milliseconds, INIT included or not.
    pub fn billed(&self, init_billed: bool) -> Histogram {
        let mut all = self.warm_billed_ms.clone();
        all.merge(&self.cold_billed_ms.billed(init_billed));
        all
    }

    pub fn merge(&mut self, other: &InvocationSample) {
        self.warm_billed_ms.merge(&other.warm_billed_ms);
        self.cold_billed_ms.merge(&other.cold_billed_ms);
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageType {
    #[default]
    Zip,
    Image,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    pub fn name(self) -> &'static str {
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
    pub instances: u32,
    /// The share of invocations served by provisioned instances (0..=1); their duration is
    /// billed at the provisioned duration rate.
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
    pub memory_mb: u32,
    pub mean_billed_ms: f64,
    pub p99_ms: f64,
}
