//! `cutover corpus pull`: the records a recorder logged (`{"cutover_record": ...}` lines,
//! and `{"cutover_record_part": ...}` lines for a record split to fit CloudWatch's 256 KB
//! event; docs/record-format.md) read back from each function's log group with
//! `FilterLogEvents`, page by page, into JSONL shards.
//!
//! Split records are joined (and checked against their SHA-256); a record seen twice (a
//! retried invocation, a re-read after a resume) is written once, by id. After each shard
//! the position is committed to a state file next to the shards, so an interrupted pull
//! (Ctrl-C, a kill, a lost connection) resumes with `--resume` where its last shard ended,
//! and never writes a record twice. Lines that are not records are left alone; record
//! lines that cannot be read, and parts whose record never completed, are counted and
//! named, never dropped silently.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use aws_sdk_cloudwatchlogs::Client;
use parity::{Corpus, CorpusFilter, RECORD_SCHEMA, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{CorpusToolError, write_records};

/// The state file in the output folder.
const STATE_FILE: &str = ".cutover-pull.state";
const STATE_SCHEMA: &str = "cutover.pull-state/v1";
const PART_SCHEMA: &str = "cutover.record-part/v1";
/// On AWS a quoted term matches events that contain it; both line kinds contain this one.
const FILTER_PATTERN: &str = "\"cutover_record\"";

/// What to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// The functions; each is read from `/aws/lambda/<function>`.
    pub functions: Vec<String>,
    /// The window: records logged at or after `start`, before `end`.
    pub start: OffsetDateTime,
    /// See `start`.
    pub end: OffsetDateTime,
    /// The folder of the shards (`<function>.00001.jsonl`, ...) and the state file.
    pub out: PathBuf,
    /// Records per shard.
    pub shard_records: usize,
    /// Continue the pull whose state file is in `out`.
    pub resume: bool,
    /// Events per `FilterLogEvents` page (`None`: the service's default).
    pub page_size: Option<i32>,
}

/// Where a pull is, after each page.
#[derive(Debug, Clone, Copy)]
pub struct PullProgress<'a> {
    /// The function being read.
    pub function: &'a str,
    /// Pages read of it so far.
    pub pages: u64,
    /// Log events read of it so far.
    pub events: u64,
    /// Records of it written or waiting for their shard.
    pub records: u64,
}

/// What a pull did, per function.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PullSummary {
    /// The output folder.
    pub out: PathBuf,
    /// Whether this run continued an earlier one.
    pub resumed: bool,
    /// Per function, in the order asked.
    pub functions: Vec<FunctionPull>,
}

/// One function's pull.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FunctionPull {
    /// The function.
    pub function: String,
    /// `FilterLogEvents` pages read by this run.
    pub pages: u64,
    /// Log events read by this run.
    pub events: u64,
    /// Records written by this run.
    pub records: u64,
    /// Records this run read again and did not write (already in a shard).
    pub duplicates: u64,
    /// Records joined from parts.
    pub joined: u64,
    /// Record lines that could not be read (not JSON, another schema, a part whose joined
    /// text does not match its digest).
    pub unreadable: u64,
    /// Ids of split records some of whose parts never came (within the window).
    pub incomplete: Vec<String>,
    /// The log group does not exist (the function never logged in this region, or the
    /// name is wrong): nothing was read, and a later pull may find it.
    pub missing_group: bool,
    /// The shards this run wrote.
    pub shards: Vec<PathBuf>,
}

impl PullSummary {
    /// Records written by this run, all functions.
    pub fn records(&self) -> u64 {
        self.functions.iter().map(|function| function.records).sum()
    }
}

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    /// CloudWatch Logs refused or could not be reached.
    #[error("CloudWatch Logs FilterLogEvents on /aws/lambda/{function}")]
    Service {
        /// The function whose group was read.
        function: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `out` holds files but no pull state: never mixed with a new pull.
    #[error("{} is not empty and holds no pull to resume; choose an empty or new --out", path.display())]
    NotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// A pull is in progress in `out` and `--resume` was not given.
    #[error("{} holds an unfinished pull; run again with --resume to continue it, or choose another --out", path.display())]
    InProgress {
        /// The state file.
        path: PathBuf,
    },
    /// `--resume` without a state file, or a state file for another window or functions.
    #[error("{}: {message}", path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// What does not match.
        message: String,
    },
    /// The caller asked to stop (Ctrl-C); what was committed is kept.
    #[error("interrupted; what was pulled is kept in {}: run again with --resume to continue", out.display())]
    Interrupted {
        /// The output folder.
        out: PathBuf,
    },
    /// Writing a shard or the state failed, or an existing shard could not be read.
    #[error(transparent)]
    Write(#[from] CorpusToolError),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct PullState {
    schema: String,
    start_ms: i64,
    end_ms: i64,
    functions: BTreeMap<String, FunctionState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
struct FunctionState {
    /// Every event before this time is in a shard (a resume starts here, inclusive).
    committed_ms: Option<i64>,
    /// The number of the next shard.
    next_shard: u32,
    done: bool,
}

#[derive(Debug, Deserialize)]
struct Part {
    schema: String,
    id: String,
    sha256: String,
    index: usize,
    count: usize,
    chunk: String,
}

/// The parts of one split record so far, and when its first part was logged.
#[derive(Debug, Default)]
struct Pending {
    first_ms: i64,
    count: usize,
    chunks: BTreeMap<usize, String>,
}

/// Pulls every function of `options` in turn; `progress` hears of each page, and
/// `stop` is asked after each committed page whether to stop ([`PullError::Interrupted`]).
pub async fn pull(
    client: &Client,
    options: &PullOptions,
    mut progress: impl FnMut(PullProgress<'_>),
    mut stop: impl FnMut() -> bool,
) -> Result<PullSummary, PullError> {
    let state_path = options.out.join(STATE_FILE);
    let start_ms = millis(options.start);
    let end_ms = millis(options.end);
    let (mut state, resumed) = open_state(options, &state_path, start_ms, end_ms)?;
    let mut summary = PullSummary { out: options.out.clone(), resumed, functions: Vec::new() };
    for function in &options.functions {
        let mut done = FunctionPull { function: function.clone(), ..FunctionPull::default() };
        let mut function_state = state.functions.get(function).cloned().unwrap_or_default();
        if function_state.done {
            summary.functions.push(done);
            continue;
        }
        let mut seen = existing_ids(&options.out, function)?;
        let mut buffer: Vec<Record> = Vec::new();
        let mut pending: HashMap<(String, String), Pending> = HashMap::new();
        let mut next_token: Option<String> = None;
        let mut last_ms = function_state.committed_ms.unwrap_or(start_ms);
        loop {
            let page = client
                .filter_log_events()
                .log_group_name(format!("/aws/lambda/{function}"))
                .filter_pattern(FILTER_PATTERN)
                .start_time(function_state.committed_ms.unwrap_or(start_ms))
                .end_time(end_ms - 1)
                .set_limit(options.page_size)
                .set_next_token(next_token.take())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(error)
                    if error.as_service_error().is_some_and(
                        aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError::is_resource_not_found_exception,
                    ) =>
                {
                    done.missing_group = true;
                    break;
                }
                Err(error) => return Err(PullError::Service { function: function.clone(), source: Box::new(error) }),
            };
            done.pages += 1;
            for event in page.events() {
                done.events += 1;
                let timestamp = event.timestamp().unwrap_or(last_ms);
                last_ms = last_ms.max(timestamp);
                let Some(line) = record_line(event.message().unwrap_or_default()) else { continue };
                let record = match line {
                    Line::Record(value) => read_record(value),
                    Line::Part(part) => match add_part(&mut pending, part, timestamp) {
                        PartOutcome::Waiting => continue,
                        PartOutcome::Joined(text) => {
                            done.joined += 1;
                            serde_json::from_str(&text).ok().and_then(read_record)
                        }
                        PartOutcome::Broken => None,
                    },
                    Line::Unreadable => None,
                };
                let Some(record) = record else {
                    done.unreadable += 1;
                    continue;
                };
                if seen.insert(record.id.clone()) {
                    buffer.push(record);
                } else {
                    done.duplicates += 1;
                }
            }
            let more = page.next_token().is_some_and(|token| !token.is_empty());
            progress(PullProgress {
                function,
                pages: done.pages,
                events: done.events,
                records: done.records + buffer.len() as u64,
            });
            if buffer.len() >= options.shard_records || !more {
                if !buffer.is_empty() {
                    let shard = options.out.join(format!("{function}.{:05}.jsonl", function_state.next_shard + 1));
                    write_records(&shard, &buffer)?;
                    function_state.next_shard += 1;
                    done.records += buffer.len() as u64;
                    done.shards.push(shard);
                    buffer.clear();
                }
                // Everything read so far is in a shard, except split records still
                // waiting for parts: a resume starts at the first of those.
                let waiting_since = pending.values().map(|parts| parts.first_ms).min();
                function_state.committed_ms = Some(waiting_since.unwrap_or(last_ms).min(last_ms));
                function_state.done = !more;
                state.functions.insert(function.clone(), function_state.clone());
                save_state(&state_path, &state)?;
                if more && stop() {
                    return Err(PullError::Interrupted { out: options.out.clone() });
                }
            }
            if !more {
                break;
            }
            next_token = page.next_token().map(str::to_owned);
        }
        let mut incomplete: Vec<String> = pending.into_keys().map(|(id, _)| id).collect();
        incomplete.sort();
        done.incomplete = incomplete;
        summary.functions.push(done);
    }
    Ok(summary)
}

enum Line {
    Record(Value),
    Part(Part),
    Unreadable,
}

/// The record or part a log message carries, wherever the JSON object starts in it (a
/// logging library may put a level and request id first); `None` for any other line.
fn record_line(message: &str) -> Option<Line> {
    let start = message.find("{\"cutover_record")?;
    let value = serde_json::Deserializer::from_str(&message[start..]).into_iter::<Value>().next();
    let Some(Ok(Value::Object(mut object))) = value else { return Some(Line::Unreadable) };
    if let Some(record) = object.remove("cutover_record") {
        return Some(Line::Record(record));
    }
    match object.remove("cutover_record_part").map(serde_json::from_value::<Part>) {
        Some(Ok(part)) if part.schema == PART_SCHEMA && part.count > 0 && part.index < part.count => {
            Some(Line::Part(part))
        }
        Some(_) => Some(Line::Unreadable),
        // `{"cutover_recorder_failure": ...}` and the like are the recorder's own lines.
        None => None,
    }
}

fn read_record(value: Value) -> Option<Record> {
    let record: Record = serde_json::from_value(value).ok()?;
    (record.schema == RECORD_SCHEMA && !record.id.is_empty()).then_some(record)
}

enum PartOutcome {
    Waiting,
    Joined(String),
    Broken,
}

fn add_part(pending: &mut HashMap<(String, String), Pending>, part: Part, timestamp: i64) -> PartOutcome {
    let key = (part.id.clone(), part.sha256.clone());
    let parts = pending.entry(key.clone()).or_insert_with(|| Pending {
        first_ms: timestamp,
        count: part.count,
        chunks: BTreeMap::new(),
    });
    if parts.count != part.count {
        pending.remove(&key);
        return PartOutcome::Broken;
    }
    parts.first_ms = parts.first_ms.min(timestamp);
    parts.chunks.insert(part.index, part.chunk);
    if parts.chunks.len() < parts.count {
        return PartOutcome::Waiting;
    }
    let Some(parts) = pending.remove(&key) else { return PartOutcome::Broken };
    let text: String = parts.chunks.into_values().collect();
    let digest: String = Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    if digest == key.1 { PartOutcome::Joined(text) } else { PartOutcome::Broken }
}

fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn open_state(options: &PullOptions, path: &Path, start_ms: i64, end_ms: i64) -> Result<(PullState, bool), PullError> {
    let fresh = PullState { schema: STATE_SCHEMA.into(), start_ms, end_ms, functions: BTreeMap::new() };
    if !path.exists() {
        if options.resume {
            return Err(PullError::State {
                path: path.to_path_buf(),
                message: "--resume, but no pull was started here".into(),
            });
        }
        let occupied = std::fs::read_dir(&options.out).map(|mut entries| entries.next().is_some()).unwrap_or(false);
        if occupied {
            return Err(PullError::NotEmpty { path: options.out.clone() });
        }
        std::fs::create_dir_all(&options.out)
            .map_err(|source| CorpusToolError::Write { path: options.out.clone(), source })?;
        save_state(path, &fresh)?;
        return Ok((fresh, false));
    }
    if !options.resume {
        return Err(PullError::InProgress { path: path.to_path_buf() });
    }
    let refuse = |message: String| PullError::State { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|error| refuse(error.to_string()))?;
    let state: PullState = serde_json::from_str(&text).map_err(|error| refuse(format!("not a pull state: {error}")))?;
    if state.schema != STATE_SCHEMA {
        return Err(refuse(format!("schema {:?}, expected {STATE_SCHEMA}", state.schema)));
    }
    if (state.start_ms, state.end_ms) != (start_ms, end_ms) {
        return Err(refuse(format!(
            "the pull here covers {} .. {} (ms since the epoch); resume it with the same --since and --until",
            state.start_ms, state.end_ms
        )));
    }
    if let Some(other) = state.functions.keys().find(|name| !options.functions.contains(name)) {
        return Err(refuse(format!("the pull here also reads {other}; resume it with the same --function list")));
    }
    Ok((state, true))
}

fn save_state(path: &Path, state: &PullState) -> Result<(), CorpusToolError> {
    let text = serde_json::to_string_pretty(state).unwrap_or_default();
    atomic_file::write_atomically(path, text.as_bytes())
        .map_err(|source| CorpusToolError::Write { path: path.to_path_buf(), source })
}

/// The ids already in this function's shards.
fn existing_ids(out: &Path, function: &str) -> Result<HashSet<String>, CorpusToolError> {
    let prefix = format!("{function}.");
    let shards: Vec<PathBuf> = std::fs::read_dir(out)
        .map_err(|source| CorpusToolError::Write { path: out.to_path_buf(), source })?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().and_then(|name| name.to_str()).is_some_and(|name| {
                name.starts_with(&prefix)
                    && name.ends_with(".jsonl")
                    && name[prefix.len()..name.len() - ".jsonl".len()].chars().all(|c| c.is_ascii_digit())
            })
        })
        .collect();
    if shards.is_empty() {
        return Ok(HashSet::new());
    }
    let mut ids = HashSet::new();
    for record in Corpus::open(&shards)?.records(CorpusFilter::default()) {
        ids.insert(record?.id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_lines_are_found_after_a_prefix_and_other_lines_are_not_records() {
        let line = "[INFO]\t2026-12-03T10:00:00Z\treq-1\t{\"cutover_record\": {\"id\": \"a\"}} trailing";
        assert!(matches!(record_line(line), Some(Line::Record(value)) if value["id"] == "a"));
        assert!(record_line("START RequestId: x Version: 1").is_none());
        assert!(record_line("{\"cutover_recorder_failure\": {\"failures\": 1}}").is_none());
        assert!(matches!(record_line("{\"cutover_record\": {\"id\": "), Some(Line::Unreadable)));
    }

    #[test]
    fn parts_join_in_index_order_when_all_came_and_their_digest_matches() {
        let text = "{\"id\": \"big\"}";
        let digest: String = Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
        let part = |index: usize, chunk: &str| Part {
            schema: PART_SCHEMA.into(),
            id: "big".into(),
            sha256: digest.clone(),
            index,
            count: 2,
            chunk: chunk.into(),
        };
        let mut pending = HashMap::new();
        assert!(matches!(add_part(&mut pending, part(1, &text[6..]), 20), PartOutcome::Waiting));
        assert!(
            matches!(add_part(&mut pending, part(0, &text[..6]), 10), PartOutcome::Joined(joined) if joined == text)
        );
        assert!(pending.is_empty());
        let mut bad = part(0, "{\"id\"");
        bad.sha256 = "0".repeat(64);
        let mut pending = HashMap::new();
        let _ = add_part(&mut pending, bad, 1);
        let mut last = part(1, ": \"big\"}");
        last.sha256 = "0".repeat(64);
        assert!(matches!(add_part(&mut pending, last, 2), PartOutcome::Broken), "a digest mismatch is no record");
    }
}
