//! create-cluster: `POST /clusters`. Validates the spec (400 when it is not a spec, 422
//! when it breaks the rules), stores the cluster as PENDING, puts the spec in the
//! artifact bucket, creates and starts the `eks-<cluster_id>` pipeline, records the
//! audit trail and answers 201 with the cluster. An `Idempotency-Key` header makes
//! retries safe: the same key and body get the first answer again (status, body bytes,
//! `Location`, plus `Idempotent-Replayed: true`); the same key with another body gets 422.
//!
//! # Order of the AWS calls
//!
//! Python makes seven calls one after the other. Here they run in three steps:
//!
//! 1. PutItem of the cluster (`attribute_not_exists(cluster_id)`), alone: nothing else
//!    may exist for a cluster whose item could not be written.
//! 2. Concurrently: S3 PutObject of the spec, and CreatePipeline followed by
//!    StartPipelineExecution. The pipeline only reads the spec object when it runs,
//!    and CreatePipeline does not check the object exists, so neither waits for the other.
//! 3. Once the execution id is known, concurrently: UpdateItem `pipeline_execution_id`
//!    and the CLUSTER_REQUESTED audit; then PIPELINE_STARTED (its `event_key` must sort
//!    after CLUSTER_REQUESTED's, as in Python, so it is stamped after that write).
//!
//! The answer is the same as Python's in every case: 201 with the same body when every
//! call succeeds, and the same unhandled error (Lambda reports it, API Gateway answers
//! 502, no idempotency record) when one fails, the first failure in Python's order
//! being the one reported. What is written on a failure is the same with two
//! exceptions, documented here because they are the price of the fan-out:
//! - S3 PutObject fails but CreatePipeline succeeded: the pipeline exists (Python
//!   would not have created it). It is never started, and its cluster stays PENDING
//!   without `pipeline_execution_id`, exactly as in Python.
//! - UpdateItem fails but the CLUSTER_REQUESTED audit succeeded: the audit event exists
//!   (Python writes it after the update).

use cluster_domain::audit::{CLUSTER_REQUESTED, PIPELINE_STARTED, cluster_requested_details, pipeline_started_details};
use cluster_domain::http_quirks::{SpecRejection, parse_cluster_spec, read_body_text};
use cluster_domain::idempotency::{KEY_REUSED_MESSAGE, key_length_message, key_length_ok, new_record, request_hash};
use cluster_domain::pipeline::{build_pipeline, pipeline_name, pipeline_tags, spec_object_key};
use cluster_domain::rules::{Severity, Violation, violations_to_pyvalue};
use cluster_domain::status::PENDING;
use cluster_domain::{
    AuditLog, Clock, ClusterSpec, ClusterStore, IdGenerator, IdempotencyStore, PipelineService, PyDict, PyValue,
    check_spec, has_errors, python_json,
};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, audit_item, json_response};
use serde_json::Value;

pub const ROUTE: Route = Route::new("POST", "/clusters");

/// The function's environment.
#[derive(Debug, Clone)]
pub struct CreateClusterConfig {
    pub org_permission_boundary_arn: String,
    pub pipeline_role_arn: String,
    pub artifact_bucket: String,
}

#[derive(Debug, Clone)]
pub struct CreateCluster<S, A, P, K, C, I> {
    pub clusters: S,
    pub audit: A,
    pub pipelines: P,
    pub idempotency: K,
    pub clock: C,
    pub ids: I,
    pub config: CreateClusterConfig,
}

fn not_a_spec(violations: &[Violation]) -> ProxyResponse {
    let body = PyDict::new()
        .with("message", "request body is not a valid cluster spec")
        .with("violations", violations_to_pyvalue(violations));
    json_response(400, &PyValue::Dict(body))
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
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::from_event(&event).map_err(|error| FunctionError::new("KeyError", error.to_string()))?;
        if ROUTE.matches(&request.http_method, &request.path).is_none() {
            return Ok(ProxyResponse::not_found().to_event());
        }
        self.create(&request).await.map(|response| response.to_event())
    }

    async fn create(&self, request: &ProxyRequest) -> Result<ProxyResponse, FunctionError> {
        let idempotency_key = request.header("Idempotency-Key");
        if let Some(key) = idempotency_key
            && !key_length_ok(key)
        {
            return Ok(ProxyResponse::service_error(400, &key_length_message()));
        }
        let body_text = match read_body_text(request.raw_body(), request.is_base64_encoded()) {
            Ok(text) => text,
            Err(SpecRejection::Rejected(violations)) => return Ok(not_a_spec(&violations)),
            Err(SpecRejection::Unhandled { error_type, message }) => return Err(FunctionError::new(error_type, message)),
        };
        let body_hash = request_hash(body_text.as_deref());
        // An empty key is refused above, so a present key is always truthy here.
        if let Some(key) = idempotency_key {
            let previous = self.idempotency.get(key).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?;
            if let Some(previous) = previous {
                if previous.request_hash != body_hash {
                    return Ok(ProxyResponse::service_error(422, KEY_REUSED_MESSAGE));
                }
                return Ok(answer(previous.status_code, previous.response_body, previous.location.as_deref(), true));
            }
        }
        let spec = match parse_cluster_spec(body_text.as_deref()) {
            Ok(spec) => spec,
            Err(SpecRejection::Rejected(violations)) => return Ok(not_a_spec(&violations)),
            Err(SpecRejection::Unhandled { error_type, message }) => return Err(FunctionError::new(error_type, message)),
        };
        let violations = check_spec(&spec, &self.config.org_permission_boundary_arn);
        let now = self.clock.now();
        let (status_code, body, location) = if has_errors(&violations) {
            let body = PyDict::new()
                .with("message", "cluster spec violates the organisation's rules")
                .with("violations", violations_to_pyvalue(&violations));
            (422, python_json::dumps(&PyValue::Dict(body)), None)
        } else {
            let warnings: Vec<Violation> = violations.into_iter().filter(|violation| violation.severity != Severity::Error).collect();
            let (body, location) = self.provision(&spec, &warnings, &now.isoformat(), request.actor()).await?;
            (201, body, Some(location))
        };
        if let Some(key) = idempotency_key {
            let record = new_record(key, &body_hash, status_code, &body, &now, location.as_deref());
            self.idempotency.put_if_absent(&record).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        }
        Ok(answer(status_code, body, location.as_deref(), false))
    }

    /// Stores the cluster and starts its pipeline (see the crate docs for the order).
    /// Returns the 201 body and the `Location`.
    async fn provision(&self, spec: &ClusterSpec, warnings: &[Violation], now: &str, actor: &str) -> Result<(String, String), FunctionError> {
        let cluster_id = format!("{}-{}", spec.name, self.ids.token_hex4());
        let name = pipeline_name(&cluster_id);
        let mut item = PyDict::new()
            .with("cluster_id", cluster_id.as_str())
            .with("name", spec.name.as_str())
            .with("team", spec.team.as_str())
            .with("environment", spec.environment.as_str())
            .with("cluster_type", spec.cluster_type.as_str())
            .with("kubernetes_version", spec.kubernetes_version.as_str())
            .with("region", spec.region.as_str())
            .with("status", PENDING)
            .with("pipeline_name", name.as_str())
            .with("created_at", now)
            .with("updated_at", now)
            .with("created_by", actor)
            .with("spec", spec.model_dump())
            .with("warnings", violations_to_pyvalue(warnings));
        self.clusters.put_new(&item).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;

        let definition = build_pipeline(&cluster_id, spec, &self.config.pipeline_role_arn, &self.config.artifact_bucket);
        let tags = pipeline_tags(&cluster_id, spec);
        let spec_json = spec.model_dump_json();
        let object_key = spec_object_key(&cluster_id);
        let put_spec = self.pipelines.put_spec_object(&self.config.artifact_bucket, &object_key, &spec_json);
        let create_and_start = async {
            self.pipelines.create_pipeline(&definition, &tags).await.map_err(|error| FunctionError::from_port(error, "CreatePipeline"))?;
            self.pipelines.start_execution(&name).await.map_err(|error| FunctionError::from_port(error, "StartPipelineExecution"))
        };
        let (spec_written, execution_id) = futures::join!(put_spec, create_and_start);
        // Python's order decides which failure is reported: the spec object comes first.
        spec_written.map_err(|error| FunctionError::from_port(error, "PutObject"))?;
        let execution_id = execution_id?;

        let requested = audit_item(
            &self.clock,
            &self.ids,
            &cluster_id,
            CLUSTER_REQUESTED,
            actor,
            cluster_requested_details(spec.environment.as_str(), spec.cluster_type.as_str(), warnings.len()),
        );
        let execution_attribute = PyDict::new().with("pipeline_execution_id", execution_id.as_str());
        let (updated, audited) =
            futures::join!(self.clusters.set_attributes(&cluster_id, &execution_attribute), self.audit.append(&requested));
        updated.map_err(|error| FunctionError::from_port(error, "UpdateItem"))?;
        audited.map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        item.insert("pipeline_execution_id", execution_id.as_str());

        let started = audit_item(&self.clock, &self.ids, &cluster_id, PIPELINE_STARTED, actor, pipeline_started_details(&name, &execution_id));
        self.audit.append(&started).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        Ok((python_json::dumps(&PyValue::Dict(item)), format!("/clusters/{cluster_id}")))
    }
}
