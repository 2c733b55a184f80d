//! The CloudWatch front door: `GetMetricData` and `ListMetrics` over the metrics Lambda
//! publishes (namespace `AWS/Lambda`), in the Smithy RPC v2 CBOR protocol that
//! aws-sdk-cloudwatch speaks since 1.100 (moto does not), on the Lambda API's listener. A
//! canary rehearsal points the very CloudWatch adapter it uses against AWS here.
//!
//! How it reads the [`MetricsStore`](crate::MetricsStore), as CloudWatch reads Lambda's:
//!
//! - Dimension sets match exactly. `{FunctionName}` is every invocation of the function;
//!   `{FunctionName, Resource=fn:q}` the invocations through qualifier `q` (an alias or a
//!   version); `{FunctionName, Resource=fn:alias, ExecutedVersion=N}` the alias's
//!   invocations that ran version N (only aliases have it); `{}` every function.
//!   Unqualified invocations only count in `{FunctionName}` and `{}`. Any other set has no
//!   data, which is an empty answer, not an error; so is an unknown namespace or metric.
//! - Periods align to the epoch; a period appears only when it holds data (Lambda
//!   publishes no zeros), `Errors` in every period with invocations, `Throttles` only when
//!   non-zero.
//! - Statistics: `SampleCount`, `Sum`, `Average`, `Minimum`, `Maximum` and percentiles
//!   `pNN`, `pNN.N`, `pNN.NN` (from the duration histogram, within about 9 %). Each
//!   invocation is one sample of `Invocations` (1), `Errors` (0 or 1) and `Duration`
//!   (milliseconds); each throttle one sample of `Throttles` (1).
//! - Metric math (`Expression`) is refused with `InvalidParameterValue` rather than
//!   answered with an empty series, so a gate can never pass on data nobody computed.
//! - Every answer is one page: an incoming `NextToken` is `InvalidNextToken`.
//!
//! Errors are CBOR maps with `__type` (the error's shape id) and `message`, plus the
//! `x-amzn-query-error: Code;Sender` header of awsQueryCompatible services, from which the
//! SDK takes the error code.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde::Deserialize;

use crate::cbor::{self, Cbor, EpochSeconds};
use crate::engine::Engine;
use crate::function_pool::LATEST;
use crate::http_server::{self, HttpResponse};
use crate::metrics::{Bucket, SeriesKey};

const SERVICE_NAMES: [&str; 3] = [
    "GraniteServiceVersion20100801",
    "com.amazonaws.cloudwatch.GraniteServiceVersion20100801",
    "com.amazonaws.cloudwatch%23GraniteServiceVersion20100801",
];
const LAMBDA_NAMESPACE: &str = "AWS/Lambda";
/// GetMetricData's limit on queries per call.
const MAX_QUERIES: usize = 500;

/// Whether `path` is a CloudWatch RPC v2 call (`…/service/{service}/operation/{name}`).
pub(crate) fn serves(path: &str) -> bool {
    operation_of(path).is_some()
}

/// The protocol routes on the last four path segments; any prefix is allowed.
fn operation_of(path: &str) -> Option<&str> {
    let mut segments = path.rsplit('/');
    let operation = segments.next()?;
    let operation_literal = segments.next()?;
    let service = segments.next()?;
    let service_literal = segments.next()?;
    let routed = operation_literal == "operation" && service_literal == "service" && SERVICE_NAMES.contains(&service);
    (routed && !operation.is_empty()).then_some(operation)
}

pub(crate) async fn handle(engine: &Arc<Engine>, request: Request<Incoming>) -> HttpResponse {
    let request_id = uuid::Uuid::new_v4().to_string();
    let operation = operation_of(request.uri().path()).unwrap_or_default().to_string();
    let answer = if request.method() != Method::POST {
        Err(ApiError::new(ErrorCode::InvalidAction, format!("{operation} must be called with POST")))
    } else {
        let compressed = request
            .headers()
            .get(http::header::CONTENT_ENCODING)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|encoding| !encoding.eq_ignore_ascii_case("identity"));
        match (operation.as_str(), http_server::read_body(request.into_body()).await) {
            ("PutMetricData", _) => Err(ApiError::new(
                ErrorCode::InvalidAction,
                "PutMetricData is not served by the local emulator: it holds the metrics Lambda publishes, not custom ones",
            )),
            ("GetMetricData" | "ListMetrics", _) if compressed => Err(ApiError::new(
                ErrorCode::InvalidParameterValue,
                "compressed request bodies (Content-Encoding) are not supported by the local emulator",
            )),
            ("GetMetricData" | "ListMetrics", None) => {
                Err(ApiError::new(ErrorCode::InvalidParameterValue, "the request body could not be read"))
            }
            ("GetMetricData", Some(body)) => get_metric_data(engine, &body),
            ("ListMetrics", Some(body)) => list_metrics(engine, &body),
            (other, _) => Err(ApiError::new(ErrorCode::UnknownOperation, format!("unknown operation {other}"))),
        }
    };
    match answer {
        Ok(document) => cbor_response(200, document.to_bytes(), &request_id),
        Err(error) => error.response(&request_id),
    }
}

// ---- GetMetricData -----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct GetMetricDataInput {
    metric_data_queries: Option<Vec<MetricDataQuery>>,
    start_time: Option<EpochSeconds>,
    end_time: Option<EpochSeconds>,
    next_token: Option<String>,
    scan_by: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct MetricDataQuery {
    id: Option<String>,
    metric_stat: Option<MetricStat>,
    expression: Option<String>,
    label: Option<String>,
    return_data: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct MetricStat {
    metric: Option<Metric>,
    period: Option<i64>,
    stat: Option<String>,
    unit: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Metric {
    namespace: Option<String>,
    metric_name: Option<String>,
    dimensions: Option<Vec<Dimension>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct Dimension {
    name: Option<String>,
    value: Option<String>,
}

/// One validated `MetricStat` query.
#[derive(Debug)]
struct StatQuery {
    id: String,
    label: String,
    namespace: String,
    metric_name: String,
    dimensions: Vec<(String, String)>,
    period: u64,
    statistic: Statistic,
    unit: Option<String>,
}

fn get_metric_data(engine: &Engine, body: &[u8]) -> Result<Cbor, ApiError> {
    let input: GetMetricDataInput = cbor::decode(body).map_err(|message| {
        ApiError::new(ErrorCode::InvalidParameterValue, format!("could not read the GetMetricData request: {message}"))
    })?;
    if let Some(token) = input.next_token.filter(|token| !token.is_empty()) {
        return Err(ApiError::new(
            ErrorCode::InvalidNextToken,
            format!("NextToken {token:?} was not issued here: the local emulator answers in one page"),
        ));
    }
    let start = input.start_time.ok_or_else(|| ApiError::missing("StartTime"))?.0;
    let end = input.end_time.ok_or_else(|| ApiError::missing("EndTime"))?.0;
    if start >= end {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterValue,
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    let descending = match input.scan_by.as_deref() {
        None | Some("TimestampDescending") => true,
        Some("TimestampAscending") => false,
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValue,
                format!("The parameter ScanBy must be TimestampAscending or TimestampDescending, got {other:?}."),
            ));
        }
    };
    let queries = input.metric_data_queries.unwrap_or_default();
    if queries.is_empty() {
        return Err(ApiError::missing("MetricDataQueries"));
    }
    if queries.len() > MAX_QUERIES {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterValue,
            format!("The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}."),
        ));
    }
    let mut seen_ids = BTreeSet::new();
    let mut validated = Vec::new();
    for (index, query) in queries.into_iter().enumerate() {
        let stat_query = validate_query(index + 1, query)?;
        if !seen_ids.insert(stat_query.0.id.clone()) {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "The value {} for parameter MetricDataQueries.member.{}.Id is not unique.",
                    stat_query.0.id,
                    index + 1
                ),
            ));
        }
        validated.push(stat_query);
    }
    // Whole seconds: the start rounds down and the end (exclusive) up, so a fractional
    // bound keeps the second it falls in.
    let start = start.max(0.0).floor() as u64;
    let end = end.max(0.0).ceil() as u64;
    let results = validated
        .iter()
        .filter(|(_, return_data)| *return_data)
        .map(|(query, _)| {
            let mut points = datapoints(engine, query, start, end);
            if descending {
                points.reverse();
            }
            Cbor::Map(vec![
                ("Id", Cbor::text(&query.id)),
                ("Label", Cbor::text(&query.label)),
                ("Timestamps", Cbor::Array(points.iter().map(|(at, _)| Cbor::Timestamp(*at as f64)).collect())),
                ("Values", Cbor::Array(points.iter().map(|(_, value)| Cbor::Float(*value)).collect())),
                ("StatusCode", Cbor::text("Complete")),
                ("Messages", Cbor::Array(Vec::new())),
            ])
        })
        .collect();
    Ok(Cbor::Map(vec![("MetricDataResults", Cbor::Array(results)), ("Messages", Cbor::Array(Vec::new()))]))
}

/// Checks one query as CloudWatch does and returns it with its `ReturnData`.
fn validate_query(member: usize, query: MetricDataQuery) -> Result<(StatQuery, bool), ApiError> {
    let field = |name: &str| format!("MetricDataQueries.member.{member}.{name}");
    let id = query.id.ok_or_else(|| ApiError::missing(&field("Id")))?;
    let id_is_valid = id.chars().next().is_some_and(|first| first.is_ascii_lowercase())
        && id.chars().all(|character| character.is_ascii_alphanumeric() || character == '_');
    if !id_is_valid {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterValue,
            format!(
                "The value {id} for parameter {} must start with a lowercase letter and hold only letters, digits and underscores.",
                field("Id")
            ),
        ));
    }
    let metric_stat = match (query.metric_stat, query.expression) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterCombination,
                format!("Exactly one of {} and {} must be specified.", field("MetricStat"), field("Expression")),
            ));
        }
        (None, Some(expression)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "{}: metric math ({expression:?}) is not supported by the local emulator; query each metric with MetricStat",
                    field("Expression")
                ),
            ));
        }
        (Some(metric_stat), None) => metric_stat,
    };
    let metric = metric_stat.metric.ok_or_else(|| ApiError::missing(&field("MetricStat.Metric")))?;
    let namespace = metric.namespace.ok_or_else(|| ApiError::missing(&field("MetricStat.Metric.Namespace")))?;
    let metric_name = metric.metric_name.ok_or_else(|| ApiError::missing(&field("MetricStat.Metric.MetricName")))?;
    let mut dimensions = Vec::new();
    for (index, dimension) in metric.dimensions.unwrap_or_default().into_iter().enumerate() {
        let name_field = field(&format!("MetricStat.Metric.Dimensions.member.{}", index + 1));
        let name = dimension.name.ok_or_else(|| ApiError::missing(&format!("{name_field}.Name")))?;
        let value = dimension.value.ok_or_else(|| ApiError::missing(&format!("{name_field}.Value")))?;
        dimensions.push((name, value));
    }
    let period = metric_stat.period.ok_or_else(|| ApiError::missing(&field("MetricStat.Period")))?;
    let period = u64::try_from(period)
        .ok()
        .filter(|period| [1, 5, 10, 20, 30].contains(period) || (*period > 0 && period % 60 == 0))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "The parameter {} must be 1, 5, 10, 20, 30 or a multiple of 60, got {period}.",
                    field("MetricStat.Period")
                ),
            )
        })?;
    let stat = metric_stat.stat.ok_or_else(|| ApiError::missing(&field("MetricStat.Stat")))?;
    let statistic = Statistic::parse(&stat).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidParameterValue,
            format!(
                "The statistic {stat:?} in {} is not served by the local emulator: use SampleCount, Sum, Average, Minimum, Maximum or a percentile such as p99 or p99.9.",
                field("MetricStat.Stat")
            ),
        )
    })?;
    let label = query.label.unwrap_or_else(|| metric_name.clone());
    let stat_query =
        StatQuery { id, label, namespace, metric_name, dimensions, period, statistic, unit: metric_stat.unit };
    Ok((stat_query, query.return_data.unwrap_or(true)))
}

/// The `(period start, value)` points of one query, oldest first.
fn datapoints(engine: &Engine, query: &StatQuery, start: u64, end: u64) -> Vec<(u64, f64)> {
    let Some(metric) = LambdaMetric::parse(&query.metric_name).filter(|_| query.namespace == LAMBDA_NAMESPACE) else {
        return Vec::new();
    };
    // A unit other than the metric's selects nothing, as in CloudWatch.
    if query.unit.as_deref().is_some_and(|unit| unit != metric.unit()) {
        return Vec::new();
    }
    let Some(selection) = Selection::from_dimensions(&query.dimensions) else {
        return Vec::new();
    };
    engine
        .metrics
        .periods(|key| selection.selects(key), start, end, query.period)
        .into_iter()
        .filter_map(|(at, bucket)| metric.value(query.statistic, &bucket).map(|value| (at, value)))
        .collect()
}

// ---- ListMetrics -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct ListMetricsInput {
    namespace: Option<String>,
    metric_name: Option<String>,
    dimensions: Option<Vec<Dimension>>,
    next_token: Option<String>,
}

fn list_metrics(engine: &Engine, body: &[u8]) -> Result<Cbor, ApiError> {
    let input: ListMetricsInput = cbor::decode(body).map_err(|message| {
        ApiError::new(ErrorCode::InvalidParameterValue, format!("could not read the ListMetrics request: {message}"))
    })?;
    if let Some(token) = input.next_token.filter(|token| !token.is_empty()) {
        return Err(ApiError::new(
            ErrorCode::InvalidParameterValue,
            format!("NextToken {token:?} was not issued here: the local emulator answers in one page"),
        ));
    }
    let mut filters = Vec::new();
    for (index, filter) in input.dimensions.unwrap_or_default().into_iter().enumerate() {
        let name = filter.name.ok_or_else(|| ApiError::missing(&format!("Dimensions.member.{}.Name", index + 1)))?;
        filters.push((name, filter.value));
    }
    let namespace_matches = input.namespace.as_deref().is_none_or(|namespace| namespace == LAMBDA_NAMESPACE);
    let mut listed: BTreeSet<(&'static str, Vec<(&'static str, String)>)> = BTreeSet::new();
    if namespace_matches {
        for (key, activity) in engine.metrics.series() {
            let mut names = Vec::new();
            if activity.invocations {
                names.extend([LambdaMetric::Invocations, LambdaMetric::Errors, LambdaMetric::Duration]);
            }
            if activity.throttles {
                names.push(LambdaMetric::Throttles);
            }
            for metric in names {
                if input.metric_name.as_deref().is_some_and(|wanted| wanted != metric.name()) {
                    continue;
                }
                for set in Selection::dimension_sets(&key) {
                    let passes = filters.iter().all(|(name, value)| {
                        set.iter().any(|(present, present_value)| {
                            present == name && value.as_ref().is_none_or(|wanted| wanted == present_value)
                        })
                    });
                    if passes {
                        listed.insert((metric.name(), set));
                    }
                }
            }
        }
    }
    let metrics = listed
        .into_iter()
        .map(|(metric_name, dimensions)| {
            let dimensions = dimensions
                .into_iter()
                .map(|(name, value)| Cbor::Map(vec![("Name", Cbor::text(name)), ("Value", Cbor::Text(value))]))
                .collect();
            Cbor::Map(vec![
                ("Namespace", Cbor::text(LAMBDA_NAMESPACE)),
                ("MetricName", Cbor::text(metric_name)),
                ("Dimensions", Cbor::Array(dimensions)),
            ])
        })
        .collect();
    Ok(Cbor::Map(vec![("Metrics", Cbor::Array(metrics))]))
}

// ---- Lambda's metrics and dimensions -----------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LambdaMetric {
    Invocations,
    Errors,
    Throttles,
    Duration,
}

impl LambdaMetric {
    fn parse(name: &str) -> Option<LambdaMetric> {
        match name {
            "Invocations" => Some(LambdaMetric::Invocations),
            "Errors" => Some(LambdaMetric::Errors),
            "Throttles" => Some(LambdaMetric::Throttles),
            "Duration" => Some(LambdaMetric::Duration),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            LambdaMetric::Invocations => "Invocations",
            LambdaMetric::Errors => "Errors",
            LambdaMetric::Throttles => "Throttles",
            LambdaMetric::Duration => "Duration",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            LambdaMetric::Duration => "Milliseconds",
            _ => "Count",
        }
    }

    /// The statistic over one period, `None` when the metric has no sample in it.
    fn value(self, statistic: Statistic, bucket: &Bucket) -> Option<f64> {
        match self {
            LambdaMetric::Invocations => ones(bucket.invocations, statistic),
            LambdaMetric::Throttles => ones(bucket.throttles, statistic),
            LambdaMetric::Errors => {
                let (samples, errors) = (bucket.invocations, bucket.errors);
                (samples > 0).then(|| match statistic {
                    Statistic::Sum => errors as f64,
                    Statistic::SampleCount => samples as f64,
                    Statistic::Average => errors as f64 / samples as f64,
                    Statistic::Maximum => f64::from(u8::from(errors > 0)),
                    Statistic::Minimum => f64::from(u8::from(errors == samples)),
                    // Samples sorted: the zeros of the successes, then the ones of the errors.
                    Statistic::Percentile(quantile) => {
                        let rank = ((quantile * samples as f64).ceil() as u64).max(1);
                        f64::from(u8::from(rank > samples - errors))
                    }
                })
            }
            LambdaMetric::Duration => {
                let durations = &bucket.durations;
                let milliseconds = |duration: std::time::Duration| duration.as_secs_f64() * 1000.0;
                (durations.count() > 0).then(|| match statistic {
                    Statistic::Sum => milliseconds(durations.sum()),
                    Statistic::SampleCount => durations.count() as f64,
                    Statistic::Average => milliseconds(durations.sum()) / durations.count() as f64,
                    Statistic::Maximum => durations.maximum().map(milliseconds).unwrap_or_default(),
                    Statistic::Minimum => durations.minimum().map(milliseconds).unwrap_or_default(),
                    Statistic::Percentile(quantile) => {
                        durations.percentile(quantile).map(milliseconds).unwrap_or_default()
                    }
                })
            }
        }
    }
}

/// A metric whose every sample is 1 (an invocation, a throttle).
fn ones(count: u64, statistic: Statistic) -> Option<f64> {
    let value = match statistic {
        Statistic::Sum | Statistic::SampleCount => count as f64,
        _ => 1.0,
    };
    (count > 0).then_some(value)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Statistic {
    SampleCount,
    Sum,
    Average,
    Minimum,
    Maximum,
    /// The quantile in 0..=1.
    Percentile(f64),
}

impl Statistic {
    /// CloudWatch's names; percentiles are `p` and 0–100 with up to two decimals.
    fn parse(text: &str) -> Option<Statistic> {
        match text {
            "SampleCount" => return Some(Statistic::SampleCount),
            "Sum" => return Some(Statistic::Sum),
            "Average" => return Some(Statistic::Average),
            "Minimum" => return Some(Statistic::Minimum),
            "Maximum" => return Some(Statistic::Maximum),
            _ => {}
        }
        let number = text.strip_prefix('p')?;
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let digits = |part: &str| part.chars().all(|character| character.is_ascii_digit());
        let well_formed = (1..=3).contains(&whole.len())
            && digits(whole)
            && digits(fraction)
            && fraction.len() <= 2
            && number.contains('.') != fraction.is_empty();
        let percent: f64 = number.parse().ok().filter(|_| well_formed)?;
        (0.0..=100.0).contains(&percent).then(|| Statistic::Percentile(percent / 100.0))
    }
}

/// The series one exact dimension set selects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    Everything,
    Function { function: String },
    Qualifier { function: String, qualifier: String },
    ExecutedVersion { function: String, alias: String, version: String },
}

impl Selection {
    /// `None` when Lambda publishes nothing under that set.
    fn from_dimensions(dimensions: &[(String, String)]) -> Option<Selection> {
        let mut sorted: Vec<(&str, &str)> =
            dimensions.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
        sorted.sort();
        let resource_of = |function: &str, resource: &str| -> Option<String> {
            let qualifier = resource.strip_prefix(function)?.strip_prefix(':')?;
            (!qualifier.is_empty() && qualifier != LATEST).then(|| qualifier.to_string())
        };
        match sorted.as_slice() {
            [] => Some(Selection::Everything),
            [("FunctionName", function)] => Some(Selection::Function { function: function.to_string() }),
            [("FunctionName", function), ("Resource", resource)] => {
                let qualifier = resource_of(function, resource)?;
                Some(Selection::Qualifier { function: function.to_string(), qualifier })
            }
            [("ExecutedVersion", version), ("FunctionName", function), ("Resource", resource)] => {
                let alias = resource_of(function, resource).filter(|qualifier| is_alias(qualifier))?;
                Some(Selection::ExecutedVersion { function: function.to_string(), alias, version: version.to_string() })
            }
            _ => None,
        }
    }

    fn selects(&self, key: &SeriesKey) -> bool {
        match self {
            Selection::Everything => true,
            Selection::Function { function } => key.function == *function,
            Selection::Qualifier { function, qualifier } => key.function == *function && key.qualifier == *qualifier,
            Selection::ExecutedVersion { function, alias, version } => {
                key.function == *function && key.qualifier == *alias && key.executed_version.as_ref() == Some(version)
            }
        }
    }

    /// Every dimension set a series is published under, as ListMetrics names them.
    fn dimension_sets(key: &SeriesKey) -> Vec<Vec<(&'static str, String)>> {
        let function = ("FunctionName", key.function.clone());
        let mut sets = vec![Vec::new(), vec![function.clone()]];
        if key.qualifier != LATEST {
            let resource = ("Resource", format!("{}:{}", key.function, key.qualifier));
            sets.push(vec![function.clone(), resource.clone()]);
            if let Some(version) = key.executed_version.as_ref().filter(|_| is_alias(&key.qualifier)) {
                sets.push(vec![function, resource, ("ExecutedVersion", version.clone())]);
            }
        }
        sets
    }
}

/// Lambda forbids all-digit alias names, so a qualifier is a version or an alias by its
/// spelling alone.
fn is_alias(qualifier: &str) -> bool {
    qualifier != LATEST && !qualifier.chars().all(|character| character.is_ascii_digit())
}

// ---- errors and answers ------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorCode {
    InvalidParameterValue,
    InvalidParameterCombination,
    MissingParameter,
    InvalidNextToken,
    InvalidAction,
    UnknownOperation,
}

impl ErrorCode {
    /// `__type`: the error's shape id in the CloudWatch model.
    fn shape_id(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => "com.amazonaws.cloudwatch#InvalidParameterValueException",
            ErrorCode::InvalidParameterCombination => "com.amazonaws.cloudwatch#InvalidParameterCombinationException",
            ErrorCode::MissingParameter => "com.amazonaws.cloudwatch#MissingRequiredParameterException",
            ErrorCode::InvalidNextToken => "com.amazonaws.cloudwatch#InvalidNextToken",
            ErrorCode::InvalidAction | ErrorCode::UnknownOperation => "com.amazonaws.cloudwatch#InvalidAction",
        }
    }

    /// The awsQuery code the SDK matches typed errors on.
    fn query_code(self) -> &'static str {
        match self {
            ErrorCode::InvalidParameterValue => "InvalidParameterValue",
            ErrorCode::InvalidParameterCombination => "InvalidParameterCombination",
            ErrorCode::MissingParameter => "MissingParameter",
            ErrorCode::InvalidNextToken => "InvalidNextToken",
            ErrorCode::InvalidAction | ErrorCode::UnknownOperation => "InvalidAction",
        }
    }

    fn status(self) -> u16 {
        match self {
            ErrorCode::UnknownOperation => 404,
            _ => 400,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
struct ApiError {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }

    fn missing(parameter: &str) -> ApiError {
        ApiError::new(ErrorCode::MissingParameter, format!("The parameter {parameter} is required."))
    }

    fn response(&self, request_id: &str) -> HttpResponse {
        let body =
            Cbor::Map(vec![("__type", Cbor::text(self.code.shape_id())), ("message", Cbor::text(&self.message))]);
        let mut response = cbor_response(self.code.status(), body.to_bytes(), request_id);
        insert(&mut response, "x-amzn-query-error", &format!("{};Sender", self.code.query_code()));
        response
    }
}

fn cbor_response(status: u16, body: Vec<u8>, request_id: &str) -> HttpResponse {
    let mut response = http_server::response(status, "application/cbor", Bytes::from(body));
    insert(&mut response, "smithy-protocol", "rpc-v2-cbor");
    insert(&mut response, "x-amzn-requestid", request_id);
    response
}

fn insert(response: &mut HttpResponse, name: &'static str, value: &str) {
    if let Ok(value) = http::HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn key(function: &str, qualifier: &str, executed_version: Option<&str>) -> SeriesKey {
        SeriesKey {
            function: function.into(),
            qualifier: qualifier.into(),
            executed_version: executed_version.map(str::to_string),
        }
    }

    fn dimensions(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn operations_route_on_the_last_four_segments() {
        assert_eq!(
            operation_of("/service/GraniteServiceVersion20100801/operation/GetMetricData"),
            Some("GetMetricData")
        );
        assert_eq!(
            operation_of(
                "/prefix/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/ListMetrics"
            ),
            Some("ListMetrics")
        );
        assert_eq!(operation_of("/service/Other/operation/GetMetricData"), None);
        assert_eq!(operation_of("/2015-03-31/functions/f/invocations"), None);
        assert_eq!(operation_of("/service/GraniteServiceVersion20100801/operation/"), None);
    }

    #[test]
    fn the_sdk_encoding_of_a_query_decodes() {
        // GetMetricData of AWS/Lambda Duration {FunctionName=orders, Resource=orders:live}
        // p99 60 s over 1796000000-1796003600, as aws_smithy_cbor encodes it.
        let hex = "bf714d6574726963446174615175657269657381bf624964626d316a4d657472696353746174bf664d6574726963bf694e616d6573706163656a4157532f4c616d6264616a4d65747269634e616d65684475726174696f6e6a44696d656e73696f6e7382bf644e616d656c46756e6374696f6e4e616d656556616c7565666f7264657273ffbf644e616d65685265736f757263656556616c75656b6f72646572733a6c697665ffff66506572696f64183c645374617463703939ff6a52657475726e44617461f5ff69537461727454696d65c1fb41dac3324000000067456e6454696d65c1fb41dac335c4000000ff";
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|index| u8::from_str_radix(&hex[index..index + 2], 16).expect("hex"))
            .collect();
        let input: GetMetricDataInput = cbor::decode(&bytes).expect("decodes");
        assert_eq!(input.start_time, Some(EpochSeconds(1_796_000_000.0)));
        assert_eq!(input.end_time, Some(EpochSeconds(1_796_003_600.0)));
        let query = input.metric_data_queries.expect("queries").into_iter().next().expect("one query");
        let (validated, return_data) = validate_query(1, query).expect("valid");
        assert!(return_data);
        assert_eq!(validated.statistic, Statistic::Percentile(0.99));
        assert_eq!(validated.period, 60);
        assert_eq!(validated.dimensions, dimensions(&[("FunctionName", "orders"), ("Resource", "orders:live")]));
    }

    #[test]
    fn statistics_parse_as_cloudwatch_names_them() {
        assert_eq!(Statistic::parse("Sum"), Some(Statistic::Sum));
        assert_eq!(Statistic::parse("p99"), Some(Statistic::Percentile(0.99)));
        assert_eq!(Statistic::parse("p99.9"), Some(Statistic::Percentile(99.9 / 100.0)));
        assert_eq!(Statistic::parse("p100"), Some(Statistic::Percentile(1.0)));
        for refused in ["p", "p101", "p99.999", "p99.", "p-1", "tm99", "sum", "p9a"] {
            assert_eq!(Statistic::parse(refused), None, "{refused}");
        }
    }

    #[test]
    fn dimension_sets_select_as_lambda_publishes_them() {
        let alias_v2 = key("f", "live", Some("2"));
        let direct_v2 = key("f", "2", Some("2"));
        let unqualified = key("f", LATEST, Some("$LATEST"));
        let select = |pairs: &[(&str, &str)]| Selection::from_dimensions(&dimensions(pairs));

        let function = select(&[("FunctionName", "f")]).expect("published");
        assert!([&alias_v2, &direct_v2, &unqualified].iter().all(|key| function.selects(key)));
        let alias = select(&[("Resource", "f:live"), ("FunctionName", "f")]).expect("order does not matter");
        assert!(alias.selects(&alias_v2) && !alias.selects(&direct_v2));
        let executed =
            select(&[("FunctionName", "f"), ("Resource", "f:live"), ("ExecutedVersion", "2")]).expect("published");
        assert!(executed.selects(&alias_v2) && !executed.selects(&key("f", "live", Some("1"))));

        assert_eq!(
            select(&[("FunctionName", "f"), ("Resource", "f:2"), ("ExecutedVersion", "2")]),
            None,
            "versions have no ExecutedVersion"
        );
        assert_eq!(select(&[("FunctionName", "f"), ("Resource", "g:live")]), None);
        assert_eq!(select(&[("FunctionName", "f"), ("ExecutedVersion", "2")]), None);
        assert_eq!(select(&[("Resource", "f:live")]), None);

        assert_eq!(Selection::dimension_sets(&alias_v2).len(), 4);
        assert_eq!(Selection::dimension_sets(&direct_v2).len(), 3);
        assert_eq!(Selection::dimension_sets(&unqualified).len(), 2);
    }

    #[test]
    fn errors_are_zero_or_one_samples_of_every_invocation() {
        let bucket = Bucket { invocations: 10, errors: 1, ..Bucket::default() };
        let errors = |statistic| LambdaMetric::Errors.value(statistic, &bucket);
        assert_eq!(errors(Statistic::Sum), Some(1.0));
        assert_eq!(errors(Statistic::SampleCount), Some(10.0));
        assert_eq!(errors(Statistic::Average), Some(0.1));
        assert_eq!((errors(Statistic::Minimum), errors(Statistic::Maximum)), (Some(0.0), Some(1.0)));
        assert_eq!(errors(Statistic::Percentile(0.9)), Some(0.0));
        assert_eq!(errors(Statistic::Percentile(0.95)), Some(1.0));
        assert_eq!(LambdaMetric::Throttles.value(Statistic::Sum, &bucket), None, "no throttles, no point");
    }

    #[test]
    fn durations_give_exact_sums_and_extremes() {
        let mut bucket = Bucket { invocations: 3, ..Bucket::default() };
        for millis in [10, 20, 60] {
            bucket.durations.record(Duration::from_millis(millis));
        }
        let duration = |statistic| LambdaMetric::Duration.value(statistic, &bucket).expect("samples");
        assert_eq!(duration(Statistic::Sum), 90.0);
        assert_eq!(duration(Statistic::Average), 30.0);
        assert_eq!((duration(Statistic::Minimum), duration(Statistic::Maximum)), (10.0, 60.0));
        assert_eq!(duration(Statistic::Percentile(1.0)), 60.0);
    }

    #[test]
    fn an_error_carries_its_shape_and_query_code() {
        let response = ApiError::new(ErrorCode::InvalidNextToken, "bad token").response("r-1");
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()["x-amzn-query-error"], "InvalidNextToken;Sender");
        assert_eq!(response.headers()["content-type"], "application/cbor");
        assert_eq!(response.headers()["x-amzn-requestid"], "r-1");
    }
}
