//! The Rust functions against events nobody wrote on purpose, compared with what the
//! Python originals did with the same events: the golden file
//! `tests/fixtures/odd_events.json`, made by `legacy-python/tools/generate_odd_events.py`
//! (each case run against a fresh moto seeded with the same items).
//!
//! For every case the Rust handler, over the domain's in-memory fakes seeded alike,
//! must give Python's answer (the whole proxy response or pipeline-status summary) or
//! Python's escaped exception (`errorType` and `errorMessage`), and leave the tables,
//! the artifact bucket and the pipelines as Python left them: the same writes before
//! a failure, none after it. (The file stores each distinct seed once, and per case
//! only the tables its writes changed.) Timestamps, random hex, UUIDs and TTL epochs are masked
//! on both sides with the generator's masks.

use std::path::PathBuf;

use check_compliance::CheckCompliance;
use cluster_domain::fakes::{
    FakeAuditLog, FakeClusterStore, FakeIdempotencyStore, FakePipelineService, FixedClock, SequentialIds,
};
use cluster_domain::{AuditLog, IdempotencyRecord, PyDict, PyValue, python_json};
use create_cluster::{CreateCluster, CreateClusterConfig};
use decommission_cluster::DecommissionCluster;
use get_cluster::GetCluster;
use get_cluster_events::GetClusterEvents;
use list_clusters::ListClusters;
use pipeline_status::PipelineStatus;
use regex::Regex;
use serde_json::{Value, json};
use validate_cluster_spec::ValidateClusterSpec;

/// The golden file holds this many cases; a smaller (or empty) file fails the test
/// rather than passing it vacuously. Update it with the generator's count.
const EXPECTED_CASES: usize = 1_806;

fn golden() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/odd_events.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The generator's masks, in its order.
struct Masks(Vec<(Regex, &'static str)>);

impl Masks {
    fn new() -> Self {
        let rules = [
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<UUID>"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?", "<TS>"),
            (r"#[0-9a-f]{8}\b", "#<HEX>"),
            (r"-[0-9a-f]{8}\b", "-<HEX>"),
            (r#""expires_at": ?\d+"#, r#""expires_at": "<EPOCH>""#),
        ];
        Masks(
            rules
                .into_iter()
                .map(|(pattern, replacement)| (Regex::new(pattern).expect("a mask"), replacement))
                .collect(),
        )
    }

    fn apply(&self, value: &Value) -> Value {
        let mut text = serde_json::to_string(value).unwrap_or_default();
        for (pattern, replacement) in &self.0 {
            text = pattern.replace_all(&text, *replacement).into_owned();
        }
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("masked JSON {text}: {error}"))
    }
}

/// One case's ports, seeded with the case's items.
struct Ports {
    clusters: FakeClusterStore,
    audit: FakeAuditLog,
    pipelines: FakePipelineService,
    idempotency: FakeIdempotencyStore,
}

fn dict(value: &Value) -> PyDict {
    match python_json::from_serde(value) {
        PyValue::Dict(dict) => dict,
        other => panic!("a seed item is not an object: {other:?}"),
    }
}

async fn seeded(seed: &Value) -> Ports {
    let ports = Ports {
        clusters: FakeClusterStore::new(),
        audit: FakeAuditLog::new(),
        pipelines: FakePipelineService::new(),
        idempotency: FakeIdempotencyStore::new(),
    };
    for item in seed["clusters"].as_array().into_iter().flatten() {
        ports.clusters.insert(dict(item));
    }
    for item in seed["audit"].as_array().into_iter().flatten() {
        ports.audit.append(&dict(item)).await.expect("seeding the audit table");
    }
    for item in seed["idempotency"].as_array().into_iter().flatten() {
        let text = |name: &str| item[name].as_str().unwrap_or_default().to_owned();
        ports.idempotency.insert(IdempotencyRecord {
            idempotency_key: text("idempotency_key"),
            request_hash: text("request_hash"),
            status_code: item["status_code"].as_u64().and_then(|code| u16::try_from(code).ok()).unwrap_or_default(),
            response_body: text("response_body"),
            location: item["location"].as_str().map(str::to_owned),
            created_at: text("created_at"),
            expires_at: item["expires_at"].as_i64().unwrap_or_default(),
        });
    }
    ports
}

/// What the case's function answers over `ports`: the answer or `(errorType,
/// errorMessage)`, and the ports back, to read what was written.
async fn invoke(
    function: &str,
    event: Value,
    ports: Ports,
    boundary: &str,
) -> (Result<Value, (String, String)>, Ports) {
    let clock = FixedClock::new(FixedClock::default_instant());
    let ids = SequentialIds::new();
    let Ports { clusters, audit, pipelines, idempotency } = ports;
    let (answer, ports) = match function {
        "validate-cluster-spec" => {
            let handler = ValidateClusterSpec { org_permission_boundary_arn: boundary.to_owned() };
            (handler.handle(event).await, Ports { clusters, audit, pipelines, idempotency })
        }
        "create-cluster" => {
            let config = CreateClusterConfig {
                org_permission_boundary_arn: boundary.to_owned(),
                pipeline_role_arn: "arn:aws:iam::123456789012:role/eks-cluster-pipeline".to_owned(),
                artifact_bucket: "eks-pipeline-artifacts-123456789012".to_owned(),
            };
            let handler = CreateCluster { clusters, audit, pipelines, idempotency, clock, ids, config };
            let answer = handler.handle(event).await;
            let CreateCluster { clusters, audit, pipelines, idempotency, .. } = handler;
            (answer, Ports { clusters, audit, pipelines, idempotency })
        }
        "get-cluster" => {
            let handler = GetCluster { clusters };
            let answer = handler.handle(event).await;
            (answer, Ports { clusters: handler.clusters, audit, pipelines, idempotency })
        }
        "list-clusters" => {
            let handler = ListClusters { clusters };
            let answer = handler.handle(event).await;
            (answer, Ports { clusters: handler.clusters, audit, pipelines, idempotency })
        }
        "decommission-cluster" => {
            let handler = DecommissionCluster { clusters, audit, clock, ids };
            let answer = handler.handle(event).await;
            (answer, Ports { clusters: handler.clusters, audit: handler.audit, pipelines, idempotency })
        }
        "check-compliance" => {
            let handler =
                CheckCompliance { clusters, audit, clock, ids, org_permission_boundary_arn: boundary.to_owned() };
            let answer = handler.handle(event).await;
            (answer, Ports { clusters: handler.clusters, audit: handler.audit, pipelines, idempotency })
        }
        "get-cluster-events" => {
            let handler = GetClusterEvents { clusters, audit };
            let answer = handler.handle(event).await;
            (answer, Ports { clusters: handler.clusters, audit: handler.audit, pipelines, idempotency })
        }
        "pipeline-status" => {
            let handler = PipelineStatus { clusters, audit, clock, ids };
            let answer = handler.handle(event).await;
            (answer, Ports { clusters: handler.clusters, audit: handler.audit, pipelines, idempotency })
        }
        other => panic!("unknown function {other}"),
    };
    (answer.map_err(|error| (error.error_type, error.message)), ports)
}

fn plain(item: &PyDict) -> Value {
    serde_json::from_str(&python_json::dumps(&PyValue::Dict(item.clone()))).unwrap_or(Value::Null)
}

fn sorted_by(mut items: Vec<Value>, keys: &[&str]) -> Value {
    let sort_key = |item: &Value| keys.iter().map(|key| item[*key].to_string()).collect::<Vec<_>>();
    items.sort_by_key(sort_key);
    Value::Array(items)
}

/// The ports' contents in the generator's dump format.
fn tables(ports: &Ports) -> Value {
    let idempotency: Vec<Value> = ports
        .idempotency
        .records()
        .into_iter()
        .map(|record| {
            json!({
                "idempotency_key": record.idempotency_key, "request_hash": record.request_hash, "status_code": record.status_code,
                "response_body": record.response_body, "location": record.location, "created_at": record.created_at,
                "expires_at": record.expires_at,
            })
        })
        .collect();
    json!({
        "clusters": sorted_by(ports.clusters.items().iter().map(plain).collect(), &["cluster_id"]),
        "audit": sorted_by(ports.audit.items().iter().map(plain).collect(), &["cluster_id", "event_key"]),
        "idempotency": sorted_by(idempotency, &["idempotency_key"]),
        "objects": ports.pipelines.objects().len(),
        "pipelines": ports.pipelines.pipeline_names().len(),
    })
}

/// The tables as Python left them: the seed, with the tables the case wrote replaced.
fn expected_tables(masks: &Masks, seed: &Value, writes: &Value) -> Value {
    let table = |name: &str, keys: &[&str]| match writes.get(name) {
        Some(items) => items.clone(),
        None => masks.apply(&sorted_by(seed[name].as_array().cloned().unwrap_or_default(), keys)),
    };
    json!({
        "clusters": table("clusters", &["cluster_id"]),
        "audit": table("audit", &["cluster_id", "event_key"]),
        "idempotency": table("idempotency", &["idempotency_key"]),
        "objects": writes.get("objects").cloned().unwrap_or(json!(0)),
        "pipelines": writes.get("pipelines").cloned().unwrap_or(json!(0)),
    })
}

#[tokio::test]
async fn rust_answers_and_writes_as_python_on_odd_events() {
    let golden = golden();
    let boundary = golden["org_permission_boundary_arn"].as_str().expect("the boundary");
    let cases = golden["cases"].as_array().expect("cases");
    let seeds = &golden["seeds"];
    assert_eq!(
        cases.len(),
        EXPECTED_CASES,
        "the golden file's case count changed; regenerate and update EXPECTED_CASES"
    );
    let masks = Masks::new();
    let mut ran = 0;
    let mut mismatches = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap_or_default();
        let function = case["function"].as_str().unwrap_or_default();
        let seed = &seeds[case["seed"].as_str().unwrap_or_default()];
        assert!(seed.is_object(), "{id}: unknown seed {}", case["seed"]);
        let (outcome, ports) = invoke(function, case["event"].clone(), seeded(seed).await, boundary).await;
        ran += 1;
        let expected = match (&case["response"], &case["error"]) {
            (Value::Null, error) => Err((
                error["errorType"].as_str().unwrap_or_default().to_owned(),
                error["errorMessage"].as_str().unwrap_or_default().to_owned(),
            )),
            (response, _) => Ok(response.clone()),
        };
        let outcome = outcome.map(|answer| masks.apply(&answer)).map_err(|(error_type, message)| {
            let message = masks.apply(&Value::String(message));
            (error_type, message.as_str().unwrap_or_default().to_owned())
        });
        if outcome != expected {
            mismatches.push(format!("{id}:\n  python {expected:?}\n  rust   {outcome:?}"));
            continue;
        }
        let written = masks.apply(&tables(&ports));
        let expected_tables = expected_tables(&masks, seed, &case["writes"]);
        if written != expected_tables {
            mismatches.push(format!("{id}: tables differ\n  python {expected_tables}\n  rust   {written}"));
        }
    }
    assert_eq!(ran, EXPECTED_CASES);
    assert!(
        mismatches.is_empty(),
        "{} of {ran} odd events differ from Python:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
