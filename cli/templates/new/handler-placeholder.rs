//! {{function}} on a recorded invocation. No record was given to `cutover new`: copy one
//! line of a recorded corpus (`cutover corpus sample`) to `tests/fixtures/`, or scaffold
//! again with `--event CORPUS.jsonl:ID`.

use serde_json::json;
use {{crate_name}}::{Handler, MemoryStore};

// TODO: replace the event and the answer with a recorded invocation's, then remove the
// `ignore`. Parity on the whole corpus (`cutover parity run`) is the real check.
#[tokio::test]
#[ignore = "no recorded event yet"]
async fn answers_a_recorded_event_as_python_did() {
    let event = json!({});
    let expected = json!(null);
    let handler = Handler {
        store: MemoryStore::default(),
    };
    assert_eq!(handler.handle(event).await.expect("an answer"), expected);
}
