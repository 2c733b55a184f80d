//! The request-side quirks of the Python handlers (`http.py` and powertools): body
//! decoding, spec parsing with its rejections, `int()` for `limit`, paging tokens.

use std::borrow::Cow;

use crate::ports::ClusterListQuery;
use crate::python_json::{self, LoadsError};
use crate::rules::{Violation, schema_violations};
use crate::spec::{ClusterSpec, ENVIRONMENTS, parse_spec};
use crate::status::STATUSES;
use crate::unicode_tables::{DECIMAL_ZEROS, WHITESPACE};
use crate::value::{PyDict, PyValue};

/// Why a request body is not a cluster spec.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecRejection {
    /// A client error: the violations the 400 answer lists.
    Rejected(Vec<Violation>),
    /// An error the Python handler does not catch (a `ValueError` or `RecursionError`
    /// from `json.loads`): Lambda reports it and API Gateway answers 502.
    Unhandled {
        /// The Python exception class Lambda reports as `errorType` (`ValueError`).
        error_type: &'static str,
        /// The exception's text, Lambda's `errorMessage`.
        message: String,
    },
}

/// powertools' `event.decoded_body`: the body, base64-decoded (Python's lenient
/// `b64decode`) and UTF-8-decoded when `isBase64Encoded` is truthy and the body is not
/// empty. An undecodable body is `BODY_NOT_JSON`.
pub fn read_body_text(body: Option<&str>, is_base64_encoded: bool) -> Result<Option<String>, SpecRejection> {
    read_body(body, is_base64_encoded).map(|text| text.map(Cow::into_owned))
}

/// [`read_body_text`] without copying a body that is not base64: the text borrows the
/// event's (a 1 MB body is then held once, not twice).
pub(crate) fn read_body(body: Option<&str>, is_base64_encoded: bool) -> Result<Option<Cow<'_, str>>, SpecRejection> {
    match body {
        Some(text) if is_base64_encoded && !text.is_empty() => {
            let bytes =
                b64decode(text.as_bytes()).ok_or_else(|| SpecRejection::Rejected(vec![Violation::body_not_json()]))?;
            String::from_utf8(bytes)
                .map(|text| Some(Cow::Owned(text)))
                .map_err(|_| SpecRejection::Rejected(vec![Violation::body_not_json()]))
        }
        other => Ok(other.map(Cow::Borrowed)),
    }
}

/// `parse_cluster_spec`: BODY_MISSING, BODY_NOT_JSON, SCHEMA_INVALID or the spec.
pub fn parse_cluster_spec(body_text: Option<&str>) -> Result<ClusterSpec, SpecRejection> {
    let Some(text) = body_text.filter(|text| !text.is_empty()) else {
        return Err(SpecRejection::Rejected(vec![Violation::body_missing()]));
    };
    let payload = python_json::loads(text).map_err(|error| match error {
        LoadsError::Decode { .. } => SpecRejection::Rejected(vec![Violation::body_not_json()]),
        LoadsError::IntegerTooLong { .. } => {
            SpecRejection::Unhandled { error_type: "ValueError", message: error.to_string() }
        }
        LoadsError::TooDeep => SpecRejection::Unhandled { error_type: "RecursionError", message: error.to_string() },
        // pydantic refuses a str holding a lone surrogate as not a valid string; the
        // spec cannot be valid, but the exact error list is not reproduced.
        LoadsError::LoneSurrogate { .. } => SpecRejection::Rejected(vec![Violation::error(
            "SCHEMA_INVALID",
            "",
            "Input should be a valid string, unable to parse raw data as a unicode string",
        )]),
    })?;
    parse_spec(&payload).map_err(|errors| SpecRejection::Rejected(schema_violations(&errors)))
}

/// `base64.b64decode(data)` (not `validate`): characters outside the alphabet are
/// dropped, decoding stops at a complete padding sequence, and a data length that is
/// not a multiple of four without its padding is an error (`None`).
pub(crate) fn b64decode(data: &[u8]) -> Option<Vec<u8>> {
    b64decode_with(data, b'+', b'/')
}

/// `base64.urlsafe_b64decode(data)`: `-` and `_` for `+` and `/` (both accepted).
pub fn urlsafe_b64decode(data: &[u8]) -> Option<Vec<u8>> {
    let translated: Vec<u8> = data
        .iter()
        .map(|byte| match byte {
            b'-' => b'+',
            b'_' => b'/',
            other => *other,
        })
        .collect();
    b64decode(&translated)
}

fn b64decode_with(data: &[u8], plus: u8, slash: u8) -> Option<Vec<u8>> {
    let sextet = |byte: u8| -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            _ if byte == plus => Some(62),
            _ if byte == slash => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    let mut quad_position = 0;
    let mut left = 0u32;
    let mut pads = 0;
    for byte in data {
        if *byte == b'=' {
            if quad_position >= 2 {
                pads += 1;
                if quad_position + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let Some(value) = sextet(*byte) else { continue };
        pads = 0;
        match quad_position {
            0 => {
                left = value;
                quad_position = 1;
            }
            1 => {
                out.push(((left << 2) | (value >> 4)) as u8);
                left = value & 0x0f;
                quad_position = 2;
            }
            2 => {
                out.push(((left << 4) | (value >> 2)) as u8);
                left = value & 0x03;
                quad_position = 3;
            }
            _ => {
                out.push(((left << 6) | value) as u8);
                left = 0;
                quad_position = 0;
            }
        }
    }
    (quad_position == 0).then_some(out)
}

/// `base64.urlsafe_b64encode(data)`, with padding.
pub(crate) fn urlsafe_b64encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let bytes = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let group = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(ALPHABET[((group >> (18 - 6 * index)) & 0x3f) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn is_python_whitespace(character: char) -> bool {
    WHITESPACE.binary_search(&(character as u32)).is_ok()
}

/// The value of a Unicode decimal digit (category Nd), as `int()` reads it.
fn decimal_digit(character: char) -> Option<u32> {
    let code = character as u32;
    let zero_index = DECIMAL_ZEROS.partition_point(|zero| *zero <= code).checked_sub(1)?;
    let offset = code - DECIMAL_ZEROS[zero_index];
    (offset <= 9).then_some(offset)
}

/// Python's `int(text)` for a `str`, limited to the values a `limit` can usefully
/// take: surrounding whitespace (`str.isspace`) ignored, an optional sign, decimal digits
/// of any script (`"５"`), single underscores between digits. `None` where Python
/// raises `ValueError`; `Some(i128::MAX)` stands for any larger magnitude (Python's
/// 4300-digit limit also raises, which callers treat the same as out of range).
pub(crate) fn python_int(text: &str) -> Option<i128> {
    let trimmed = text.trim_matches(is_python_whitespace);
    let (negative, body) = match trimmed.chars().next()? {
        '-' => (true, &trimmed[1..]),
        '+' => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let mut value: i128 = 0;
    let mut previous_was_digit = false;
    let mut digit_count = 0usize;
    for character in body.chars() {
        if character == '_' {
            if !previous_was_digit {
                return None;
            }
            previous_was_digit = false;
            continue;
        }
        let digit = decimal_digit(character)?;
        value = value.saturating_mul(10).saturating_add(i128::from(digit));
        previous_was_digit = true;
        digit_count += 1;
    }
    if !previous_was_digit || digit_count > 4300 {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// A query the handler refuses: a 400 with its message, or the exception Python lets
/// escape for a parameter of another JSON type (`int([])`, `5.encode()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryRejection {
    /// A 400 answer with this message.
    BadRequest(String),
    /// An exception the Python handler lets escape; API Gateway answers 502.
    Unhandled {
        /// The Python exception class Lambda reports as `errorType` (`TypeError`).
        error_type: &'static str,
        /// The exception's text, Lambda's `errorMessage`.
        message: String,
    },
}

impl From<String> for QueryRejection {
    fn from(message: String) -> Self {
        QueryRejection::BadRequest(message)
    }
}

/// `parse_limit`: the default when absent, else `int()` within `1..=maximum`; the
/// error is the 400 message.
pub(crate) fn parse_limit(raw: Option<&str>, default: u32, maximum: u32) -> Result<u32, String> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    let message = || format!("limit must be an integer between 1 and {maximum}");
    let limit = python_int(raw).ok_or_else(message)?;
    if !(1..=i128::from(maximum)).contains(&limit) {
        return Err(message());
    }
    u32::try_from(limit).map_err(|_| message())
}

/// [`parse_limit`] over a query value of any JSON type, as `int(raw)` reads it: a
/// `str` as above, an int as itself, a bool as 0 or 1, a float truncated; a list or a
/// dict raises `TypeError`.
pub(crate) fn parse_limit_value(raw: Option<&PyValue>, default: u32, maximum: u32) -> Result<u32, QueryRejection> {
    let message = || QueryRejection::BadRequest(format!("limit must be an integer between 1 and {maximum}"));
    let in_range =
        |limit: f64| if (1.0..=f64::from(maximum)).contains(&limit) { Ok(limit as u32) } else { Err(message()) };
    match raw {
        None | Some(PyValue::None) => Ok(default),
        Some(PyValue::Str(text)) => Ok(parse_limit(Some(text), default, maximum)?),
        Some(PyValue::Bool(flag)) => in_range(f64::from(u8::from(*flag))),
        Some(PyValue::Int(number)) => match number.to_i64() {
            Some(number) => in_range(number as f64),
            None => Err(message()),
        },
        Some(PyValue::Float(number)) => in_range(number.trunc()),
        Some(PyValue::Decimal(text)) => Ok(parse_limit(Some(text), default, maximum)?),
        Some(other) => Err(QueryRejection::Unhandled {
            error_type: "TypeError",
            message: format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                other.type_name()
            ),
        }),
    }
}

/// A paging token of any JSON type: a `str`, or the `AttributeError` of `token.encode()`.
fn token_text(token: Option<&PyValue>) -> Result<Option<&str>, QueryRejection> {
    match token {
        None | Some(PyValue::None) => Ok(None),
        Some(PyValue::Str(text)) => Ok(Some(text)),
        Some(other) => Err(QueryRejection::Unhandled {
            error_type: "AttributeError",
            message: format!("'{}' object has no attribute 'encode'", other.type_name()),
        }),
    }
}

/// The 400 message for an invalid paging token.
pub(crate) const NEXT_TOKEN_INVALID: &str = "next_token is invalid";

/// `encode_next_token`: URL-safe base64 of `json.dumps(LastEvaluatedKey)` (default
/// separators); `None` when there is no further page.
pub(crate) fn encode_next_token(last_evaluated_key: Option<&PyDict>) -> Option<String> {
    let key = last_evaluated_key.filter(|key| !key.is_empty())?;
    Some(urlsafe_b64encode(python_json::dumps_default(&PyValue::Dict(key.clone())).as_bytes()))
}

/// `decode_next_token`: the ExclusiveStartKey a token stands for. Its keys must be
/// exactly `required_keys` (any order) with non-empty string values.
pub(crate) fn decode_next_token(token: Option<&str>, required_keys: &[&str]) -> Result<Option<PyDict>, String> {
    let Some(token) = token else {
        return Ok(None);
    };
    let invalid = || NEXT_TOKEN_INVALID.to_owned();
    let bytes = urlsafe_b64decode(token.as_bytes()).ok_or_else(invalid)?;
    // json.loads(bytes) strips a UTF-8 BOM before decoding.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| invalid())?;
    let PyValue::Dict(key) = python_json::loads(text).map_err(|_| invalid())? else {
        return Err(invalid());
    };
    let mut keys: Vec<&str> = key.keys().collect();
    let mut required: Vec<&str> = required_keys.to_vec();
    keys.sort_unstable();
    required.sort_unstable();
    let values_ok = key.iter().all(|(_, value)| value.as_str().is_some_and(|text| !text.is_empty()));
    if keys != required || !values_ok {
        return Err(invalid());
    }
    Ok(Some(key))
}

/// list-clusters' query checks, in Python's order: limit (default 20, at most 100),
/// environment, status, then the token (whose keys depend on `environment`, and whose
/// `environment` must equal the filter). Query values may be of any JSON type: an
/// environment or status that is not one of the known strings is a 400, `team` is
/// kept as it is (the filter compares it as DynamoDB would).
pub fn parse_list_clusters_query<'a>(
    query: impl Fn(&str) -> Option<&'a PyValue>,
) -> Result<ClusterListQuery, QueryRejection> {
    let present = |name: &str| query(name).filter(|value| !value.is_none());
    let environment = present("environment");
    let team = present("team");
    let status = present("status");
    let limit = parse_limit_value(present("limit"), 20, 100)?;
    let environment = match environment {
        None => None,
        Some(PyValue::Str(text)) if ENVIRONMENTS.contains(&text.as_str()) => Some(text.as_str()),
        Some(_) => {
            return Err(QueryRejection::BadRequest(format!("environment must be one of {}", ENVIRONMENTS.join(", "))));
        }
    };
    let status = match status {
        None => None,
        Some(PyValue::Str(text)) if STATUSES.contains(&text.as_str()) => Some(text.as_str()),
        Some(_) => return Err(QueryRejection::BadRequest(format!("status must be one of {}", STATUSES.join(", ")))),
    };
    let key_names: &[&str] =
        if environment.is_some() { &["cluster_id", "environment", "created_at"] } else { &["cluster_id"] };
    let start_key = decode_next_token(token_text(present("next_token"))?, key_names)?;
    if let (Some(key), Some(environment)) = (&start_key, environment)
        && key.get_str("environment") != Some(environment)
    {
        return Err(QueryRejection::BadRequest(NEXT_TOKEN_INVALID.to_owned()));
    }
    Ok(ClusterListQuery {
        environment: environment.map(str::to_owned),
        team: team.cloned(),
        status: status.map(str::to_owned),
        limit,
        exclusive_start_key: start_key,
    })
}

/// get-cluster-events' query checks, before the cluster lookup: limit (default 50, at
/// most 100), then the token (keys `cluster_id`, `event_key`; `cluster_id` must be the
/// path's). Returns the limit and the ExclusiveStartKey.
pub fn parse_events_query(
    cluster_id: &str,
    limit: Option<&PyValue>,
    next_token: Option<&PyValue>,
) -> Result<(u32, Option<PyDict>), QueryRejection> {
    let limit = parse_limit_value(limit, 50, 100)?;
    let start_key = decode_next_token(token_text(next_token)?, &["cluster_id", "event_key"])?;
    if let Some(key) = &start_key
        && key.get_str("cluster_id") != Some(cluster_id)
    {
        return Err(QueryRejection::BadRequest(NEXT_TOKEN_INVALID.to_owned()));
    }
    Ok((limit, start_key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64decode_is_as_lenient_as_python() {
        // Expected values from CPython 3.11's base64.b64decode.
        assert_eq!(b64decode(b"aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(b64decode(b"aGVs bG8=\n"), Some(b"hello".to_vec()));
        assert_eq!(b64decode(b"aGVsbG8=trailing"), Some(b"hello".to_vec()));
        assert_eq!(b64decode(b"aGVsbG8"), None);
        assert_eq!(b64decode(b"this is not base64!!"), None);
        assert_eq!(b64decode(b"a"), None);
        assert_eq!(b64decode(b""), Some(Vec::new()));
        assert_eq!(b64decode(b"=aGk="), Some(b"hi".to_vec()));
        assert_eq!(b64decode(b"//4AZ2FyYmFnZQ=="), Some(b"\xff\xfe\x00garbage".to_vec()));
    }

    #[test]
    fn body_decoding_follows_powertools() {
        assert_eq!(read_body_text(Some("e30="), true), Ok(Some("{}".to_owned())));
        assert_eq!(read_body_text(Some("e30="), false), Ok(Some("e30=".to_owned())));
        assert_eq!(read_body_text(Some(""), true), Ok(Some(String::new())));
        assert_eq!(read_body_text(None, true), Ok(None));
        assert_eq!(
            read_body_text(Some("//4AZ2FyYmFnZQ=="), true),
            Err(SpecRejection::Rejected(vec![Violation::body_not_json()]))
        );
    }

    #[test]
    fn python_int_accepts_what_int_accepts() {
        let cases: &[(&str, Option<i128>)] = &[
            ("5", Some(5)),
            (" 5", Some(5)),
            ("+5", Some(5)),
            ("-5", Some(-5)),
            ("1_0", Some(10)),
            ("\u{ff15}", Some(5)),
            ("\u{663}", Some(3)),
            ("\u{2003}7\u{1c}", Some(7)),
            ("007", Some(7)),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("", None),
            ("+", None),
            ("5.0", None),
            ("0x10", None),
            ("five", None),
            ("- 5", None),
        ];
        for (text, expected) in cases {
            assert_eq!(python_int(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn limit_messages() {
        assert_eq!(parse_limit(None, 20, 100), Ok(20));
        assert_eq!(parse_limit(Some(" 5"), 20, 100), Ok(5));
        assert_eq!(parse_limit(Some("0"), 20, 100), Err("limit must be an integer between 1 and 100".to_owned()));
        assert_eq!(parse_limit(Some("101"), 20, 100), Err("limit must be an integer between 1 and 100".to_owned()));
        assert_eq!(
            parse_limit(Some(&"9".repeat(60)), 20, 100),
            Err("limit must be an integer between 1 and 100".to_owned())
        );
    }

    #[test]
    fn next_token_round_trip_and_python_bytes() {
        let key = PyDict::new().with("cluster_id", "payments-1a2b3c4d");
        let token = encode_next_token(Some(&key)).expect("a token");
        // base64.urlsafe_b64encode(json.dumps({"cluster_id": "payments-1a2b3c4d"}).encode())
        assert_eq!(token, "eyJjbHVzdGVyX2lkIjogInBheW1lbnRzLTFhMmIzYzRkIn0=");
        assert_eq!(decode_next_token(Some(&token), &["cluster_id"]), Ok(Some(key)));
        assert_eq!(encode_next_token(Some(&PyDict::new())), None);
        assert_eq!(decode_next_token(None, &["cluster_id"]), Ok(None));
        for bad in ["not-a-token", "e30=", "W10=", "eyJjbHVzdGVyX2lkIjogIiJ9"] {
            assert_eq!(decode_next_token(Some(bad), &["cluster_id"]), Err(NEXT_TOKEN_INVALID.to_owned()), "{bad}");
        }
    }
}
