//! decommission-cluster: `DELETE /clusters/{cluster_id}`. 202 and status DECOMMISSIONING
//! from PENDING, ACTIVE or FAILED (a conditional write, so a concurrent change loses
//! with 409), 409 from any other status, 404 if unknown.
//!
//! Python reads the caller only after the status change, so an event without
//! `requestContext.identity` (ALB, a Lambda authorizer's context) changes the status
//! and then fails with `KeyError`, without the audit event; this handler does the same.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{AuditLog, Clock, ClusterStore, IdGenerator, PortError, PyDict, PyValue, StatusChange};
use cluster_domain::{DECOMMISSION_REQUESTED, audit_item, decommission_details};
use cluster_domain::{DECOMMISSIONABLE, DECOMMISSIONING, can_decommission, required};
use cluster_domain::{cannot_decommission_message, decommission_body, decommission_race_message};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("DELETE", "/clusters/<cluster_id>");

/// The handler and the ports it uses.
#[derive(Debug, Clone)]
pub struct DecommissionCluster<S, A, C, I> {
    /// The clusters table: the status is read and changed there.
    pub clusters: S,
    /// The audit table, for the `DECOMMISSION_REQUESTED` event.
    pub audit: A,
    /// Stamps `updated_at`, `decommission_requested_at` and the audit event.
    pub clock: C,
    /// The audit event key's random suffix.
    pub ids: I,
}

impl<S: ClusterStore, A: AuditLog, C: Clock, I: IdGenerator> DecommissionCluster<S, A, C, I> {
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(parameters) => self.decommission(&request, &parameters[0].1).await?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    async fn decommission(&self, request: &ProxyRequest, cluster_id: &str) -> Result<ProxyResponse, FunctionError> {
        let Some(item) =
            self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?
        else {
            return Ok(ProxyResponse::cluster_not_found(cluster_id));
        };
        // `item["status"]`: a stored cluster without a status is a KeyError.
        let status = required(&item, "status")?.python_str();
        if !can_decommission(&status) {
            return Ok(ProxyResponse::service_error(409, &cannot_decommission_message(cluster_id, &status)));
        }
        let now = self.clock.now().isoformat();
        let change = StatusChange {
            cluster_id: cluster_id.to_owned(),
            new_status: DECOMMISSIONING.to_owned(),
            allowed_from: DECOMMISSIONABLE.iter().map(|status| (*status).to_owned()).collect(),
            updated_at: now.clone(),
            extra: PyDict::new().with("decommission_requested_at", now.as_str()),
        };
        let previous = match self.clusters.change_status(&change).await {
            Ok(previous) => previous,
            Err(PortError::ConditionFailed) => {
                return Ok(ProxyResponse::service_error(409, &decommission_race_message(cluster_id)));
            }
            Err(error) => return Err(FunctionError::from_port(error, "UpdateItem")),
        };
        let actor = request.caller()?;
        let details = decommission_details(&previous, DECOMMISSIONING);
        let audit_event = audit_item(&self.clock, &self.ids, cluster_id, DECOMMISSION_REQUESTED, actor, details);
        self.audit.append(&audit_event).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        Ok(json_response(202, &PyValue::Dict(decommission_body(cluster_id, &previous, &now))))
    }
}
