//! In-memory implementations of every port, for handler tests without AWS.
//!
//! They keep DynamoDB's observable behaviour that the handlers depend on: conditional
//! writes, numbers read back as `Decimal`, `Limit` applied before the filter, paging
//! keys, UpdateItem creating a missing item. Every fake records the calls it served
//! (in order) and can be told to fail an operation, to test partial failures: the
//! failure is a service error naming the API operation botocore would name
//! (`PutItem`, `PutObject`, ...), so a handler's escaped error reads like Python's.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::pipeline::{PipelineDefinition, PipelineTag};
use crate::ports::{
    AuditLog, Clock, ClusterListQuery, ClusterStore, IdGenerator, IdempotencyRecord, IdempotencyStore, Page,
    PipelineService, PortError, StatusChange,
};
use crate::time::Timestamp;
use crate::value::{PyDict, PyValue};

/// A value as boto3's resource layer reads it back from DynamoDB: every number a
/// `Decimal` (`3` → `Decimal("3")`, printed as `"3"`), everything else unchanged. The
/// fakes hand items back this way because the handlers' answers depend on it (a stored
/// `min_size` answers `"3"`, not `3`); the real store gets it from the wire
/// (`cluster-adapters`' `attribute_json`), so only the fakes need this copy.
fn as_read_from_dynamodb(value: &PyValue) -> PyValue {
    match value {
        PyValue::Int(number) => PyValue::Decimal(number.to_string()),
        PyValue::Float(number) => PyValue::Decimal(crate::python_json::float_repr(*number)),
        PyValue::List(items) => PyValue::List(items.iter().map(as_read_from_dynamodb).collect()),
        PyValue::Dict(dict) => PyValue::Dict(dict_as_read_from_dynamodb(dict)),
        other => other.clone(),
    }
}

/// [`as_read_from_dynamodb`] for an item.
fn dict_as_read_from_dynamodb(dict: &PyDict) -> PyDict {
    dict.iter().map(|(key, value)| (key.to_owned(), as_read_from_dynamodb(value))).collect()
}

/// boto3 refuses a float anywhere in what it serialises, before sending anything.
fn refuse_floats(values: &PyDict) -> Result<(), PortError> {
    if values.iter().any(|(_, value)| value.contains_float()) { Err(PortError::FloatNotSupported) } else { Ok(()) }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An injected failure: the service error code and message.
#[derive(Debug, Clone)]
struct Failure {
    code: String,
    message: String,
}

/// Call log and failure injection shared by the fakes.
#[derive(Debug, Default)]
struct Instrumentation {
    calls: Mutex<Vec<String>>,
    /// Keyed by `operation` (every call) or `operation detail` (one call, e.g.
    /// `append PIPELINE_STARTED`).
    failures: Mutex<HashMap<String, Failure>>,
}

impl Instrumentation {
    /// Records the call and returns the injected failure for it, if any, as the service
    /// error botocore would raise for `api_operation`.
    fn enter(&self, operation: &str, api_operation: &str, detail: &str) -> Result<(), PortError> {
        let call = if detail.is_empty() { operation.to_owned() } else { format!("{operation} {detail}") };
        lock(&self.calls).push(call.clone());
        let failures = lock(&self.failures);
        match failures.get(&call).or_else(|| failures.get(operation)) {
            Some(failure) => Err(PortError::service(api_operation, failure.code.as_str(), failure.message.as_str())),
            None => Ok(()),
        }
    }

    fn fail(&self, operation: &str, code: &str, message: &str) {
        lock(&self.failures)
            .insert(operation.to_owned(), Failure { code: code.to_owned(), message: message.to_owned() });
    }

    fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }
}

/// The clusters table in memory. Items are kept as written and returned as boto3
/// reads them.
#[derive(Debug, Default)]
pub struct FakeClusterStore {
    items: Mutex<Vec<PyDict>>,
    instrumentation: Instrumentation,
}

impl FakeClusterStore {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts an item directly (test set-up), replacing one with the same id.
    pub fn insert(&self, item: PyDict) {
        let mut items = lock(&self.items);
        let cluster_id = item.get_str("cluster_id").unwrap_or_default().to_owned();
        items.retain(|existing| existing.get_str("cluster_id") != Some(cluster_id.as_str()));
        items.push(item);
    }

    /// The stored item as written (numbers still `Int`).
    pub fn raw(&self, cluster_id: &str) -> Option<PyDict> {
        lock(&self.items).iter().find(|item| item.get_str("cluster_id") == Some(cluster_id)).cloned()
    }

    /// Every item as written, in write order.
    pub fn items(&self) -> Vec<PyDict> {
        lock(&self.items).clone()
    }

    /// How many items are stored.
    pub fn len(&self) -> usize {
        lock(&self.items).len()
    }

    /// Whether no item is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes every later call of `operation` (`put_new`, `get`, `set_attributes`,
    /// `change_status`, `list`) fail with a service error; `"operation detail"` (as
    /// [`Self::calls`] shows it) fails only the calls with that detail.
    pub fn fail(&self, operation: &str, code: &str, message: &str) {
        self.instrumentation.fail(operation, code, message);
    }

    /// The calls served so far, as `operation cluster_id`.
    pub fn calls(&self) -> Vec<String> {
        self.instrumentation.calls()
    }
}

impl ClusterStore for FakeClusterStore {
    async fn put_new(&self, item: &PyDict) -> Result<(), PortError> {
        let cluster_id = item.get_str("cluster_id").unwrap_or_default();
        self.instrumentation.enter("put_new", "PutItem", cluster_id)?;
        refuse_floats(item)?;
        let mut items = lock(&self.items);
        if items.iter().any(|existing| existing.get_str("cluster_id") == Some(cluster_id)) {
            return Err(PortError::ConditionFailed);
        }
        items.push(item.clone());
        Ok(())
    }

    async fn get(&self, cluster_id: &str) -> Result<Option<PyDict>, PortError> {
        self.instrumentation.enter("get", "GetItem", cluster_id)?;
        Ok(self.raw(cluster_id).map(|item| dict_as_read_from_dynamodb(&item)))
    }

    async fn set_attributes(&self, cluster_id: &str, attributes: &PyDict) -> Result<(), PortError> {
        self.instrumentation.enter("set_attributes", "UpdateItem", cluster_id)?;
        refuse_floats(attributes)?;
        let mut items = lock(&self.items);
        let position = items.iter().position(|item| item.get_str("cluster_id") == Some(cluster_id));
        let item = match position {
            Some(position) => &mut items[position],
            None => {
                // UpdateItem creates the item when the key is new.
                items.push(PyDict::new().with("cluster_id", cluster_id));
                let last = items.len() - 1;
                &mut items[last]
            }
        };
        for (key, value) in attributes.iter() {
            item.insert(key, value.clone());
        }
        Ok(())
    }

    async fn change_status(&self, change: &StatusChange) -> Result<String, PortError> {
        self.instrumentation.enter("change_status", "UpdateItem", &change.cluster_id)?;
        refuse_floats(&change.extra)?;
        let mut items = lock(&self.items);
        let item = items
            .iter_mut()
            .find(|item| item.get_str("cluster_id") == Some(change.cluster_id.as_str()))
            .ok_or(PortError::ConditionFailed)?;
        let previous = item.get_str("status").unwrap_or_default().to_owned();
        if !change.allowed_from.contains(&previous) {
            return Err(PortError::ConditionFailed);
        }
        item.insert("status", change.new_status.as_str());
        item.insert("updated_at", change.updated_at.as_str());
        for (key, value) in change.extra.iter() {
            item.insert(key, value.clone());
        }
        Ok(previous)
    }

    async fn list(&self, query: &ClusterListQuery) -> Result<Page, PortError> {
        let api_operation = if query.environment.is_some() { "Query" } else { "Scan" };
        self.instrumentation.enter("list", api_operation, query.environment.as_deref().unwrap_or(""))?;
        if query.team.as_ref().is_some_and(PyValue::contains_float) {
            return Err(PortError::FloatNotSupported);
        }
        let items = lock(&self.items);
        let mut candidates: Vec<&PyDict> = match &query.environment {
            Some(environment) => {
                let mut in_environment: Vec<&PyDict> =
                    items.iter().filter(|item| item.get_str("environment") == Some(environment.as_str())).collect();
                in_environment.sort_by(|left, right| {
                    (left.get_str("created_at"), left.get_str("cluster_id"))
                        .cmp(&(right.get_str("created_at"), right.get_str("cluster_id")))
                });
                in_environment
            }
            None => items.iter().collect(),
        };
        if let Some(start) = query.exclusive_start_key.as_ref().and_then(|key| key.get_str("cluster_id")) {
            match candidates.iter().position(|item| item.get_str("cluster_id") == Some(start)) {
                Some(position) => candidates.drain(..=position),
                None => candidates.drain(..0),
            };
        }
        let limit = query.limit as usize;
        let examined: Vec<&PyDict> = candidates.iter().take(limit).copied().collect();
        let more = candidates.len() > limit;
        let last_evaluated_key = match (more, examined.last()) {
            (true, Some(last)) => {
                let mut key =
                    PyDict::new().with("cluster_id", last.get("cluster_id").cloned().unwrap_or(PyValue::None));
                if query.environment.is_some() {
                    key.insert("environment", last.get("environment").cloned().unwrap_or(PyValue::None));
                    key.insert("created_at", last.get("created_at").cloned().unwrap_or(PyValue::None));
                }
                Some(key)
            }
            _ => None,
        };
        let matches = |item: &&PyDict| {
            query.team.as_ref().is_none_or(|team| item.get("team") == Some(team))
                && query.status.as_deref().is_none_or(|status| item.get_str("status") == Some(status))
        };
        Ok(Page {
            items: examined.into_iter().filter(matches).map(dict_as_read_from_dynamodb).collect(),
            last_evaluated_key,
        })
    }
}

/// The audit table in memory.
#[derive(Debug, Default)]
pub struct FakeAuditLog {
    items: Mutex<Vec<PyDict>>,
    instrumentation: Instrumentation,
}

impl FakeAuditLog {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event item as written, in append order.
    pub fn items(&self) -> Vec<PyDict> {
        lock(&self.items).clone()
    }

    /// The event types recorded for a cluster, in append order.
    pub fn event_types(&self, cluster_id: &str) -> Vec<String> {
        lock(&self.items)
            .iter()
            .filter(|item| item.get_str("cluster_id") == Some(cluster_id))
            .filter_map(|item| item.get_str("event_type").map(str::to_owned))
            .collect()
    }

    /// Makes every later `append`, `remove` or `page` fail; `"append <event_type>"` fails
    /// only the appends of that event type.
    pub fn fail(&self, operation: &str, code: &str, message: &str) {
        self.instrumentation.fail(operation, code, message);
    }

    /// The calls served so far: `append <event_type>`, `remove <event_key>`,
    /// `page <cluster_id>`.
    pub fn calls(&self) -> Vec<String> {
        self.instrumentation.calls()
    }
}

impl AuditLog for FakeAuditLog {
    async fn append(&self, item: &PyDict) -> Result<(), PortError> {
        self.instrumentation.enter("append", "PutItem", item.get_str("event_type").unwrap_or_default())?;
        refuse_floats(item)?;
        lock(&self.items).push(item.clone());
        Ok(())
    }

    async fn remove(&self, cluster_id: &str, event_key: &str) -> Result<(), PortError> {
        self.instrumentation.enter("remove", "DeleteItem", event_key)?;
        // DeleteItem of a missing key succeeds, as in DynamoDB.
        lock(&self.items).retain(|item| {
            !(item.get_str("cluster_id") == Some(cluster_id) && item.get_str("event_key") == Some(event_key))
        });
        Ok(())
    }

    async fn page(
        &self,
        cluster_id: &str,
        limit: u32,
        exclusive_start_key: Option<&PyDict>,
    ) -> Result<Page, PortError> {
        self.instrumentation.enter("page", "Query", cluster_id)?;
        let items = lock(&self.items);
        let mut events: Vec<&PyDict> =
            items.iter().filter(|item| item.get_str("cluster_id") == Some(cluster_id)).collect();
        events.sort_by(|left, right| left.get_str("event_key").cmp(&right.get_str("event_key")));
        if let Some(start) = exclusive_start_key.and_then(|key| key.get_str("event_key")) {
            events.retain(|item| item.get_str("event_key").is_some_and(|event_key| event_key > start));
        }
        let limit = limit as usize;
        let more = events.len() > limit;
        let page: Vec<&PyDict> = events.into_iter().take(limit).collect();
        let last_evaluated_key = match (more, page.last()) {
            (true, Some(last)) => Some(
                PyDict::new()
                    .with("cluster_id", cluster_id)
                    .with("event_key", last.get("event_key").cloned().unwrap_or(PyValue::None)),
            ),
            _ => None,
        };
        Ok(Page { items: page.into_iter().map(dict_as_read_from_dynamodb).collect(), last_evaluated_key })
    }
}

/// S3 and CodePipeline in memory.
#[derive(Debug, Default)]
pub struct FakePipelineService {
    objects: Mutex<Vec<(String, String, String)>>,
    pipelines: Mutex<Vec<(PipelineDefinition, Vec<PipelineTag>)>>,
    executions: Mutex<Vec<(String, String)>>,
    instrumentation: Instrumentation,
}

impl FakePipelineService {
    /// No object, no pipeline.
    pub fn new() -> Self {
        Self::default()
    }

    /// The body stored at `bucket`/`key`.
    pub fn object(&self, bucket: &str, key: &str) -> Option<String> {
        lock(&self.objects)
            .iter()
            .find(|(stored_bucket, stored_key, _)| stored_bucket == bucket && stored_key == key)
            .map(|(_, _, body)| body.clone())
    }

    /// Every stored object as `(bucket, key, body)`.
    pub fn objects(&self) -> Vec<(String, String, String)> {
        lock(&self.objects).clone()
    }

    /// The names of the pipelines that exist, in creation order.
    pub fn pipeline_names(&self) -> Vec<String> {
        lock(&self.pipelines).iter().map(|(definition, _)| definition.name.clone()).collect()
    }

    /// The pipeline created under `name`, with its tags.
    pub fn pipeline(&self, name: &str) -> Option<(PipelineDefinition, Vec<PipelineTag>)> {
        lock(&self.pipelines).iter().find(|(definition, _)| definition.name == name).cloned()
    }

    /// `(pipeline name, execution id)` of every execution started.
    pub fn executions(&self) -> Vec<(String, String)> {
        lock(&self.executions).clone()
    }

    /// Makes every later call of `operation` (`put_spec_object`, `create_pipeline`,
    /// `start_execution`) fail.
    pub fn fail(&self, operation: &str, code: &str, message: &str) {
        self.instrumentation.fail(operation, code, message);
    }

    /// The calls served so far: `put_spec_object <key>`, `create_pipeline <name>`,
    /// `start_execution <name>`.
    pub fn calls(&self) -> Vec<String> {
        self.instrumentation.calls()
    }
}

impl PipelineService for FakePipelineService {
    async fn put_spec_object(&self, bucket: &str, key: &str, body: &str) -> Result<(), PortError> {
        self.instrumentation.enter("put_spec_object", "PutObject", key)?;
        let mut objects = lock(&self.objects);
        objects.retain(|(stored_bucket, stored_key, _)| !(stored_bucket == bucket && stored_key == key));
        objects.push((bucket.to_owned(), key.to_owned(), body.to_owned()));
        Ok(())
    }

    async fn create_pipeline(&self, definition: &PipelineDefinition, tags: &[PipelineTag]) -> Result<(), PortError> {
        self.instrumentation.enter("create_pipeline", "CreatePipeline", &definition.name)?;
        let mut pipelines = lock(&self.pipelines);
        if pipelines.iter().any(|(existing, _)| existing.name == definition.name) {
            return Err(PortError::service(
                "CreatePipeline",
                "PipelineNameInUseException",
                format!("A pipeline with the name {} already exists", definition.name),
            ));
        }
        pipelines.push((definition.clone(), tags.to_vec()));
        Ok(())
    }

    async fn start_execution(&self, pipeline_name: &str) -> Result<String, PortError> {
        self.instrumentation.enter("start_execution", "StartPipelineExecution", pipeline_name)?;
        if !lock(&self.pipelines).iter().any(|(definition, _)| definition.name == pipeline_name) {
            return Err(PortError::service(
                "StartPipelineExecution",
                "PipelineNotFoundException",
                format!("Pipeline {pipeline_name} not found"),
            ));
        }
        let mut executions = lock(&self.executions);
        let execution_id = format!("00000000-0000-4000-8000-{:012x}", executions.len() + 1);
        executions.push((pipeline_name.to_owned(), execution_id.clone()));
        Ok(execution_id)
    }
}

/// The idempotency table in memory.
#[derive(Debug, Default)]
pub struct FakeIdempotencyStore {
    records: Mutex<HashMap<String, IdempotencyRecord>>,
    instrumentation: Instrumentation,
}

impl FakeIdempotencyStore {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The record stored under `key`.
    pub fn record(&self, key: &str) -> Option<IdempotencyRecord> {
        lock(&self.records).get(key).cloned()
    }

    /// Every stored record, in no particular order.
    pub fn records(&self) -> Vec<IdempotencyRecord> {
        lock(&self.records).values().cloned().collect()
    }

    /// Puts a record directly (test set-up), replacing one with the same key.
    pub fn insert(&self, record: IdempotencyRecord) {
        lock(&self.records).insert(record.idempotency_key.clone(), record);
    }

    /// How many records are stored.
    pub fn len(&self) -> usize {
        lock(&self.records).len()
    }

    /// Whether no record is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes every later call of `operation` (`get`, `put_if_absent`) fail;
    /// `"operation <key>"` fails only the calls for that key.
    pub fn fail(&self, operation: &str, code: &str, message: &str) {
        self.instrumentation.fail(operation, code, message);
    }

    /// The calls served so far: `get <key>`, `put_if_absent <key>`.
    pub fn calls(&self) -> Vec<String> {
        self.instrumentation.calls()
    }
}

impl IdempotencyStore for FakeIdempotencyStore {
    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, PortError> {
        self.instrumentation.enter("get", "GetItem", key)?;
        Ok(self.record(key))
    }

    async fn put_if_absent(&self, record: &IdempotencyRecord) -> Result<bool, PortError> {
        self.instrumentation.enter("put_if_absent", "PutItem", &record.idempotency_key)?;
        let mut records = lock(&self.records);
        if records.contains_key(&record.idempotency_key) {
            return Ok(false);
        }
        records.insert(record.idempotency_key.clone(), record.clone());
        Ok(true)
    }
}

/// A clock that stands still until told to move.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<Timestamp>,
}

impl FixedClock {
    /// A clock standing at `now`.
    pub fn new(now: Timestamp) -> Self {
        Self { now: Mutex::new(now) }
    }

    /// 2026-11-27T05:12:41.123456+00:00, a time with a fraction.
    pub fn default_instant() -> Timestamp {
        Timestamp::from_unix(1_795_756_361, 123_456).unwrap_or_else(Timestamp::now_utc)
    }

    /// Moves the clock to `now` (backwards too).
    pub fn set(&self, now: Timestamp) {
        *lock(&self.now) = now;
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        Self::new(Self::default_instant())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *lock(&self.now)
    }
}

/// Ids `00000001`, `00000002`, ...: predictable `token_hex(4)`s.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: Mutex<u32>,
}

impl SequentialIds {
    /// Ids from `00000001`.
    pub fn new() -> Self {
        Self::default()
    }
}

impl IdGenerator for SequentialIds {
    fn token_hex4(&self) -> String {
        let mut next = lock(&self.next);
        *next = next.wrapping_add(1);
        format!("{:08x}", *next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a future that never waits (the fakes answer at once).
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("a fake port future waited"),
        }
    }

    fn cluster(cluster_id: &str, environment: &str, team: &str, created_at: &str) -> PyDict {
        PyDict::new()
            .with("cluster_id", cluster_id)
            .with("environment", environment)
            .with("team", team)
            .with("status", "PENDING")
            .with("created_at", created_at)
            .with("spec", PyDict::new().with("min_size", PyValue::int(3)))
    }

    #[test]
    fn store_reads_numbers_back_as_decimals_and_enforces_conditions() {
        let store = FakeClusterStore::new();
        let item = cluster("a-1", "dev", "payments", "2026-01-01T00:00:00+00:00");
        block_on(store.put_new(&item)).expect("first put");
        assert!(matches!(block_on(store.put_new(&item)), Err(PortError::ConditionFailed)));
        let read = block_on(store.get("a-1")).expect("get").expect("present");
        let spec = read.get("spec").and_then(PyValue::as_dict).expect("spec map");
        assert_eq!(spec.get("min_size"), Some(&PyValue::Decimal("3".to_owned())));

        let change = |allowed: &[&str]| StatusChange {
            cluster_id: "a-1".to_owned(),
            new_status: "PROVISIONING".to_owned(),
            allowed_from: allowed.iter().map(|status| (*status).to_owned()).collect(),
            updated_at: "later".to_owned(),
            extra: PyDict::new().with("last_pipeline_state", "STARTED"),
        };
        assert!(matches!(block_on(store.change_status(&change(&["ACTIVE"]))), Err(PortError::ConditionFailed)));
        assert_eq!(block_on(store.change_status(&change(&["PENDING"]))).expect("applies"), "PENDING");
        let raw = store.raw("a-1").expect("stored");
        assert_eq!(raw.get_str("status"), Some("PROVISIONING"));
        assert_eq!(raw.get_str("last_pipeline_state"), Some("STARTED"));
        let missing = StatusChange { cluster_id: "nope".to_owned(), ..change(&["PENDING"]) };
        assert!(matches!(block_on(store.change_status(&missing)), Err(PortError::ConditionFailed)));
    }

    #[test]
    fn list_applies_limit_before_the_filter() {
        let store = FakeClusterStore::new();
        store.insert(cluster("a-1", "dev", "payments", "2026-01-01T00:00:01+00:00"));
        store.insert(cluster("b-1", "dev", "search", "2026-01-01T00:00:02+00:00"));
        store.insert(cluster("c-1", "prod", "payments", "2026-01-01T00:00:03+00:00"));
        let query = |team: Option<&str>, start: Option<PyDict>| ClusterListQuery {
            environment: None,
            team: team.map(PyValue::str),
            status: None,
            limit: 1,
            exclusive_start_key: start,
        };
        let first = block_on(store.list(&query(Some("search"), None))).expect("page");
        assert!(first.items.is_empty(), "the first item examined is not in team search");
        let key = first.last_evaluated_key.expect("a next page");
        assert_eq!(key, PyDict::new().with("cluster_id", "a-1"));
        let second = block_on(store.list(&query(Some("search"), Some(key)))).expect("page");
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.items[0].get_str("cluster_id"), Some("b-1"));

        let by_environment = ClusterListQuery { environment: Some("dev".to_owned()), limit: 5, ..query(None, None) };
        let page = block_on(store.list(&by_environment)).expect("page");
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.last_evaluated_key, None);
    }

    #[test]
    fn audit_pages_ascending_with_keys() {
        let audit = FakeAuditLog::new();
        for key in ["2026-01-01T00:00:03+00:00#c", "2026-01-01T00:00:01+00:00#a", "2026-01-01T00:00:02+00:00#b"] {
            block_on(
                audit.append(&PyDict::new().with("cluster_id", "x").with("event_key", key).with("event_type", "T")),
            )
            .expect("append");
        }
        let first = block_on(audit.page("x", 2, None)).expect("page");
        let keys: Vec<_> = first.items.iter().filter_map(|item| item.get_str("event_key")).collect();
        assert_eq!(keys, ["2026-01-01T00:00:01+00:00#a", "2026-01-01T00:00:02+00:00#b"]);
        let next = first.last_evaluated_key.expect("more");
        let second = block_on(audit.page("x", 2, Some(&next))).expect("page");
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.last_evaluated_key, None);
    }

    #[test]
    fn injected_failures_surface_as_service_errors() {
        let pipelines = FakePipelineService::new();
        pipelines.fail("create_pipeline", "InternalError", "boom");
        let definition = PipelineDefinition {
            name: "eks-a".to_owned(),
            role_arn: "r".to_owned(),
            artifact_bucket: "b".to_owned(),
            stages: Vec::new(),
        };
        match block_on(pipelines.create_pipeline(&definition, &[])) {
            Err(PortError::Service { operation, code, .. }) => {
                assert_eq!((operation.as_str(), code.as_str()), ("CreatePipeline", "InternalError"))
            }
            other => panic!("expected a service error, got {other:?}"),
        }
        assert_eq!(pipelines.calls(), ["create_pipeline eks-a"]);
        assert!(matches!(block_on(pipelines.start_execution("eks-a")), Err(PortError::Service { .. })));
    }

    #[test]
    fn a_failure_can_target_one_call_and_remove_deletes_by_key() {
        let audit = FakeAuditLog::new();
        audit.fail("append PIPELINE_STARTED", "InternalServerError", "try again");
        let event = |event_type: &str, event_key: &str| {
            PyDict::new().with("cluster_id", "x").with("event_key", event_key).with("event_type", event_type)
        };
        block_on(audit.append(&event("CLUSTER_REQUESTED", "k1"))).expect("other event types are written");
        let error = block_on(audit.append(&event("PIPELINE_STARTED", "k2"))).expect_err("this one fails");
        assert_eq!(
            error.python_error_message("PutItem"),
            "An error occurred (InternalServerError) when calling the PutItem operation: try again"
        );
        block_on(audit.append(&event("STATUS_CHANGED", "k3"))).expect("written");
        block_on(audit.remove("x", "k1")).expect("removed");
        block_on(audit.remove("x", "missing")).expect("removing a missing key succeeds");
        assert_eq!(audit.event_types("x"), ["STATUS_CHANGED"]);
        assert_eq!(
            audit.calls(),
            [
                "append CLUSTER_REQUESTED",
                "append PIPELINE_STARTED",
                "append STATUS_CHANGED",
                "remove k1",
                "remove missing"
            ]
        );
    }

    #[test]
    fn sequential_ids_and_fixed_clock() {
        let ids = SequentialIds::new();
        assert_eq!(ids.token_hex4(), "00000001");
        assert_eq!(ids.token_hex4(), "00000002");
        assert_eq!(FixedClock::default().now().isoformat(), "2026-11-27T05:12:41.123456+00:00");
    }
}
