//! The corpus tools from outside: `pull` against moto's CloudWatch Logs (pagination, split
//! records, duplicates, an interruption and its resume), then `check`, `stats` and a
//! sample of what was pulled. moto is started by the emulator's back end (a socket bound
//! before it serves) and stopped with it.

use std::path::Path;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use corpus::{PullError, PullOptions, Sampling, Selection};
use emulator::{Config, Emulator, EmulatorOptions, LogSink};
use parity::Corpus;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn start_moto() -> Emulator {
    let python = std::env::var_os("CUTOVER_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"))
        .join("bin/python");
    let text = format!("[local]\npython = \"{}\"\n[local.moto]\nstart = true\n", python.display());
    let config = Config::parse(&text, Path::new("moto.toml"), Path::new(env!("CARGO_MANIFEST_DIR"))).expect("valid");
    let options = EmulatorOptions { logs: LogSink::Discard, start_backend: true, ..Default::default() };
    Emulator::start(config, options).await.expect("moto starts")
}

fn logs_client(endpoint: &str) -> Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    Client::from_conf(config)
}

fn record(id: &str, cluster: &str, body: &str) -> Value {
    json!({
        "schema": "cutover.record/v1", "id": id, "function": "orders", "source": "apigateway-rest",
        "route": "GET /clusters/{cluster_id}", "recorded_at": "2026-12-03T10:00:00+00:00",
        "event": {"httpMethod": "GET", "pathParameters": {"cluster_id": cluster}, "headers": {"Authorization": "[REDACTED]"}, "body": body},
        "response": {"statusCode": 200, "body": "{}"}, "error": null, "duration_ms": 3.5
    })
}

/// The recorder's split lines for `record` (docs/record-format.md), cut in `pieces`.
fn part_lines(record: &Value, pieces: usize) -> Vec<String> {
    let text = record.to_string();
    let digest: String = Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    let size = text.len().div_ceil(pieces);
    let chunks: Vec<&str> =
        (0..pieces).map(|index| &text[index * size..((index + 1) * size).min(text.len())]).collect();
    chunks
        .iter()
        .enumerate()
        .map(|(index, chunk)| {
            json!({"cutover_record_part": {"schema": "cutover.record-part/v1", "id": record["id"], "sha256": digest, "index": index, "count": pieces, "chunk": chunk}}).to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_pages_joins_split_records_drops_duplicates_and_resumes_where_it_stopped() {
    let moto = start_moto().await;
    let client = logs_client(moto.moto_endpoint().expect("moto"));
    let group = "/aws/lambda/orders";
    client.create_log_group().log_group_name(group).send().await.expect("group");
    client.create_log_stream().log_group_name(group).log_stream_name("2026/12/03/[1]abc").send().await.expect("stream");
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let big = record("r-big", "c-3", &"x".repeat(3000));
    let mut messages = vec![
        "START RequestId: r-1 Version: 1".to_string(),
        json!({"cutover_record": record("r-1", "c-1", "")}).to_string(),
        format!("[INFO]\t2026-12-03T10:00:00Z\tr-2\t{}", json!({"cutover_record": record("r-2", "c-2", "")})),
    ];
    messages.extend(part_lines(&big, 3));
    messages.push(json!({"cutover_record": record("r-1", "c-1", "")}).to_string()); // a duplicate
    messages.push("{\"cutover_record\": {\"schema\": \"cutover.record/v9\"}}".to_string()); // unreadable
    messages.push(json!({"cutover_record": record("r-4", "c-1", "")}).to_string());
    let events: Vec<InputLogEvent> = messages
        .iter()
        .enumerate()
        .map(|(index, message)| {
            InputLogEvent::builder()
                .timestamp(now_ms - 60_000 + index as i64 * 10)
                .message(message)
                .build()
                .expect("event")
        })
        .collect();
    client
        .put_log_events()
        .log_group_name(group)
        .log_stream_name("2026/12/03/[1]abc")
        .set_log_events(Some(events))
        .send()
        .await
        .expect("put");

    let folder = tempfile::tempdir().expect("tempdir");
    let out = folder.path().join("pulled");
    let mut options = PullOptions {
        functions: vec!["orders".into()],
        start: time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        end: time::OffsetDateTime::now_utc() + time::Duration::minutes(1),
        out: out.clone(),
        shard_records: 1,
        resume: false,
        page_size: Some(2),
    };
    // Stop after the first committed page (r-1 and r-2 in a shard): Ctrl-C, say.
    let stopped = corpus::pull(&client, &options, |_| {}, || true).await;
    assert!(matches!(stopped, Err(PullError::Interrupted { .. })), "{stopped:?}");
    let again = corpus::pull(&client, &options, |_| {}, || false).await;
    assert!(matches!(again, Err(PullError::InProgress { .. })), "an unfinished pull is not started over: {again:?}");

    options.resume = true;
    let summary = corpus::pull(&client, &options, |_| {}, || false).await.expect("resumed");
    assert!(summary.resumed);
    let pulled = &summary.functions[0];
    // The resume reads again from the last committed event (r-2, inclusive): r-2 is
    // already in a shard, as is the later copy of r-1; the three parts join; the record
    // of another schema is counted, not written.
    assert_eq!(
        (pulled.events, pulled.records, pulled.duplicates, pulled.joined, pulled.unreadable),
        (7, 2, 2, 1, 1),
        "{pulled:?}"
    );
    assert!(pulled.pages >= 4, "pages of two events: {pulled:?}");
    assert!(pulled.incomplete.is_empty());

    let corpus = Corpus::open(&[&out]).expect("shards");
    let ids: Vec<String> =
        corpus.records(parity::CorpusFilter::default()).map(|record| record.expect("valid").id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(sorted, ["r-1", "r-2", "r-4", "r-big"], "each record once, across the interruption: {ids:?}");
    let joined = corpus
        .records(parity::CorpusFilter::default())
        .map(|record| record.expect("valid"))
        .find(|record| record.id == "r-big")
        .expect("the big one");
    assert_eq!(serde_json::to_value(&joined).expect("json")["event"], big["event"], "joined byte for byte");

    // What was pulled is clean, countable and can be sampled by entity.
    let report = corpus::check(&corpus).expect("reads");
    assert!(report.passes(), "{:?}", report.findings);
    let stats = corpus::stats(&corpus).expect("reads");
    assert_eq!((stats.records, stats.functions["orders"].routes["GET /clusters/{cluster_id}"].outcomes["200"]), (4, 4));
    let sample_path = folder.path().join("sample.jsonl");
    let selection = Selection { sampling: Some(Sampling { rate: 1.0, seed: 1 }), ..Selection::default() };
    let sampled = corpus::select(&corpus, &selection, &sample_path).expect("sampled");
    assert_eq!((sampled.written, sampled.entities), (4, 3), "c-1 twice, c-2, c-3");

    // A function that never logged: its group is missing, which is said, not an error.
    let options =
        PullOptions { functions: vec!["never-ran".into()], out: folder.path().join("none"), resume: false, ..options };
    let summary = corpus::pull(&client, &options, |_| {}, || false).await.expect("a missing group is no failure");
    assert!(summary.functions[0].missing_group);
    assert_eq!(summary.records(), 0);
    moto.shutdown().await;
}

#[test]
fn check_names_every_secret_kind_and_an_empty_corpus_never_passes() {
    let folder = tempfile::tempdir().expect("tempdir");
    let path = folder.path().join("leaky.jsonl");
    let mut leaky = record("s-1", "c-1", "{\"password\": \"hunter2\"}");
    leaky["event"]["headers"]["Authorization"] = json!("Bearer abcdefghijklmnopqrstuvwxyz0123");
    leaky["event"]["headers"]["X-Api-Key"] = json!("k-12345");
    leaky["response"]["body"] =
        json!("{\"token\": \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl\", \"key\": \"AKIAABCDEFGHIJKLMNOP\"}");
    std::fs::write(&path, format!("{leaky}\n{}\n", record("s-2", "c-2", ""))).expect("write");
    let report = corpus::check(&Corpus::open(&[&path]).expect("opens")).expect("reads");
    assert!(!report.passes());
    let found: Vec<(&str, &str, &str)> = report
        .findings
        .iter()
        .map(|finding| (finding.id.as_str(), finding.finding.path.as_str(), finding.finding.kind))
        .collect();
    assert_eq!(
        found,
        [
            ("s-1", "$.event.headers.Authorization", "secret header"),
            ("s-1", "$.event.headers.X-Api-Key", "secret header"),
            ("s-1", "$.event.body<json>.password", "secret-named field"),
            ("s-1", "$.response.body<json>.token", "secret-named field"),
            ("s-1", "$.response.body<json>.key", "AWS access key id"),
        ]
    );
    let empty = folder.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    let report = corpus::check(&Corpus::open(&[&empty]).expect("opens")).expect("reads");
    assert!(!report.passes(), "no records is no evidence of a clean corpus");
}
