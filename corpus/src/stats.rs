//! `cutover corpus stats`: records per function, route and status, errors, the span of
//! time the corpus covers.

use std::collections::BTreeMap;

use parity::{Corpus, CorpusFilter, Outcome};
use serde::Serialize;

use crate::CorpusToolError;

/// The counts of a corpus.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CorpusStats {
    /// Every record.
    pub records: u64,
    /// Per function, by name.
    pub functions: BTreeMap<String, FunctionStats>,
    /// Records per `source` (`apigateway-rest`, ...).
    pub sources: BTreeMap<String, u64>,
    /// The earliest and latest `recorded_at`, as written.
    pub first_recorded_at: Option<String>,
    /// See `first_recorded_at`.
    pub last_recorded_at: Option<String>,
}

/// The counts of one function.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FunctionStats {
    /// Its records.
    pub records: u64,
    /// Records where the handler raised.
    pub raised: u64,
    /// Per route.
    pub routes: BTreeMap<String, RouteStats>,
}

/// The counts of one route.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RouteStats {
    /// Its records.
    pub records: u64,
    /// Per answer: the HTTP status of a proxy response, `raised`, or `returned` (any other
    /// answer).
    pub outcomes: BTreeMap<String, u64>,
}

/// Counts every record of `corpus`.
pub fn stats(corpus: &Corpus) -> Result<CorpusStats, CorpusToolError> {
    let mut stats = CorpusStats::default();
    for record in corpus.records(CorpusFilter::default()) {
        let record = record?;
        stats.records += 1;
        *stats.sources.entry(record.source.clone()).or_default() += 1;
        let outcome = match record.recorded_outcome() {
            Outcome::FunctionError(_) => "raised".to_string(),
            Outcome::Response(response) => response
                .get("statusCode")
                .and_then(serde_json::Value::as_u64)
                .map_or_else(|| "returned".to_string(), |status| status.to_string()),
        };
        let function = stats.functions.entry(record.function.clone()).or_default();
        function.records += 1;
        function.raised += u64::from(outcome == "raised");
        let route = function.routes.entry(record.route.clone()).or_default();
        route.records += 1;
        *route.outcomes.entry(outcome).or_default() += 1;
        // RFC 3339 with one offset sorts as text only in UTC; compare parsed when possible.
        let earlier = |a: &str, b: &str| match (parse(a), parse(b)) {
            (Some(a), Some(b)) => a < b,
            _ => a < b,
        };
        if stats.first_recorded_at.as_deref().is_none_or(|first| earlier(&record.recorded_at, first)) {
            stats.first_recorded_at = Some(record.recorded_at.clone());
        }
        if stats.last_recorded_at.as_deref().is_none_or(|last| earlier(last, &record.recorded_at)) {
            stats.last_recorded_at = Some(record.recorded_at.clone());
        }
    }
    Ok(stats)
}

fn parse(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
