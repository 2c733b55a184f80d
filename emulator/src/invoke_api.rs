//! The Lambda HTTP API in Lambda's own REST shape (`/2015-03-31/functions/...`), enough
//! of it for aws-sdk-lambda, boto3 and the aws CLI pointed here with `endpoint_url`:
//! Invoke, GetAlias, ListAliases, UpdateAlias, GetFunctionConfiguration,
//! ListVersionsByFunction, ListFunctions, DeleteFunction of a version, and the empty lists
//! of ListProvisionedConcurrencyConfigs, ListFunctionUrlConfigs and
//! ListEventSourceMappings. Also `GET /metrics`, the metrics store as JSON (CloudWatch
//! itself is `cloudwatch_api`, on the same listener).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::alias_router::{AliasError, AliasState, AliasUpdate};
use crate::config::RuntimeConfig;
use crate::engine::Engine;
use crate::function_pool::{FunctionPool, InvokeOptions, LATEST};
use crate::http_server::{self, HttpResponse};
use crate::metrics::{MetricsQuery, epoch_seconds};
use crate::outcome::{InvocationOutcome, InvokeError};

/// A fixed timestamp: the configuration did not change while the emulator runs.
const LAST_MODIFIED: &str = "2024-01-01T00:00:00.000+0000";

pub(crate) async fn handle(engine: &Arc<Engine>, request: Request<Incoming>) -> HttpResponse {
    let mut response = route(engine, request).await;
    // Every Lambda answer names its request, errors and control-plane calls included.
    if !response.headers().contains_key("x-amzn-requestid") {
        insert(&mut response, "x-amzn-requestid", &uuid::Uuid::new_v4().to_string());
    }
    response
}

async fn route(engine: &Arc<Engine>, request: Request<Incoming>) -> HttpResponse {
    let path = request.uri().path().to_string();
    let query = parse_query(request.uri().query().unwrap_or(""));
    if path == "/metrics" && request.method() == Method::GET {
        return metrics(engine, &query);
    }
    if path == "/health" {
        return http_server::json_response(200, &json!({"status": "ok"}));
    }
    let segments: Vec<String> = path.split('/').filter(|segment| !segment.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().clone();
    let qualifier = query.get("Qualifier").map(String::as_str);
    // Each operation lives under the API version it was introduced in.
    match (&method, segments.as_slice()) {
        (&Method::GET, ["2015-03-31", "functions"]) => list_functions(engine).await,
        (&Method::POST, ["2015-03-31", "functions", function, "invocations"]) => {
            let function = function.to_string();
            let qualifier = qualifier.map(str::to_string);
            let headers = request.headers().clone();
            let Some(body) = http_server::read_body(request.into_body()).await else {
                return error(400, "InvalidRequestContentException", "the request body could not be read");
            };
            invoke(engine, &function, qualifier.as_deref(), &headers, body).await
        }
        (&Method::DELETE, ["2015-03-31", "functions", function]) => delete_version(engine, function, qualifier),
        (&Method::GET, ["2015-03-31", "functions", function, "aliases"]) => {
            list_aliases(engine, function, query.get("FunctionVersion").map(String::as_str))
        }
        (&Method::GET, ["2015-03-31", "functions", function, "aliases", alias]) => {
            let name = match unqualified_name(engine, function) {
                Ok(name) => name,
                Err(invoke_error) => return invoke_error_response(&invoke_error),
            };
            match engine.aliases.get(name, alias) {
                Some(state) => http_server::json_response(200, &alias_document(engine, &state)),
                None => {
                    alias_error(engine, AliasError::AliasNotFound { function: name.into(), alias: alias.to_string() })
                }
            }
        }
        (&Method::PUT, ["2015-03-31", "functions", function, "aliases", alias]) => {
            let function = match unqualified_name(engine, function) {
                Ok(name) => name.to_string(),
                Err(invoke_error) => return invoke_error_response(&invoke_error),
            };
            let alias = alias.to_string();
            let Some(body) = http_server::read_body(request.into_body()).await else {
                return error(400, "InvalidRequestContentException", "the request body could not be read");
            };
            update_alias(engine, &function, &alias, &body)
        }
        (&Method::GET, ["2015-03-31", "functions", function, "configuration"]) => {
            function_configuration(engine, function, qualifier).await
        }
        (&Method::GET, ["2015-03-31", "functions", function, "versions"]) => list_versions(engine, function).await,
        // The emulator has no provisioned concurrency, function URLs or event source
        // mappings; a canary's preflight asks, and an empty list is the true answer.
        (&Method::GET, ["2019-09-30", "functions", function, "provisioned-concurrency"]) => {
            empty_list(engine, function, "ProvisionedConcurrencyConfigs")
        }
        (&Method::GET, ["2021-10-31", "functions", function, "urls"]) => {
            empty_list(engine, function, "FunctionUrlConfigs")
        }
        (&Method::GET, ["2015-03-31", "event-source-mappings"]) => {
            http_server::json_response(200, &json!({"EventSourceMappings": []}))
        }
        _ => error(404, "UnknownOperationException", &format!("unknown operation {method} {path}")),
    }
}

/// The function a control-plane path names, validated as Lambda does; these operations
/// take the function without a qualifier.
fn unqualified_name<'a>(engine: &Engine, function: &'a str) -> Result<&'a str, InvokeError> {
    engine.function_and_qualifier(function, None).map(|(name, _)| name)
}

/// A list operation over something the emulator never has, for a function that exists.
fn empty_list(engine: &Engine, function: &str, key: &str) -> HttpResponse {
    let name = match unqualified_name(engine, function) {
        Ok(name) => name,
        Err(invoke_error) => return invoke_error_response(&invoke_error),
    };
    if !engine.pools.contains_key(name) {
        return error(404, "ResourceNotFoundException", &format!("Function not found: {}", engine.arn(name, None)));
    }
    let mut document = serde_json::Map::new();
    document.insert(key.to_string(), json!([]));
    http_server::json_response(200, &Value::Object(document))
}

/// DeleteFunction with a version qualifier, the decommission step of a canary. Deleting a
/// whole function, `$LATEST` or an alias is refused: the emulator's functions come from
/// its config file.
fn delete_version(engine: &Engine, function: &str, qualifier: Option<&str>) -> HttpResponse {
    let (name, version) = match engine.function_and_qualifier(function, qualifier) {
        Ok(resolved) => resolved,
        Err(invoke_error) => return invoke_error_response(&invoke_error),
    };
    let Some(pool) = engine.pools.get(name) else {
        return error(404, "ResourceNotFoundException", &format!("Function not found: {}", engine.arn(name, None)));
    };
    let Some(version) = version else {
        return error(
            400,
            "InvalidParameterValueException",
            "the local emulator deletes versions only: pass Qualifier with a version number",
        );
    };
    if version == LATEST {
        return error(
            400,
            "InvalidParameterValueException",
            "$LATEST version cannot be deleted without deleting the function.",
        );
    }
    if engine.aliases.get(name, version).is_some() {
        return error(
            400,
            "InvalidParameterValueException",
            &format!(
                "{version} is an alias: DeleteFunction deletes versions; the local emulator does not delete aliases"
            ),
        );
    }
    match engine.aliases.delete_version(name, version) {
        Ok(()) => {
            pool.retire(version);
            engine.faults.clear(name, version);
            http_server::response(204, "application/json", Bytes::new())
        }
        Err(alias_error_value) => alias_error(engine, alias_error_value),
    }
}

async fn invoke(
    engine: &Arc<Engine>,
    function: &str,
    qualifier: Option<&str>,
    headers: &http::HeaderMap,
    body: Bytes,
) -> HttpResponse {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("");
    let invocation_type = header("x-amz-invocation-type");
    let log_type = header("x-amz-log-type");
    let enum_error = |value: &str, field: &str, allowed: &str| {
        error(
            400,
            "ValidationException",
            &format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]"
            ),
        )
    };
    if !matches!(invocation_type, "" | "RequestResponse" | "Event" | "DryRun") {
        return enum_error(invocation_type, "invocationType", "Event, RequestResponse, DryRun");
    }
    if !matches!(log_type, "" | "None" | "Tail") {
        return enum_error(log_type, "logType", "None, Tail");
    }
    if let Err(invoke_error) = engine.resolve(function, qualifier) {
        return invoke_error_response(&invoke_error);
    }
    // Lambda refuses a payload that is not JSON before anything runs; an empty one is `{}`.
    if !body.iter().all(u8::is_ascii_whitespace)
        && let Err(parse_error) = serde_json::from_slice::<serde::de::IgnoredAny>(&body)
    {
        return invoke_error_response(&InvokeError::InvalidRequestContent {
            message: format!(
                "Could not parse request body into json: Could not parse payload into json: {parse_error}"
            ),
        });
    }
    match invocation_type {
        "DryRun" => return http_server::response(204, "application/json", Bytes::new()),
        "Event" => {
            // Asynchronous invocations run in the background; their outcome shows only in
            // the logs and the metrics, as on AWS. The request id answered now is the one
            // the handler sees.
            let request_id = uuid::Uuid::new_v4().to_string();
            let options = InvokeOptions { request_id: Some(request_id.clone()), ..Default::default() };
            let engine = engine.clone();
            let function = function.to_string();
            let qualifier = qualifier.map(str::to_string);
            tokio::spawn(async move {
                let _ = engine.invoke_with(&function, qualifier.as_deref(), body, options).await;
            });
            let mut response = http_server::response(202, "application/json", Bytes::new());
            insert(&mut response, "x-amzn-requestid", &request_id);
            return response;
        }
        _ => {}
    }
    let tail_logs = log_type == "Tail";
    let options = InvokeOptions { tail_logs, ..Default::default() };
    match engine.invoke_with(function, qualifier, body, options).await {
        Ok(outcome) => invocation_response(&outcome, tail_logs),
        Err(invoke_error) => invoke_error_response(&invoke_error),
    }
}

fn invocation_response(outcome: &InvocationOutcome, tail_logs: bool) -> HttpResponse {
    let mut response = http_server::response(200, "application/json", outcome.payload.clone());
    insert(&mut response, "x-amz-executed-version", &outcome.executed_version);
    insert(&mut response, "x-amzn-requestid", &outcome.request_id);
    if let Some(function_error) = outcome.function_error() {
        insert(&mut response, "x-amz-function-error", function_error);
    }
    if tail_logs {
        // Injected faults and failed inits run no sandbox: their log is what the emulator wrote.
        let tail = outcome.log_tail.clone().unwrap_or_else(|| {
            format!(
                "START RequestId: {} Version: {}\nEND RequestId: {}\n{}\n",
                outcome.request_id, outcome.executed_version, outcome.request_id, outcome.report
            )
        });
        insert(&mut response, "x-amz-log-result", &base64::engine::general_purpose::STANDARD.encode(tail));
    }
    response
}

fn invoke_error_response(invoke_error: &InvokeError) -> HttpResponse {
    let (status, error_type) = invoke_error.http_status_and_type();
    let body = match invoke_error {
        InvokeError::Throttled { .. } => json!({
            "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
            "Type": "User",
            "message": invoke_error.to_string(),
        }),
        _ => json!({"Type": "User", "message": invoke_error.to_string()}),
    };
    let mut response = http_server::json_response(status, &body);
    insert(&mut response, "x-amzn-errortype", error_type);
    response
}

/// ListAliases; `FunctionVersion` keeps the aliases whose primary version it is, as on AWS.
fn list_aliases(engine: &Engine, function: &str, function_version: Option<&str>) -> HttpResponse {
    let name = match unqualified_name(engine, function) {
        Ok(name) => name,
        Err(invoke_error) => return invoke_error_response(&invoke_error),
    };
    if !engine.pools.contains_key(name) {
        return alias_error(engine, AliasError::FunctionNotFound { function: name.to_string() });
    }
    let aliases: Vec<Value> = engine
        .aliases
        .list(name)
        .iter()
        .filter(|state| function_version.is_none_or(|version| version.is_empty() || state.version == version))
        .map(|state| alias_document(engine, state))
        .collect();
    http_server::json_response(200, &json!({"Aliases": aliases}))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateAliasBody {
    function_version: Option<String>,
    description: Option<String>,
    routing_config: Option<RoutingConfigBody>,
    revision_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingConfigBody {
    #[serde(default)]
    additional_version_weights: BTreeMap<String, f64>,
}

fn update_alias(engine: &Engine, function: &str, alias: &str, body: &[u8]) -> HttpResponse {
    let parsed: UpdateAliasBody = match serde_json::from_slice(if body.is_empty() { b"{}" } else { body }) {
        Ok(parsed) => parsed,
        Err(parse_error) => {
            return error(
                400,
                "InvalidRequestContentException",
                &format!("could not parse request body: {parse_error}"),
            );
        }
    };
    if let Some(response) = refuse_alias_update(engine, function, &parsed) {
        return response;
    }
    let update = AliasUpdate {
        version: parsed.function_version,
        additional_version_weights: parsed.routing_config.map(|routing| routing.additional_version_weights),
        description: parsed.description,
        expected_revision_id: parsed.revision_id,
    };
    match engine.aliases.update(function, alias, update) {
        Ok(state) => http_server::json_response(200, &alias_document(engine, &state)),
        Err(alias_error_value) => alias_error(engine, alias_error_value),
    }
}

/// UpdateAlias's checks in Lambda's order and words: a weight outside 0–1 is a
/// `ValidationException`, an unknown version `ResourceNotFoundException`, the primary
/// among the weights `InvalidParameterValueException`.
fn refuse_alias_update(engine: &Engine, function: &str, update: &UpdateAliasBody) -> Option<HttpResponse> {
    let weights = update.routing_config.as_ref().map(|routing| &routing.additional_version_weights);
    if let Some(weights) = weights
        && weights.values().any(|weight| !(0.0..=1.0).contains(weight))
    {
        let shown: Vec<String> = weights.iter().map(|(version, weight)| format!("{version}={weight}")).collect();
        return Some(error(
            400,
            "ValidationException",
            &format!(
                "1 validation error detected: Value '{{{}}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
                shown.join(", ")
            ),
        ));
    }
    if !engine.pools.contains_key(function) {
        return None;
    }
    let versions = update.function_version.iter().chain(weights.into_iter().flat_map(|weights| weights.keys()));
    for version in versions {
        if version != LATEST && !engine.version_exists(function, version) {
            return Some(error(
                404,
                "ResourceNotFoundException",
                &format!("Function not found: {}", engine.arn(function, Some(version))),
            ));
        }
    }
    if let (Some(primary), Some(weights)) = (&update.function_version, weights)
        && weights.contains_key(primary)
    {
        return Some(error(
            400,
            "InvalidParameterValueException",
            &format!(
                "Invalid function version: {primary}. Function version {primary} is already included in routing configuration."
            ),
        ));
    }
    None
}

fn alias_document(engine: &Engine, state: &AliasState) -> Value {
    let mut document = json!({
        "AliasArn": engine.arn(&state.function, Some(&state.name)),
        "Name": state.name,
        "FunctionVersion": state.version,
        "Description": state.description,
        "RevisionId": state.revision_id,
    });
    if !state.additional_version_weights.is_empty() {
        document["RoutingConfig"] = json!({"AdditionalVersionWeights": state.additional_version_weights});
    }
    document
}

fn alias_error(engine: &Engine, alias_error_value: AliasError) -> HttpResponse {
    let (status, error_type, message) = match &alias_error_value {
        AliasError::AliasNotFound { function, alias } => {
            (404, "ResourceNotFoundException", format!("Alias not found: {}", engine.arn(function, Some(alias))))
        }
        AliasError::FunctionNotFound { function } => {
            (404, "ResourceNotFoundException", format!("Function not found: {}", engine.arn(function, None)))
        }
        AliasError::RevisionMismatch => (412, "PreconditionFailedException", alias_error_value.to_string()),
        AliasError::InvalidParameter { .. } => (400, "InvalidParameterValueException", alias_error_value.to_string()),
        AliasError::VersionNotFound { function, version } => {
            (404, "ResourceNotFoundException", format!("Function not found: {}", engine.arn(function, Some(version))))
        }
        AliasError::VersionInUse { .. } => (409, "ResourceConflictException", alias_error_value.to_string()),
    };
    error(status, error_type, &message)
}

async fn function_configuration(engine: &Engine, function: &str, qualifier: Option<&str>) -> HttpResponse {
    let (name, named) = match engine.function_and_qualifier(function, qualifier) {
        Ok(resolved) => resolved,
        Err(invoke_error) => return invoke_error_response(&invoke_error),
    };
    let qualifier = named.unwrap_or(LATEST);
    let Some(pool) = engine.pools.get(name) else {
        return error(404, "ResourceNotFoundException", &format!("Function not found: {}", engine.arn(name, named)));
    };
    let version = if engine.version_exists(name, qualifier) {
        qualifier.to_string()
    } else if let Some(alias) = engine.aliases.get(name, qualifier) {
        alias.version
    } else {
        return error(404, "ResourceNotFoundException", &format!("Function not found: {}", engine.arn(name, named)));
    };
    http_server::json_response(200, &configuration_document(engine, pool, &version, named).await)
}

async fn list_versions(engine: &Engine, function: &str) -> HttpResponse {
    let name = match unqualified_name(engine, function) {
        Ok(name) => name,
        Err(invoke_error) => return invoke_error_response(&invoke_error),
    };
    let Some(pool) = engine.pools.get(name) else {
        return error(404, "ResourceNotFoundException", &format!("Function not found: {}", engine.arn(name, None)));
    };
    let mut versions = vec![configuration_document(engine, pool, LATEST, Some(LATEST)).await];
    for version in engine.aliases.versions(name) {
        versions.push(configuration_document(engine, pool, &version, Some(&version)).await);
    }
    http_server::json_response(200, &json!({"Versions": versions}))
}

async fn list_functions(engine: &Engine) -> HttpResponse {
    let mut functions = Vec::new();
    for pool in engine.config.functions.iter().filter_map(|function| engine.pools.get(&function.name)) {
        functions.push(configuration_document(engine, pool, LATEST, None).await);
    }
    http_server::json_response(200, &json!({"Functions": functions}))
}

/// GetFunctionConfiguration's document for `version` (the ARN carries `qualifier`, when the
/// caller named one, `$LATEST` included). Every version shares one role and has no
/// dead-letter queue, as a canary's preflight expects of two versions of one function.
async fn configuration_document(engine: &Engine, pool: &FunctionPool, version: &str, qualifier: Option<&str>) -> Value {
    let function = &pool.config;
    let declared =
        if version == LATEST { function.latest() } else { function.version(version).unwrap_or(function.latest()) };
    let (runtime, handler, code_size) = match &declared.runtime {
        RuntimeConfig::Python { handler, .. } => ("python3.11", handler.clone(), 0),
        RuntimeConfig::Bootstrap { path } => {
            ("provided.al2023", "bootstrap".to_string(), std::fs::metadata(path).map(|meta| meta.len()).unwrap_or(0))
        }
    };
    let mut variables = function.environment.clone();
    variables.extend(declared.environment.clone());
    let local = &engine.config.local;
    json!({
        "FunctionName": function.name,
        "FunctionArn": engine.arn(&function.name, qualifier),
        "Runtime": runtime,
        "Role": format!("arn:aws:iam::{}:role/{}-role", local.account_id, function.name),
        "Handler": handler,
        "CodeSize": code_size,
        "Description": "",
        "Timeout": function.timeout.as_secs_f64().ceil() as u64,
        "MemorySize": function.memory_mb,
        "LastModified": LAST_MODIFIED,
        "CodeSha256": pool.code_sha256(version).await,
        "Version": version,
        "Environment": {"Variables": variables},
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": stable_revision_id(&function.name, version),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "ReservedConcurrentExecutions": function.concurrency,
        "EphemeralStorage": {"Size": 512},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/{}", function.name)},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "RuntimeVersionConfig": {"RuntimeVersionArn": format!("arn:aws:lambda:{}::runtime:local", local.region)},
    })
}

/// A published version never changes, so its revision id is a fixed function of its name.
fn stable_revision_id(function: &str, version: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut halves = [0u64; 2];
    for (salt, half) in halves.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (salt, function, version).hash(&mut hasher);
        *half = hasher.finish();
    }
    uuid::Uuid::from_u64_pair(halves[0], halves[1]).to_string()
}

fn metrics(engine: &Engine, query: &HashMap<String, String>) -> HttpResponse {
    let Some(function) = query.get("function") else {
        return error(400, "InvalidParameterValueException", "metrics: the `function` parameter is required");
    };
    let now = epoch_seconds(engine.clock.now());
    let number = |key: &str| -> Result<Option<u64>, String> {
        query
            .get(key)
            .map(|value| {
                value.parse::<u64>().map_err(|_| format!("metrics: `{key}` must be a whole number, got {value:?}"))
            })
            .transpose()
    };
    let (start, end, period) = match (number("start"), number("end"), number("period")) {
        (Ok(start), Ok(end), Ok(period)) => (start.unwrap_or(now.saturating_sub(300)), end.unwrap_or(now + 1), period),
        (Err(message), _, _) | (_, Err(message), _) | (_, _, Err(message)) => {
            return error(400, "InvalidParameterValueException", &message);
        }
    };
    let result = engine.metrics.query(&MetricsQuery {
        function: function.clone(),
        qualifier: query.get("qualifier").cloned(),
        executed_version: query.get("executed_version").cloned(),
        start,
        end,
        period,
    });
    match serde_json::to_value(&result) {
        Ok(document) => http_server::json_response(200, &document),
        Err(serialize_error) => error(500, "ServiceException", &serialize_error.to_string()),
    }
}

/// Lambda's error shape: the type in `x-amzn-ErrorType`, the message in the body.
fn error(status: u16, error_type: &str, message: &str) -> HttpResponse {
    let mut response = http_server::json_response(status, &json!({"Type": "User", "message": message}));
    insert(&mut response, "x-amzn-errortype", error_type);
    response
}

fn insert(response: &mut HttpResponse, name: &'static str, value: &str) {
    if let Ok(value) = http::HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

pub(crate) fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (as a space, in query strings and paths alike: Lambda
/// names cannot contain either).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        decoded.push(byte);
                        index += 3;
                        continue;
                    }
                    None => decoded.push(b'%'),
                }
            }
            b'+' => decoded.push(b' '),
            byte => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_in_arns_decode() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Alambda%3Aeu-west-1%3A1%3Afunction%3Af"),
            "arn:aws:lambda:eu-west-1:1:function:f"
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn query_strings_become_a_map() {
        let query = parse_query("function=f&qualifier=live&start=10");
        assert_eq!(query["qualifier"], "live");
        assert_eq!(query["start"], "10");
    }
}
