//! The API Gateway front: an HTTP request matching a configured route becomes a REST API
//! (payload 1.0) or HTTP API (payload 2.0) proxy event, and the function's answer turns
//! back into an HTTP response the way API Gateway converts it.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper::body::Incoming;
use serde_json::{Map, Value, json};

use crate::config::{PayloadFormat, RouteConfig};
use crate::engine::Engine;
use crate::http_server::{self, HttpResponse};
use crate::invoke_api::percent_decode;
use crate::outcome::InvokeError;

const STAGE_REST: &str = "local";
const STAGE_HTTP: &str = "$default";
const API_ID: &str = "local";

/// A route that matched, with the path parameters it captured.
#[derive(Debug)]
pub(crate) struct RouteMatch<'a> {
    pub route: &'a RouteConfig,
    pub path_parameters: BTreeMap<String, String>,
}

/// The most specific matching route: literal segments beat `{param}`, which beats
/// `{proxy+}`, as API Gateway prefers.
pub(crate) fn match_route<'a>(routes: &'a [RouteConfig], method: &str, path: &str) -> Option<RouteMatch<'a>> {
    let request_segments: Vec<&str> = path.split('/').skip(1).collect();
    let mut best: Option<(usize, usize, RouteMatch<'a>)> = None;
    for route in routes {
        if route.method != "ANY" && route.method != method {
            continue;
        }
        let Some((literals, parameters)) = match_template(&route.path, &request_segments) else { continue };
        // An exact method beats ANY at equal path specificity.
        let method_score = usize::from(route.method != "ANY");
        let score = (literals * 2 + method_score, request_segments.len());
        if best.as_ref().is_none_or(|(best_score, best_len, _)| (score.0, score.1) > (*best_score, *best_len)) {
            best = Some((score.0, score.1, RouteMatch { route, path_parameters: parameters }));
        }
    }
    best.map(|(_, _, found)| found)
}

fn match_template(template: &str, request: &[&str]) -> Option<(usize, BTreeMap<String, String>)> {
    let template_segments: Vec<&str> = template.split('/').skip(1).collect();
    let mut parameters = BTreeMap::new();
    let mut literals = 0;
    for (index, segment) in template_segments.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('{').and_then(|rest| rest.strip_suffix("+}")) {
            let rest = request.get(index..)?;
            if rest.is_empty() || rest.iter().all(|part| part.is_empty()) {
                return None;
            }
            parameters.insert(name.to_string(), percent_decode_path(&rest.join("/")));
            return Some((literals, parameters));
        }
        let part = request.get(index)?;
        if let Some(name) = segment.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
            if part.is_empty() {
                return None;
            }
            parameters.insert(name.to_string(), percent_decode_path(part));
        } else if segment == part {
            literals += 1;
        } else {
            return None;
        }
    }
    (template_segments.len() == request.len()).then_some((literals, parameters))
}

fn percent_decode_path(text: &str) -> String {
    // `+` is literal in a path; only `%XX` escapes decode.
    percent_decode(&text.replace('+', "%2B"))
}

/// What API Gateway knows about the incoming HTTP request.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequestParts {
    pub method: String,
    pub path: String,
    pub raw_query: String,
    /// Header names as received (lowercase from hyper), values in order.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub source_ip: String,
    pub host: String,
    pub request_id: String,
    pub epoch_ms: u128,
}

pub(crate) fn rest_event(request: &HttpRequestParts, matched: &RouteMatch<'_>) -> Value {
    let mut multi_headers: Map<String, Value> = Map::new();
    for (name, value) in &request.headers {
        let entry = multi_headers.entry(title_case(name)).or_insert_with(|| json!([]));
        if let Value::Array(values) = entry {
            values.push(json!(value));
        }
    }
    let single_headers: Map<String, Value> = multi_headers
        .iter()
        .filter_map(|(name, values)| values.as_array()?.last().map(|last| (name.clone(), last.clone())))
        .collect();
    let query = query_pairs(&request.raw_query);
    let mut multi_query: Map<String, Value> = Map::new();
    for (name, value) in &query {
        if let Value::Array(values) = multi_query.entry(name.clone()).or_insert_with(|| json!([])) {
            values.push(json!(value));
        }
    }
    let single_query: Map<String, Value> = multi_query
        .iter()
        .filter_map(|(name, values)| values.as_array()?.last().map(|last| (name.clone(), last.clone())))
        .collect();
    let (body, is_base64) = encode_body(&request.body);
    let user_agent = single_headers.get("User-Agent").cloned().unwrap_or(Value::Null);
    json!({
        "resource": matched.route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": non_empty(single_headers),
        "multiValueHeaders": non_empty(multi_headers),
        "queryStringParameters": non_empty(single_query),
        "multiValueQueryStringParameters": non_empty(multi_query),
        "pathParameters": non_empty(string_map(&matched.path_parameters)),
        "stageVariables": null,
        "requestContext": {
            "resourceId": "local0",
            "resourcePath": matched.route.path,
            "httpMethod": request.method,
            "extendedRequestId": request.request_id,
            "requestTime": request_time(request.epoch_ms),
            "path": format!("/{STAGE_REST}{}", request.path),
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": STAGE_REST,
            "domainPrefix": API_ID,
            "requestTimeEpoch": request.epoch_ms,
            "requestId": request.request_id,
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": request.source_ip,
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": user_agent,
                "user": null,
            },
            "domainName": request.host,
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    })
}

pub(crate) fn http_event(request: &HttpRequestParts, matched: &RouteMatch<'_>) -> Value {
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies: Vec<Value> = Vec::new();
    for (name, value) in &request.headers {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            cookies.extend(
                value.split(';').map(str::trim).filter(|cookie| !cookie.is_empty()).map(|cookie| json!(cookie)),
            );
            continue;
        }
        // HTTP APIs join repeated headers with commas.
        match headers.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(value);
            }
            _ => {
                headers.insert(name, json!(value));
            }
        }
    }
    let mut query: Map<String, Value> = Map::new();
    for (name, value) in query_pairs(&request.raw_query) {
        match query.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                query.insert(name, json!(value));
            }
        }
    }
    let route_key = format!("{} {}", matched.route.method, matched.route.path);
    let user_agent = headers.get("user-agent").cloned().unwrap_or(json!(""));
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API_ID,
            "domainName": request.host,
            "domainPrefix": API_ID,
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": user_agent,
            },
            "requestId": request.request_id,
            "routeKey": route_key,
            "stage": STAGE_HTTP,
            "time": request_time(request.epoch_ms),
            "timeEpoch": request.epoch_ms,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !matched.path_parameters.is_empty() {
        event["pathParameters"] = Value::Object(string_map(&matched.path_parameters));
    }
    if !request.body.is_empty() {
        let (body, is_base64) = encode_body(&request.body);
        event["body"] = body;
        event["isBase64Encoded"] = json!(is_base64);
    }
    event
}

/// The HTTP response API Gateway makes of a function's answer; `None` when the answer is
/// malformed for the payload format (API Gateway then answers 502).
pub(crate) fn convert_response(format: PayloadFormat, payload: &[u8]) -> Option<HttpResponse> {
    let document: Value = serde_json::from_slice(payload).ok()?;
    let is_proxy_shape = document.as_object().is_some_and(|object| object.contains_key("statusCode"));
    if format == PayloadFormat::Http && !is_proxy_shape {
        // HTTP APIs accept any JSON value as the body of a 200.
        return Some(http_server::response(200, "application/json", payload.to_vec()));
    }
    let object = document.as_object()?;
    let status = object
        .get("statusCode")
        .and_then(|status| status.as_u64().or_else(|| status.as_str().and_then(|text| text.parse().ok())))?;
    let status = u16::try_from(status).ok().filter(|status| (100..600).contains(status))?;
    let is_base64 = object.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) if is_base64 => base64::engine::general_purpose::STANDARD.decode(text).ok()?,
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(other) if format == PayloadFormat::Http => other.to_string().into_bytes(),
        Some(_) => return None,
    };
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = http::StatusCode::from_u16(status).ok()?;
    let headers = response.headers_mut();
    if let Some(Value::Object(single)) = object.get("headers") {
        for (name, value) in single {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            append(headers, name, &value)?;
        }
    }
    if let Some(Value::Object(multi)) = object.get("multiValueHeaders") {
        for (name, values) in multi {
            if let Ok(header_name) = http::HeaderName::from_bytes(name.as_bytes()) {
                // multiValueHeaders win over headers for the same name, as in API Gateway.
                headers.remove(&header_name);
            }
            for value in values.as_array()? {
                append(headers, name, value.as_str()?)?;
            }
        }
    }
    if format == PayloadFormat::Http
        && let Some(Value::Array(cookies)) = object.get("cookies")
    {
        for cookie in cookies {
            append(headers, "set-cookie", cookie.as_str()?)?;
        }
    }
    if !headers.contains_key(http::header::CONTENT_TYPE) {
        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    }
    Some(response)
}

fn append(headers: &mut http::HeaderMap, name: &str, value: &str) -> Option<()> {
    let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
    let value = http::HeaderValue::from_str(value).ok()?;
    headers.append(name, value);
    Some(())
}

pub(crate) async fn handle(engine: &Arc<Engine>, host: &str, request: Request<Incoming>) -> HttpResponse {
    let routes = &engine.config.routes;
    let only_http_apis = !routes.is_empty() && routes.iter().all(|route| route.payload == PayloadFormat::Http);
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let raw_query = request.uri().query().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let Some(matched) = match_route(routes, &method, &path) else {
        return if only_http_apis {
            gateway_error(404, "Not Found", None)
        } else {
            gateway_error(403, "Missing Authentication Token", Some("MissingAuthenticationTokenException"))
        };
    };
    let Some(body) = http_server::read_body(request.into_body()).await else {
        return gateway_error(400, "Bad Request", None);
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let parts = HttpRequestParts {
        method,
        path,
        raw_query,
        headers,
        body,
        source_ip: "127.0.0.1".to_string(),
        host: host.to_string(),
        request_id: request_id.clone(),
        epoch_ms: engine
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_millis())
            .unwrap_or_default(),
    };
    let format = matched.route.payload;
    let event = match format {
        PayloadFormat::Rest => rest_event(&parts, &matched),
        PayloadFormat::Http => http_event(&parts, &matched),
    };
    let outcome = engine
        .invoke(&matched.route.function, matched.route.qualifier.as_deref(), Bytes::from(event.to_string()))
        .await;
    let mut response = match outcome {
        Ok(outcome) if !outcome.status.is_error() => convert_response(format, &outcome.payload)
            .unwrap_or_else(|| gateway_error(502, "Internal server error", Some(INTERNAL_SERVER_ERROR))),
        Ok(_) => gateway_error(502, "Internal server error", Some(INTERNAL_SERVER_ERROR)),
        Err(InvokeError::Throttled { .. }) => gateway_error(429, "Too Many Requests", None),
        Err(_) => gateway_error(500, "Internal server error", Some(INTERNAL_SERVER_ERROR)),
    };
    let header_name = if format == PayloadFormat::Rest { "x-amzn-requestid" } else { "apigw-requestid" };
    if let Ok(value) = http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(header_name, value);
    }
    response
}

/// API Gateway's error type when the integration failed: clients and gates read it from
/// `x-amzn-ErrorType` to tell a back-end failure from their own mistake.
const INTERNAL_SERVER_ERROR: &str = "InternalServerErrorException";

fn gateway_error(status: u16, message: &str, error_type: Option<&'static str>) -> HttpResponse {
    let mut response = http_server::json_response(status, &json!({"message": message}));
    if let Some(error_type) = error_type
        && let Ok(value) = http::HeaderValue::from_str(error_type)
    {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

fn query_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

/// Text bodies pass as strings; anything not UTF-8 is base64 with `isBase64Encoded`.
fn encode_body(body: &[u8]) -> (Value, bool) {
    if body.is_empty() {
        return (Value::Null, false);
    }
    match std::str::from_utf8(body) {
        Ok(text) => (json!(text), false),
        Err(_) => (json!(base64::engine::general_purpose::STANDARD.encode(body)), true),
    }
}

/// hyper lowercases header names; REST APIs pass them as the client wrote them, which
/// for nearly every client is the canonical `Content-Type` form.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut characters = part.chars();
            match characters.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + characters.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn non_empty(map: Map<String, Value>) -> Value {
    if map.is_empty() { Value::Null } else { Value::Object(map) }
}

fn string_map(map: &BTreeMap<String, String>) -> Map<String, Value> {
    map.iter().map(|(key, value)| (key.clone(), json!(value))).collect()
}

/// `09/Apr/2015:12:34:56 +0000`, API Gateway's request time.
fn request_time(epoch_ms: u128) -> String {
    let seconds = i64::try_from(epoch_ms / 1000).unwrap_or_default();
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(seconds) else { return String::new() };
    let format = time::macros::format_description!("[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000");
    at.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> RouteConfig {
        RouteConfig {
            method: method.into(),
            path: path.into(),
            function: "f".into(),
            qualifier: None,
            payload: PayloadFormat::Rest,
        }
    }

    #[test]
    fn literal_segments_beat_parameters_and_greedy_paths() {
        let routes = vec![
            route("ANY", "/{proxy+}"),
            route("GET", "/clusters/{cluster_id}"),
            route("POST", "/clusters/validate"),
            route("POST", "/clusters/{cluster_id}/compliance"),
        ];
        let validate = match_route(&routes, "POST", "/clusters/validate").expect("match");
        assert_eq!(validate.route.path, "/clusters/validate");
        let get = match_route(&routes, "GET", "/clusters/c-1").expect("match");
        assert_eq!(get.path_parameters["cluster_id"], "c-1");
        let compliance = match_route(&routes, "POST", "/clusters/c%2D2/compliance").expect("match");
        assert_eq!(compliance.path_parameters["cluster_id"], "c-2");
        let proxy = match_route(&routes, "DELETE", "/a/b/c").expect("greedy");
        assert_eq!(proxy.path_parameters["proxy"], "a/b/c");
        assert!(match_route(&routes[1..], "GET", "/clusters").is_none());
    }

    fn parts(headers: &[(&str, &str)], query: &str, body: &str) -> HttpRequestParts {
        HttpRequestParts {
            method: "POST".into(),
            path: "/clusters/c-1/compliance".into(),
            raw_query: query.into(),
            headers: headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
            body: Bytes::from(body.to_string()),
            source_ip: "127.0.0.1".into(),
            host: "127.0.0.1:3000".into(),
            request_id: "req-1".into(),
            epoch_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn a_rest_event_carries_single_and_multi_values() {
        let routes = vec![route("POST", "/clusters/{cluster_id}/compliance")];
        let request =
            parts(&[("x-team", "a"), ("x-team", "b"), ("content-type", "application/json")], "a=1&a=2&b=x%20y", "{}");
        let matched = match_route(&routes, "POST", &request.path).expect("match");
        let event = rest_event(&request, &matched);
        assert_eq!(event["headers"]["X-Team"], "b");
        assert_eq!(event["multiValueHeaders"]["X-Team"], json!(["a", "b"]));
        assert_eq!(event["queryStringParameters"], json!({"a": "2", "b": "x y"}));
        assert_eq!(event["multiValueQueryStringParameters"]["a"], json!(["1", "2"]));
        assert_eq!(event["pathParameters"], json!({"cluster_id": "c-1"}));
        assert_eq!(event["requestContext"]["requestTime"], "14/Nov/2023:22:13:20 +0000");
        assert_eq!(event["body"], "{}");
    }

    #[test]
    fn an_http_api_event_joins_repeats_and_splits_cookies() {
        let routes = vec![route("POST", "/clusters/{cluster_id}/compliance")];
        let request = parts(&[("x-team", "a"), ("x-team", "b"), ("cookie", "s=1; t=2")], "a=1&a=2", "");
        let matched = match_route(&routes, "POST", &request.path).expect("match");
        let event = http_event(&request, &matched);
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["routeKey"], "POST /clusters/{cluster_id}/compliance");
        assert_eq!(event["headers"]["x-team"], "a,b");
        assert_eq!(event["cookies"], json!(["s=1", "t=2"]));
        assert_eq!(event["queryStringParameters"]["a"], "1,2");
        assert!(event.get("body").is_none(), "no body key without a body");
    }

    #[test]
    fn proxy_responses_convert_back_to_http() {
        let payload = json!({
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-One": "1"},
            "multiValueHeaders": {"X-Many": ["a", "b"]},
            "body": base64::engine::general_purpose::STANDARD.encode("hi"),
            "isBase64Encoded": true
        });
        let response = convert_response(PayloadFormat::Rest, payload.to_string().as_bytes()).expect("valid");
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["content-type"], "text/plain");
        let many: Vec<_> = response.headers().get_all("x-many").iter().collect();
        assert_eq!(many.len(), 2);

        let bare = convert_response(PayloadFormat::Http, br#"{"ok": true}"#).expect("any JSON is a 200");
        assert_eq!(bare.status(), 200);
        assert!(convert_response(PayloadFormat::Rest, br#"{"ok": true}"#).is_none(), "REST needs statusCode");
        let with_cookies =
            convert_response(PayloadFormat::Http, br#"{"statusCode": 200, "cookies": ["a=1", "b=2"]}"#).expect("valid");
        assert_eq!(with_cookies.headers().get_all("set-cookie").iter().count(), 2);
    }
}
