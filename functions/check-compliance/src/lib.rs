//! check-compliance: `POST /clusters/{cluster_id}/compliance`. Runs the guardrails over
//! the stored spec, stores the summary on the cluster (`compliance`), audits the check
//! and answers 200 with every finding; 404 if unknown.
//!
//! Python reads the caller after storing the summary: an event without
//! `requestContext.identity` stores it and then fails with `KeyError`, unaudited.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{AuditLog, Clock, ClusterStore, IdGenerator, PyDict, PyValue};
use cluster_domain::{COMPLIANCE_CHECKED, audit_item};
use cluster_domain::{check_compliance, compliance_audit_details, compliance_body, compliance_summary};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("POST", "/clusters/<cluster_id>/compliance");

/// The handler and the ports it uses.
#[derive(Debug, Clone)]
pub struct CheckCompliance<S, A, C, I> {
    /// The clusters table: the spec is read from it and the summary stored on it.
    pub clusters: S,
    /// The audit table, for the `COMPLIANCE_CHECKED` event.
    pub audit: A,
    /// Stamps the summary's check time and the audit event.
    pub clock: C,
    /// The audit event key's random suffix.
    pub ids: I,
    /// The boundary the permission-boundary finding requires
    /// (`ORG_PERMISSION_BOUNDARY_ARN`).
    pub org_permission_boundary_arn: String,
}

impl<S: ClusterStore, A: AuditLog, C: Clock, I: IdGenerator> CheckCompliance<S, A, C, I> {
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(parameters) => self.check(&request, &parameters[0].1).await?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    async fn check(&self, request: &ProxyRequest, cluster_id: &str) -> Result<ProxyResponse, FunctionError> {
        let Some(item) =
            self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?
        else {
            return Ok(ProxyResponse::cluster_not_found(cluster_id));
        };
        // `item.get("spec") or {}`
        let spec = match item.get("spec") {
            Some(PyValue::Dict(spec)) => spec.clone(),
            _ => PyDict::new(),
        };
        let findings = check_compliance(&spec, &self.org_permission_boundary_arn);
        let checked_at = self.clock.now().isoformat();
        let summary = compliance_summary(&findings, &checked_at);
        self.clusters
            .set_attributes(cluster_id, &PyDict::new().with("compliance", summary.clone()))
            .await
            .map_err(|error| FunctionError::from_port(error, "UpdateItem"))?;
        let actor = request.caller()?;
        let audit_event = audit_item(
            &self.clock,
            &self.ids,
            cluster_id,
            COMPLIANCE_CHECKED,
            actor,
            compliance_audit_details(&summary),
        );
        self.audit.append(&audit_event).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        Ok(json_response(200, &PyValue::Dict(compliance_body(cluster_id, &summary, &findings))))
    }
}
