//! The EKS cluster platform's domain, pure: no AWS SDK, no Lambda runtime, no async
//! runtime. It reproduces the Python original (`legacy-python/cluster_platform`) so
//! exactly that the Rust functions answer byte for byte alike.
//!
//! - [`value`] and [`python_json`]: Python values and Python's JSON/`repr` formats.
//! - [`spec`]: the cluster spec and pydantic's validation of it.
//! - [`rules`] (with [`ipaddress`]): the organisation's validation rules, and
//!   [`validate`]: the validate-cluster-spec answer.
//! - [`http_quirks`]: body decoding, `int()` for `limit`, paging tokens.
//! - [`compliance`]: the eight compliance findings; [`status`]: the status
//!   transitions; [`audit`], [`idempotency`] and [`views`]: the items stored and the
//!   bodies answered, in Python's key order.
//! - [`pipeline`]: the provisioning pipeline definition and tags.
//! - [`ports`]: the async traits handlers are generic over (store, audit, pipeline,
//!   idempotency, clock, ids); [`fakes`] holds in-memory implementations.
//! - [`time`]: timestamps as `datetime.isoformat()` writes them.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod audit;
mod compliance;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
mod http_quirks;
mod idempotency;
mod ipaddress;
mod pipeline;
mod ports;
pub mod python_json;
mod rules;
mod spec;
mod status;
mod time;
mod unicode_tables;
mod validate;
mod value;
mod views;

pub use crate::audit::{
    CLUSTER_REQUESTED, COMPLIANCE_CHECKED, DECOMMISSION_REQUESTED, PIPELINE_STARTED, STATUS_CHANGED, audit_item,
    cluster_requested_details, decommission_details, events_body, pipeline_started_details, status_changed_details,
};
pub use crate::compliance::{check_compliance, compliance_audit_details, compliance_body, compliance_summary};
pub use crate::http_quirks::{
    QueryRejection, SpecRejection, parse_cluster_spec, parse_events_query, parse_list_clusters_query, read_body_text,
    urlsafe_b64decode,
};
pub use crate::idempotency::{KEY_REUSED_MESSAGE, key_length_message, key_length_ok, new_record, request_hash};
pub use crate::pipeline::{
    PipelineDefinition, PipelineTag, build_pipeline, pipeline_name, pipeline_tags, spec_object_key,
};
pub use crate::ports::{
    AuditLog, Clock, ClusterListQuery, ClusterStore, IdGenerator, IdempotencyRecord, IdempotencyStore, Page,
    PipelineService, PortError, RandomIds, StatusChange, SystemClock,
};
pub use crate::rules::{Severity, Violation, check_spec, compile_patterns, has_errors};
pub use crate::spec::{ClusterSpec, ClusterType, Environment, SchemaError, parse_spec};
pub use crate::status::{
    DECOMMISSIONABLE, DECOMMISSIONING, PENDING, PIPELINE_ACTOR, PipelineEventDecision, UNKNOWN_CLUSTER,
    can_decommission, decide_pipeline_event,
};
pub use crate::time::Timestamp;
pub use crate::validate::{ValidateAnswer, validate_request};
pub use crate::value::{PyDict, PyInt, PyValue};
pub use crate::views::{
    MissingAttribute, cannot_decommission_message, cluster_not_found_message, cluster_view, decommission_body,
    decommission_race_message, error_body, list_body, new_cluster_id, new_cluster_item, pipeline_event_changed,
    pipeline_event_ignored, pipeline_event_unchanged, required, route_not_found_body, spec_rejected_body,
    spec_violates_rules_body,
};
