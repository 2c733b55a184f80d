//! Replays the recorded corpus (`events/corpus.jsonl`) through the domain and checks
//! that Rust answers exactly as the Python original did: every validate-cluster-spec
//! record byte for byte, and the 400 query-parameter checks of list-clusters and
//! get-cluster-events.

use std::path::PathBuf;

use cluster_domain::python_json;
use cluster_domain::{PyDict, PyValue};
use cluster_domain::{QueryRejection, parse_events_query, parse_list_clusters_query};
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
    assert!(
        mismatches.is_empty(),
        "{} of {} validate records differ:\n{}",
        mismatches.len(),
        validate.len(),
        mismatches.join("\n")
    );
}

fn query_value(event: &Value, name: &str) -> Option<PyValue> {
    event["queryStringParameters"].get(name).map(python_json::from_serde)
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
            let values: Vec<(&str, Option<PyValue>)> = ["environment", "team", "status", "limit", "next_token"]
                .into_iter()
                .map(|name| (name, query_value(event, name)))
                .collect();
            let value = |name: &str| {
                values.iter().find(|(parameter, _)| *parameter == name).and_then(|(_, value)| value.as_ref())
            };
            let outcome = if function == "list-clusters" {
                parse_list_clusters_query(value).map(|_| ())
            } else {
                let cluster_id = event["pathParameters"]["cluster_id"].as_str().unwrap_or_default();
                parse_events_query(cluster_id, value("limit"), value("next_token")).map(|_| ())
            };
            let expected_400 = response["statusCode"] == 400;
            match outcome {
                Err(QueryRejection::Unhandled { error_type, message }) => {
                    checked += 1;
                    mismatches.push(format!(
                        "{}: rust raises {error_type}: {message}, python {}",
                        record["id"], response["body"]
                    ));
                }
                Err(QueryRejection::BadRequest(message)) => {
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

/// Python's answers for a table of inputs, generated by
/// `tests/fixtures/generate_python_outputs.py` (committed, so no Python is needed).
fn python_outputs() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python_outputs.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The cases of one golden table, at least `minimum` of them: a loop over an emptied or
/// truncated fixture would otherwise pass having compared nothing.
fn cases<'a>(outputs: &'a Value, table: &str, minimum: usize) -> &'a [Value] {
    let cases = outputs[table].as_array().unwrap_or_else(|| panic!("the golden table `{table}`"));
    assert!(cases.len() >= minimum, "`{table}` holds {} cases, fewer than the {minimum} it had", cases.len());
    cases
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_else(|| panic!("expected a string, found {value}"))
}

#[test]
fn json_dumps_and_loads_match_python() {
    let outputs = python_outputs();
    for case in cases(&outputs, "dumps", 7) {
        let value =
            python_json::loads(text(&case["input"])).unwrap_or_else(|error| panic!("{}: {error}", case["input"]));
        assert_eq!(python_json::dumps(&value), text(&case["compact"]), "compact dumps of {}", case["input"]);
        assert_eq!(python_json::dumps_default(&value), text(&case["default"]), "default dumps of {}", case["input"]);
    }
    for bad in cases(&outputs, "bad_json", 15) {
        let error = python_json::loads(text(bad)).expect_err(text(bad));
        assert!(error.is_decode_error(), "{bad}: {error}");
    }
}

#[test]
fn repr_matches_python() {
    let outputs = python_outputs();
    for case in cases(&outputs, "repr", 20) {
        assert_eq!(python_json::str_repr(text(&case["input"])), text(&case["repr"]), "repr of {}", case["input"]);
    }
    for case in cases(&outputs, "float_repr", 20) {
        let number = case["input"].as_f64().expect("a float");
        assert_eq!(python_json::float_repr(number), text(&case["repr"]), "repr of {number:e}");
    }
}

#[test]
fn spec_validation_matches_pydantic() {
    let outputs = python_outputs();
    let (mut valid, mut invalid) = (0, 0);
    for case in cases(&outputs, "specs", 24) {
        let payload = python_json::loads(text(&case["input"])).expect("valid JSON");
        match (cluster_domain::parse_spec(&payload), case.get("errors")) {
            (Ok(spec), None) => {
                valid += 1;
                assert_eq!(
                    python_json::dumps(&PyValue::Dict(spec.model_dump())),
                    text(&case["dump"]),
                    "{}",
                    case["input"]
                );
                assert_eq!(spec.model_dump_json(), text(&case["dump_json"]), "{}", case["input"]);
            }
            (Err(errors), Some(expected)) => {
                invalid += 1;
                let actual: Vec<Value> =
                    errors.iter().map(|error| serde_json::json!([error.field(), error.msg])).collect();
                assert_eq!(&Value::Array(actual), expected, "{}", case["input"]);
            }
            (actual, _) => panic!("{}: rust {actual:?}, python {case}", case["input"]),
        }
    }
    assert!(valid >= 4 && invalid >= 20, "compared {valid} valid and {invalid} invalid specs");
}

#[test]
fn compliance_findings_match_python() {
    let outputs = python_outputs();
    let boundary = ORG_PERMISSION_BOUNDARY_ARN;
    for case in cases(&outputs, "compliance", 4) {
        let PyValue::Dict(spec) = python_json::loads(text(&case["input"])).expect("JSON") else { panic!("a dict") };
        let findings = cluster_domain::check_compliance(&spec, boundary);
        let rendered =
            python_json::dumps(&PyValue::List(findings.iter().map(|finding| finding.to_pyvalue()).collect()));
        assert_eq!(rendered, text(&case["findings"]), "{}", case["input"]);
    }
}

#[test]
fn pipeline_definition_and_tags_match_python() {
    let outputs = python_outputs();
    let pipeline = &outputs["pipeline"];
    let payload = python_json::loads(text(&pipeline["spec"])).expect("JSON");
    let spec = cluster_domain::parse_spec(&payload).expect("a valid spec");
    let definition = cluster_domain::build_pipeline(
        "payments-1a2b3c4d",
        &spec,
        "arn:aws:iam::123456789012:role/pipeline",
        "artifacts",
    );
    assert_eq!(python_json::dumps(&definition.to_pyvalue()), text(&pipeline["definition"]));
    let tags = cluster_domain::pipeline_tags("payments-1a2b3c4d", &spec);
    let tags = PyValue::List(
        tags.iter()
            .map(|tag| PyValue::Dict(PyDict::new().with("key", tag.key.as_str()).with("value", tag.value.as_str())))
            .collect(),
    );
    assert_eq!(python_json::dumps(&tags), text(&pipeline["tags"]));
}
