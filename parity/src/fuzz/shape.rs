//! The same request as other API Gateway kinds send it. A function written for REST API
//! (v1) proxy events meets these when it is wired to another front door, or called by a
//! test or a tool that builds its events by hand: HTTP API payload 2.0, an Application
//! Load Balancer, a function URL, a WebSocket message (none has `httpMethod` where v1 has
//! it, or `requestContext.identity`), a REST event whose authorizer replaced the identity,
//! and a REST event without `httpMethod`.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// An event shape a REST v1 event is turned into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventShape {
    /// HTTP API, payload format 2.0: `version`, `routeKey`, `rawPath`,
    /// `requestContext.http.method`, lower-case headers joined with commas.
    HttpApiV2,
    /// A function URL: payload 2.0 with the `$default` route and no path parameters.
    FunctionUrl,
    /// An Application Load Balancer target: `httpMethod` and `path`, but
    /// `requestContext.elb` only, lower-case headers, no path parameters.
    Alb,
    /// A WebSocket API message: a body and a connection, no method, path or headers.
    WebSocket,
    /// The REST event with a Lambda authorizer's context in place of `identity`.
    NoIdentity,
    /// The REST event without its top-level `httpMethod`.
    NoHttpMethod,
}

impl EventShape {
    pub(crate) const ALL: [Self; 6] =
        [Self::HttpApiV2, Self::FunctionUrl, Self::Alb, Self::WebSocket, Self::NoIdentity, Self::NoHttpMethod];

    /// The shape's name in reports (`http-api-v2`), as it serialises.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::HttpApiV2 => "http-api-v2",
            Self::FunctionUrl => "function-url",
            Self::Alb => "alb",
            Self::WebSocket => "websocket",
            Self::NoIdentity => "no-identity",
            Self::NoHttpMethod => "no-httpMethod",
        }
    }

    /// The event in this shape, or `None` when the event is not a REST v1 proxy event
    /// (or has nothing this shape would remove).
    pub(crate) fn apply(self, event: &Value) -> Option<Value> {
        let rest = event.as_object()?;
        let method = rest.get("httpMethod").and_then(Value::as_str)?;
        let path = rest.get("path").and_then(Value::as_str).unwrap_or("/");
        let context = rest.get("requestContext").and_then(Value::as_object);
        match self {
            Self::NoHttpMethod => {
                let mut event = event.clone();
                event.as_object_mut()?.shift_remove("httpMethod");
                Some(event)
            }
            Self::NoIdentity => {
                context?.get("identity")?;
                let mut event = event.clone();
                let context = event.get_mut("requestContext")?.as_object_mut()?;
                context.shift_remove("identity");
                context.insert(
                    "authorizer".into(),
                    json!({"principalId": "user-1", "integrationLatency": 12, "team": "payments"}),
                );
                Some(event)
            }
            Self::HttpApiV2 | Self::FunctionUrl => Some(payload_v2(self, rest, method, path, context)),
            Self::Alb => Some(alb(rest, method, path)),
            Self::WebSocket => Some(websocket(rest, context)),
        }
    }
}

fn text<'a>(map: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a str> {
    map?.get(key)?.as_str()
}

/// Header names lower-cased, values of one name joined with `,` (as payload 2.0 and
/// an ALB without multi-value headers send them).
fn lower_case_headers(rest: &Map<String, Value>) -> Map<String, Value> {
    let mut headers: Map<String, Value> = Map::new();
    if let Some(Value::Object(multi)) = rest.get("multiValueHeaders") {
        for (name, values) in multi {
            let joined: Vec<&str> = values.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            headers.insert(name.to_ascii_lowercase(), Value::String(joined.join(",")));
        }
    } else if let Some(Value::Object(single)) = rest.get("headers") {
        for (name, value) in single {
            headers.insert(name.to_ascii_lowercase(), value.clone());
        }
    }
    headers
}

/// Query parameters: `(name, value)` pairs from the multi-value map, else the single one.
fn query_pairs(rest: &Map<String, Value>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Some(Value::Object(multi)) = rest.get("multiValueQueryStringParameters") {
        for (name, values) in multi {
            for value in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
                pairs.push((name.clone(), value.to_owned()));
            }
        }
    } else if let Some(Value::Object(single)) = rest.get("queryStringParameters") {
        for (name, value) in single {
            if let Some(value) = value.as_str() {
                pairs.push((name.clone(), value.to_owned()));
            }
        }
    }
    pairs
}

fn payload_v2(
    shape: EventShape,
    rest: &Map<String, Value>,
    method: &str,
    path: &str,
    context: Option<&Map<String, Value>>,
) -> Value {
    let function_url = shape == EventShape::FunctionUrl;
    let resource = rest.get("resource").and_then(Value::as_str).unwrap_or(path);
    let route_key = if function_url { "$default".to_owned() } else { format!("{method} {resource}") };
    let pairs = query_pairs(rest);
    let raw_query: Vec<String> = pairs.iter().map(|(name, value)| format!("{name}={value}")).collect();
    let mut query: Map<String, Value> = Map::new();
    for (name, value) in &pairs {
        match query.get_mut(name) {
            Some(Value::String(joined)) => {
                joined.push(',');
                joined.push_str(value);
            }
            _ => {
                query.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    let identity = context.and_then(|context| context.get("identity")).and_then(Value::as_object);
    let (api_id, domain) = if function_url {
        (
            "abcdefghijklmnopqrstuvwxyz012345".to_owned(),
            "abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws".to_owned(),
        )
    } else {
        let api_id = text(context, "apiId").or_else(|| text(context, "domainPrefix")).unwrap_or("a1b2c3d4e5");
        let domain = text(context, "domainName")
            .map_or_else(|| format!("{api_id}.execute-api.eu-west-1.amazonaws.com"), str::to_owned);
        (api_id.to_owned(), domain)
    };
    let mut event = Map::new();
    event.insert("version".into(), json!("2.0"));
    event.insert("routeKey".into(), json!(route_key));
    event.insert("rawPath".into(), json!(path));
    event.insert("rawQueryString".into(), json!(raw_query.join("&")));
    event.insert("headers".into(), Value::Object(lower_case_headers(rest)));
    if !query.is_empty() {
        event.insert("queryStringParameters".into(), Value::Object(query));
    }
    let mut request_context = json!({
        "accountId": text(context, "accountId").unwrap_or("123456789012"),
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": domain.split('.').next().unwrap_or_default(),
        "http": {
            "method": method,
            "path": path,
            "protocol": text(context, "protocol").unwrap_or("HTTP/1.1"),
            "sourceIp": text(identity, "sourceIp").unwrap_or("198.51.100.24"),
            "userAgent": text(identity, "userAgent").unwrap_or(""),
        },
        "requestId": text(context, "requestId").unwrap_or("00000000-0000-0000-0000-000000000000"),
        "routeKey": route_key,
        "stage": "$default",
        "time": text(context, "requestTime").unwrap_or("27/Nov/2026:05:12:41 +0000"),
        "timeEpoch": context.and_then(|context| context.get("requestTimeEpoch")).cloned().unwrap_or(json!(0)),
    });
    if function_url && let Some(map) = request_context.as_object_mut() {
        map.insert(
            "authorizer".into(),
            json!({"iam": {"accountId": "123456789012", "userArn": "arn:aws:iam::123456789012:user/ops"}}),
        );
    }
    event.insert("requestContext".into(), request_context);
    if !function_url && let Some(parameters @ Value::Object(_)) = rest.get("pathParameters") {
        event.insert("pathParameters".into(), parameters.clone());
    }
    if let Some(body) = rest.get("body").filter(|body| !body.is_null()) {
        event.insert("body".into(), body.clone());
    }
    event.insert("isBase64Encoded".into(), rest.get("isBase64Encoded").cloned().unwrap_or(json!(false)));
    Value::Object(event)
}

fn alb(rest: &Map<String, Value>, method: &str, path: &str) -> Value {
    let mut query = Map::new();
    for (name, value) in query_pairs(rest) {
        query.insert(name, Value::String(value));
    }
    json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eks/0123456789abcdef"}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query,
        "headers": lower_case_headers(rest),
        "body": rest.get("body").filter(|body| !body.is_null()).cloned().unwrap_or(json!("")),
        "isBase64Encoded": rest.get("isBase64Encoded").cloned().unwrap_or(json!(false)),
    })
}

fn websocket(rest: &Map<String, Value>, context: Option<&Map<String, Value>>) -> Value {
    let identity = context.and_then(|context| context.get("identity")).and_then(Value::as_object);
    json!({
        "requestContext": {
            "routeKey": "$default",
            "eventType": "MESSAGE",
            "messageId": "abc=",
            "connectionId": "conn=",
            "domainName": text(context, "domainName").unwrap_or("ws.example.com"),
            "stage": text(context, "stage").unwrap_or("prod"),
            "requestId": text(context, "requestId").unwrap_or("00000000-0000-0000-0000-000000000000"),
            "apiId": text(context, "apiId").unwrap_or("a1b2c3d4e5"),
            "identity": {"sourceIp": text(identity, "sourceIp").unwrap_or("198.51.100.24")},
            "connectedAt": 1795756361000_u64,
            "requestTimeEpoch": context.and_then(|context| context.get("requestTimeEpoch")).cloned().unwrap_or(json!(0)),
        },
        "body": rest.get("body").cloned().unwrap_or(Value::Null),
        "isBase64Encoded": rest.get("isBase64Encoded").cloned().unwrap_or(json!(false)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest() -> Value {
        json!({
            "resource": "/clusters/{cluster_id}",
            "path": "/clusters/c-1",
            "httpMethod": "GET",
            "headers": {"Accept": "application/json", "X-Twice": "a"},
            "multiValueHeaders": {"Accept": ["application/json"], "X-Twice": ["a", "b"]},
            "queryStringParameters": {"limit": "2"},
            "multiValueQueryStringParameters": {"limit": ["2"]},
            "pathParameters": {"cluster_id": "c-1"},
            "requestContext": {"requestId": "r-1", "identity": {"sourceIp": "198.51.100.1", "userArn": "arn"}},
            "body": null,
            "isBase64Encoded": false,
        })
    }

    #[test]
    fn a_rest_event_becomes_each_other_shape() {
        let v2 = EventShape::HttpApiV2.apply(&rest()).expect("v2");
        assert_eq!(v2["version"], "2.0");
        assert_eq!(v2["routeKey"], "GET /clusters/{cluster_id}");
        assert_eq!(v2["requestContext"]["http"]["method"], "GET");
        assert_eq!(v2["headers"]["x-twice"], "a,b");
        assert_eq!(v2["rawQueryString"], "limit=2");
        assert_eq!(v2.get("httpMethod"), None);
        let url = EventShape::FunctionUrl.apply(&rest()).expect("function URL");
        assert_eq!(url["routeKey"], "$default");
        assert_eq!(url.get("pathParameters"), None);
        let alb = EventShape::Alb.apply(&rest()).expect("alb");
        assert_eq!(alb["httpMethod"], "GET");
        assert!(alb["requestContext"].get("identity").is_none() && alb["requestContext"]["elb"].is_object());
        let socket = EventShape::WebSocket.apply(&rest()).expect("websocket");
        assert_eq!(socket.get("path"), None);
        let no_identity = EventShape::NoIdentity.apply(&rest()).expect("no identity");
        assert!(no_identity["requestContext"].get("identity").is_none());
        let no_method = EventShape::NoHttpMethod.apply(&rest()).expect("no method");
        assert!(no_method.get("httpMethod").is_none() && no_method.get("path").is_some());
        // An event that is not a REST event has no other shape.
        assert_eq!(EventShape::HttpApiV2.apply(&json!({"detail": {}})), None);
    }
}
