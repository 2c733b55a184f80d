//! Lambda's bill, one rule per function, each tested below against a worked example with
//! its figures written out. [`account_bill`] applies them to a month of usage: tiers and
//! the free tier are account-wide (per region, per architecture for tiers), so they are
//! computed on the account's totals and then allocated back to each function pro rata.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::prices::{PriceError, PriceKey, RegionPrices};
use crate::usage::{ApiKind, Architecture, PackageType};

/// AWS's month for monthly figures: 730 hours.
pub const MONTH_SECONDS: f64 = 730.0 * 3600.0;
/// Lambda's always-free monthly allowance of requests, account-wide, both architectures
/// together.
pub const FREE_REQUESTS: f64 = 1_000_000.0;
/// Lambda's always-free monthly allowance of on-demand GB-seconds (handler and INIT),
/// account-wide, shared by both architectures.
pub const FREE_GB_SECONDS: f64 = 400_000.0;
/// Lambda bills memory in GB of 1024 MB, and logs in GB of 2^30 bytes.
const MB_PER_GB: f64 = 1024.0;
const BYTES_PER_GB: f64 = 1_073_741_824.0;
/// Ephemeral storage up to this size is included in the price.
pub const FREE_EPHEMERAL_STORAGE_MB: u32 = 512;
/// From this day AWS bills INIT for on-demand ZIP functions on managed runtimes too.
pub const INIT_BILLING_START: Date = match Date::from_calendar_date(2025, Month::August, 1) {
    Ok(date) => date,
    Err(_) => panic!("a valid date"),
};

/// The lines of the bill. `compute` lines are what the rewrite changes by running faster
/// in less memory; requests and API Gateway are per call and do not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// On-demand GB-seconds of the handler's billed duration.
    Duration,
    /// GB-seconds of billed INIT (cold starts), at the duration rate.
    Init,
    /// GB-seconds of ephemeral storage above the included 512 MB.
    EphemeralStorage,
    /// GB-seconds of configured provisioned concurrency, plus the duration it served.
    ProvisionedConcurrency,
    /// Lambda's per-request charge.
    Requests,
    /// GB of CloudWatch Logs ingested (billed by Amazon CloudWatch).
    Logs,
    /// The API Gateway calls in front of the function (billed by Amazon API Gateway).
    ApiGateway,
    /// The free tier's credit: negative dollars; its quantity is the free GB-seconds
    /// allocated to the function.
    FreeTier,
}

impl Line {
    /// Every line, in the bill's order (the order renderers show them in).
    pub const ALL: [Line; 8] = [
        Line::Duration,
        Line::Init,
        Line::EphemeralStorage,
        Line::ProvisionedConcurrency,
        Line::Requests,
        Line::Logs,
        Line::ApiGateway,
        Line::FreeTier,
    ];

    /// The line's snake_case name, as the JSON report and the CSV's `x_line` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Line::Duration => "duration",
            Line::Init => "init",
            Line::EphemeralStorage => "ephemeral_storage",
            Line::ProvisionedConcurrency => "provisioned_concurrency",
            Line::Requests => "requests",
            Line::Logs => "logs",
            Line::ApiGateway => "api_gateway",
            Line::FreeTier => "free_tier",
        }
    }

    /// The line's name for people, as tables and charts show it.
    pub fn label(self) -> &'static str {
        match self {
            Line::Duration => "Duration",
            Line::Init => "INIT",
            Line::EphemeralStorage => "Ephemeral storage",
            Line::ProvisionedConcurrency => "Provisioned concurrency",
            Line::Requests => "Requests",
            Line::Logs => "CloudWatch Logs",
            Line::ApiGateway => "API Gateway",
            Line::FreeTier => "Free tier",
        }
    }

    /// True for the lines of the compute-only view (duration, INIT, ephemeral storage,
    /// provisioned concurrency): what the rewrite changes.
    pub fn is_compute(self) -> bool {
        matches!(self, Line::Duration | Line::Init | Line::EphemeralStorage | Line::ProvisionedConcurrency)
    }

    /// The AWS service that bills the line (FOCUS `ServiceName`).
    pub fn service(self) -> &'static str {
        match self {
            Line::Logs => "Amazon CloudWatch",
            Line::ApiGateway => "Amazon API Gateway",
            _ => "AWS Lambda",
        }
    }
}

// ---- the rules -----------------------------------------------------------------------

/// Rule: an invocation is billed in whole milliseconds, rounded up (1 ms granularity since
/// December 2020), INIT included when it is billed. Durations come as hundredths of a
/// millisecond, as REPORT lines print them, so no float rounding creeps in.
pub fn billed_ms(duration_hundredths: u64, init_hundredths: Option<u64>, init_billed: bool) -> u64 {
    let init = if init_billed { init_hundredths.unwrap_or_default() } else { 0 };
    (duration_hundredths + init).div_ceil(100).max(1)
}

/// Rule: INIT is billed for custom runtimes (`provided.*`) and container images always,
/// and for ZIP functions on managed runtimes from 2025-08-01 on. A window that starts
/// before that day is billed as it was then.
pub fn init_is_billed(managed_runtime: bool, package_type: PackageType, window_start: Date) -> bool {
    !managed_runtime || package_type == PackageType::Image || window_start >= INIT_BILLING_START
}

/// Rule: GB-seconds of `total_billed_ms` at `memory_mb`.
pub fn gb_seconds(total_billed_ms: f64, memory_mb: u32) -> f64 {
    total_billed_ms / 1000.0 * f64::from(memory_mb) / MB_PER_GB
}

/// Rule: ephemeral storage is billed per GB-second above the included 512 MB, for the
/// invocation's billed duration.
pub fn ephemeral_storage_gb_seconds(storage_mb: u32, total_billed_ms: f64) -> f64 {
    let extra_mb = storage_mb.saturating_sub(FREE_EPHEMERAL_STORAGE_MB);
    total_billed_ms / 1000.0 * f64::from(extra_mb) / MB_PER_GB
}

/// Rule: provisioned concurrency is billed per GB-second configured, for as long as it is
/// configured (here: the whole month), whether used or not.
pub fn provisioned_concurrency_gb_seconds(instances: u32, memory_mb: u32, seconds: f64) -> f64 {
    f64::from(instances) * f64::from(memory_mb) / MB_PER_GB * seconds
}

/// Rule: CloudWatch Logs ingestion is billed per GB (2^30 bytes) ingested.
pub fn log_gigabytes(bytes: f64) -> f64 {
    bytes / BYTES_PER_GB
}

/// Rule: a per-unit charge priced account-wide with tiers (requests, API Gateway calls,
/// duration per architecture): the account's quantity goes through the tiers once, and
/// each share pays the average rate. Returns that average rate.
pub fn average_rate(price: &crate::prices::Price, account_quantity: f64) -> f64 {
    if account_quantity > 0.0 { price.tiered_cost(account_quantity) / account_quantity } else { price.list_rate() }
}

/// Rule: the free tier takes the first `allowance` units off the account's bill; its
/// value is what the tiers would have charged for them. Returns the credit in dollars.
pub fn free_tier_credit(price: &crate::prices::Price, account_quantity: f64, allowance: f64) -> f64 {
    let free = allowance.min(account_quantity).max(0.0);
    price.tiered_cost(account_quantity) - price.tiered_cost(account_quantity - free)
}

// ---- a month of usage, priced ----------------------------------------------------------

/// One function version's usage for one month, in billable quantities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyUsage {
    /// The architecture whose duration rates and tiers apply.
    pub architecture: Architecture,
    /// Invocations in the month.
    pub requests: f64,
    /// On-demand GB-seconds of the handler (invocations served by provisioned instances
    /// excluded).
    pub duration_gb_seconds: f64,
    /// On-demand GB-seconds of INIT, where INIT is billed; 0 otherwise.
    pub init_gb_seconds: f64,
    /// GB-seconds of the invocations served by provisioned instances, billed at the
    /// provisioned duration rate.
    pub provisioned_duration_gb_seconds: f64,
    /// GB-seconds of the provisioned instances themselves, configured all month.
    pub provisioned_gb_seconds: f64,
    /// GB-seconds of ephemeral storage above the included 512 MB.
    pub ephemeral_storage_gb_seconds: f64,
    /// GB (2^30 bytes) of CloudWatch Logs ingested.
    pub log_gigabytes: f64,
    /// The API Gateway API in front of the function, whose calls are billed per request;
    /// None when it is invoked otherwise.
    pub api: Option<ApiKind>,
}

/// One line of a bill: what was billed, how much of it, and its cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineCost {
    /// Which line of the bill.
    pub line: Line,
    /// The billed quantity, in `unit`s.
    pub quantity: f64,
    /// `GB-second`, `request` or `GB`.
    pub unit: String,
    /// The cost in USD; negative for the free tier's credit.
    pub usd: f64,
}

/// Prices every usage of one account and month, line by line, in the order given.
/// Lines with nothing to bill are left out; a price is only asked for when it is needed.
pub fn account_bill(
    usages: &[MonthlyUsage],
    prices: &RegionPrices<'_>,
    free_tier: bool,
) -> Result<Vec<Vec<LineCost>>, PriceError> {
    let sum = |value: &dyn Fn(&MonthlyUsage) -> f64| usages.iter().map(value).sum::<f64>();
    let on_demand = |usage: &MonthlyUsage| usage.duration_gb_seconds + usage.init_gb_seconds;
    let requests_price = prices.get(PriceKey::LambdaRequests)?;
    let account_requests = sum(&|usage| usage.requests);
    let requests_rate = average_rate(requests_price, account_requests);
    let mut duration_rates = Vec::new();
    let mut duration_credit = Vec::new();
    let account_gb_seconds = sum(&on_demand);
    for architecture in [Architecture::X86_64, Architecture::Arm64] {
        let gb_seconds: f64 = usages.iter().filter(|usage| usage.architecture == architecture).map(on_demand).sum();
        if gb_seconds <= 0.0 {
            continue;
        }
        let price = prices.get(PriceKey::duration(architecture))?;
        duration_rates.push((architecture, average_rate(price, gb_seconds)));
        // The free GB-s are shared by both architectures; each gets its share of them.
        let allowance = FREE_GB_SECONDS * gb_seconds / account_gb_seconds;
        duration_credit.push((architecture, gb_seconds, free_tier_credit(price, gb_seconds, allowance)));
    }
    let requests_credit = free_tier_credit(requests_price, account_requests, FREE_REQUESTS);
    let mut api_rates = Vec::new();
    for api in [ApiKind::Rest, ApiKind::Http] {
        let calls: f64 = usages.iter().filter(|usage| usage.api == Some(api)).map(|usage| usage.requests).sum();
        if calls > 0.0 {
            api_rates.push((api, average_rate(prices.get(PriceKey::api_gateway(api))?, calls)));
        }
    }
    let rate_of = |architecture: Architecture| {
        duration_rates
            .iter()
            .find(|(candidate, _)| *candidate == architecture)
            .map(|(_, rate)| *rate)
            .unwrap_or_default()
    };
    let mut bills = Vec::with_capacity(usages.len());
    for usage in usages {
        let mut lines = Vec::new();
        let mut push = |line: Line, quantity: f64, unit: &str, usd: f64| {
            if quantity > 0.0 || usd != 0.0 {
                lines.push(LineCost { line, quantity, unit: unit.to_string(), usd });
            }
        };
        let rate = rate_of(usage.architecture);
        push(Line::Duration, usage.duration_gb_seconds, "GB-second", usage.duration_gb_seconds * rate);
        push(Line::Init, usage.init_gb_seconds, "GB-second", usage.init_gb_seconds * rate);
        if usage.ephemeral_storage_gb_seconds > 0.0 {
            let price = prices.get(PriceKey::LambdaEphemeralStorage)?;
            push(
                Line::EphemeralStorage,
                usage.ephemeral_storage_gb_seconds,
                "GB-second",
                usage.ephemeral_storage_gb_seconds * price.list_rate(),
            );
        }
        if usage.provisioned_gb_seconds > 0.0 {
            let configured = prices.get(PriceKey::provisioned_concurrency(usage.architecture))?.list_rate();
            let duration = prices.get(PriceKey::provisioned_duration(usage.architecture))?.list_rate();
            push(
                Line::ProvisionedConcurrency,
                usage.provisioned_gb_seconds,
                "GB-second",
                usage.provisioned_gb_seconds * configured + usage.provisioned_duration_gb_seconds * duration,
            );
        }
        push(Line::Requests, usage.requests, "request", usage.requests * requests_rate);
        if usage.log_gigabytes > 0.0 {
            let price = prices.get(PriceKey::LogsIngestion)?;
            push(Line::Logs, usage.log_gigabytes, "GB", usage.log_gigabytes * price.list_rate());
        }
        if let Some(api) = usage.api {
            let rate =
                api_rates.iter().find(|(candidate, _)| *candidate == api).map(|(_, rate)| *rate).unwrap_or_default();
            push(Line::ApiGateway, usage.requests, "request", usage.requests * rate);
        }
        if free_tier {
            let mut credit = 0.0;
            let mut free_gb_seconds = 0.0;
            if account_requests > 0.0 {
                credit += requests_credit * usage.requests / account_requests;
            }
            if let Some((_, gb_seconds, architecture_credit)) =
                duration_credit.iter().find(|(architecture, _, _)| *architecture == usage.architecture)
            {
                credit += architecture_credit * on_demand(usage) / gb_seconds;
                free_gb_seconds = FREE_GB_SECONDS.min(account_gb_seconds) * on_demand(usage) / account_gb_seconds;
            }
            push(Line::FreeTier, free_gb_seconds, "GB-second", -credit);
        }
        bills.push(lines);
    }
    Ok(bills)
}

/// The sum in USD of the lines a view holds: the compute lines only when `compute_only`,
/// every line (the all-in view) otherwise.
pub fn total(lines: &[LineCost], compute_only: bool) -> f64 {
    lines.iter().filter(|line| !compute_only || line.line.is_compute()).map(|line| line.usd).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prices::PriceTable;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9 * expected.abs().max(1.0)
    }

    fn usage(architecture: Architecture, requests: f64, gb_seconds: f64) -> MonthlyUsage {
        MonthlyUsage {
            architecture,
            requests,
            duration_gb_seconds: gb_seconds,
            init_gb_seconds: 0.0,
            provisioned_duration_gb_seconds: 0.0,
            provisioned_gb_seconds: 0.0,
            ephemeral_storage_gb_seconds: 0.0,
            log_gigabytes: 0.0,
            api: None,
        }
    }

    fn line(lines: &[LineCost], which: Line) -> f64 {
        lines.iter().find(|cost| cost.line == which).map(|cost| cost.usd).unwrap_or_default()
    }

    #[test]
    fn billed_duration_rounds_each_invocation_up_to_the_millisecond() {
        // 2.07 ms handler + 15.96 ms INIT = 18.03 ms → 19 ms when INIT is billed, 3 ms when not.
        assert_eq!(billed_ms(207, Some(1596), true), 19);
        assert_eq!(billed_ms(207, Some(1596), false), 3);
        assert_eq!(billed_ms(1500, None, true), 15);
        assert_eq!(billed_ms(0, None, true), 1);
    }

    #[test]
    fn init_is_billed_for_custom_runtimes_always_and_for_managed_zip_from_august_2025() {
        let before = Date::from_calendar_date(2025, Month::July, 31).expect("date");
        let after = Date::from_calendar_date(2025, Month::August, 1).expect("date");
        assert!(!init_is_billed(true, PackageType::Zip, before), "python3.12 ZIP in July 2025");
        assert!(init_is_billed(true, PackageType::Zip, after), "python3.12 ZIP from August 2025");
        assert!(init_is_billed(false, PackageType::Zip, before), "provided.al2023 always");
        assert!(init_is_billed(true, PackageType::Image, before), "images always");
    }

    #[test]
    fn gb_seconds_are_billed_milliseconds_at_the_configured_memory() {
        // 120 ms at 512 MB = 0.12 s × 0.5 GB = 0.06 GB-s; 1M of them = 60,000 GB-s.
        assert!(close(gb_seconds(120.0, 512), 0.06));
        assert!(close(gb_seconds(120.0 * 1e6, 512), 60_000.0));
        // At us-east-1 x86_64's $0.0000166667: $1.000002 per 1M invocations.
        assert!(close(gb_seconds(120.0 * 1e6, 512) * 0.0000166667, 1.000002));
    }

    #[test]
    fn ephemeral_storage_counts_only_what_is_above_512_mb() {
        // 10 GB configured: 9,728 MB extra = 9.5 GB; 2,000 ms → 19 GB-s.
        assert!(close(ephemeral_storage_gb_seconds(10_240, 2_000.0), 19.0));
        assert_eq!(ephemeral_storage_gb_seconds(512, 2_000.0), 0.0);
    }

    #[test]
    fn provisioned_concurrency_is_billed_for_the_whole_month_configured() {
        // 2 instances × 0.5 GB × 2,628,000 s = 2,628,000 GB-s; × $0.0000041667 = $10.95.
        let gb_seconds = provisioned_concurrency_gb_seconds(2, 512, MONTH_SECONDS);
        assert!(close(gb_seconds, 2_628_000.0));
        assert!((gb_seconds * 0.0000041667 - 10.9500876).abs() < 1e-6);
    }

    #[test]
    fn logs_are_billed_per_binary_gigabyte() {
        // 2^31 bytes = 2 GB × $0.50 = $1.
        assert!(close(log_gigabytes(2_147_483_648.0) * 0.5, 1.0));
    }

    #[test]
    fn requests_cost_twenty_cents_a_million_and_the_free_million_comes_off_the_account() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        // Two functions, 3M and 1M requests, no duration: $0.60 and $0.20; free tier
        // credits $0.20 split 3:1 → -$0.15 and -$0.05.
        let bills = account_bill(
            &[usage(Architecture::X86_64, 3e6, 0.0), usage(Architecture::X86_64, 1e6, 0.0)],
            &prices,
            true,
        )
        .expect("bill");
        assert!(close(line(&bills[0], Line::Requests), 0.6));
        assert!(close(line(&bills[1], Line::Requests), 0.2));
        assert!(close(line(&bills[0], Line::FreeTier), -0.15));
        assert!(close(line(&bills[1], Line::FreeTier), -0.05));
    }

    #[test]
    fn free_gb_seconds_are_shared_by_both_architectures_pro_rata() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        // 600,000 GB-s x86_64 and 200,000 arm64: the 400,000 free split 300,000 / 100,000.
        // x86_64: 300,000 × 0.0000166667 = $5.00001; arm64: 100,000 × 0.0000133334 = $1.33334.
        let bills = account_bill(
            &[usage(Architecture::X86_64, 0.0, 600_000.0), usage(Architecture::Arm64, 0.0, 200_000.0)],
            &prices,
            true,
        )
        .expect("bill");
        assert!(close(line(&bills[0], Line::Duration), 10.00002));
        assert!(close(line(&bills[0], Line::FreeTier), -5.00001));
        assert!(close(line(&bills[1], Line::Duration), 2.66668));
        assert!(close(line(&bills[1], Line::FreeTier), -1.33334));
        let without = account_bill(&[usage(Architecture::X86_64, 0.0, 600_000.0)], &prices, false).expect("bill");
        assert!(without[0].iter().all(|cost| cost.line != Line::FreeTier), "--no-free-tier leaves the line out");
    }

    #[test]
    fn duration_tiers_apply_to_the_account_per_architecture_not_per_function() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        // Two x86_64 functions of 4B GB-s each: 8B in the account, so 2B fall in tier 2.
        // 6e9 × 0.0000166667 + 2e9 × 0.000015 = 100,000.2 + 30,000 = $130,000.2, half each.
        // Priced per function (as Infracost does) each would stay in tier 1: $66,666.8.
        let bills = account_bill(
            &[usage(Architecture::X86_64, 0.0, 4e9), usage(Architecture::X86_64, 0.0, 4e9)],
            &prices,
            false,
        )
        .expect("bill");
        assert!(close(line(&bills[0], Line::Duration), 65_000.1));
        assert!(close(line(&bills[1], Line::Duration), 65_000.1));
        // An arm64 function beside them does not push them into a tier, nor they it.
        let mixed = account_bill(
            &[usage(Architecture::X86_64, 0.0, 4e9), usage(Architecture::Arm64, 0.0, 4e9)],
            &prices,
            false,
        )
        .expect("bill");
        assert!(close(line(&mixed[0], Line::Duration), 66_666.8));
        assert!(close(line(&mixed[1], Line::Duration), 53_333.6));
    }

    #[test]
    fn api_gateway_is_priced_per_kind_on_the_account_total() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        let mut rest = usage(Architecture::X86_64, 10e6, 0.0);
        rest.api = Some(ApiKind::Rest);
        let mut http = usage(Architecture::X86_64, 10e6, 0.0);
        http.api = Some(ApiKind::Http);
        let bills = account_bill(&[rest, http], &prices, false).expect("bill");
        // 10M REST calls × $3.50/M = $35; 10M HTTP calls × $1.00/M = $10.
        assert!(close(line(&bills[0], Line::ApiGateway), 35.0));
        assert!(close(line(&bills[1], Line::ApiGateway), 10.0));
    }

    #[test]
    fn a_price_the_bill_needs_and_the_region_lacks_is_an_error() {
        let table = PriceTable::embedded();
        let prices = table.region("eu-central-1").expect("region");
        let mut fronted = usage(Architecture::X86_64, 1e6, 10.0);
        fronted.api = Some(ApiKind::Http);
        let error = account_bill(&[fronted], &prices, false).expect_err("no API Gateway price for eu-central-1");
        assert!(matches!(error, PriceError::Missing { price: PriceKey::ApiGatewayHttpRequests, .. }), "{error}");
        // The message names both ways out: a region that has the price, or a price file.
        let message = error.to_string();
        assert!(message.contains("--region with a region that has it (us-east-1, us-east-2, us-west-2)"), "{message}");
        assert!(
            message.contains("--prices FILE") && message.contains("cutover report prices refresh --offer FILE"),
            "{message}"
        );
    }

    #[test]
    fn the_notes_worked_example_python_x86_512_against_rust_arm64_256() {
        // docs: 10M requests a month, no free tier, no cold starts. Python 3.12 x86_64 512 MB
        // at 15 ms billed, Rust arm64 256 MB at 8 ms billed.
        // Python: 10e6 × 15 ms × 0.5 GB = 75,000 GB-s × 0.0000166667 = $1.2500025.
        // Rust: 10e6 × 8 ms × 0.25 GB = 20,000 GB-s × 0.0000133334 = $0.266668.
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        let python = usage(Architecture::X86_64, 10e6, gb_seconds(15.0 * 10e6, 512));
        let rust = usage(Architecture::Arm64, 10e6, gb_seconds(8.0 * 10e6, 256));
        let before = account_bill(&[python], &prices, false).expect("bill");
        let after = account_bill(&[rust], &prices, false).expect("bill");
        assert!(close(total(&before[0], true), 1.2500025));
        assert!(close(total(&after[0], true), 0.266668));
        // All in with the $2 of requests: $3.2500025 against $2.266668.
        assert!(close(total(&before[0], false), 3.2500025));
        assert!(close(total(&after[0], false), 2.266668));
    }

    // ---- tests asked for by the mutants that survived a cargo-mutants pass ----

    #[test]
    fn prices_a_usage_does_not_need_are_never_asked_for_and_empty_lines_are_left_out() {
        // eu-central-1 has no ephemeral storage, provisioned concurrency or Logs price: a
        // usage of none of them is billed all the same, with the lines it has and no
        // empty INIT line.
        let table = PriceTable::embedded();
        let prices = table.region("eu-central-1").expect("region");
        let bill = account_bill(&[usage(Architecture::X86_64, 1e6, 10.0)], &prices, false).expect("nothing lacking");
        let lines: Vec<Line> = bill[0].iter().map(|cost| cost.line).collect();
        assert_eq!(lines, vec![Line::Duration, Line::Requests]);
    }

    #[test]
    fn a_line_priced_at_zero_still_shows_its_quantity() {
        // A price file may make something free (logs here): finance still sees the GB.
        let text = "prices_as_of = \"2026-11-30\"\ncurrency = \"USD\"\n[sources]\nown = \"a test\"\n\
            [regions.us-east-1]\nlambda_requests = { usd = 0.0000002, unit = \"request\", source = \"own\" }\n\
            lambda_duration_x86_64 = { usd = 0.0000166667, unit = \"GB-second\", source = \"own\" }\n\
            logs_ingestion = { usd = 0.0, unit = \"GB\", source = \"own\" }\n";
        let table = PriceTable::parse(text, std::path::Path::new("free-logs.toml")).expect("a price file");
        let prices = table.region("us-east-1").expect("region");
        let mut logged = usage(Architecture::X86_64, 1e6, 10.0);
        logged.log_gigabytes = 3.0;
        let bill = account_bill(&[logged], &prices, false).expect("bill");
        let logs = bill[0].iter().find(|cost| cost.line == Line::Logs).expect("a Logs line at $0");
        assert_eq!((logs.quantity, logs.usd), (3.0, 0.0));
    }

    #[test]
    fn each_line_has_its_wire_name_its_label_and_its_billing_service() {
        for line in Line::ALL {
            let wire = serde_json::to_value(line).expect("serialises");
            assert_eq!(wire, serde_json::Value::String(line.name().to_string()), "{line:?}");
            assert!(!line.label().is_empty());
        }
        let labels: std::collections::BTreeSet<&str> = Line::ALL.iter().map(|line| line.label()).collect();
        assert_eq!(labels.len(), Line::ALL.len(), "labels tell the lines apart");
        assert_eq!(Line::Init.label(), "INIT");
        assert_eq!(Line::Logs.label(), "CloudWatch Logs");
        assert_eq!(Line::Logs.service(), "Amazon CloudWatch");
        assert_eq!(Line::ApiGateway.service(), "Amazon API Gateway");
        for line in [Line::Duration, Line::Init, Line::EphemeralStorage, Line::ProvisionedConcurrency, Line::Requests] {
            assert_eq!(line.service(), "AWS Lambda", "{line:?}");
        }
    }

    #[test]
    fn the_average_rate_of_no_quantity_is_the_list_rate() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        let price = prices.get(PriceKey::LambdaRequests).expect("a price");
        assert_eq!(average_rate(price, 0.0), price.list_rate());
        assert!(close(average_rate(price, 2e6), price.list_rate()), "one tier: the list rate");
    }

    #[test]
    fn storage_provisioned_concurrency_and_logs_lines_are_priced_at_their_rates() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        let rate = |key: PriceKey| prices.get(key).expect("a price").list_rate();
        let mut full = usage(Architecture::X86_64, 1e6, 1_000.0);
        full.ephemeral_storage_gb_seconds = 50_000.0;
        full.provisioned_gb_seconds = 2_628_000.0;
        full.provisioned_duration_gb_seconds = 30_000.0;
        full.log_gigabytes = 3.0;
        let bills = account_bill(&[full, usage(Architecture::X86_64, 1e6, 1_000.0)], &prices, false).expect("bill");
        assert!(close(line(&bills[0], Line::EphemeralStorage), 50_000.0 * rate(PriceKey::LambdaEphemeralStorage)));
        let provisioned = 2_628_000.0 * rate(PriceKey::provisioned_concurrency(Architecture::X86_64))
            + 30_000.0 * rate(PriceKey::provisioned_duration(Architecture::X86_64));
        assert!(close(line(&bills[0], Line::ProvisionedConcurrency), provisioned));
        // Published figures as an independent check: $0.50 per GB of logs.
        assert!(close(line(&bills[0], Line::Logs), 1.5));
        let quantity =
            |lines: &[LineCost], which: Line| lines.iter().find(|cost| cost.line == which).map(|c| c.quantity);
        assert_eq!(quantity(&bills[0], Line::ProvisionedConcurrency), Some(2_628_000.0));
        assert_eq!(quantity(&bills[0], Line::Logs), Some(3.0));
        // The other usage has none of them: no line at all, not a line of zero.
        for absent in
            [Line::EphemeralStorage, Line::ProvisionedConcurrency, Line::Logs, Line::ApiGateway, Line::FreeTier]
        {
            assert_eq!(quantity(&bills[1], absent), None, "{absent:?}");
        }
    }

    #[test]
    fn init_counts_toward_the_free_gb_seconds_like_the_handlers_duration() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        // 300,000 GB-s of handler and 100,000 of INIT: all 400,000 are free.
        let mut with_init = usage(Architecture::X86_64, 0.0, 300_000.0);
        with_init.init_gb_seconds = 100_000.0;
        let bills = account_bill(&[with_init], &prices, true).expect("bill");
        let compute = line(&bills[0], Line::Duration) + line(&bills[0], Line::Init);
        assert!(close(line(&bills[0], Line::FreeTier), -compute), "{:?}", bills[0]);
        let free = bills[0].iter().find(|cost| cost.line == Line::FreeTier).expect("a free-tier line");
        assert!(close(free.quantity, 400_000.0), "{free:?}");
    }

    #[test]
    fn the_free_gb_seconds_line_shows_each_usages_share_of_the_allowance() {
        let table = PriceTable::embedded();
        let prices = table.region("us-east-1").expect("region");
        // 600,000 + 200,000 GB-s: the 400,000 free are shared 300,000 / 100,000.
        let bills = account_bill(
            &[usage(Architecture::X86_64, 0.0, 600_000.0), usage(Architecture::Arm64, 0.0, 200_000.0)],
            &prices,
            true,
        )
        .expect("bill");
        let free = |lines: &[LineCost]| lines.iter().find(|cost| cost.line == Line::FreeTier).expect("free").quantity;
        assert!(close(free(&bills[0]), 300_000.0));
        assert!(close(free(&bills[1]), 100_000.0));
        // Under the allowance, the share is the usage itself.
        let small = account_bill(&[usage(Architecture::X86_64, 0.0, 1_000.0)], &prices, true).expect("bill");
        assert!(close(free(&small[0]), 1_000.0));
    }
}
