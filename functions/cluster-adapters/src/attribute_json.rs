//! Python values as DynamoDB attribute values, the way boto3's `TypeSerializer` and
//! `TypeDeserializer` convert them, in the JSON wire form (`{"S": "..."}`) so the order
//! of map entries survives (see [`crate::raw_json_body`]), and in the SDK's typed form
//! for the request builders.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use cluster_domain::{PyDict, PyValue};
use serde_json::{Map, Value};

use crate::AdapterError;

/// boto3's serializer: `None` → NULL, bool → BOOL, int and Decimal → N, str → S,
/// list → L, dict → M. Floats are refused by boto3 (`Float types are not supported`),
/// and the platform never stores one.
pub(crate) fn to_wire(value: &PyValue) -> Result<Value, AdapterError> {
    let (tag, inner) = match value {
        PyValue::None => ("NULL", Value::Bool(true)),
        PyValue::Bool(flag) => ("BOOL", Value::Bool(*flag)),
        PyValue::Int(number) => ("N", Value::String(number.to_string())),
        PyValue::Decimal(text) => ("N", Value::String(text.clone())),
        PyValue::Float(_) => return Err(AdapterError::FloatNotSupported),
        PyValue::Str(text) => ("S", Value::String(text.clone())),
        PyValue::List(items) => ("L", Value::Array(items.iter().map(to_wire).collect::<Result<_, _>>()?)),
        PyValue::Dict(dict) => ("M", Value::Object(dict_to_wire(dict)?)),
    };
    let mut wrapped = Map::new();
    wrapped.insert(tag.to_owned(), inner);
    Ok(Value::Object(wrapped))
}

/// A whole item (or key, or `ExpressionAttributeValues`) in wire form, in order.
pub(crate) fn dict_to_wire(dict: &PyDict) -> Result<Map<String, Value>, AdapterError> {
    dict.iter().map(|(key, value)| Ok((key.to_owned(), to_wire(value)?))).collect()
}

/// boto3's deserializer: every number is a `Decimal`, maps keep the wire order.
pub(crate) fn from_wire(value: &Value) -> Result<PyValue, AdapterError> {
    let malformed = || AdapterError::MalformedAttribute { value: truncated(value) };
    let Some((tag, inner)) = value.as_object().filter(|map| map.len() == 1).and_then(|map| map.iter().next()) else {
        return Err(malformed());
    };
    Ok(match (tag.as_str(), inner) {
        ("NULL", _) => PyValue::None,
        ("BOOL", Value::Bool(flag)) => PyValue::Bool(*flag),
        ("N", Value::String(text)) => PyValue::Decimal(text.clone()),
        ("S", Value::String(text)) => PyValue::Str(text.clone()),
        ("L", Value::Array(items)) => PyValue::List(items.iter().map(from_wire).collect::<Result<_, _>>()?),
        ("M", Value::Object(map)) => PyValue::Dict(dict_from_wire(map)?),
        _ => return Err(malformed()),
    })
}

pub(crate) fn dict_from_wire(map: &Map<String, Value>) -> Result<PyDict, AdapterError> {
    map.iter().map(|(key, value)| Ok((key.clone(), from_wire(value)?))).collect()
}

fn truncated(value: &Value) -> String {
    let text = value.to_string();
    text.chars().take(120).collect()
}

/// The SDK's typed form of the same conversion (order is lost here; the wire form is
/// what is sent).
pub(crate) fn to_sdk(value: &PyValue) -> Result<AttributeValue, AdapterError> {
    Ok(match value {
        PyValue::None => AttributeValue::Null(true),
        PyValue::Bool(flag) => AttributeValue::Bool(*flag),
        PyValue::Int(number) => AttributeValue::N(number.to_string()),
        PyValue::Decimal(text) => AttributeValue::N(text.clone()),
        PyValue::Float(_) => return Err(AdapterError::FloatNotSupported),
        PyValue::Str(text) => AttributeValue::S(text.clone()),
        PyValue::List(items) => AttributeValue::L(items.iter().map(to_sdk).collect::<Result<_, _>>()?),
        PyValue::Dict(dict) => AttributeValue::M(dict_to_sdk(dict)?),
    })
}

pub(crate) fn dict_to_sdk(dict: &PyDict) -> Result<HashMap<String, AttributeValue>, AdapterError> {
    dict.iter().map(|(key, value)| Ok((key.to_owned(), to_sdk(value)?))).collect()
}

#[cfg(test)]
mod tests {
    use cluster_domain::PyInt;
    use serde_json::json;

    use super::*;

    #[test]
    fn round_trips_in_order_with_numbers_as_decimals() {
        let dict = PyDict::new()
            .with("z", PyValue::int(3))
            .with("a", PyValue::None)
            .with("m", PyDict::new().with("y", true).with("b", "x"))
            .with("l", vec![PyValue::from("s"), PyValue::Int(PyInt::from(-2))]);
        let wire = Value::Object(dict_to_wire(&dict).unwrap_or_default());
        assert_eq!(
            wire.to_string(),
            r#"{"z":{"N":"3"},"a":{"NULL":true},"m":{"M":{"y":{"BOOL":true},"b":{"S":"x"}}},"l":{"L":[{"S":"s"},{"N":"-2"}]}}"#
        );
        let back = wire.as_object().map(dict_from_wire);
        let expected = PyDict::new()
            .with("z", PyValue::Decimal("3".into()))
            .with("a", PyValue::None)
            .with("m", PyDict::new().with("y", true).with("b", "x"))
            .with("l", vec![PyValue::from("s"), PyValue::Decimal("-2".into())]);
        assert_eq!(back.and_then(Result::ok), Some(expected));
    }

    #[test]
    fn refuses_floats_and_malformed_attributes() {
        assert!(matches!(to_wire(&PyValue::Float(1.5)), Err(AdapterError::FloatNotSupported)));
        assert!(matches!(from_wire(&json!({"S": 1})), Err(AdapterError::MalformedAttribute { .. })));
        assert!(matches!(from_wire(&json!({"S": "a", "N": "1"})), Err(AdapterError::MalformedAttribute { .. })));
    }
}
