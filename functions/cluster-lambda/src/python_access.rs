//! Reading an event the way the Python original's expressions read it, with the
//! exceptions they raise on values of another type.
//!
//! A Lambda event is any JSON value, and the Python handlers index it with `event[key]`,
//! `.get(key)`, `.upper()`, `len()`: each raises its own exception, worded its own way,
//! when the value is missing or of another JSON type. These helpers give the same
//! outcome for every JSON type, so a handler written with them fails where, and as,
//! Python fails.

use serde_json::Value;

use crate::FunctionError;

/// The Python class of a JSON value as `json.loads` builds it.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python's `bool(value)`.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64() != Some(0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// `KeyError(key)`: its message is the key's `repr`.
pub fn key_error(key: &str) -> FunctionError {
    FunctionError::new("KeyError", cluster_domain::python_json::str_repr(key))
}

/// `AttributeError: '<type>' object has no attribute '<attribute>'`.
pub fn no_attribute(value: &Value, attribute: &str) -> FunctionError {
    FunctionError::new("AttributeError", format!("'{}' object has no attribute '{attribute}'", type_name(value)))
}

/// `value[key]` with a `str` key.
pub fn subscript<'a>(value: &'a Value, key: &str) -> Result<&'a Value, FunctionError> {
    match value {
        Value::Object(map) => map.get(key).ok_or_else(|| key_error(key)),
        Value::String(_) => Err(FunctionError::new("TypeError", "string indices must be integers, not 'str'")),
        Value::Array(_) => Err(FunctionError::new("TypeError", "list indices must be integers or slices, not str")),
        other => Err(FunctionError::new("TypeError", format!("'{}' object is not subscriptable", type_name(other)))),
    }
}

/// `value.get(key)`: `None` when absent (or JSON `null`, which Python cannot tell from
/// absent either), `AttributeError` when `value` is not a dict.
pub fn get<'a>(value: &'a Value, key: &str) -> Result<Option<&'a Value>, FunctionError> {
    match value {
        Value::Object(map) => Ok(map.get(key).filter(|value| !value.is_null())),
        other => Err(no_attribute(other, "get")),
    }
}

/// `value.upper()` for a `str`; `AttributeError` for anything else.
pub fn upper(value: &Value) -> Result<String, FunctionError> {
    value.as_str().map(str::to_uppercase).ok_or_else(|| no_attribute(value, "upper"))
}

/// `len(value)`.
pub fn len(value: &Value) -> Result<usize, FunctionError> {
    match value {
        Value::String(text) => Ok(text.chars().count()),
        Value::Array(items) => Ok(items.len()),
        Value::Object(map) => Ok(map.len()),
        other => Err(FunctionError::new("TypeError", format!("object of type '{}' has no len()", type_name(other)))),
    }
}

/// powertools' `CaseInsensitiveDict(data)`: a mapping's items, or the `(key, value)`
/// pairs an iterable unpacks to, with the keys lower-cased; the later of two
/// spellings wins. `None` is empty.
pub fn case_insensitive_dict(data: &Value) -> Result<Vec<(String, Value)>, FunctionError> {
    let pairs: Vec<(Value, Value)> = match data {
        Value::Null => Vec::new(),
        Value::Object(map) => map.iter().map(|(key, value)| (Value::String(key.clone()), value.clone())).collect(),
        Value::String(text) => text
            .chars()
            .map(|character| unpack_pair(&Value::String(character.to_string())))
            .collect::<Result<_, _>>()?,
        Value::Array(items) => items.iter().map(unpack_pair).collect::<Result<_, _>>()?,
        other => return Err(FunctionError::new("TypeError", format!("'{}' object is not iterable", type_name(other)))),
    };
    let mut entries: Vec<(String, Value)> = Vec::new();
    for (key, value) in pairs {
        let key = key.as_str().map(str::to_lowercase).ok_or_else(|| no_attribute(&key, "lower"))?;
        match entries.iter_mut().find(|(existing, _)| *existing == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
    Ok(entries)
}

/// `k, v = item`.
fn unpack_pair(item: &Value) -> Result<(Value, Value), FunctionError> {
    let parts: Vec<Value> = match item {
        Value::String(text) => text.chars().map(|character| Value::String(character.to_string())).collect(),
        Value::Array(items) => items.clone(),
        Value::Object(map) => map.keys().map(|key| Value::String(key.clone())).collect(),
        other => {
            return Err(FunctionError::new(
                "TypeError",
                format!("cannot unpack non-iterable {} object", type_name(other)),
            ));
        }
    };
    match <[Value; 2]>::try_from(parts) {
        Ok([key, value]) => Ok((key, value)),
        Err(parts) if parts.len() < 2 => Err(FunctionError::new(
            "ValueError",
            format!("not enough values to unpack (expected 2, got {})", parts.len()),
        )),
        Err(_) => Err(FunctionError::new("ValueError", "too many values to unpack (expected 2)")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn failure<T: std::fmt::Debug>(result: Result<T, FunctionError>) -> (String, String) {
        let error = result.expect_err("a Python exception");
        (error.error_type, error.message)
    }

    #[test]
    fn subscript_and_get_raise_as_python() {
        assert_eq!(failure(subscript(&json!({}), "httpMethod")), ("KeyError".to_owned(), "'httpMethod'".to_owned()));
        assert_eq!(failure(subscript(&json!([]), "a")).1, "list indices must be integers or slices, not str");
        assert_eq!(failure(subscript(&json!(1.5), "a")).1, "'float' object is not subscriptable");
        assert_eq!(failure(get(&json!("x"), "a")).1, "'str' object has no attribute 'get'");
        assert_eq!(get(&json!({"a": null}), "a").ok(), Some(None));
    }

    #[test]
    fn case_insensitive_dict_unpacks_like_python() {
        assert_eq!(
            case_insensitive_dict(&json!([["A", 1], "bc"])).ok(),
            Some(vec![("a".to_owned(), json!(1)), ("b".to_owned(), json!("c"))])
        );
        assert_eq!(failure(case_insensitive_dict(&json!("text"))).1, "not enough values to unpack (expected 2, got 1)");
        assert_eq!(failure(case_insensitive_dict(&json!([1]))).1, "cannot unpack non-iterable int object");
        assert_eq!(failure(case_insensitive_dict(&json!(["abc"]))).1, "too many values to unpack (expected 2)");
        assert_eq!(failure(case_insensitive_dict(&json!([[1, 2]]))).1, "'int' object has no attribute 'lower'");
        assert_eq!(failure(case_insensitive_dict(&json!(true))).1, "'bool' object is not iterable");
        assert_eq!(case_insensitive_dict(&json!({"X-A": 1, "x-a": 2})).ok(), Some(vec![("x-a".to_owned(), json!(2))]));
    }
}
