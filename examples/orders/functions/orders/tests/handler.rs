//! orders on the events API Gateway sends, against the in-memory table: each answer is
//! the one the Python original gave to the same event in the recorded corpus
//! (`tests/fixtures/`), byte for byte. Parity on the whole corpus (`cutover parity run`)
//! is the real check.

use orders::{Handler, MemoryOrderTable};
use serde_json::Value;

fn recorded(name: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).expect("fixture");
    text.lines().map(|line| serde_json::from_str(line).expect("a record")).collect()
}

#[tokio::test]
async fn answers_the_recorded_events_as_python_did() {
    let handler = Handler { table: MemoryOrderTable::default() };
    let records = recorded("orders.jsonl");
    assert!(records.len() >= 5, "the fixture holds the recorded traffic");
    for record in records {
        let answer = handler.handle(record["event"].clone()).await.expect("an answer");
        assert_eq!(answer, record["response"], "record {} ({})", record["id"], record["route"]);
    }
}

#[tokio::test]
async fn an_unknown_route_is_a_404_naming_it_as_python_does() {
    let handler = Handler { table: MemoryOrderTable::default() };
    let answer = handler.handle(serde_json::json!({"httpMethod": "DELETE"})).await.expect("an answer");
    assert_eq!(answer["statusCode"], 404);
    assert_eq!(answer["body"], r#"{"message": "no such route", "route": "DELETE None"}"#);
}
