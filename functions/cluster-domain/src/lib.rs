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

pub mod audit;
pub mod compliance;
#[cfg(any(test, feature = "fakes"))]
pub mod fakes;
pub mod http_quirks;
pub mod idempotency;
pub mod ipaddress;
pub mod pipeline;
pub mod ports;
pub mod python_json;
pub mod rules;
pub mod spec;
pub mod status;
pub mod time;
mod unicode_tables;
pub mod validate;
pub mod value;
pub mod views;

pub use crate::pipeline::{PipelineDefinition, PipelineTag};
pub use crate::ports::{
    AuditLog, Clock, ClusterListQuery, ClusterStore, IdGenerator, IdempotencyRecord, IdempotencyStore, Page,
    PipelineService, PortError, RandomIds, StatusChange, SystemClock,
};
pub use crate::rules::{Severity, Violation, check_spec, has_errors};
pub use crate::spec::{ClusterSpec, ClusterType, Environment, SchemaError, parse_spec};
pub use crate::time::Timestamp;
pub use crate::validate::{ValidateAnswer, validate_request};
pub use crate::value::{PyDict, PyInt, PyValue};
