//! Reads back what one side wrote to its own AWS back end (the moto server of a `local:`
//! side) into a [`SideEffects`] snapshot: every DynamoDB table, every CodePipeline
//! pipeline with its tags, and every S3 object; and, when the endpoint is the emulator's
//! recording proxy, the write calls in the order they were made (`GET /_cutover/writes`).
//!
//! Table items are keyed by partition key; a table with a sort key holds, per partition,
//! the list of its items in sort-key order (sort keys such as `<timestamp>#<random>` are
//! generated, so they cannot be keys of the comparison; their order can). Numbers become
//! JSON numbers where they fit, sets become sorted arrays.
//!
//! CodePipeline is read with its JSON protocol directly rather than through
//! aws-sdk-codepipeline: moto answers `GetPipeline` and `ListPipelines` with ISO 8601
//! timestamps where the SDK expects epoch seconds, and the SDK refuses the whole answer.
//! The raw answer is also exactly the definition the function sent.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::side_effects::SideEffects;

/// The credentials a local moto server accepts; placeholders, not secrets.
const MOTO_ACCESS_KEY_ID: &str = "testing";
const MOTO_SECRET_ACCESS_KEY: &str = "testing";

/// Why a side's writes could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// A call to the back end failed or answered something unreadable.
    #[error("reading side effects from {endpoint}: {operation} failed: {message}")]
    Call {
        /// The back end's URL (a `local:` side's moto server or its recording proxy).
        endpoint: String,
        /// The API call (`Scan`, `ListPipelines`, `GetObject`, ...).
        operation: &'static str,
        /// The SDK's or the server's error.
        message: String,
    },
}

/// Reads every table, pipeline and object of the AWS back end at `endpoint`.
pub(crate) async fn capture_side_effects(endpoint: &str, region: &str) -> Result<SideEffects, CaptureError> {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            aws_sdk_dynamodb::config::Credentials::new(
                MOTO_ACCESS_KEY_ID,
                MOTO_SECRET_ACCESS_KEY,
                None,
                None,
                "cutover-local",
            ),
        ))
        .endpoint_url(endpoint)
        .build();
    let mut effects = SideEffects::default();
    capture_tables(&config, endpoint, &mut effects).await?;
    capture_pipelines(endpoint, region, &mut effects).await?;
    capture_objects(&config, endpoint, &mut effects).await?;
    effects.writes = capture_write_log(endpoint).await?;
    Ok(effects)
}

/// The write calls the recording proxy at `endpoint` saw, in order; `None` when the
/// endpoint is moto itself (it answers the path as an S3 bucket that cannot exist).
async fn capture_write_log(endpoint: &str) -> Result<Option<Vec<emulator::WriteCall>>, CaptureError> {
    const OPERATION: &str = "GET /_cutover/writes";
    let url = format!("{}{}", endpoint.trim_end_matches('/'), emulator::WRITES_PATH);
    let response = reqwest::get(&url).await.map_err(|error| call_error(endpoint, OPERATION, error.to_string()))?;
    if !response.status().is_success() {
        return Ok(None);
    }
    let text = response.text().await.map_err(|error| call_error(endpoint, OPERATION, error.to_string()))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|error| call_error(endpoint, OPERATION, format!("not a list of write calls: {error}")))
}

fn call_error(endpoint: &str, operation: &'static str, message: String) -> CaptureError {
    CaptureError::Call { endpoint: endpoint.to_owned(), operation, message }
}

async fn capture_tables(
    config: &aws_config::SdkConfig,
    endpoint: &str,
    effects: &mut SideEffects,
) -> Result<(), CaptureError> {
    let client = aws_sdk_dynamodb::Client::new(config);
    let failed = |operation, error: &dyn std::fmt::Display| call_error(endpoint, operation, error.to_string());
    let mut tables = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let page = client
            .list_tables()
            .set_exclusive_start_table_name(start.take())
            .send()
            .await
            .map_err(|e| failed("ListTables", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        tables.extend(page.table_names().iter().cloned());
        match page.last_evaluated_table_name() {
            Some(last) => start = Some(last.to_owned()),
            None => break,
        }
    }
    for table in tables {
        let description = client
            .describe_table()
            .table_name(&table)
            .send()
            .await
            .map_err(|e| failed("DescribeTable", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
        let key_schema = description.table().map(|t| t.key_schema().to_vec()).unwrap_or_default();
        let key_named = |kind: aws_sdk_dynamodb::types::KeyType| {
            key_schema
                .iter()
                .find(|element| element.key_type() == &kind)
                .map(|element| element.attribute_name().to_owned())
        };
        let partition_key = key_named(aws_sdk_dynamodb::types::KeyType::Hash).unwrap_or_default();
        let sort_key = key_named(aws_sdk_dynamodb::types::KeyType::Range);
        let mut partitions: BTreeMap<String, Vec<(SortKey, Value)>> = BTreeMap::new();
        let mut start = None;
        loop {
            let page = client
                .scan()
                .table_name(&table)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| failed("Scan", &aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
            for item in page.items() {
                let partition = item.get(&partition_key).map(key_text).unwrap_or_default();
                let order = sort_key
                    .as_ref()
                    .and_then(|name| item.get(name))
                    .map(SortKey::of)
                    .unwrap_or(SortKey::Text(String::new()));
                partitions.entry(partition).or_default().push((order, item_json(item)));
            }
            match page.last_evaluated_key() {
                Some(last) if !last.is_empty() => start = Some(last.clone()),
                _ => break,
            }
        }
        effects.tables.entry(table.clone()).or_default();
        for (partition, mut items) in partitions {
            if sort_key.is_some() {
                items.sort_by(|a, b| a.0.order(&b.0));
                let list = items.into_iter().map(|(_, item)| item).collect();
                effects.record_write(&table, &partition, Value::Array(list));
            } else if let Some((_, item)) = items.pop() {
                effects.record_write(&table, &partition, item);
            }
        }
    }
    Ok(())
}

/// A sort key value, ordered as DynamoDB orders it (numbers numerically).
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortKey {
    Number(f64),
    Text(String),
}

impl SortKey {
    fn of(value: &AttributeValue) -> Self {
        match value {
            AttributeValue::N(number) => number.parse().map_or_else(|_| SortKey::Text(number.clone()), SortKey::Number),
            other => SortKey::Text(key_text(other)),
        }
    }

    fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.partial_cmp(other).unwrap_or(std::cmp::Ordering::Equal)
    }
}

fn key_text(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(text) | AttributeValue::N(text) => text.clone(),
        AttributeValue::B(blob) => base64::engine::general_purpose::STANDARD.encode(blob.as_ref()),
        other => attribute_json(other).to_string(),
    }
}

fn item_json(item: &std::collections::HashMap<String, AttributeValue>) -> Value {
    // Attribute order is not part of DynamoDB's contract: sort for stable output.
    let sorted: BTreeMap<&String, &AttributeValue> = item.iter().collect();
    Value::Object(sorted.into_iter().map(|(name, value)| (name.clone(), attribute_json(value))).collect())
}

/// An attribute as plain JSON: numbers as numbers where JSON can hold them exactly enough,
/// binary as base64, sets as sorted arrays.
pub(crate) fn attribute_json(value: &AttributeValue) -> Value {
    let number = |text: &String| {
        serde_json::from_str::<Value>(text).ok().filter(Value::is_number).unwrap_or_else(|| Value::String(text.clone()))
    };
    let base64 = |bytes: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
    match value {
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::N(text) => number(text),
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::B(blob) => base64(blob.as_ref()),
        AttributeValue::M(map) => item_json(map),
        AttributeValue::L(items) => Value::Array(items.iter().map(attribute_json).collect()),
        AttributeValue::Ss(items) => {
            let mut items = items.clone();
            items.sort();
            json!(items)
        }
        AttributeValue::Ns(items) => {
            let mut items: Vec<Value> = items.iter().map(number).collect();
            items.sort_by_key(Value::to_string);
            Value::Array(items)
        }
        AttributeValue::Bs(items) => {
            let mut items: Vec<String> =
                items.iter().map(|blob| base64::engine::general_purpose::STANDARD.encode(blob.as_ref())).collect();
            items.sort();
            json!(items)
        }
        _ => Value::String("<unknown attribute type>".into()),
    }
}

/// One call of CodePipeline's JSON protocol (AWS JSON 1.1).
async fn codepipeline_call(
    http: &reqwest::Client,
    endpoint: &str,
    region: &str,
    operation: &'static str,
    body: Value,
) -> Result<Value, CaptureError> {
    // moto routes on the credential scope; it does not check the signature.
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={MOTO_ACCESS_KEY_ID}/20260101/{region}/codepipeline/aws4_request, SignedHeaders=host, Signature=0"
    );
    let response = http
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("CodePipeline_20150709.{operation}"))
        .header("authorization", authorization)
        .body(body.to_string())
        .send()
        .await
        .map_err(|error| call_error(endpoint, operation, error.to_string()))?;
    let status = response.status();
    let text = response.text().await.map_err(|error| call_error(endpoint, operation, error.to_string()))?;
    if !status.is_success() {
        return Err(call_error(endpoint, operation, format!("{status}: {text}")));
    }
    serde_json::from_str(&text).map_err(|error| call_error(endpoint, operation, format!("not JSON: {error}")))
}

async fn capture_pipelines(endpoint: &str, region: &str, effects: &mut SideEffects) -> Result<(), CaptureError> {
    let http = reqwest::Client::new();
    let mut names = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let mut request = Map::new();
        if let Some(token) = next_token.take() {
            request.insert("nextToken".into(), Value::String(token));
        }
        let page = codepipeline_call(&http, endpoint, region, "ListPipelines", Value::Object(request)).await?;
        if let Some(Value::Array(pipelines)) = page.get("pipelines") {
            names.extend(pipelines.iter().filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned)));
        }
        match page.get("nextToken").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
            _ => break,
        }
    }
    for name in names {
        let answer = codepipeline_call(&http, endpoint, region, "GetPipeline", json!({"name": name})).await?;
        let pipeline = answer.get("pipeline").cloned().unwrap_or(Value::Null);
        let tags = match answer.pointer("/metadata/pipelineArn").and_then(Value::as_str) {
            Some(arn) => {
                let tags =
                    codepipeline_call(&http, endpoint, region, "ListTagsForResource", json!({"resourceArn": arn}))
                        .await?;
                tags.get("tags").cloned().unwrap_or_else(|| json!([]))
            }
            None => json!([]),
        };
        effects.record_pipeline(&name, json!({"pipeline": pipeline, "tags": tags}));
    }
    Ok(())
}

async fn capture_objects(
    config: &aws_config::SdkConfig,
    endpoint: &str,
    effects: &mut SideEffects,
) -> Result<(), CaptureError> {
    // moto serves S3 on the path style only.
    let client =
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(true).build());
    let failed = |operation, error: String| call_error(endpoint, operation, error);
    let buckets = client
        .list_buckets()
        .send()
        .await
        .map_err(|e| failed("ListBuckets", aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
    for bucket in buckets.buckets() {
        let Some(bucket) = bucket.name() else {
            continue;
        };
        let mut token = None;
        loop {
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| failed("ListObjectsV2", aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let body = client
                    .get_object()
                    .bucket(bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| failed("GetObject", aws_sdk_s3::error::DisplayErrorContext(e).to_string()))?
                    .body
                    .collect()
                    .await
                    .map_err(|e| failed("GetObject", e.to_string()))?
                    .into_bytes();
                let content =
                    serde_json::from_slice::<Value>(&body).unwrap_or_else(|_| match std::str::from_utf8(&body) {
                        Ok(text) => Value::String(text.to_owned()),
                        Err(_) => Value::String(base64::engine::general_purpose::STANDARD.encode(&body)),
                    });
                effects.record_object(bucket, key, content);
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_become_plain_json() {
        let item = std::collections::HashMap::from([
            ("n".to_owned(), AttributeValue::N("3".into())),
            ("f".to_owned(), AttributeValue::N("0.5".into())),
            ("huge".to_owned(), AttributeValue::N("1e400".into())),
            ("ss".to_owned(), AttributeValue::Ss(vec!["b".into(), "a".into()])),
            ("nil".to_owned(), AttributeValue::Null(true)),
            (
                "m".to_owned(),
                AttributeValue::M(std::collections::HashMap::from([(
                    "l".to_owned(),
                    AttributeValue::L(vec![AttributeValue::Bool(true)]),
                )])),
            ),
        ]);
        assert_eq!(
            item_json(&item),
            json!({"f": 0.5, "huge": "1e400", "m": {"l": [true]}, "n": 3, "nil": null, "ss": ["a", "b"]})
        );
    }

    #[test]
    fn sort_keys_order_numbers_numerically() {
        let mut keys = vec![SortKey::of(&AttributeValue::N("10".into())), SortKey::of(&AttributeValue::N("9".into()))];
        keys.sort_by(SortKey::order);
        assert_eq!(keys, [SortKey::Number(9.0), SortKey::Number(10.0)]);
    }
}
