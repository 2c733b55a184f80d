//! In-memory fake targets and record builders shared by the integration tests.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use parity::{Observed, Outcome, RECORD_SCHEMA, Record, SideEffects, Target, TargetError};
use serde_json::{Value, json};

/// A target backed by a closure, like a tiny handler. It can also write side effects.
pub struct FnTarget<F> {
    pub name: &'static str,
    pub handler: F,
    pub writes: Mutex<SideEffects>,
    pub state: Mutex<Value>,
}

impl<F> FnTarget<F>
where
    F: Fn(&Record, &Value, &mut Value, &mut SideEffects) -> Outcome + Send + Sync,
{
    pub fn new(name: &'static str, handler: F) -> Self {
        Self { name, handler, writes: Mutex::new(SideEffects::default()), state: Mutex::new(json!({})) }
    }

    pub fn side_effects(&self) -> SideEffects {
        self.writes.lock().expect("lock").clone()
    }
}

#[async_trait]
impl<F> Target for FnTarget<F>
where
    F: Fn(&Record, &Value, &mut Value, &mut SideEffects) -> Outcome + Send + Sync,
{
    fn name(&self) -> String {
        self.name.to_owned()
    }

    async fn invoke(&self, record: &Record, event: &Value) -> Result<Observed, TargetError> {
        let outcome = {
            let mut state = self.state.lock().expect("lock");
            let mut writes = self.writes.lock().expect("lock");
            (self.handler)(record, event, &mut state, &mut writes)
        };
        Ok(Observed { outcome, latency: Duration::from_millis(5) })
    }
}

pub fn response(status: u16, body: &Value) -> Outcome {
    Outcome::Response(json!({
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": serde_json::to_string(body).expect("json"),
    }))
}

pub fn raw_response(status: u16, body: &str) -> Outcome {
    Outcome::Response(json!({
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": body,
    }))
}

/// An API Gateway REST record with no recorded response (the live sides answer).
pub fn record(id: &str, route: &str, path: &str, body: Option<&Value>) -> Record {
    let (method, _) = route.split_once(' ').expect("route has a method");
    let cluster_id = path.strip_prefix("/clusters/").map(|rest| rest.split('/').next().unwrap_or(rest));
    let path_parameters = cluster_id.filter(|id| *id != "validate").map_or(Value::Null, |id| json!({"cluster_id": id}));
    Record {
        schema: RECORD_SCHEMA.into(),
        id: id.into(),
        function: "fake".into(),
        source: "apigateway-rest".into(),
        route: route.into(),
        recorded_at: "2026-11-27T05:12:41.123456+00:00".into(),
        event: json!({
            "httpMethod": method,
            "path": path,
            "resource": route.split_once(' ').map(|(_, r)| r).unwrap_or("/"),
            "pathParameters": path_parameters,
            "headers": {"Content-Type": "application/json"},
            "body": body.map(|b| b.to_string()),
            "isBase64Encoded": false,
        }),
        response: None,
        error: None,
        duration_ms: 3.0,
        scenario: None,
        entity: None,
        side_effects: None,
    }
}

pub fn ok_records(records: Vec<Record>) -> impl Iterator<Item = Result<Record, parity::CorpusError>> {
    records.into_iter().map(Ok)
}
