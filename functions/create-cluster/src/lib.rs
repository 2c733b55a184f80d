//! create-cluster: `POST /clusters`. Validates the spec (400 when it is not a spec, 422
//! when it breaks the rules), stores the cluster as PENDING, puts the spec in the
//! artifact bucket, creates and starts the `eks-<cluster_id>` pipeline, records the
//! audit trail and answers 201 with the cluster. An `Idempotency-Key` header makes
//! retries safe: the same key and body get the first answer again (status, body bytes,
//! `Location`, plus `Idempotent-Replayed: true`); the same key with another body gets 422.
//!
//! # Order of the AWS calls
//!
//! Python makes seven calls one after the other: PutItem of the cluster, S3 PutObject
//! of the spec, CreatePipeline, StartPipelineExecution, UpdateItem
//! `pipeline_execution_id`, PutItem of the CLUSTER_REQUESTED audit event, PutItem of the
//! PIPELINE_STARTED audit event. The outcome here is Python's in every case, including
//! when any call (or any set of calls) fails: the same answer or the same escaped
//! botocore error (the first failure in Python's order), and the same items, object and
//! pipeline left behind. The calls run in four steps:
//!
//! 1. PutItem of the cluster (`attribute_not_exists(cluster_id)`), alone: nothing else
//!    may exist for a cluster whose item could not be written.
//! 2. S3 PutObject of the spec, alone. It cannot overlap CreatePipeline: CodePipeline
//!    starts an execution by itself when a pipeline is created (the `CreatePipeline`
//!    trigger), and that execution's Source action reads the spec object. Deleting the
//!    pipeline when PutObject fails would not undo that execution either: it has
//!    already sent its EventBridge events, and pipeline-status acts on them. So no
//!    compensation is sound here, and the calls stay in Python's order.
//! 3. CreatePipeline, then StartPipelineExecution (it needs the pipeline).
//! 4. Concurrently: UpdateItem `pipeline_execution_id`, the CLUSTER_REQUESTED audit
//!    and the PIPELINE_STARTED audit. None reads what another writes; the two audit
//!    items are stamped (clock and `token_hex`) in Python's order before the writes, so
//!    PIPELINE_STARTED's `event_key` still sorts after CLUSTER_REQUESTED's. When one of
//!    them fails, the audit events Python would not have reached (those after the
//!    first failure in Python's order) are deleted again by their exact key
//!    (DeleteItem): an audit item is append-only, its key is new and unique, and only
//!    get-cluster-events reads it, so deleting it leaves the table exactly as Python's
//!    order would. The UpdateItem needs no compensation: it comes first in Python's
//!    order, so every failure that matters here happens after it in Python as well.
//!    Should a compensating DeleteItem itself fail, the answer is still Python's error
//!    and the stray event is logged with its key (a warning) for an operator.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{
    AuditLog, Clock, ClusterSpec, ClusterStore, IdGenerator, IdempotencyStore, PipelineService, PortError, PyDict,
    PyValue, check_spec, has_errors, python_json,
};
use cluster_domain::{
    CLUSTER_REQUESTED, PIPELINE_STARTED, audit_item, cluster_requested_details, pipeline_started_details,
};
use cluster_domain::{KEY_REUSED_MESSAGE, key_length_message, key_length_ok, new_record, request_hash};
use cluster_domain::{Severity, Violation};
use cluster_domain::{SpecRejection, parse_cluster_spec, read_body_text};
use cluster_domain::{build_pipeline, pipeline_name, pipeline_tags, spec_object_key};
use cluster_domain::{new_cluster_id, new_cluster_item, spec_rejected_body, spec_violates_rules_body};
use cluster_http::{
    FunctionError, ProxyRequest, ProxyResponse, Route, body_text_for_hash, json_loads_type_error, json_response,
};
use cluster_lambda::python_access;
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("POST", "/clusters");

/// The function's environment.
#[derive(Debug, Clone)]
pub struct CreateClusterConfig {
    /// The boundary the spec's `security.permission_boundary_arn` must name
    /// (`ORG_PERMISSION_BOUNDARY_ARN`).
    pub org_permission_boundary_arn: String,
    /// The role the cluster's pipeline runs as (`PIPELINE_ROLE_ARN`).
    pub pipeline_role_arn: String,
    /// The bucket the spec object and the pipeline's artifacts go to (`ARTIFACT_BUCKET`).
    pub artifact_bucket: String,
}

/// The handler and the ports it uses.
#[derive(Debug, Clone)]
pub struct CreateCluster<S, A, P, K, C, I> {
    /// The clusters table the new cluster is written to.
    pub clusters: S,
    /// The audit table, for `CLUSTER_REQUESTED` and `PIPELINE_STARTED`.
    pub audit: A,
    /// S3 and CodePipeline: the spec object, the pipeline and its execution.
    pub pipelines: P,
    /// The idempotency table, read and written when the request has an
    /// `Idempotency-Key` header.
    pub idempotency: K,
    /// Stamps `created_at`, the audit events and idempotency records.
    pub clock: C,
    /// The cluster id's and the audit event keys' random suffixes.
    pub ids: I,
    /// The function's environment.
    pub config: CreateClusterConfig,
}

fn not_a_spec(violations: &[Violation]) -> ProxyResponse {
    json_response(400, &PyValue::Dict(spec_rejected_body(violations)))
}

fn answer(status_code: u16, body: String, location: Option<&str>, replayed: bool) -> ProxyResponse {
    let mut response = ProxyResponse::json(status_code, body);
    if let Some(location) = location.filter(|location| !location.is_empty()) {
        response = response.with_header("Location", location);
    }
    if replayed {
        response = response.with_header("Idempotent-Replayed", "true");
    }
    response
}

impl<S, A, P, K, C, I> CreateCluster<S, A, P, K, C, I>
where
    S: ClusterStore,
    A: AuditLog,
    P: PipelineService,
    K: IdempotencyStore,
    C: Clock,
    I: IdGenerator,
{
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(_) => self.create(&request).await?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    async fn create(&self, request: &ProxyRequest) -> Result<ProxyResponse, FunctionError> {
        // The header may hold any JSON type; `len()` refuses numbers and booleans.
        let idempotency_key = request.header("Idempotency-Key")?;
        if let Some(key) = &idempotency_key {
            let length = python_access::len(key)?;
            let in_range = match key.as_str() {
                Some(text) => key_length_ok(text),
                None => (1..=255).contains(&length),
            };
            if !in_range {
                return Ok(ProxyResponse::service_error(400, &key_length_message()));
            }
        }
        let body_of_another_type = request.body_of_another_type()?;
        let body_text = match body_of_another_type {
            Some(_) => None,
            None => match read_body_text(request.raw_body(), request.is_base64_encoded()) {
                Ok(text) => text,
                Err(SpecRejection::Rejected(violations)) => return Ok(not_a_spec(&violations)),
                Err(SpecRejection::Unhandled { error_type, message }) => {
                    return Err(FunctionError::new(error_type, message));
                }
            },
        };
        let body_hash = match body_of_another_type {
            Some(body) => request_hash(Some(&body_text_for_hash(body)?)),
            None => request_hash(body_text.as_deref()),
        };
        // `if idempotency_key:` (an empty key was refused above).
        let idempotency_key = match idempotency_key {
            Some(Value::String(key)) => Some(key),
            Some(other) if python_access::truthy(&other) => {
                // DynamoDB refuses a key attribute of another type than the table's S.
                return Err(FunctionError::from_port(
                    PortError::service(
                        "GetItem",
                        "ValidationException",
                        "The provided key element does not match the schema",
                    ),
                    "GetItem",
                ));
            }
            Some(_) | None => None,
        };
        if let Some(key) = &idempotency_key {
            let previous =
                self.idempotency.get(key).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?;
            if let Some(previous) = previous {
                if previous.request_hash != body_hash {
                    return Ok(ProxyResponse::service_error(422, KEY_REUSED_MESSAGE));
                }
                return Ok(answer(previous.status_code, previous.response_body, previous.location.as_deref(), true));
            }
        }
        if let Some(body) = body_of_another_type {
            return Err(json_loads_type_error(body));
        }
        let spec = match parse_cluster_spec(body_text.as_deref()) {
            Ok(spec) => spec,
            Err(SpecRejection::Rejected(violations)) => return Ok(not_a_spec(&violations)),
            Err(SpecRejection::Unhandled { error_type, message }) => {
                return Err(FunctionError::new(error_type, message));
            }
        };
        let violations = check_spec(&spec, &self.config.org_permission_boundary_arn);
        let now = self.clock.now();
        let (status_code, body, location) = if has_errors(&violations) {
            (422, python_json::dumps(&PyValue::Dict(spec_violates_rules_body(&violations))), None)
        } else {
            let warnings: Vec<Violation> =
                violations.into_iter().filter(|violation| violation.severity != Severity::Error).collect();
            // Python reads the caller as an argument of `_create`, before any write.
            let actor = request.caller()?;
            let (body, location) = self.provision(&spec, &warnings, &now.isoformat(), actor).await?;
            (201, body, Some(location))
        };
        if let Some(key) = &idempotency_key {
            let record = new_record(key, &body_hash, status_code, &body, &now, location.as_deref());
            self.idempotency
                .put_if_absent(&record)
                .await
                .map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        }
        Ok(answer(status_code, body, location.as_deref(), false))
    }

    /// Stores the cluster and starts its pipeline (see the crate docs for the order).
    /// Returns the 201 body and the `Location`.
    async fn provision(
        &self,
        spec: &ClusterSpec,
        warnings: &[Violation],
        now: &str,
        actor: PyValue,
    ) -> Result<(String, String), FunctionError> {
        let cluster_id = new_cluster_id(spec, &self.ids.token_hex4());
        let name = pipeline_name(&cluster_id);
        let mut item = new_cluster_item(&cluster_id, spec, warnings, now, actor.clone());
        self.clusters.put_new(&item).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;

        let object_key = spec_object_key(&cluster_id);
        self.pipelines
            .put_spec_object(&self.config.artifact_bucket, &object_key, &spec.model_dump_json())
            .await
            .map_err(|error| FunctionError::from_port(error, "PutObject"))?;

        let definition =
            build_pipeline(&cluster_id, spec, &self.config.pipeline_role_arn, &self.config.artifact_bucket);
        self.pipelines
            .create_pipeline(&definition, &pipeline_tags(&cluster_id, spec))
            .await
            .map_err(|error| FunctionError::from_port(error, "CreatePipeline"))?;
        let execution_id = self
            .pipelines
            .start_execution(&name)
            .await
            .map_err(|error| FunctionError::from_port(error, "StartPipelineExecution"))?;

        let requested = audit_item(
            &self.clock,
            &self.ids,
            &cluster_id,
            CLUSTER_REQUESTED,
            actor.clone(),
            cluster_requested_details(spec.environment.as_str(), spec.cluster_type.as_str(), warnings.len()),
        );
        let started = audit_item(
            &self.clock,
            &self.ids,
            &cluster_id,
            PIPELINE_STARTED,
            actor,
            pipeline_started_details(&name, &execution_id),
        );
        let execution_attribute = PyDict::new().with("pipeline_execution_id", execution_id.as_str());
        let (updated, requested_written, started_written) = futures::join!(
            self.clusters.set_attributes(&cluster_id, &execution_attribute),
            self.audit.append(&requested),
            self.audit.append(&started),
        );
        // In Python's order, with the audit event each write put (to delete it again).
        let writes = [
            ("UpdateItem", updated, None),
            ("PutItem", requested_written, requested.get_str("event_key")),
            ("PutItem", started_written, started.get_str("event_key")),
        ];
        self.settle_concurrent_writes(&cluster_id, writes).await?;
        item.insert("pipeline_execution_id", execution_id.as_str());

        Ok((python_json::dumps(&PyValue::Dict(item)), format!("/clusters/{cluster_id}")))
    }

    /// Step 4's outcome as Python's sequential order would have it: when a write failed,
    /// the audit events written after it in Python's order are deleted, and the first
    /// failure is the error. `writes` are `(operation, result, audit event_key)`.
    async fn settle_concurrent_writes(
        &self,
        cluster_id: &str,
        writes: [(&str, Result<(), PortError>, Option<&str>); 3],
    ) -> Result<(), FunctionError> {
        let Some(first_failure) = writes.iter().position(|(_, result, _)| result.is_err()) else {
            return Ok(());
        };
        let written_too_early: Vec<&str> = writes[first_failure + 1..]
            .iter()
            .filter(|(_, result, _)| result.is_ok())
            .filter_map(|(_, _, event_key)| *event_key)
            .collect();
        let removals = written_too_early.iter().map(|event_key| self.audit.remove(cluster_id, event_key));
        for (event_key, removal) in written_too_early.iter().zip(futures::future::join_all(removals).await) {
            if let Err(error) = removal {
                tracing::warn!(cluster_id, event_key, %error, "could not delete an audit event written ahead of a failed call");
            }
        }
        match writes.into_iter().nth(first_failure) {
            Some((operation, Err(error), _)) => Err(FunctionError::from_port(error, operation)),
            _ => Ok(()),
        }
    }
}
