//! Reconciliation with the bill: the model's cost of what ran in the window beside
//! Cost Explorer's actuals for the same window, grouped by usage type, with the residual
//! and its likely causes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bill::{self, FREE_GB_SECONDS, FREE_REQUESTS, Line, MONTH_SECONDS};
use crate::cost_report::{ReportError, window_usage};
use crate::prices::PriceTable;
use crate::usage::{UsageModel, Window};

/// One usage type's actual cost and quantity in the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActualCost {
    /// Cost Explorer's usage type, with its region prefix if any (`USE1-ApiGatewayRequest`,
    /// `Lambda-GB-Second-ARM`).
    pub usage_type: String,
    /// UnblendedCost over the window's days, in USD.
    pub usd: f64,
    /// UsageQuantity over the window's days, in the usage type's unit (requests, GB-s).
    pub quantity: f64,
}

/// What a usage type is, from its suffix (`USE1-`, `EU-` prefixes vary by region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Lambda requests.
    Requests,
    /// Duration GB-s, INIT included.
    Duration,
    /// Ephemeral storage GB-s above the included 512 MB.
    EphemeralStorage,
    /// Provisioned concurrency GB-s, configured and served.
    ProvisionedConcurrency,
    /// API Gateway calls, REST and HTTP.
    ApiGateway,
    /// Anything else the filter let through (Lambda@Edge, SnapStart, data transfer).
    Other,
}

impl Category {
    /// The category of a Cost Explorer usage type, whatever its region prefix.
    pub(crate) fn of_usage_type(usage_type: &str) -> Category {
        let suffix = usage_type
            .split_once('-')
            .filter(|(prefix, _)| {
                prefix.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !prefix.is_empty()
                    && *prefix != "Lambda"
            })
            .map(|(_, rest)| rest)
            .unwrap_or(usage_type);
        let suffix = suffix.strip_suffix("-ARM").unwrap_or(suffix);
        match suffix {
            "Request" => Category::Requests,
            "Lambda-GB-Second" => Category::Duration,
            "Lambda-Storage-GB-Second" => Category::EphemeralStorage,
            "Lambda-Provisioned-Concurrency" | "Lambda-Provisioned-GB-Second" => Category::ProvisionedConcurrency,
            "ApiGatewayRequest" | "ApiGatewayHttpRequest" => Category::ApiGateway,
            _ => Category::Other,
        }
    }

    fn of_line(line: Line) -> Option<Category> {
        match line {
            Line::Duration | Line::Init => Some(Category::Duration),
            Line::Requests => Some(Category::Requests),
            Line::EphemeralStorage => Some(Category::EphemeralStorage),
            Line::ProvisionedConcurrency => Some(Category::ProvisionedConcurrency),
            Line::ApiGateway => Some(Category::ApiGateway),
            Line::Logs | Line::FreeTier => None,
        }
    }
}

/// The model's cost of the window beside Cost Explorer's, per category, with the
/// residual and what likely explains it (JSON: the report's `reconciliation`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    /// `window`: the usage's window; Cost Explorer's figures cover its whole UTC days.
    pub window: Window,
    /// `metric`: the Cost Explorer metric compared (`UnblendedCost`): list prices before
    /// discounts and credits.
    pub metric: String,
    /// `rows`: one per category the model or the actuals have, in [`Category`] order.
    pub rows: Vec<ReconciliationRow>,
    /// `model_usd`: the model's cost of the window, in USD (list prices, no free tier).
    pub model_usd: f64,
    /// `actual_usd`: Cost Explorer's cost of the window's days, in USD.
    pub actual_usd: f64,
    /// `residual_usd`: actual minus model, in USD.
    pub residual_usd: f64,
    /// `residual_percent`: the residual as a percentage of the model; null when the model
    /// is $0.
    pub residual_percent: Option<f64>,
    /// `likely_causes`: sentences for people on what explains the residual.
    pub likely_causes: Vec<String>,
}

/// One category of the reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconciliationRow {
    /// `category`: what is billed (snake_case).
    pub category: Category,
    /// `model_usd`: the model's cost, in USD.
    pub model_usd: f64,
    /// `actual_usd`: Cost Explorer's cost, in USD.
    pub actual_usd: f64,
    /// `residual_usd`: actual minus model, in USD.
    pub residual_usd: f64,
    /// `model_quantity`: GB-s or requests: quantities do not depend on prices, so they
    /// show whether a residual comes from usage the report does not see or from the price.
    pub model_quantity: f64,
    /// `actual_quantity`: Cost Explorer's UsageQuantity, in the same unit.
    pub actual_quantity: f64,
    /// `usage_types`: the Cost Explorer usage types counted in the row, sorted.
    pub usage_types: Vec<String>,
}

/// The model's cost of what ran in the window (each version at its own invocations, list
/// prices, no free tier: Cost Explorer's UnblendedCost shows the free tier as usage at $0
/// only where AWS applied it) against the actuals.
pub fn reconcile(
    usage: &UsageModel,
    prices: &PriceTable,
    actuals: &[ActualCost],
) -> Result<Reconciliation, ReportError> {
    let region = prices.region(&usage.region)?;
    let usages = window_usage(usage);
    let bills = bill::account_bill(&usages, &region, false)?;
    let mut rows: BTreeMap<Category, ReconciliationRow> = BTreeMap::new();
    for line in bills.iter().flatten() {
        if let Some(category) = Category::of_line(line.line) {
            let entry = rows.entry(category).or_insert_with(|| ReconciliationRow {
                category,
                model_usd: 0.0,
                actual_usd: 0.0,
                residual_usd: 0.0,
                model_quantity: 0.0,
                actual_quantity: 0.0,
                usage_types: Vec::new(),
            });
            entry.model_usd += line.usd;
            entry.model_quantity += line.quantity;
        }
    }
    for actual in actuals {
        let category = Category::of_usage_type(&actual.usage_type);
        let entry = rows.entry(category).or_insert_with(|| ReconciliationRow {
            category,
            model_usd: 0.0,
            actual_usd: 0.0,
            residual_usd: 0.0,
            model_quantity: 0.0,
            actual_quantity: 0.0,
            usage_types: Vec::new(),
        });
        entry.actual_usd += actual.usd;
        entry.actual_quantity += actual.quantity;
        if !entry.usage_types.contains(&actual.usage_type) {
            entry.usage_types.push(actual.usage_type.clone());
        }
    }
    let mut rows: Vec<ReconciliationRow> = rows.into_values().collect();
    for row in &mut rows {
        row.residual_usd = row.actual_usd - row.model_usd;
        row.usage_types.sort();
    }
    let model_usd: f64 = rows.iter().map(|row| row.model_usd).sum();
    let actual_usd: f64 = rows.iter().map(|row| row.actual_usd).sum();
    let residual_usd = actual_usd - model_usd;
    let likely_causes = likely_causes(usage, &rows, residual_usd);
    Ok(Reconciliation {
        window: usage.window,
        metric: "UnblendedCost".to_string(),
        rows,
        model_usd,
        actual_usd,
        residual_usd,
        residual_percent: (model_usd.abs() > f64::EPSILON).then(|| residual_usd / model_usd * 100.0),
        likely_causes,
    })
}

fn likely_causes(usage: &UsageModel, rows: &[ReconciliationRow], residual_usd: f64) -> Vec<String> {
    let mut causes = Vec::new();
    let quantity = |category: Category| {
        rows.iter().find(|row| row.category == category).map(|row| (row.model_quantity, row.actual_quantity))
    };
    let share_of_month = usage.window.seconds() / MONTH_SECONDS;
    if residual_usd.abs() < 0.005 {
        causes.push("model and bill agree to the cent".to_string());
        return causes;
    }
    if residual_usd < 0.0 {
        let (model_requests, _) = quantity(Category::Requests).unwrap_or_default();
        let (model_gb_seconds, _) = quantity(Category::Duration).unwrap_or_default();
        causes.push(format!(
            "free tier: the month's 1M requests and 400,000 GB-s are worth up to {:.0}% of this window's {model_requests:.0} requests and {model_gb_seconds:.0} GB-s, and AWS applies them to the first usage of the month",
            (FREE_REQUESTS / model_requests.max(1.0)).min(FREE_GB_SECONDS / model_gb_seconds.max(1.0)).min(1.0) * 100.0
        ));
        causes.push("Savings Plans or credits: compare with NetAmortizedCost; Compute Savings Plans cover Lambda duration and provisioned concurrency".to_string());
    } else {
        for category in [Category::Duration, Category::Requests] {
            if let Some((model, actual)) = quantity(category)
                && actual > model * 1.01
            {
                causes.push(format!(
                    "functions outside the report: the account used {:.0}% more {} than the functions reported (same region, same window)",
                    (actual / model.max(f64::MIN_POSITIVE) - 1.0) * 100.0,
                    if category == Category::Duration { "GB-s" } else { "requests" }
                ));
            }
        }
        if rows.iter().any(|row| row.category == Category::Other && row.actual_usd > 0.0) {
            causes.push("usage types the model does not price (see `other`)".to_string());
        }
    }
    if share_of_month < 0.9 {
        causes.push(format!(
            "Cost Explorer counts whole UTC days; the window is {:.1} hours, so the first and last day may hold usage outside it",
            usage.window.seconds() / 3600.0
        ));
    }
    causes
}

/// Cost Explorer's dates for a window: start day inclusive, end day exclusive.
pub(crate) fn cost_explorer_dates(window: &Window) -> (String, String) {
    let start = window.start.date();
    let end_date = if window.end.time() == time::Time::MIDNIGHT {
        window.end.date()
    } else {
        window.end.date().next_day().unwrap_or(window.end.date())
    };
    (start.to_string(), end_date.to_string())
}

/// Cost Explorer's `GetCostAndUsage`, grouped by usage type, for Lambda and API Gateway
/// in one region.
pub struct CostExplorerActuals {
    client: aws_sdk_costexplorer::Client,
}

/// Why Cost Explorer's actuals could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ActualsError {
    /// The call failed: network, credentials, permission (`ce:GetCostAndUsage`),
    /// throttling, or Cost Explorer not enabled on the account. The SDK's error is the source.
    #[error("Cost Explorer GetCostAndUsage failed")]
    Service(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Cost Explorer answered with an amount that does not parse as a number (the text given).
    #[error("Cost Explorer answered with an amount that is not a number: `{0}`")]
    Amount(String),
}

impl CostExplorerActuals {
    /// Reads through `client` as it is configured (its endpoint and region included).
    pub fn new(client: aws_sdk_costexplorer::Client) -> CostExplorerActuals {
        CostExplorerActuals { client }
    }

    /// Cost Explorer answers in us-east-1 whatever region the functions run in.
    pub fn from_config(config: &aws_config::SdkConfig) -> CostExplorerActuals {
        let config = aws_sdk_costexplorer::config::Builder::from(config)
            .region(aws_sdk_costexplorer::config::Region::new("us-east-1"))
            .build();
        CostExplorerActuals { client: aws_sdk_costexplorer::Client::from_conf(config) }
    }

    /// UnblendedCost and UsageQuantity of AWS Lambda and Amazon API Gateway in `region`
    /// over the window's whole UTC days, summed per usage type across days and pages.
    pub async fn actuals(&self, window: &Window, region: &str) -> Result<Vec<ActualCost>, ActualsError> {
        use aws_sdk_costexplorer::types::{
            DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition, GroupDefinitionType,
        };
        let (start, end) = cost_explorer_dates(window);
        let build = |result: Result<_, aws_sdk_costexplorer::error::BuildError>| {
            result.map_err(|error| ActualsError::Service(Box::new(error)))
        };
        let period = build(DateInterval::builder().start(start).end(end).build())?;
        let services = Expression::builder()
            .dimensions(
                DimensionValues::builder()
                    .key(Dimension::Service)
                    .values("AWS Lambda")
                    .values("Amazon API Gateway")
                    .build(),
            )
            .build();
        let regions = Expression::builder()
            .dimensions(DimensionValues::builder().key(Dimension::Region).values(region).build())
            .build();
        let filter = Expression::builder().and(services).and(regions).build();
        let mut totals: BTreeMap<String, ActualCost> = BTreeMap::new();
        let mut next_page: Option<String> = None;
        loop {
            let page = self
                .client
                .get_cost_and_usage()
                .time_period(period.clone())
                .granularity(Granularity::Daily)
                .metrics("UnblendedCost")
                .metrics("UsageQuantity")
                .group_by(GroupDefinition::builder().r#type(GroupDefinitionType::Dimension).key("USAGE_TYPE").build())
                .filter(filter.clone())
                .set_next_page_token(next_page.take())
                .send()
                .await
                .map_err(|error| ActualsError::Service(Box::new(error)))?;
            for result in page.results_by_time() {
                for group in result.groups() {
                    let Some(usage_type) = group.keys().first() else { continue };
                    let amount = |metric: &str| -> Result<f64, ActualsError> {
                        match group.metrics().and_then(|metrics| metrics.get(metric)).and_then(|value| value.amount()) {
                            Some(text) => text.parse().map_err(|_| ActualsError::Amount(text.to_string())),
                            None => Ok(0.0),
                        }
                    };
                    let entry = totals.entry(usage_type.clone()).or_insert_with(|| ActualCost {
                        usage_type: usage_type.clone(),
                        usd: 0.0,
                        quantity: 0.0,
                    });
                    entry.usd += amount("UnblendedCost")?;
                    entry.quantity += amount("UsageQuantity")?;
                }
            }
            match page.next_page_token() {
                Some(token) if !token.is_empty() => next_page = Some(token.to_string()),
                _ => break,
            }
        }
        Ok(totals.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types_fall_in_their_category_whatever_the_region_prefix() {
        assert_eq!(Category::of_usage_type("Request"), Category::Requests);
        assert_eq!(Category::of_usage_type("EU-Request-ARM"), Category::Requests);
        assert_eq!(Category::of_usage_type("Lambda-GB-Second"), Category::Duration);
        assert_eq!(Category::of_usage_type("USE2-Lambda-GB-Second-ARM"), Category::Duration);
        assert_eq!(Category::of_usage_type("USE1-ApiGatewayHttpRequest"), Category::ApiGateway);
        assert_eq!(Category::of_usage_type("EU-Lambda-Storage-GB-Second"), Category::EphemeralStorage);
        assert_eq!(Category::of_usage_type("Lambda-Edge-Request"), Category::Other);
        assert_eq!(Category::of_usage_type("EU-DataTransfer-Out-Bytes"), Category::Other);
    }
}
