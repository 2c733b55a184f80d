//! [`OrderTable`] on DynamoDB through aws-sdk-dynamodb, writing the items boto3 writes:
//! strings as `S`, integers as `N`, the same six attributes, the same condition.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::order::{Order, OrderTable, PortError, Stored};

/// The orders table of `ORDERS_TABLE`.
#[derive(Debug, Clone)]
pub struct DynamoOrderTable {
    client: Client,
    table_name: String,
}

impl DynamoOrderTable {
    /// The table `table_name`, called through `client`.
    pub fn new(client: Client, table_name: String) -> Self {
        DynamoOrderTable { client, table_name }
    }
}

impl OrderTable for DynamoOrderTable {
    async fn get(&self, order_id: &str) -> Result<Option<Order>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table_name)
            .key("order_id", AttributeValue::S(order_id.to_owned()))
            .send()
            .await
            .map_err(port_error)?;
        output.item.as_ref().map(order_from_item).transpose()
    }

    async fn create(&self, order: &Order) -> Result<Stored, PortError> {
        let outcome = self
            .client
            .put_item()
            .table_name(&self.table_name)
            .set_item(Some(item_from_order(order)))
            .condition_expression("attribute_not_exists(order_id)")
            .send()
            .await;
        match outcome {
            Ok(_) => Ok(Stored::Created),
            Err(error) if error.code() == Some("ConditionalCheckFailedException") => Ok(Stored::AlreadyExists),
            Err(error) => Err(port_error(error)),
        }
    }
}

fn item_from_order(order: &Order) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("order_id".to_owned(), AttributeValue::S(order.order_id.clone())),
        ("item".to_owned(), AttributeValue::S(order.item.clone())),
        ("quantity".to_owned(), AttributeValue::N(order.quantity.to_string())),
        ("unit_price_cents".to_owned(), AttributeValue::N(order.unit_price_cents.to_string())),
        ("total_cents".to_owned(), AttributeValue::N(order.total_cents.to_string())),
        ("status".to_owned(), AttributeValue::S(order.status.clone())),
    ])
}

/// The stored item back as an order; Python reads the same attributes with `stored[...]`
/// and `int(...)`, so a missing one is its `KeyError`.
fn order_from_item(item: &HashMap<String, AttributeValue>) -> Result<Order, PortError> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => Err(missing(name)),
    };
    let number = |name: &str| match item.get(name) {
        Some(AttributeValue::N(value)) => value.parse::<i128>().map_err(|_| missing(name)),
        _ => Err(missing(name)),
    };
    let small = |name: &str| number(name).and_then(|value| i64::try_from(value).map_err(|_| missing(name)));
    Ok(Order {
        order_id: text("order_id")?,
        item: text("item")?,
        quantity: small("quantity")?,
        unit_price_cents: small("unit_price_cents")?,
        total_cents: number("total_cents")?,
        status: text("status")?,
    })
}

fn missing(name: &str) -> PortError {
    PortError { code: "KeyError".to_owned(), message: format!("'{name}'") }
}

fn port_error<E: ProvideErrorMetadata, R>(error: SdkError<E, R>) -> PortError {
    let code = error.code().unwrap_or("Unknown").to_owned();
    let message = error.message().unwrap_or("the call to DynamoDB failed").to_owned();
    PortError { code, message }
}
