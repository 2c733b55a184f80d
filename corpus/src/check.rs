//! `cutover corpus check`: the corpus is well formed (the reader's own checks: schema,
//! fields, unique ids, known sources, each error naming its file and line) and holds no
//! secret in the clear (parity's secret finder: secret-named fields and headers that are
//! not redacted, AWS access keys, bearer tokens, JWTs, private keys, URL passwords).

use parity::{Corpus, CorpusFilter, SecretFinding, find_secrets};
use serde::Serialize;

use crate::CorpusToolError;

/// A secret found in one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordFinding {
    /// The record's id.
    pub id: String,
    /// Its function.
    pub function: String,
    /// Where in the record (`$.event.headers.Authorization`) and what.
    #[serde(flatten)]
    pub finding: SecretFinding,
}

/// What `check` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// Records read (all of them: the reader stops at the first malformed one, which is
    /// an error, not a report).
    pub records: u64,
    /// Secrets in the clear, in corpus order.
    pub findings: Vec<RecordFinding>,
}

impl CheckReport {
    /// A corpus passes with at least one record and no finding: an empty corpus proves
    /// nothing.
    pub fn passes(&self) -> bool {
        self.records > 0 && self.findings.is_empty()
    }
}

/// Reads every record of `corpus` and looks for secrets in each.
pub fn check(corpus: &Corpus) -> Result<CheckReport, CorpusToolError> {
    let mut report = CheckReport::default();
    for record in corpus.records(CorpusFilter::default()) {
        let record = record?;
        report.records += 1;
        let document = serde_json::to_value(&record).unwrap_or_default();
        for finding in find_secrets(&document) {
            report.findings.push(RecordFinding { id: record.id.clone(), function: record.function.clone(), finding });
        }
    }
    Ok(report)
}
