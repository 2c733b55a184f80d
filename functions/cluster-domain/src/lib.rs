//! The EKS cluster platform's domain, pure: no AWS SDK, no Lambda runtime, no async
//! runtime. It reproduces the Python original (`legacy-python/cluster_platform`) so
//! exactly that the Rust functions answer byte for byte alike.
//!
//! - [`value`] and [`python_json`]: Python values and Python's JSON/`repr` formats.
//! - [`spec`]: the cluster spec and pydantic's validation of it.
//! - [`pipeline`]: the provisioning pipeline definition and tags.
//! - [`ports`]: the async traits handlers are generic over (store, audit, pipeline,
//!   idempotency, clock, ids); [`fakes`] holds in-memory implementations.
//! - [`time`]: timestamps as `datetime.isoformat()` writes them.

pub mod pipeline;
pub mod ports;
pub mod python_json;
pub mod spec;
pub mod time;
mod unicode_printable;
pub mod value;

pub use crate::pipeline::{PipelineDefinition, PipelineTag};
pub use crate::ports::{
    AuditLog, Clock, ClusterListQuery, ClusterStore, IdGenerator, IdempotencyRecord, IdempotencyStore, Page,
    PipelineService, PortError, RandomIds, StatusChange, SystemClock,
};
pub use crate::spec::{ClusterSpec, ClusterType, Environment, SchemaError, parse_spec};
pub use crate::time::Timestamp;
pub use crate::value::{PyDict, PyInt, PyValue};
