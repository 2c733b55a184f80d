//! `app.handler`, ported: route on the REST event's method and resource, answer as the
//! Python code does, fail where it fails.

use serde_json::{Map, Value, json};

use crate::order::{Order, OrderTable, PortError, Stored};
use crate::python_json::to_python_json;

/// The error the handler lets escape. `error_type` is what Lambda reports as
/// `errorType`: the Python original's exception class, so both versions fail alike.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FunctionError {
    /// Lambda's `errorType`.
    pub error_type: String,
    /// Lambda's `errorMessage`.
    pub message: String,
}

impl From<FunctionError> for lambda_runtime::Diagnostic {
    fn from(error: FunctionError) -> Self {
        lambda_runtime::Diagnostic { error_type: error.error_type, error_message: error.message }
    }
}

/// A table failure other than a taken id: boto3 raises `ClientError` for it, and
/// reading a stored order without one of its fields is Python's `KeyError`.
impl From<PortError> for FunctionError {
    fn from(error: PortError) -> Self {
        if error.code == "KeyError" {
            return FunctionError { error_type: error.code, message: error.message };
        }
        FunctionError { error_type: "ClientError".to_owned(), message: error.to_string() }
    }
}

/// The handler and the table it uses.
#[derive(Debug, Clone)]
pub struct Handler<T> {
    /// Where the orders live.
    pub table: T,
}

impl<T: OrderTable> Handler<T> {
    /// Answers one API Gateway REST proxy event as `app.handler` does.
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let method = event.get("httpMethod").and_then(Value::as_str);
        let resource = event.get("resource").and_then(Value::as_str);
        match (method, resource) {
            (Some("GET"), Some("/orders/{order_id}")) => {
                let order_id = event
                    .get("pathParameters")
                    .and_then(|parameters| parameters.get("order_id"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| FunctionError {
                        error_type: "KeyError".to_owned(),
                        message: "'order_id'".to_owned(),
                    })?;
                self.get_order(order_id).await
            }
            (Some("POST"), Some("/orders")) => self.create_order(event.get("body").and_then(Value::as_str)).await,
            // Python formats a missing value as `None`.
            _ => Ok(answer(
                404,
                &json!({"message": "no such route", "route": format!("{} {}", method.unwrap_or("None"), resource.unwrap_or("None"))}),
            )),
        }
    }

    async fn get_order(&self, order_id: &str) -> Result<Value, FunctionError> {
        match self.table.get(order_id).await? {
            Some(order) => Ok(answer(200, &order.to_json())),
            None => Ok(answer(404, &json!({"message": "order not found", "order_id": order_id}))),
        }
    }

    async fn create_order(&self, raw_body: Option<&str>) -> Result<Value, FunctionError> {
        // `json.loads(event.get("body") or "")`: no body is no JSON.
        let Ok(body) = serde_json::from_str::<Value>(raw_body.unwrap_or_default()) else {
            return Ok(answer(400, &json!({"message": "body is not JSON"})));
        };
        let Value::Object(body) = body else {
            return Ok(answer(400, &json!({"message": "body must be a JSON object"})));
        };
        let order = match Order::from_body(&body) {
            Ok(order) => order,
            Err(problem) => return Ok(answer(400, &json!({"message": problem}))),
        };
        match self.table.create(&order).await? {
            Stored::Created => Ok(answer(201, &order.to_json())),
            Stored::AlreadyExists => {
                Ok(answer(409, &json!({"message": "order already exists", "order_id": order.order_id})))
            }
        }
    }
}

/// The proxy response `answer(status, body)` builds in Python.
fn answer(status: u16, body: &Value) -> Value {
    let mut headers = Map::new();
    headers.insert("Content-Type".to_owned(), json!("application/json"));
    json!({"statusCode": status, "headers": headers, "body": to_python_json(body)})
}
