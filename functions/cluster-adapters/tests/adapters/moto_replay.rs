//! The Rust functions against moto server through the real SDK clients: the corpus of
//! Python answers (`events/corpus.jsonl`) replayed in order, every answer compared with
//! the recorded one (status, headers and body bytes, after mapping generated ids and
//! masking timestamps), and the items and pipelines written checked against Python's
//! schema.
//!
//! `compensation` checks create-cluster's partial failures against the same moto,
//! beside the Python original. Needs the project venv (`scripts/setup-python.sh`):
//! `$CUTOVER_VENV` or `<repo>/.venv`.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::process::Command;

use crate::support::{self, create_resources, python, repo_root, start_moto};

use cluster_adapters::{AwsPipelineService, DynamoAuditLog, DynamoClusterStore, DynamoIdempotencyStore};
use cluster_domain::{ClusterStore, RandomIds, SystemClock};
use regex::Regex;
use serde_json::Value;

struct Functions {
    validate: validate_cluster_spec::ValidateClusterSpec,
    create: create_cluster::CreateCluster<
        DynamoClusterStore,
        DynamoAuditLog,
        AwsPipelineService,
        DynamoIdempotencyStore,
        SystemClock,
        RandomIds,
    >,
    get: get_cluster::GetCluster<DynamoClusterStore>,
    list: list_clusters::ListClusters<DynamoClusterStore>,
    decommission: decommission_cluster::DecommissionCluster<DynamoClusterStore, DynamoAuditLog, SystemClock, RandomIds>,
    compliance: check_compliance::CheckCompliance<DynamoClusterStore, DynamoAuditLog, SystemClock, RandomIds>,
    events: get_cluster_events::GetClusterEvents<DynamoClusterStore, DynamoAuditLog>,
    pipeline_status: pipeline_status::PipelineStatus<DynamoClusterStore, DynamoAuditLog, SystemClock, RandomIds>,
}

async fn functions(env: &HashMap<String, String>) -> Functions {
    let support::Clients { dynamodb, pipelines } = support::clients(env);
    let clusters = || DynamoClusterStore::new(dynamodb.clone(), &env["CLUSTERS_TABLE"]);
    let audit = || DynamoAuditLog::new(dynamodb.clone(), &env["AUDIT_TABLE"]);
    let boundary = env["ORG_PERMISSION_BOUNDARY_ARN"].clone();
    Functions {
        validate: validate_cluster_spec::ValidateClusterSpec { org_permission_boundary_arn: boundary.clone() },
        create: create_cluster::CreateCluster {
            clusters: clusters(),
            audit: audit(),
            pipelines,
            idempotency: DynamoIdempotencyStore::new(dynamodb.clone(), &env["IDEMPOTENCY_TABLE"]),
            clock: SystemClock,
            ids: RandomIds,
            config: create_cluster::CreateClusterConfig {
                org_permission_boundary_arn: boundary.clone(),
                pipeline_role_arn: env["PIPELINE_ROLE_ARN"].clone(),
                artifact_bucket: env["ARTIFACT_BUCKET"].clone(),
            },
        },
        get: get_cluster::GetCluster { clusters: clusters() },
        list: list_clusters::ListClusters { clusters: clusters() },
        decommission: decommission_cluster::DecommissionCluster {
            clusters: clusters(),
            audit: audit(),
            clock: SystemClock,
            ids: RandomIds,
        },
        compliance: check_compliance::CheckCompliance {
            clusters: clusters(),
            audit: audit(),
            clock: SystemClock,
            ids: RandomIds,
            org_permission_boundary_arn: boundary,
        },
        events: get_cluster_events::GetClusterEvents { clusters: clusters(), audit: audit() },
        pipeline_status: pipeline_status::PipelineStatus {
            clusters: clusters(),
            audit: audit(),
            clock: SystemClock,
            ids: RandomIds,
        },
    }
}

impl Functions {
    async fn invoke(&self, function: &str, event: Value) -> Result<Value, cluster_http::FunctionError> {
        match function {
            "validate-cluster-spec" => self.validate.handle(event).await,
            "create-cluster" => self.create.handle(event).await,
            "get-cluster" => self.get.handle(event).await,
            "list-clusters" => self.list.handle(event).await,
            "decommission-cluster" => self.decommission.handle(event).await,
            "check-compliance" => self.compliance.handle(event).await,
            "get-cluster-events" => self.events.handle(event).await,
            "pipeline-status" => self.pipeline_status.handle(event).await,
            other => panic!("unknown function {other}"),
        }
    }
}

/// Values the two runs generate differently, Python's → Rust's.
#[derive(Default)]
struct IdMap {
    python_to_rust: BTreeMap<String, String>,
}

impl IdMap {
    fn learn(&mut self, python: &str, rust: &str) {
        if python != rust {
            self.python_to_rust.insert(python.to_owned(), rust.to_owned());
        }
    }

    /// Replaces every known Python value in `text`, longest first.
    fn to_rust(&self, text: &str) -> String {
        let mut pairs: Vec<_> = self.python_to_rust.iter().collect();
        pairs.sort_by_key(|(python, _)| std::cmp::Reverse(python.len()));
        pairs.iter().fold(text.to_owned(), |text, (python, rust)| text.replace(python.as_str(), rust))
    }
}

struct Masks {
    timestamp: Regex,
    event_suffix: Regex,
    uuid: Regex,
}

impl Masks {
    fn new() -> Self {
        Masks {
            timestamp: Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00").expect("regex"),
            event_suffix: Regex::new(r"<TS>#[0-9a-f]{8}").expect("regex"),
            uuid: Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").expect("regex"),
        }
    }

    fn mask(&self, text: &str) -> String {
        let text = self.timestamp.replace_all(text, "<TS>");
        let text = self.event_suffix.replace_all(&text, "<TS>#<HEX>");
        self.uuid.replace_all(&text, "<UUID>").into_owned()
    }
}

/// Paging tokens are base64 of JSON holding ids and timestamps: compare what they hold.
fn decoded_token(token: &str) -> String {
    cluster_domain::urlsafe_b64decode(token.as_bytes())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| token.to_owned())
}

fn learn_from_bodies(ids: &mut IdMap, python: &Value, rust: &Value) {
    match (python, rust) {
        (Value::Object(python), Value::Object(rust)) => {
            for (key, python_value) in python {
                let Some(rust_value) = rust.get(key) else { continue };
                if let (Value::String(python_text), Value::String(rust_text)) = (python_value, rust_value)
                    && matches!(
                        key.as_str(),
                        "cluster_id" | "pipeline_execution_id" | "execution_id" | "event_id" | "pipeline_name"
                    )
                {
                    ids.learn(python_text, rust_text);
                }
                learn_from_bodies(ids, python_value, rust_value);
            }
        }
        (Value::Array(python), Value::Array(rust)) => {
            for (python, rust) in python.iter().zip(rust) {
                learn_from_bodies(ids, python, rust);
            }
        }
        _ => {}
    }
}

/// The comparable form of a response: status, headers and body with Rust's ids mapped
/// back to Python's (tokens by their content) and timestamps and uuids masked.
fn comparable(masks: &Masks, response: &Value, ids: &IdMap) -> String {
    let mut response = response.clone();
    if let Some(Value::String(body)) = response.get_mut("body")
        && let Ok(parsed) = serde_json::from_str::<Value>(body)
        && let Some(Value::String(token)) = parsed.get("next_token")
    {
        // Keep the exact bytes, with the token replaced by what it holds.
        *body = body.replace(token.as_str(), &ids.to_rust(&decoded_token(token)));
    }
    masks.mask(&response.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_replays_identically_against_moto() {
    if !python().exists() {
        panic!("the project venv is missing: run scripts/setup-python.sh (or set CUTOVER_VENV)");
    }
    let moto = start_moto();
    let env = create_resources(&moto.endpoint);
    let functions = functions(&env).await;
    let masks = Masks::new();
    let mut ids = IdMap::default();
    // Rust's values back to Python's, for comparing bodies.
    let mut per_route: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut mismatches = Vec::new();

    let corpus = std::fs::File::open(repo_root().join("events/corpus.jsonl")).expect("the corpus");
    for line in std::io::BufReader::new(corpus).lines() {
        let record: Value = serde_json::from_str(&line.expect("a line")).expect("a record");
        let function = record["function"].as_str().unwrap_or_default().to_owned();
        let route = record["route"].as_str().unwrap_or_default().to_owned();
        let event: Value = serde_json::from_str(&ids.to_rust(&record["event"].to_string())).expect("the mapped event");
        let rust = functions.invoke(&function, event).await;
        let tally = per_route.entry(route.clone()).or_default();
        tally.1 += 1;
        let identical = match (&rust, &record["error"]) {
            (Err(error), Value::Object(python_error)) => {
                python_error.get("errorType").and_then(Value::as_str) == Some(error.error_type.as_str())
            }
            (Ok(rust_response), Value::Null) => {
                let python_response = &record["response"];
                let (python_body, rust_body) = match (python_response.get("body"), rust_response.get("body")) {
                    (Some(Value::String(python)), Some(Value::String(rust))) => (
                        serde_json::from_str(python.as_str()).unwrap_or(Value::Null),
                        serde_json::from_str(rust.as_str()).unwrap_or(Value::Null),
                    ),
                    _ => (python_response.clone(), rust_response.clone()),
                };
                learn_from_bodies(&mut ids, &python_body, &rust_body);
                if let (Some(Value::Array(python)), Some(Value::Array(rust))) = (
                    python_response.pointer("/multiValueHeaders/Location"),
                    rust_response.pointer("/multiValueHeaders/Location"),
                ) && let (Some(Value::String(python)), Some(Value::String(rust))) = (python.first(), rust.first())
                {
                    ids.learn(python, rust);
                }
                let mut reverse = IdMap::default();
                for (python, rust) in &ids.python_to_rust {
                    reverse.learn(rust, python);
                }
                let rust_as_python =
                    serde_json::from_str::<Value>(&reverse.to_rust(&rust_response.to_string())).unwrap_or(Value::Null);
                let same = comparable(&masks, python_response, &IdMap::default())
                    == comparable(&masks, &rust_as_python, &reverse);
                // The tokens stand for the same position: later requests send Rust's.
                if let (Some(Value::String(python)), Some(Value::String(rust))) =
                    (python_body.get("next_token"), rust_body.get("next_token"))
                {
                    ids.learn(python, rust);
                }
                // The comparison can fail: an altered body must not compare equal.
                let mut altered = python_response.clone();
                if let Some(Value::String(body)) = altered.get_mut("body") {
                    body.push(' ');
                    assert_ne!(
                        comparable(&masks, python_response, &IdMap::default()),
                        comparable(&masks, &altered, &IdMap::default())
                    );
                }
                same
            }
            _ => false,
        };
        if identical {
            tally.0 += 1;
        } else {
            mismatches.push(format!(
                "{} {route}: python {} / rust {}",
                record["id"].as_str().unwrap_or_default(),
                masks.mask(&record["response"].to_string()).chars().take(400).collect::<String>(),
                match &rust {
                    Ok(value) => masks.mask(&value.to_string()).chars().take(400).collect::<String>(),
                    Err(error) => format!("{}: {}", error.error_type, error.message),
                }
            ));
        }
    }
    for (route, (matched, total)) in &per_route {
        eprintln!("{matched:>4}/{total:<4} {route}");
    }
    for mismatch in &mismatches {
        eprintln!("MISMATCH {mismatch}");
    }

    // The side effects: a created cluster's item and pipeline in Python's schema.
    let created = ids
        .python_to_rust
        .iter()
        .find(|(python, _)| python.starts_with("payments-dev-general-1-"))
        .map(|(_, rust)| rust.clone());
    let cluster_id = created.expect("the first scenario cluster was created");
    let item = functions.get.clusters.get(&cluster_id).await.expect("GetItem").expect("the item");
    let keys: Vec<&str> = item.keys().collect();
    assert_eq!(
        keys[..14],
        [
            "cluster_id",
            "name",
            "team",
            "environment",
            "cluster_type",
            "kubernetes_version",
            "region",
            "status",
            "pipeline_name",
            "created_at",
            "updated_at",
            "created_by",
            "spec",
            "warnings"
        ]
    );
    let spec_keys: Vec<&str> =
        item.get("spec").and_then(|spec| spec.as_dict()).map(|spec| spec.keys().collect()).unwrap_or_default();
    assert_eq!(
        spec_keys,
        [
            "name",
            "team",
            "environment",
            "cluster_type",
            "kubernetes_version",
            "region",
            "node_groups",
            "network",
            "security",
            "tags"
        ]
    );
    // moto writes GetPipeline's timestamps in a form the Rust SDK refuses, so the stored
    // pipeline is read with boto3, as the Python side would.
    let script = "import boto3, json, sys; c = boto3.client('codepipeline', endpoint_url=sys.argv[1], region_name='eu-west-1', aws_access_key_id='testing', aws_secret_access_key='testing'); p = c.get_pipeline(name=sys.argv[2])['pipeline']; print(json.dumps({'stages': [s['name'] for s in p['stages']], 'source': p['stages'][0]['actions'][0]['configuration'], 'roleArn': p['roleArn']}))";
    let output = Command::new(python())
        .args(["-c", script, &moto.endpoint, &format!("eks-{cluster_id}")])
        .output()
        .expect("boto3 runs");
    assert!(output.status.success(), "GetPipeline failed: {}", String::from_utf8_lossy(&output.stderr));
    let pipeline: Value = serde_json::from_slice(&output.stdout).expect("the pipeline JSON");
    assert_eq!(pipeline["stages"], serde_json::json!(["Source", "Plan", "Apply", "Verify"]));
    assert_eq!(pipeline["roleArn"], Value::String(env["PIPELINE_ROLE_ARN"].clone()));
    assert_eq!(
        pipeline["source"].to_string(),
        serde_json::json!({"S3Bucket": env["ARTIFACT_BUCKET"], "S3ObjectKey": format!("clusters/{cluster_id}/spec.json"), "PollForSourceChanges": "false"}).to_string()
    );
    drop(moto);

    let total: usize = per_route.values().map(|(_, total)| total).sum();
    let matched: usize = per_route.values().map(|(matched, _)| matched).sum();
    eprintln!("{matched}/{total} records identical");
    assert!(mismatches.is_empty(), "{} of {total} records differ (listed above)", mismatches.len());
}
