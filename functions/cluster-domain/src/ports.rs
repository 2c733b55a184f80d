//! The ports: small async traits the Lambda handlers are generic over.
//!
//! Adapters (DynamoDB, S3, CodePipeline through the AWS SDK) implement them in
//! `cluster-adapters`; the in-memory fakes in [`crate::fakes`] implement them for tests.
//! Items cross these traits as [`PyDict`]s shaped the way boto3's resource layer gives
//! them, every number a [`PyValue::Decimal`](crate::PyValue::Decimal), because the
//! Python original answers get/list/events with exactly those values.
//!
//! Every method returns a `Send` future so handlers run under `lambda_runtime`.

use std::future::Future;

use crate::pipeline::{PipelineDefinition, PipelineTag};
use crate::time::Timestamp;
use crate::value::{PyDict, PyValue};

/// What went wrong in a port. `ConditionFailed` is the one outcome handlers branch on
/// (DynamoDB's `ConditionalCheckFailedException`); everything else is a failure the
/// Python original lets escape (API Gateway answers 502).
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    /// The write's condition did not hold (the item exists, is missing, or is in
    /// another status).
    #[error("the conditional request failed")]
    ConditionFailed,
    /// boto3 refuses to serialise a float (in an item, a key or an expression value)
    /// before any request is sent; Python raises `TypeError`.
    #[error("Float types are not supported. Use Decimal types instead.")]
    FloatNotSupported,
    /// The service answered an error, or the request never got an answer.
    #[error("{operation} failed with {code}: {message}")]
    Service {
        /// The API operation, as botocore names it (`PutItem`, `CreatePipeline`).
        operation: String,
        /// The service's error code (`ResourceNotFoundException`), or a transport
        /// error's kind.
        code: String,
        /// The service's error message, as botocore's `ClientError` prints it.
        message: String,
        /// The SDK or transport error behind it, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl PortError {
    /// A [`PortError::Service`] without a source error.
    pub fn service(operation: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Service { operation: operation.into(), code: code.into(), message: message.into(), source: None }
    }

    /// The `errorMessage` Lambda reports when the Python original lets a botocore
    /// `ClientError` escape: `An error occurred (Code) when calling the Op operation: msg`.
    pub fn python_error_message(&self, operation_for_condition: &str) -> String {
        match self {
            Self::ConditionFailed => format!(
                "An error occurred (ConditionalCheckFailedException) when calling the {operation_for_condition} operation: The conditional request failed"
            ),
            Self::Service { operation, code, message, .. } => {
                format!("An error occurred ({code}) when calling the {operation} operation: {message}")
            }
            Self::FloatNotSupported => self.to_string(),
        }
    }
}

/// The error codes botocore turns into exception classes of their own (the service
/// model's error shapes, botocore 1.44), per service. Lambda reports a Python
/// exception by its class name, so an escaped `NoSuchBucket` is reported as
/// `NoSuchBucket`, not `ClientError`.
const DYNAMODB_MODELED_ERRORS: &[&str] = &[
    "BackupInUseException",
    "BackupNotFoundException",
    "ConditionalCheckFailedException",
    "ContinuousBackupsUnavailableException",
    "DuplicateItemException",
    "ExportConflictException",
    "ExportNotFoundException",
    "GlobalTableAlreadyExistsException",
    "GlobalTableNotFoundException",
    "IdempotentParameterMismatchException",
    "ImportConflictException",
    "ImportNotFoundException",
    "IndexNotFoundException",
    "InternalServerError",
    "InvalidExportTimeException",
    "InvalidRestoreTimeException",
    "ItemCollectionSizeLimitExceededException",
    "LimitExceededException",
    "PointInTimeRecoveryUnavailableException",
    "PolicyNotFoundException",
    "ProvisionedThroughputExceededException",
    "ReplicaAlreadyExistsException",
    "ReplicaNotFoundException",
    "ReplicatedWriteConflictException",
    "RequestLimitExceeded",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "TableAlreadyExistsException",
    "TableInUseException",
    "TableNotFoundException",
    "ThrottlingException",
    "TransactionCanceledException",
    "TransactionConflictException",
    "TransactionInProgressException",
];
const S3_MODELED_ERRORS: &[&str] = &[
    "AccessDenied",
    "AnnotationLimitExceeded",
    "AnnotationNameTooLong",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "EncryptionTypeMismatch",
    "IdempotencyParameterMismatch",
    "InvalidAnnotationName",
    "InvalidObjectState",
    "InvalidPrefix",
    "InvalidRequest",
    "InvalidWriteOffset",
    "NoSuchAnnotation",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "ObjectAlreadyInActiveTierError",
    "ObjectNotInActiveTierError",
    "TooManyParts",
    "UnsupportedMediaType",
];
const CODEPIPELINE_MODELED_ERRORS: &[&str] = &[
    "ActionExecutionNotFoundException",
    "ActionNotFoundException",
    "ActionTypeAlreadyExistsException",
    "ActionTypeNotFoundException",
    "ApprovalAlreadyCompletedException",
    "ConcurrentModificationException",
    "ConcurrentPipelineExecutionsLimitExceededException",
    "ConditionNotOverridableException",
    "ConflictException",
    "DuplicatedStopRequestException",
    "InvalidActionDeclarationException",
    "InvalidApprovalTokenException",
    "InvalidArnException",
    "InvalidBlockerDeclarationException",
    "InvalidClientTokenException",
    "InvalidJobException",
    "InvalidJobStateException",
    "InvalidNextTokenException",
    "InvalidNonceException",
    "InvalidStageDeclarationException",
    "InvalidStructureException",
    "InvalidTagsException",
    "InvalidWebhookAuthenticationParametersException",
    "InvalidWebhookFilterPatternException",
    "JobNotFoundException",
    "LimitExceededException",
    "NotLatestPipelineExecutionException",
    "OutputVariablesSizeExceededException",
    "PipelineExecutionNotFoundException",
    "PipelineExecutionNotStoppableException",
    "PipelineExecutionOutdatedException",
    "PipelineNameInUseException",
    "PipelineNotFoundException",
    "PipelineVersionNotFoundException",
    "RequestFailedException",
    "ResourceNotFoundException",
    "StageNotFoundException",
    "StageNotRetryableException",
    "TooManyTagsException",
    "UnableToRollbackStageException",
    "ValidationException",
    "WebhookNotFoundException",
];

impl PortError {
    /// The `errorType` Lambda reports when the Python original lets this error escape:
    /// the code itself when botocore models it as an exception class of the
    /// operation's service, `ClientError` otherwise.
    pub fn python_error_type(&self) -> &str {
        let (operation, code) = match self {
            Self::ConditionFailed => return "ConditionalCheckFailedException",
            Self::FloatNotSupported => return "TypeError",
            Self::Service { operation, code, .. } => (operation.as_str(), code.as_str()),
        };
        let modeled = match operation {
            "PutObject" | "DeleteObject" | "GetObject" => S3_MODELED_ERRORS,
            "CreatePipeline" | "StartPipelineExecution" | "DeletePipeline" | "GetPipeline" => {
                CODEPIPELINE_MODELED_ERRORS
            }
            _ => DYNAMODB_MODELED_ERRORS,
        };
        if modeled.contains(&code) { code } else { "ClientError" }
    }
}

/// One page of a Query or Scan: the items and DynamoDB's `LastEvaluatedKey`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The items of the page, after the filter.
    pub items: Vec<PyDict>,
    /// Where the next page starts; `None` on the last page.
    pub last_evaluated_key: Option<PyDict>,
}

/// The list-clusters read: a Query on `environment-index` when `environment` is set,
/// otherwise a Scan; `team` and `status` become a FilterExpression (`team` first).
/// `limit` is DynamoDB's `Limit`, applied before the filter.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterListQuery {
    /// Query `environment-index` for this environment; `None` scans the table.
    pub environment: Option<String>,
    /// Any JSON type: Python passes the query value to `Attr("team").eq(...)` as it is.
    pub team: Option<PyValue>,
    /// Keep only clusters in this status.
    pub status: Option<String>,
    /// DynamoDB's `Limit`: items examined, before the filter.
    pub limit: u32,
    /// The previous page's `LastEvaluatedKey`; `None` for the first page.
    pub exclusive_start_key: Option<PyDict>,
}

/// A conditional status change: `SET status = new_status, updated_at, <extra...>`
/// (in that order) under `attribute_exists(cluster_id) AND status IN (allowed_from)`,
/// `ReturnValues=UPDATED_OLD`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The cluster to update.
    pub cluster_id: String,
    /// The status to set.
    pub new_status: String,
    /// The statuses the cluster must be in for the write to happen.
    pub allowed_from: Vec<String>,
    /// The `updated_at` to set, an ISO 8601 timestamp.
    pub updated_at: String,
    /// More attributes set in the same write (`last_pipeline_state`,
    /// `decommission_requested_at`), in order.
    pub extra: PyDict,
}

/// The clusters table (`CLUSTERS_TABLE`).
pub trait ClusterStore: Send + Sync {
    /// PutItem under `attribute_not_exists(cluster_id)`.
    fn put_new(&self, item: &PyDict) -> impl Future<Output = Result<(), PortError>> + Send;

    /// GetItem; `None` when there is no such cluster.
    fn get(&self, cluster_id: &str) -> impl Future<Output = Result<Option<PyDict>, PortError>> + Send;

    /// UpdateItem `SET #a0 = :v0, ...` for the attributes in order, unconditionally
    /// (used for `pipeline_execution_id` and `compliance`).
    fn set_attributes(
        &self,
        cluster_id: &str,
        attributes: &PyDict,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// The conditional status write. Returns the status before the write;
    /// [`PortError::ConditionFailed`] when the cluster is missing or in another status.
    fn change_status(&self, change: &StatusChange) -> impl Future<Output = Result<String, PortError>> + Send;

    /// One page of clusters (Limit before filter).
    fn list(&self, query: &ClusterListQuery) -> impl Future<Output = Result<Page, PortError>> + Send;
}

/// The audit table (`AUDIT_TABLE`, key `cluster_id` + `event_key`).
pub trait AuditLog: Send + Sync {
    /// PutItem of one event item (see [`crate::audit::audit_item`]).
    fn append(&self, item: &PyDict) -> impl Future<Output = Result<(), PortError>> + Send;

    /// DeleteItem of one event (key `cluster_id` + `event_key`). Only create-cluster's
    /// compensation uses it: an event written ahead of a call that then failed is
    /// removed, so the table holds what Python's sequential order would have left.
    fn remove(&self, cluster_id: &str, event_key: &str) -> impl Future<Output = Result<(), PortError>> + Send;

    /// Query by `cluster_id`, ascending `event_key`, `Limit = limit`.
    fn page(
        &self,
        cluster_id: &str,
        limit: u32,
        exclusive_start_key: Option<&PyDict>,
    ) -> impl Future<Output = Result<Page, PortError>> + Send;
}

/// S3 and CodePipeline: what create-cluster needs to start provisioning.
pub trait PipelineService: Send + Sync {
    /// S3 PutObject with `ContentType: application/json`.
    fn put_spec_object(
        &self,
        bucket: &str,
        key: &str,
        body: &str,
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// CodePipeline CreatePipeline with the definition and tags.
    fn create_pipeline(
        &self,
        definition: &PipelineDefinition,
        tags: &[PipelineTag],
    ) -> impl Future<Output = Result<(), PortError>> + Send;

    /// CodePipeline StartPipelineExecution; returns `pipelineExecutionId`.
    fn start_execution(&self, pipeline_name: &str) -> impl Future<Output = Result<String, PortError>> + Send;
}

/// A stored create-cluster answer (`IDEMPOTENCY_TABLE`, key `idempotency_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// The `Idempotency-Key` header's value.
    pub idempotency_key: String,
    /// SHA-256 hex of the body text (see [`crate::idempotency::request_hash`]).
    pub request_hash: String,
    /// The HTTP status answered the first time.
    pub status_code: u16,
    /// The exact body string answered the first time.
    pub response_body: String,
    /// The `Location` header answered the first time; `None` when there was none.
    pub location: Option<String>,
    /// When the record was written, an ISO 8601 timestamp.
    pub created_at: String,
    /// Epoch seconds; the table's TTL attribute.
    pub expires_at: i64,
}

/// The idempotency table.
pub trait IdempotencyStore: Send + Sync {
    /// GetItem; `None` when no record has this key.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<IdempotencyRecord>, PortError>> + Send;

    /// PutItem under `attribute_not_exists(idempotency_key)`. Returns `false` when a
    /// record already existed (a lost race keeps the first record; not an error).
    fn put_if_absent(&self, record: &IdempotencyRecord) -> impl Future<Output = Result<bool, PortError>> + Send;
}

/// The wall clock, a parameter so tests fix time.
pub trait Clock: Send + Sync {
    /// The current instant (`datetime.now(timezone.utc)`).
    fn now(&self) -> Timestamp;
}

/// Random ids: `secrets.token_hex(4)`, eight lowercase hex digits.
pub trait IdGenerator: Send + Sync {
    /// Eight lowercase hex digits, fresh at every call.
    fn token_hex4(&self) -> String;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now_utc()
    }
}

/// Ids from the operating system's random source.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomIds;

impl IdGenerator for RandomIds {
    fn token_hex4(&self) -> String {
        format!("{:08x}", rand::random::<u32>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_error_message_matches_botocore() {
        assert_eq!(
            PortError::ConditionFailed.python_error_message("PutItem"),
            "An error occurred (ConditionalCheckFailedException) when calling the PutItem operation: The conditional request failed"
        );
        assert_eq!(
            PortError::service("CreatePipeline", "InvalidStructureException", "bad").python_error_message("x"),
            "An error occurred (InvalidStructureException) when calling the CreatePipeline operation: bad"
        );
    }

    #[test]
    fn python_error_type_is_the_modeled_exception_class() {
        assert_eq!(PortError::ConditionFailed.python_error_type(), "ConditionalCheckFailedException");
        assert_eq!(PortError::service("PutObject", "NoSuchBucket", "x").python_error_type(), "NoSuchBucket");
        assert_eq!(PortError::service("PutObject", "InternalError", "x").python_error_type(), "ClientError");
        assert_eq!(
            PortError::service("PutItem", "InternalServerError", "x").python_error_type(),
            "InternalServerError"
        );
        assert_eq!(PortError::service("CreatePipeline", "InternalServerError", "x").python_error_type(), "ClientError");
        assert_eq!(
            PortError::service("StartPipelineExecution", "PipelineNotFoundException", "x").python_error_type(),
            "PipelineNotFoundException"
        );
        assert_eq!(PortError::service("Query", "ValidationException", "x").python_error_type(), "ClientError");
    }

    #[test]
    fn random_ids_are_eight_lowercase_hex_digits() {
        for _ in 0..100 {
            let id = RandomIds.token_hex4();
            assert_eq!(id.len(), 8);
            assert!(id.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')), "{id}");
        }
    }
}
