//! {{function}} on a recorded invocation: `tests/fixtures/{{fixture}}` is record
//! `{{record_id}}` of the corpus, the event the Python original received and what it
//! answered.

use std::path::Path;

use {{crate_name}}::{Handler, MemoryStore};
use serde_json::Value;

fn recorded() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/{{fixture}}");
    let text = std::fs::read_to_string(&path).expect("the recorded invocation");
    serde_json::from_str(&text).expect("a cutover.record/v1 record")
}

// TODO: remove the `ignore` once the handler is ported. This test answers one event;
// parity on the whole corpus (`cutover parity run`) is the real check.
#[tokio::test]
#[ignore = "the handler is not written yet"]
async fn answers_the_recorded_event_as_python_did() {
    let record = recorded();
    // TODO: seed the store with what the Python original read, if it read anything.
    let handler = Handler {
        store: MemoryStore::default(),
    };
    let answer = handler.handle(record["event"].clone()).await;
    match &record["error"] {
        Value::Null => assert_eq!(answer.expect("an answer"), record["response"]),
        error => {
            let error_type = answer.expect_err("Python raised").error_type;
            assert_eq!(Value::from(error_type), error["errorType"]);
        }
    }
}
