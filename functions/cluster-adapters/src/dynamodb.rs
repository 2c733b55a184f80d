//! The three DynamoDB tables behind the domain's ports: clusters, audit and idempotency.
//!
//! Requests go through `aws-sdk-dynamodb` with the body the Python original's boto3
//! would send (same attribute order, numbers as `N`, `None` as `NULL`), and answers are
//! read from the raw response so maps keep their order (see [`crate::raw_json_body`]).

use aws_sdk_dynamodb::Client;
use cluster_domain::{
    AuditLog, ClusterListQuery, ClusterStore, IdempotencyRecord, IdempotencyStore, Page, PortError, StatusChange,
};
use cluster_domain::{PyDict, PyValue};
use serde_json::{Map, Value, json};

use crate::AdapterError;
use crate::attribute_json::{dict_from_wire, dict_to_sdk, dict_to_wire};
use crate::error::{invalid, port_error};
use crate::raw_json_body::{CaptureResponseBody, ReplaceRequestBody};

const ENVIRONMENT_INDEX: &str = "environment-index";

/// One table and the client that reaches it.
#[derive(Debug, Clone)]
struct Table {
    client: Client,
    name: String,
}

/// The clusters table (`CLUSTERS_TABLE`).
#[derive(Debug, Clone)]
pub struct DynamoClusterStore {
    table: Table,
}

/// The audit table (`AUDIT_TABLE`).
#[derive(Debug, Clone)]
pub struct DynamoAuditLog {
    table: Table,
}

/// The idempotency table (`IDEMPOTENCY_TABLE`).
#[derive(Debug, Clone)]
pub struct DynamoIdempotencyStore {
    table: Table,
}

impl DynamoClusterStore {
    /// The store on the table `table_name` (the function's `CLUSTERS_TABLE`).
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        DynamoClusterStore { table: Table { client, name: table_name.into() } }
    }
}

impl DynamoAuditLog {
    /// The log on the table `table_name` (the function's `AUDIT_TABLE`).
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        DynamoAuditLog { table: Table { client, name: table_name.into() } }
    }
}

impl DynamoIdempotencyStore {
    /// The store on the table `table_name` (the function's `IDEMPOTENCY_TABLE`).
    pub fn new(client: Client, table_name: impl Into<String>) -> Self {
        DynamoIdempotencyStore { table: Table { client, name: table_name.into() } }
    }
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}

/// `{"#a0": name0, ...}` and the `SET #a0 = :v0, ...` clause for attributes in order.
fn set_clause(attributes: &PyDict) -> (PyDict, PyDict, String) {
    let mut names = PyDict::new();
    let mut values = PyDict::new();
    let mut assignments = Vec::new();
    for (index, (name, value)) in attributes.iter().enumerate() {
        names.insert(format!("#a{index}"), name);
        values.insert(format!(":v{index}"), value.clone());
        assignments.push(format!("#a{index} = :v{index}"));
    }
    (names, values, format!("SET {}", assignments.join(", ")))
}

fn names_to_wire(names: &PyDict) -> Value {
    Value::Object(
        names.iter().map(|(key, value)| (key.to_owned(), json!(value.as_str().unwrap_or_default()))).collect(),
    )
}

fn names_to_sdk(names: &PyDict) -> std::collections::HashMap<String, String> {
    names.iter().map(|(key, value)| (key.to_owned(), value.as_str().unwrap_or_default().to_owned())).collect()
}

fn key_of(name: &str, value: &str) -> PyDict {
    PyDict::new().with(name, value)
}

impl Table {
    async fn put_item(&self, item: &PyDict, not_exists: Option<&str>) -> Result<(), PortError> {
        const OPERATION: &str = "PutItem";
        let wire_item = dict_to_wire(item).map_err(|error| invalid(OPERATION, error))?;
        let mut body = vec![("TableName", json!(self.name)), ("Item", Value::Object(wire_item))];
        let mut request = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(dict_to_sdk(item).map_err(|error| invalid(OPERATION, error))?));
        if let Some(key_name) = not_exists {
            body.push(("ConditionExpression", json!("attribute_not_exists(#n0)")));
            body.push(("ExpressionAttributeNames", json!({"#n0": key_name})));
            request =
                request.condition_expression("attribute_not_exists(#n0)").expression_attribute_names("#n0", key_name);
        }
        request
            .customize()
            .interceptor(ReplaceRequestBody::new(&object(body)))
            .send()
            .await
            .map(drop)
            .map_err(|error| port_error(OPERATION, error))
    }

    async fn get_item(&self, key: &PyDict) -> Result<Option<PyDict>, PortError> {
        const OPERATION: &str = "GetItem";
        let capture = CaptureResponseBody::default();
        self.client
            .get_item()
            .table_name(&self.name)
            .set_key(Some(dict_to_sdk(key).map_err(|error| invalid(OPERATION, error))?))
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|error| port_error(OPERATION, error))?;
        let response = capture.json().ok_or_else(|| invalid(OPERATION, AdapterError::UnreadableResponse))?;
        match response.get("Item") {
            Some(Value::Object(item)) => dict_from_wire(item).map(Some).map_err(|error| invalid(OPERATION, error)),
            _ => Ok(None),
        }
    }

    /// UpdateItem with `SET` for `attributes`, an optional condition and its values.
    async fn update_item(
        &self,
        key: &PyDict,
        attributes: &PyDict,
        condition: Option<(&str, &PyDict)>,
        return_updated_old: bool,
    ) -> Result<Option<PyDict>, PortError> {
        const OPERATION: &str = "UpdateItem";
        let (names, mut values, update_expression) = set_clause(attributes);
        let mut body = vec![
            ("TableName", json!(self.name)),
            ("Key", Value::Object(dict_to_wire(key).map_err(|error| invalid(OPERATION, error))?)),
            ("UpdateExpression", json!(update_expression)),
        ];
        let mut request = self
            .client
            .update_item()
            .table_name(&self.name)
            .set_key(Some(dict_to_sdk(key).map_err(|error| invalid(OPERATION, error))?))
            .update_expression(&update_expression)
            .set_expression_attribute_names(Some(names_to_sdk(&names)));
        if let Some((expression, condition_values)) = condition {
            body.push(("ConditionExpression", json!(expression)));
            request = request.condition_expression(expression);
            for (name, value) in condition_values.iter() {
                values.insert(name, value.clone());
            }
        }
        body.push(("ExpressionAttributeNames", names_to_wire(&names)));
        body.push((
            "ExpressionAttributeValues",
            Value::Object(dict_to_wire(&values).map_err(|error| invalid(OPERATION, error))?),
        ));
        request = request
            .set_expression_attribute_values(Some(dict_to_sdk(&values).map_err(|error| invalid(OPERATION, error))?));
        if return_updated_old {
            body.push(("ReturnValues", json!("UPDATED_OLD")));
            request = request.return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedOld);
        }
        let capture = CaptureResponseBody::default();
        request
            .customize()
            .interceptor(ReplaceRequestBody::new(&object(body)))
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|error| port_error(OPERATION, error))?;
        match capture.json().as_ref().and_then(|response| response.get("Attributes")) {
            Some(Value::Object(attributes)) => {
                dict_from_wire(attributes).map(Some).map_err(|error| invalid(OPERATION, error))
            }
            _ => Ok(None),
        }
    }

    /// Query (on an index or the table) or Scan, with `Limit` applied before the filter.
    async fn page(&self, read: PageRead<'_>) -> Result<Page, PortError> {
        let operation = if read.key_condition.is_some() { "Query" } else { "Scan" };
        let mut names = Map::new();
        let mut values = PyDict::new();
        let mut body = vec![("TableName", json!(self.name))];
        if let Some(index) = read.index {
            body.push(("IndexName", json!(index)));
        }
        let key_expression = read.key_condition.map(|(name, value)| {
            names.insert("#k0".to_owned(), json!(name));
            values.insert(":k0", value);
            "#k0 = :k0".to_owned()
        });
        let mut filters = Vec::new();
        for (index, (name, value)) in read.filters.iter().enumerate() {
            names.insert(format!("#f{index}"), json!(name));
            values.insert(format!(":f{index}"), (*value).clone());
            filters.push(format!("#f{index} = :f{index}"));
        }
        let filter_expression = (!filters.is_empty()).then(|| filters.join(" AND "));
        if let Some(expression) = &key_expression {
            body.push(("KeyConditionExpression", json!(expression)));
        }
        if let Some(expression) = &filter_expression {
            body.push(("FilterExpression", json!(expression)));
        }
        if !names.is_empty() {
            body.push(("ExpressionAttributeNames", Value::Object(names.clone())));
            body.push((
                "ExpressionAttributeValues",
                Value::Object(dict_to_wire(&values).map_err(|error| invalid(operation, error))?),
            ));
        }
        body.push(("Limit", json!(read.limit)));
        if read.key_condition.is_some() {
            body.push(("ScanIndexForward", json!(true)));
        }
        let start_key = read.exclusive_start_key.map(|key| (dict_to_wire(key), dict_to_sdk(key)));
        let start_key = match start_key {
            Some((Ok(wire), Ok(sdk))) => {
                body.push(("ExclusiveStartKey", Value::Object(wire)));
                Some(sdk)
            }
            Some((Err(error), _) | (_, Err(error))) => return Err(invalid(operation, error)),
            None => None,
        };
        let sdk_names =
            names.iter().map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned())).collect();
        let sdk_values = if values.is_empty() {
            None
        } else {
            Some(dict_to_sdk(&values).map_err(|error| invalid(operation, error))?)
        };
        let limit = i32::try_from(read.limit).unwrap_or(i32::MAX);
        let replacement = ReplaceRequestBody::new(&object(body));
        let capture = CaptureResponseBody::default();
        if let Some(key_expression) = key_expression {
            self.client
                .query()
                .table_name(&self.name)
                .set_index_name(read.index.map(str::to_owned))
                .key_condition_expression(key_expression)
                .set_filter_expression(filter_expression)
                .set_expression_attribute_names(Some(sdk_names))
                .set_expression_attribute_values(sdk_values)
                .limit(limit)
                .scan_index_forward(true)
                .set_exclusive_start_key(start_key)
                .customize()
                .interceptor(replacement)
                .interceptor(capture.clone())
                .send()
                .await
                .map_err(|error| port_error(operation, error))?;
        } else {
            self.client
                .scan()
                .table_name(&self.name)
                .set_filter_expression(filter_expression)
                .set_expression_attribute_names(if names.is_empty() { None } else { Some(sdk_names) })
                .set_expression_attribute_values(sdk_values)
                .limit(limit)
                .set_exclusive_start_key(start_key)
                .customize()
                .interceptor(replacement)
                .interceptor(capture.clone())
                .send()
                .await
                .map_err(|error| port_error(operation, error))?;
        }
        let response = capture.json().ok_or_else(|| invalid(operation, AdapterError::UnreadableResponse))?;
        let items = match response.get("Items") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_object().ok_or(AdapterError::UnreadableResponse).and_then(dict_from_wire))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| invalid(operation, error))?,
            _ => Vec::new(),
        };
        let last_evaluated_key = match response.get("LastEvaluatedKey") {
            Some(Value::Object(key)) if !key.is_empty() => {
                Some(dict_from_wire(key).map_err(|error| invalid(operation, error))?)
            }
            _ => None,
        };
        Ok(Page { items, last_evaluated_key })
    }
}

/// What one Query or Scan reads.
struct PageRead<'a> {
    index: Option<&'a str>,
    key_condition: Option<(&'a str, &'a str)>,
    filters: Vec<(&'a str, PyValue)>,
    limit: u32,
    exclusive_start_key: Option<&'a PyDict>,
}

impl ClusterStore for DynamoClusterStore {
    async fn put_new(&self, item: &PyDict) -> Result<(), PortError> {
        self.table.put_item(item, Some("cluster_id")).await
    }

    async fn get(&self, cluster_id: &str) -> Result<Option<PyDict>, PortError> {
        self.table.get_item(&key_of("cluster_id", cluster_id)).await
    }

    async fn set_attributes(&self, cluster_id: &str, attributes: &PyDict) -> Result<(), PortError> {
        self.table.update_item(&key_of("cluster_id", cluster_id), attributes, None, false).await.map(drop)
    }

    async fn change_status(&self, change: &StatusChange) -> Result<String, PortError> {
        let mut attributes =
            PyDict::new().with("status", change.new_status.as_str()).with("updated_at", change.updated_at.as_str());
        for (name, value) in change.extra.iter() {
            attributes.insert(name, value.clone());
        }
        let mut allowed = PyDict::new();
        for (index, status) in change.allowed_from.iter().enumerate() {
            allowed.insert(format!(":from{index}"), status.as_str());
        }
        let expression =
            format!("attribute_exists(cluster_id) AND #a0 IN ({})", allowed.keys().collect::<Vec<_>>().join(", "));
        let old = self
            .table
            .update_item(&key_of("cluster_id", &change.cluster_id), &attributes, Some((&expression, &allowed)), true)
            .await?;
        old.as_ref()
            .and_then(|old| old.get_str("status"))
            .map(str::to_owned)
            .ok_or_else(|| invalid("UpdateItem", AdapterError::MissingAttribute { name: "status" }))
    }

    async fn list(&self, query: &ClusterListQuery) -> Result<Page, PortError> {
        let mut filters = Vec::new();
        if let Some(team) = &query.team {
            filters.push(("team", team.clone()));
        }
        if let Some(status) = &query.status {
            filters.push(("status", PyValue::str(status.as_str())));
        }
        self.table
            .page(PageRead {
                index: query.environment.as_ref().map(|_| ENVIRONMENT_INDEX),
                key_condition: query.environment.as_deref().map(|environment| ("environment", environment)),
                filters,
                limit: query.limit,
                exclusive_start_key: query.exclusive_start_key.as_ref(),
            })
            .await
    }
}

impl AuditLog for DynamoAuditLog {
    async fn append(&self, item: &PyDict) -> Result<(), PortError> {
        self.table.put_item(item, None).await
    }

    async fn remove(&self, cluster_id: &str, event_key: &str) -> Result<(), PortError> {
        const OPERATION: &str = "DeleteItem";
        let key = PyDict::new().with("cluster_id", cluster_id).with("event_key", event_key);
        self.table
            .client
            .delete_item()
            .table_name(&self.table.name)
            .set_key(Some(dict_to_sdk(&key).map_err(|error| invalid(OPERATION, error))?))
            .send()
            .await
            .map(drop)
            .map_err(|error| port_error(OPERATION, error))
    }

    async fn page(
        &self,
        cluster_id: &str,
        limit: u32,
        exclusive_start_key: Option<&PyDict>,
    ) -> Result<Page, PortError> {
        self.table
            .page(PageRead {
                index: None,
                key_condition: Some(("cluster_id", cluster_id)),
                filters: Vec::new(),
                limit,
                exclusive_start_key,
            })
            .await
    }
}

fn record_from_item(item: &PyDict) -> Result<IdempotencyRecord, AdapterError> {
    let text =
        |name: &'static str| item.get_str(name).map(str::to_owned).ok_or(AdapterError::MissingAttribute { name });
    let number = |name: &'static str| match item.get(name) {
        Some(PyValue::Decimal(text)) => text.parse::<i64>().map_err(|_| AdapterError::MissingAttribute { name }),
        _ => Err(AdapterError::MissingAttribute { name }),
    };
    Ok(IdempotencyRecord {
        idempotency_key: text("idempotency_key")?,
        request_hash: text("request_hash")?,
        status_code: u16::try_from(number("status_code")?)
            .map_err(|_| AdapterError::MissingAttribute { name: "status_code" })?,
        response_body: text("response_body")?,
        location: item.get_str("location").map(str::to_owned),
        created_at: text("created_at")?,
        expires_at: number("expires_at")?,
    })
}

impl IdempotencyStore for DynamoIdempotencyStore {
    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, PortError> {
        match self.table.get_item(&key_of("idempotency_key", key)).await? {
            Some(item) => record_from_item(&item).map(Some).map_err(|error| invalid("GetItem", error)),
            None => Ok(None),
        }
    }

    async fn put_if_absent(&self, record: &IdempotencyRecord) -> Result<bool, PortError> {
        let item = PyDict::new()
            .with("idempotency_key", record.idempotency_key.as_str())
            .with("request_hash", record.request_hash.as_str())
            .with("status_code", PyValue::int(i64::from(record.status_code)))
            .with("response_body", record.response_body.as_str())
            .with("location", record.location.clone())
            .with("created_at", record.created_at.as_str())
            .with("expires_at", PyValue::int(record.expires_at));
        match self.table.put_item(&item, Some("idempotency_key")).await {
            Ok(()) => Ok(true),
            Err(PortError::ConditionFailed) => Ok(false),
            Err(error) => Err(error),
        }
    }
}
