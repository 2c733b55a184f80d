//! The order, as the Python code stores it, and the table port that holds orders.

use std::future::Future;

use serde_json::{Map, Value, json};

/// One order. The numbers are integers: the Python code accepts no others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The table's partition key, chosen by the client.
    pub order_id: String,
    /// What was ordered.
    pub item: String,
    /// How many, at least 1.
    pub quantity: i64,
    /// The price of one, in cents, at least 1.
    pub unit_price_cents: i64,
    /// `quantity * unit_price_cents`. Python's integers have no bound; two i64 factors
    /// always fit an i128.
    pub total_cents: i128,
    /// Always `placed` on creation.
    pub status: String,
}

impl Order {
    /// The order a POST body describes, or the message of its first bad field, checked in
    /// the Python code's order (`parse_order`).
    pub fn from_body(body: &Map<String, Value>) -> Result<Order, &'static str> {
        let order_id = non_empty_string(body.get("order_id")).ok_or("order_id must be a non-empty string")?;
        let item = non_empty_string(body.get("item")).ok_or("item must be a non-empty string")?;
        let quantity = positive_int(body.get("quantity")).ok_or("quantity must be a positive integer")?;
        let unit_price_cents =
            positive_int(body.get("unit_price_cents")).ok_or("unit_price_cents must be a positive integer")?;
        Ok(Order {
            order_id: order_id.to_owned(),
            item: item.to_owned(),
            quantity,
            unit_price_cents,
            total_cents: i128::from(quantity) * i128::from(unit_price_cents),
            status: "placed".to_owned(),
        })
    }

    /// The order as the answers show it, its fields in the Python dict's order.
    pub fn to_json(&self) -> Value {
        // A total past u64 (both factors near 2^63) has no JSON number here, where Python
        // would print the integer; DynamoDB refuses it on either side anyway (38 digits).
        let total_cents = serde_json::to_value(self.total_cents).unwrap_or(Value::Null);
        json!({
            "order_id": self.order_id,
            "item": self.item,
            "quantity": self.quantity,
            "unit_price_cents": self.unit_price_cents,
            "total_cents": total_cents,
            "status": self.status,
        })
    }
}

fn non_empty_string(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|text| !text.is_empty())
}

/// `isinstance(value, int) and not isinstance(value, bool) and value > 0`: JSON `true`,
/// `2.0` and `"2"` are not integers to Python either.
fn positive_int(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_i64).filter(|number| *number > 0)
}

/// A failed call to the table, named as the service's error code.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct PortError {
    /// The service's error code, e.g. `ResourceNotFoundException`.
    pub code: String,
    /// The service's message.
    pub message: String,
}

/// What a conditional create did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The order is new and now stored.
    Created,
    /// An order with this id exists; nothing was written.
    AlreadyExists,
}

/// The orders table, with the two calls the Python code makes.
pub trait OrderTable: Send + Sync {
    /// The order stored under `order_id` (GetItem); `None` when there is none.
    fn get(&self, order_id: &str) -> impl Future<Output = Result<Option<Order>, PortError>> + Send;
    /// Stores `order` unless its id is taken (PutItem with
    /// `attribute_not_exists(order_id)`).
    fn create(&self, order: &Order) -> impl Future<Output = Result<Stored, PortError>> + Send;
}
