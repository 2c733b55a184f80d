//! validate-cluster-spec against Python's answers: every validate record of the corpus
//! (79 events: valid specs, every rule, schema errors, bodies that are not JSON,
//! base64) answered byte for byte, and every violation code the Python rules define
//! produced by at least one of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde_json::{Value, json};
use validate_cluster_spec::ValidateClusterSpec;

const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/org/eks-permission-boundary";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn handler() -> ValidateClusterSpec {
    ValidateClusterSpec { org_permission_boundary_arn: BOUNDARY.to_owned() }
}

fn records() -> Vec<Value> {
    let text = std::fs::read_to_string(repo_root().join("events/corpus.jsonl")).expect("events/corpus.jsonl");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a record"))
        .filter(|record| record["function"] == "validate-cluster-spec")
        .collect()
}

/// Every violation code the Python original can answer, read from its source.
fn python_codes() -> BTreeSet<String> {
    let code = Regex::new(r#""([A-Z][A-Z0-9_]{5,})""#).expect("regex");
    let mut codes = BTreeSet::new();
    for file in ["rules.py", "http.py"] {
        let source = std::fs::read_to_string(repo_root().join("legacy-python/cluster_platform").join(file))
            .expect("the Python source");
        codes.extend(code.captures_iter(&source).map(|capture| capture[1].to_owned()));
    }
    codes
}

#[tokio::test]
async fn every_corpus_record_answers_like_python_and_every_code_is_produced() {
    let records = records();
    assert!(records.len() >= 70, "{} validate records", records.len());
    let mut produced = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    for record in &records {
        let id = record["id"].as_str().unwrap_or_default();
        let rust =
            handler().handle(record["event"].clone()).await.unwrap_or_else(|error| panic!("{id}: {}", error.message));
        assert_eq!(rust.to_string(), record["response"].to_string(), "{id}");
        statuses.insert(rust["statusCode"].as_u64().unwrap_or_default());
        let body: Value = serde_json::from_str(rust["body"].as_str().unwrap_or_default()).unwrap_or_default();
        for violation in body["violations"].as_array().into_iter().flatten() {
            produced.insert(violation["code"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert_eq!(statuses, BTreeSet::from([200, 400, 404]));
    let python = python_codes();
    assert!(python.len() >= 35, "the Python rules define {} codes", python.len());
    let missing: Vec<&String> =
        python.difference(&produced).filter(|code| code.as_str() != "ERROR" && code.as_str() != "WARNING").collect();
    assert!(missing.is_empty(), "codes no corpus record produced: {missing:?}");
}

#[tokio::test]
async fn valid_and_invalid_bodies() {
    let answer = handler()
        .handle(json!({"httpMethod": "POST", "path": "/clusters/validate", "headers": {}, "body": null}))
        .await
        .expect("an answer");
    assert_eq!(answer["statusCode"], 400);
    assert_eq!(
        answer["body"],
        r#"{"valid":false,"violations":[{"code":"BODY_MISSING","field":"","message":"request body is required","severity":"error"}]}"#
    );
    let answer = handler()
        .handle(json!({"httpMethod": "POST", "path": "/clusters/validate", "headers": {}, "body": "{"}))
        .await
        .expect("an answer");
    assert_eq!(answer["statusCode"], 400);
    assert!(answer["body"].as_str().unwrap_or_default().contains("BODY_NOT_JSON"));
    let answer = handler()
        .handle(json!({"httpMethod": "GET", "path": "/clusters/validate", "headers": {}}))
        .await
        .expect("an answer");
    assert_eq!(answer["body"], r#"{"statusCode":404,"message":"Not found"}"#);
}
