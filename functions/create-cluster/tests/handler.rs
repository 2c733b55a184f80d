//! create-cluster over the domain's in-memory fakes.
//!
//! - Every create-cluster record of the corpus (Python's answers) replayed in order
//!   against one handler: 201/400/422 bodies byte for byte, `Location`, idempotent
//!   replays, key reuse, bad keys; Python's generated values (cluster id suffix,
//!   timestamps, execution id) are replaced by the ones the fixed clock and the
//!   sequential ids must give, computed here from the order of the calls, not read
//!   from the Rust answer.
//! - Every combination of the seven AWS calls failing: the escaped error and every
//!   fake's final state equal what Python's sequential order leaves, computed by a
//!   model of that order.

use std::path::{Path, PathBuf};

use cluster_domain::fakes::{
    FakeAuditLog, FakeClusterStore, FakeIdempotencyStore, FakePipelineService, FixedClock, SequentialIds,
};
use cluster_domain::{PyDict, PyValue, python_json};
use create_cluster::{CreateCluster, CreateClusterConfig};
use regex::Regex;
use serde_json::{Value, json};

type Handler =
    CreateCluster<FakeClusterStore, FakeAuditLog, FakePipelineService, FakeIdempotencyStore, FixedClock, SequentialIds>;

const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/org/eks-permission-boundary";
const BUCKET: &str = "eks-cluster-specs";
const ROLE: &str = "arn:aws:iam::123456789012:role/eks-provisioning-pipeline";
const NOW: &str = "2026-11-27T05:12:41.123456+00:00";

fn handler() -> Handler {
    CreateCluster {
        clusters: FakeClusterStore::new(),
        audit: FakeAuditLog::new(),
        pipelines: FakePipelineService::new(),
        idempotency: FakeIdempotencyStore::new(),
        clock: FixedClock::new(FixedClock::default_instant()),
        ids: SequentialIds::new(),
        config: CreateClusterConfig {
            org_permission_boundary_arn: BOUNDARY.to_owned(),
            pipeline_role_arn: ROLE.to_owned(),
            artifact_bucket: BUCKET.to_owned(),
        },
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The create-cluster records of the corpus, in order.
fn corpus_records() -> Vec<Value> {
    let text = std::fs::read_to_string(repo_root().join("events/corpus.jsonl")).expect("events/corpus.jsonl");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a corpus record"))
        .filter(|record| record["function"] == "create-cluster")
        .collect()
}

/// `token_hex(4)` number `n` from [`SequentialIds`].
fn hex_id(n: usize) -> String {
    format!("{n:08x}")
}

/// The execution id the fake pipeline service gives its `n`th execution.
fn execution_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    response.pointer(&format!("/multiValueHeaders/{name}/0")).and_then(Value::as_str)
}

/// Python's generated values in a text, replaced by the ones expected from the fakes.
struct Substitution {
    python_cluster_id: String,
    expected_cluster_id: String,
    python_execution_id: String,
    expected_execution_id: String,
}

impl Substitution {
    fn apply(&self, text: &str, timestamp: &Regex) -> String {
        let text = text
            .replace(&self.python_cluster_id, &self.expected_cluster_id)
            .replace(&self.python_execution_id, &self.expected_execution_id);
        timestamp.replace_all(&text, NOW).into_owned()
    }
}

#[tokio::test]
async fn corpus_create_records_answer_like_python() {
    let handler = handler();
    let timestamp = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00").expect("regex");
    let mut substitutions: Vec<Substitution> = Vec::new();
    let mut statuses = std::collections::BTreeMap::<u64, usize>::new();
    let records = corpus_records();
    assert!(records.len() >= 50, "the corpus holds the create-cluster scenario");
    for record in &records {
        let id = record["id"].as_str().unwrap_or_default();
        let python = &record["response"];
        let rust = handler
            .handle(record["event"].clone())
            .await
            .unwrap_or_else(|error| panic!("{id}: {}: {}", error.error_type, error.message));
        let status = python["statusCode"].as_u64().unwrap_or_default();
        *statuses.entry(status).or_default() += 1;
        let python_body = python["body"].as_str().unwrap_or_default();
        let replayed = header(python, "Idempotent-Replayed").is_some();
        if status == 201 && !replayed {
            // A new cluster: three token_hex calls each (cluster id, two audit events)
            // and one execution, in creation order.
            let created_before = substitutions.len();
            let parsed: Value = serde_json::from_str(python_body).expect("a JSON body");
            let python_cluster_id = parsed["cluster_id"].as_str().unwrap_or_default().to_owned();
            let name = parsed["name"].as_str().unwrap_or_default();
            substitutions.push(Substitution {
                expected_cluster_id: format!("{name}-{}", hex_id(3 * created_before + 1)),
                python_cluster_id,
                python_execution_id: parsed["pipeline_execution_id"].as_str().unwrap_or_default().to_owned(),
                expected_execution_id: execution_id(created_before + 1),
            });
        }
        let substitution = python_body.find("\"cluster_id\":\"").and_then(|_| {
            substitutions.iter().find(|substitution| python_body.contains(&substitution.python_cluster_id))
        });
        let expected = match substitution {
            Some(substitution) => substitution.apply(&python.to_string(), &timestamp),
            None => python.to_string(),
        };
        assert_eq!(rust.to_string(), expected, "{id}");
    }
    // The scenario covers every kind of answer.
    assert!(statuses[&201] >= 20 && statuses[&400] >= 10 && statuses[&422] >= 5, "{statuses:?}");

    // What the created clusters left: Python's three writes each, and their pipelines.
    let created = substitutions.len();
    assert_eq!(handler.clusters.len(), created);
    assert_eq!(handler.audit.items().len(), 2 * created);
    assert_eq!(handler.pipelines.executions().len(), created);
    for substitution in &substitutions {
        let cluster_id = &substitution.expected_cluster_id;
        assert_eq!(handler.audit.event_types(cluster_id), ["CLUSTER_REQUESTED", "PIPELINE_STARTED"]);
        let stored = handler.clusters.raw(cluster_id).expect("the cluster item");
        assert_eq!(stored.get_str("pipeline_execution_id"), Some(substitution.expected_execution_id.as_str()));
        assert!(handler.pipelines.object(BUCKET, &format!("clusters/{cluster_id}/spec.json")).is_some());
    }
    // Idempotency: the 201 and the rule-breaking 422 are stored, the bad keys are not.
    let stored = handler.idempotency.record("portal-request-8c41f0").expect("the 201 is stored");
    assert_eq!(
        (
            stored.status_code,
            stored.location.as_deref().map(|location| location.starts_with("/clusters/idempotent-payments-"))
        ),
        (201, Some(true))
    );
    assert_eq!(handler.idempotency.record("portal-request-bad-1").map(|record| record.status_code), Some(422));
    assert!(handler.idempotency.record("").is_none());
}

/// The fixture's spec, as Python answered it (record r000001).
fn fixture() -> (Value, Value) {
    let fixture =
        read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/create-payments-dev-general-1.json"));
    (fixture["event"].clone(), fixture["response"].clone())
}

fn with_idempotency_key(mut event: Value, key: &str) -> Value {
    event["headers"]["Idempotency-Key"] = json!(key);
    event
}

/// The seven AWS calls in Python's order: the fake operation to fail, and the API
/// operation botocore names in the error.
const CALLS: [(&str, &str); 7] = [
    ("clusters put_new", "PutItem"),
    ("pipelines put_spec_object", "PutObject"),
    ("pipelines create_pipeline", "CreatePipeline"),
    ("pipelines start_execution", "StartPipelineExecution"),
    ("clusters set_attributes", "UpdateItem"),
    ("audit append CLUSTER_REQUESTED", "PutItem"),
    ("audit append PIPELINE_STARTED", "PutItem"),
];

fn inject(handler: &Handler, call: usize) {
    let (target, _) = CALLS[call];
    let (fake, operation) = target.split_once(' ').unwrap_or_default();
    let message = format!("call {call} refused");
    match fake {
        "clusters" => handler.clusters.fail(operation, "InternalServerError", &message),
        "pipelines" => handler.pipelines.fail(operation, "InternalServerError", &message),
        _ => handler.audit.fail(operation, "InternalServerError", &message),
    }
}

/// What Python's sequential order leaves when the calls in `failing` fail.
#[derive(Debug, PartialEq)]
struct World {
    cluster: Option<PyDict>,
    objects: Vec<String>,
    pipelines: Vec<String>,
    executions: usize,
    audit: Vec<PyDict>,
    idempotency_records: usize,
}

struct PythonOutcome {
    world: World,
    /// `(errorType, errorMessage)` when a call failed.
    error: Option<(String, String)>,
}

/// A model of Python's `_create`: the seven calls one after the other, each one's
/// effect applied when it succeeds, stopping at the first failure.
fn python_order(failing: &[usize], python_body: &PyDict) -> PythonOutcome {
    let cluster_id = format!("payments-dev-general-1-{}", hex_id(1));
    let execution = execution_id(1);
    let mut item = python_body.clone();
    item.remove("pipeline_execution_id");
    let audit_event = |n: usize, event_type: &str, details: PyDict| {
        PyDict::new()
            .with("cluster_id", cluster_id.as_str())
            .with("event_key", format!("{NOW}#{}", hex_id(n)))
            .with("event_type", event_type)
            .with("occurred_at", NOW)
            .with("actor", "anonymous")
            .with("details", details)
    };
    let mut world = World {
        cluster: None,
        objects: Vec::new(),
        pipelines: Vec::new(),
        executions: 0,
        audit: Vec::new(),
        idempotency_records: 0,
    };
    for (call, (_, api_operation)) in CALLS.iter().enumerate() {
        if failing.contains(&call) {
            let message = format!(
                "An error occurred (InternalServerError) when calling the {api_operation} operation: call {call} refused"
            );
            // botocore raises DynamoDB's modeled InternalServerError as its own class;
            // S3 and CodePipeline do not model it, so it is a plain ClientError there.
            let error_type =
                if matches!(*api_operation, "PutItem" | "UpdateItem") { "InternalServerError" } else { "ClientError" };
            return PythonOutcome { world, error: Some((error_type.to_owned(), message)) };
        }
        match call {
            0 => world.cluster = Some(item.clone()),
            1 => world.objects.push(format!("clusters/{cluster_id}/spec.json")),
            2 => world.pipelines.push(format!("eks-{cluster_id}")),
            3 => world.executions += 1,
            4 => {
                if let Some(cluster) = world.cluster.as_mut() {
                    cluster.insert("pipeline_execution_id", execution.as_str());
                }
            }
            5 => world.audit.push(audit_event(
                2,
                "CLUSTER_REQUESTED",
                PyDict::new()
                    .with("environment", "dev")
                    .with("cluster_type", "general")
                    .with("warnings", PyValue::int(1)),
            )),
            _ => world.audit.push(audit_event(
                3,
                "PIPELINE_STARTED",
                PyDict::new()
                    .with("pipeline_name", format!("eks-{cluster_id}"))
                    .with("execution_id", execution.as_str()),
            )),
        }
    }
    world.idempotency_records = 1;
    PythonOutcome { world, error: None }
}

fn world_of(handler: &Handler) -> World {
    World {
        cluster: handler.clusters.items().into_iter().next(),
        objects: handler.pipelines.objects().into_iter().map(|(_, key, _)| key).collect(),
        pipelines: handler.pipelines.pipeline_names(),
        executions: handler.pipelines.executions().len(),
        audit: handler.audit.items(),
        idempotency_records: handler.idempotency.len(),
    }
}

fn expected_python_body(python_response: &Value) -> PyDict {
    let python_body = python_response["body"].as_str().unwrap_or_default();
    let substitution = Substitution {
        python_cluster_id: "payments-dev-general-1-7ac73188".to_owned(),
        expected_cluster_id: format!("payments-dev-general-1-{}", hex_id(1)),
        python_execution_id: "88dfd804-c588-431e-9f1a-d5b33c2fd4fc".to_owned(),
        expected_execution_id: execution_id(1),
    };
    assert!(
        python_body.contains(&substitution.python_cluster_id)
            && python_body.contains(&substitution.python_execution_id)
    );
    let timestamp = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00").expect("regex");
    match python_json::loads(&substitution.apply(python_body, &timestamp)) {
        Ok(PyValue::Dict(body)) => body,
        other => panic!("the fixture body is a JSON object: {other:?}"),
    }
}

#[tokio::test]
async fn every_combination_of_failing_calls_leaves_what_pythons_order_leaves() {
    let (event, python_response) = fixture();
    let python_body = expected_python_body(&python_response);
    let event = with_idempotency_key(event, "retry-safe-1");
    for combination in 0u32..(1 << CALLS.len()) {
        let failing: Vec<usize> = (0..CALLS.len()).filter(|call| combination & (1 << call) != 0).collect();
        let handler = handler();
        for call in &failing {
            inject(&handler, *call);
        }
        let expected = python_order(&failing, &python_body);
        let answer = handler.handle(event.clone()).await;
        match (&answer, &expected.error) {
            (Err(error), Some((error_type, message))) => {
                assert_eq!((&error.error_type, &error.message), (error_type, message), "failing {failing:?}");
            }
            (Ok(response), None) => {
                assert_eq!(response["statusCode"], 201);
                assert_eq!(
                    python_json::loads(response["body"].as_str().unwrap_or_default()).ok(),
                    Some(PyValue::Dict(python_body.clone()))
                );
            }
            (answer, expected) => panic!("failing {failing:?}: answered {answer:?}, Python would have {expected:?}"),
        }
        let world = world_of(&handler);
        assert_eq!(world, expected.world, "failing {failing:?}");
        if expected.world.objects.len() == 1 {
            // The object holds the spec Python answered with.
            let object = handler
                .pipelines
                .objects()
                .into_iter()
                .next()
                .map(|(bucket, _, body)| (bucket, body))
                .unwrap_or_default();
            assert_eq!(object.0, BUCKET);
            let spec =
                serde_json::from_str::<Value>(&python_json::dumps(python_body.get("spec").unwrap_or(&PyValue::None)))
                    .ok();
            assert_eq!(serde_json::from_str::<Value>(&object.1).ok(), spec, "failing {failing:?}");
        }
    }
}

#[tokio::test]
async fn the_compensation_deletes_exactly_the_events_written_too_early() {
    let (event, _) = fixture();
    // UpdateItem fails: both audit events were written concurrently and are deleted.
    let handler = handler();
    handler.clusters.fail("set_attributes", "ProvisionedThroughputExceededException", "slow down");
    let error = handler.handle(event.clone()).await.expect_err("UpdateItem's error escapes");
    assert_eq!(
        error.message,
        "An error occurred (ProvisionedThroughputExceededException) when calling the UpdateItem operation: slow down"
    );
    let removed: Vec<String> = handler.audit.calls().into_iter().filter(|call| call.starts_with("remove")).collect();
    assert_eq!(removed, [format!("remove {NOW}#00000002"), format!("remove {NOW}#00000003")]);
    assert!(handler.audit.items().is_empty());

    // CLUSTER_REQUESTED fails: only PIPELINE_STARTED is deleted.
    let handler = self::handler();
    handler.audit.fail("append CLUSTER_REQUESTED", "InternalServerError", "no");
    handler.handle(event.clone()).await.expect_err("PutItem's error escapes");
    let removed: Vec<String> = handler.audit.calls().into_iter().filter(|call| call.starts_with("remove")).collect();
    assert_eq!(removed, [format!("remove {NOW}#00000003")]);

    // PIPELINE_STARTED fails: nothing to delete.
    let handler = self::handler();
    handler.audit.fail("append PIPELINE_STARTED", "InternalServerError", "no");
    handler.handle(event.clone()).await.expect_err("PutItem's error escapes");
    assert!(!handler.audit.calls().iter().any(|call| call.starts_with("remove")));
    assert_eq!(handler.audit.event_types(&format!("payments-dev-general-1-{}", hex_id(1))), ["CLUSTER_REQUESTED"]);
}

#[tokio::test]
async fn a_failed_compensation_still_answers_pythons_error() {
    let (event, _) = fixture();
    let handler = handler();
    handler.clusters.fail("set_attributes", "InternalServerError", "update refused");
    handler.audit.fail("remove", "InternalServerError", "delete refused");
    let error = handler.handle(event).await.expect_err("UpdateItem's error escapes");
    assert_eq!(error.error_type, "InternalServerError");
    assert_eq!(
        error.message,
        "An error occurred (InternalServerError) when calling the UpdateItem operation: update refused"
    );
    // The known divergence: the events stay (and are logged) when DeleteItem fails.
    assert_eq!(handler.audit.items().len(), 2);
}

#[tokio::test]
async fn the_calls_follow_pythons_order_up_to_the_concurrent_writes() {
    let (event, _) = fixture();
    let handler = handler();
    handler.handle(event).await.expect("201");
    let cluster_id = format!("payments-dev-general-1-{}", hex_id(1));
    assert_eq!(handler.clusters.calls(), [format!("put_new {cluster_id}"), format!("set_attributes {cluster_id}")]);
    assert_eq!(
        handler.pipelines.calls(),
        [
            format!("put_spec_object clusters/{cluster_id}/spec.json"),
            format!("create_pipeline eks-{cluster_id}"),
            format!("start_execution eks-{cluster_id}")
        ]
    );
    let (definition, tags) = handler.pipelines.pipeline(&format!("eks-{cluster_id}")).expect("the pipeline");
    assert_eq!((definition.role_arn.as_str(), definition.artifact_bucket.as_str()), (ROLE, BUCKET));
    let stages: Vec<&str> = definition.stages.iter().map(|stage| stage.name.as_str()).collect();
    assert_eq!(stages, ["Source", "Plan", "Apply", "Verify"]);
    let tag_keys: Vec<&str> = tags.iter().map(|tag| tag.key.as_str()).collect();
    assert_eq!(
        tag_keys,
        ["cost-center", "owner", "data-classification", "cluster-id", "team", "environment", "managed-by"]
    );
}

#[tokio::test]
async fn bad_requests_are_not_stored_and_failures_leave_no_record() {
    let (event, _) = fixture();
    // A body that is not a spec: 400, and the key stays free.
    let handler = handler();
    let mut not_a_spec = with_idempotency_key(event.clone(), "k-400");
    not_a_spec["body"] = json!("{\"name\": 7}");
    let first = handler.handle(not_a_spec.clone()).await.expect("an answer");
    assert_eq!(first["statusCode"], 400);
    assert!(handler.idempotency.record("k-400").is_none());
    let again = handler.handle(not_a_spec).await.expect("an answer");
    assert_eq!(header(&again, "Idempotent-Replayed"), None);
    // The key is then usable for a good body.
    let created = handler.handle(with_idempotency_key(event.clone(), "k-400")).await.expect("an answer");
    assert_eq!(created["statusCode"], 201);
    assert_eq!(handler.idempotency.record("k-400").map(|record| record.status_code), Some(201));

    // A failed create leaves no record: the retry provisions (a new cluster id).
    let handler = self::handler();
    handler.pipelines.fail("start_execution", "InternalServerError", "later");
    let event = with_idempotency_key(event, "k-retry");
    handler.handle(event.clone()).await.expect_err("StartPipelineExecution fails");
    assert!(handler.idempotency.is_empty());
    let calls_before = handler.idempotency.calls();
    assert_eq!(calls_before, ["get k-retry"]);
}

#[tokio::test]
async fn replays_reuse_and_bad_keys() {
    let (event, _) = fixture();
    let handler = handler();
    let keyed = with_idempotency_key(event.clone(), "k-1");
    let first = handler.handle(keyed.clone()).await.expect("201");
    let replay = handler.handle(keyed).await.expect("the replay");
    assert_eq!(replay["body"], first["body"]);
    assert_eq!(replay["statusCode"], 201);
    assert_eq!(header(&replay, "Location"), header(&first, "Location"));
    assert_eq!(header(&replay, "Idempotent-Replayed"), Some("true"));
    let header_names: Vec<&String> =
        replay["multiValueHeaders"].as_object().map(|headers| headers.keys().collect()).unwrap_or_default();
    assert_eq!(header_names, ["Location", "Idempotent-Replayed", "Content-Type"]);
    assert_eq!(handler.clusters.len(), 1, "a replay provisions nothing");

    let mut other_body = with_idempotency_key(event.clone(), "k-1");
    other_body["body"] = json!(
        other_body["body"].as_str().unwrap_or_default().replace("payments-dev-general-1", "payments-dev-general-9")
    );
    let reused = handler.handle(other_body).await.expect("422");
    assert_eq!(reused["statusCode"], 422);
    assert_eq!(
        reused["body"],
        r#"{"statusCode":422,"message":"Idempotency-Key was already used with a different request body"}"#
    );

    for key in [String::new(), "k".repeat(256)] {
        let answer = handler.handle(with_idempotency_key(event.clone(), &key)).await.expect("400");
        assert_eq!(answer["statusCode"], 400);
        assert_eq!(answer["body"], r#"{"statusCode":400,"message":"Idempotency-Key must be 1 to 255 characters"}"#);
    }
    let longest = handler.handle(with_idempotency_key(event, &"k".repeat(255))).await.expect("201");
    assert_eq!(longest["statusCode"], 201);
}

#[tokio::test]
async fn other_routes_get_powertools_404_and_non_proxy_events_raise() {
    let (mut event, _) = fixture();
    event["httpMethod"] = json!("GET");
    let answer = handler().handle(event).await.expect("an answer");
    assert_eq!(answer["statusCode"], 404);
    assert_eq!(answer["body"], r#"{"statusCode":404,"message":"Not found"}"#);
    let error = handler().handle(json!({"path": "/clusters"})).await.expect_err("KeyError");
    assert_eq!(error.error_type, "KeyError");
}
