//! Replays the recorded corpus (`events/corpus.jsonl`) through the domain and checks
//! that Rust answers exactly as the Python original did: every validate-cluster-spec
//! record byte for byte, and the 400 query-parameter checks of list-clusters and
//! get-cluster-events.

use std::path::PathBuf;

use cluster_domain::http_quirks::{parse_events_query, parse_list_clusters_query};
use cluster_domain::python_json;
use cluster_domain::value::{PyDict, PyValue};
use cluster_domain::{ValidateAnswer, validate_request};
use serde_json::Value;

/// The boundary the recorded scenario ran with (`legacy-python/tools/scenario.py`).
const ORG_PERMISSION_BOUNDARY_ARN: &str = "arn:aws:iam::123456789012:policy/org/eks-permission-boundary";

fn corpus() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events/corpus.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).unwrap_or_else(|error| panic!("{}:{}: {error}", path.display(), index + 1))
        })
        .collect()
}

fn records_of<'a>(records: &'a [Value], function: &str) -> Vec<&'a Value> {
    records.iter().filter(|record| record["function"] == function).collect()
}

/// powertools' own answer for a route this function does not serve.
fn not_found_body() -> String {
    python_json::dumps(&PyValue::Dict(PyDict::new().with("statusCode", PyValue::int(404)).with("message", "Not found")))
}

fn error_body(status_code: u16, message: &str) -> String {
    python_json::dumps(&PyValue::Dict(
        PyDict::new().with("statusCode", PyValue::int(i64::from(status_code))).with("message", message),
    ))
}

#[test]
fn every_validate_record_is_answered_byte_for_byte() {
    let records = corpus();
    let validate = records_of(&records, "validate-cluster-spec");
    assert!(validate.len() >= 70, "expected the corpus's validate records, found {}", validate.len());
    let mut mismatches = Vec::new();
    for record in &validate {
        let event = &record["event"];
        let (status_code, body) = if event["httpMethod"] != "POST" || event["path"] != "/clusters/validate" {
            (404, not_found_body())
        } else {
            let is_base64 = event["isBase64Encoded"].as_bool().unwrap_or(false);
            match validate_request(event["body"].as_str(), is_base64, ORG_PERMISSION_BOUNDARY_ARN) {
                ValidateAnswer::Response { status_code, body } => (status_code, body),
                ValidateAnswer::Unhandled { error_type, message } => {
                    mismatches.push(format!("{}: unhandled {error_type}: {message}", record["id"]));
                    continue;
                }
            }
        };
        let response = &record["response"];
        let expected_status = response["statusCode"].as_u64().unwrap_or_default();
        let expected_body = response["body"].as_str().unwrap_or_default();
        if u64::from(status_code) != expected_status || body != expected_body {
            mismatches.push(format!(
                "{} ({}):\n  python {expected_status} {expected_body}\n  rust   {status_code} {body}",
                record["id"], record["scenario"]
            ));
        }
    }
    assert!(mismatches.is_empty(), "{} of {} validate records differ:\n{}", mismatches.len(), validate.len(), mismatches.join("\n"));
}

fn query_value<'a>(event: &'a Value, name: &str) -> Option<&'a str> {
    event["queryStringParameters"].get(name).and_then(Value::as_str)
}

#[test]
fn query_parameter_rejections_match_python() {
    let records = corpus();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for function in ["list-clusters", "get-cluster-events"] {
        for record in records_of(&records, function) {
            let event = &record["event"];
            let response = &record["response"];
            if response["statusCode"] == 404 && event["pathParameters"].is_null() && function == "get-cluster-events" {
                continue;
            }
            let outcome = if function == "list-clusters" {
                parse_list_clusters_query(|name| query_value(event, name)).map(|_| ())
            } else {
                let cluster_id = event["pathParameters"]["cluster_id"].as_str().unwrap_or_default();
                parse_events_query(cluster_id, query_value(event, "limit"), query_value(event, "next_token")).map(|_| ())
            };
            let expected_400 = response["statusCode"] == 400;
            match outcome {
                Err(message) => {
                    checked += 1;
                    let body = error_body(400, &message);
                    if !expected_400 || response["body"].as_str() != Some(body.as_str()) {
                        mismatches.push(format!("{}: rust 400 {body}, python {}", record["id"], response["body"]));
                    }
                }
                Ok(()) if expected_400 => {
                    checked += 1;
                    mismatches.push(format!("{}: rust accepts, python {}", record["id"], response["body"]));
                }
                // Python went on to DynamoDB (200 or 404); the query itself was accepted.
                Ok(()) => {}
            }
        }
    }
    assert!(checked >= 16, "expected the corpus's 400 records, checked {checked}");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
