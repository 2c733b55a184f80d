//! Streaming corpus reader: files or folders of records, JSON Lines or JSON arrays, read one
//! record at a time so memory stays flat however large the corpus is.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::record::{RECORD_SCHEMA, Record};

/// Why the corpus could not be read. Every variant names the file, and the line when the
/// problem is inside one.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file or folder could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A folder was given that has no `*.jsonl` or `*.json` file in it.
    #[error("{path} holds no corpus files (expected *.jsonl or *.json)")]
    Empty {
        /// The folder.
        path: PathBuf,
    },
    /// A line or array element is not a record: bad JSON, a missing field, an unknown
    /// `source`, or an id used twice.
    #[error("{path}:{line}: not a valid record: {message}")]
    Parse {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line where the record starts (or where the JSON error is).
        line: usize,
        /// What is wrong, as the JSON reader or the check said it.
        message: String,
    },
    /// A record of another schema than [`RECORD_SCHEMA`].
    #[error("{path}:{line}: field `schema` is {found:?}, expected {RECORD_SCHEMA:?}")]
    Schema {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
        /// The schema the record names.
        found: String,
    },
    /// A `recorded_at` that is not an RFC 3339 time, met while filtering by time.
    #[error("{path}:{line}: field `recorded_at` is {found:?}, not an ISO 8601 time with offset")]
    RecordedAt {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
        /// The text of the field.
        found: String,
    },
}

/// The `source` values of docs/record-format.md; anything else would be replayed as a
/// shape nobody wrote rules for.
const KNOWN_SOURCES: [&str; 4] = ["apigateway-rest", "apigateway-http", "eventbridge", "other"];

/// Which status codes to keep: `404` or a class such as `5xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// One status code (`404`).
    Exact(u16),
    /// A class by its first digit (`5` for `5xx`).
    Class(u16),
}

impl std::str::FromStr for StatusFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.to_ascii_lowercase();
        if let Some(class) = lower.strip_suffix("xx")
            && let Ok(digit) = class.parse::<u16>()
            && (1..=5).contains(&digit)
        {
            return Ok(Self::Class(digit));
        }
        match text.parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => Ok(Self::Exact(code)),
            _ => Err(format!("status filter {text:?} is neither a code (100-599) nor a class like 5xx")),
        }
    }
}

impl StatusFilter {
    fn accepts(self, status: u16) -> bool {
        match self {
            Self::Exact(code) => code == status,
            Self::Class(class) => status / 100 == class,
        }
    }
}

/// Which records to replay. Empty lists keep everything.
#[derive(Debug, Clone, Default)]
pub struct CorpusFilter {
    /// Exact routes, e.g. `GET /clusters/{cluster_id}`.
    pub routes: Vec<String>,
    /// HTTP methods, any case.
    pub methods: Vec<String>,
    /// Status codes of the recorded response.
    pub statuses: Vec<StatusFilter>,
    /// Keep records made at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Keep records made before this time.
    pub until: Option<OffsetDateTime>,
}

impl CorpusFilter {
    fn accepts(&self, record: &Record, path: &Path, line: usize) -> Result<bool, CorpusError> {
        if !self.routes.is_empty() && !self.routes.contains(&record.route) {
            return Ok(false);
        }
        if !self.methods.is_empty() {
            let Some(method) = record.method() else {
                return Ok(false);
            };
            if !self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
                return Ok(false);
            }
        }
        if !self.statuses.is_empty() {
            let Some(status) = record.recorded_status() else {
                return Ok(false);
            };
            if !self.statuses.iter().any(|filter| filter.accepts(status)) {
                return Ok(false);
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let recorded_at = OffsetDateTime::parse(&record.recorded_at, &Rfc3339).map_err(|_| {
                CorpusError::RecordedAt { path: path.to_owned(), line, found: record.recorded_at.clone() }
            })?;
            if self.since.is_some_and(|since| recorded_at < since)
                || self.until.is_some_and(|until| recorded_at >= until)
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The files of a corpus, in a stable order (folders are expanded and sorted by name).
#[derive(Debug, Clone)]
pub struct Corpus {
    files: Vec<PathBuf>,
}

impl Corpus {
    /// Resolves files and folders into corpus files. A folder contributes its `*.jsonl` and
    /// `*.json` files (not recursively); a file is taken whatever its extension.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<Self, CorpusError> {
        let mut files = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let metadata =
                std::fs::metadata(path).map_err(|source| CorpusError::Io { path: path.to_owned(), source })?;
            if metadata.is_dir() {
                let entries =
                    std::fs::read_dir(path).map_err(|source| CorpusError::Io { path: path.to_owned(), source })?;
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .filter(|file| {
                        file.is_file() && matches!(file.extension().and_then(|e| e.to_str()), Some("jsonl" | "json"))
                    })
                    .collect();
                if found.is_empty() {
                    return Err(CorpusError::Empty { path: path.to_owned() });
                }
                found.sort();
                files.extend(found);
            } else {
                files.push(path.to_owned());
            }
        }
        Ok(Self { files })
    }

    /// The corpus files, in the order they are read.
    pub(crate) fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Streams the records that pass `filter`, file after file.
    pub fn records(&self, filter: CorpusFilter) -> Records {
        Records {
            pending: self.files.iter().rev().cloned().collect(),
            current: None,
            filter,
            failed: false,
            seen_ids: std::collections::HashMap::new(),
            opened: Vec::new(),
        }
    }
}

/// Iterator over the records of a [`Corpus`]. It stops after the first error.
pub struct Records {
    pending: Vec<PathBuf>,
    current: Option<FileRecords>,
    filter: CorpusFilter,
    failed: bool,
    /// A hash of every record id read so far and where it was (an index into `opened`
    /// and a line): two records with one id would share one id mapping and one report
    /// line. About 24 bytes a record keeps memory near flat even for millions of records.
    seen_ids: std::collections::HashMap<u64, (u32, u32)>,
    /// The files opened so far, for naming where a duplicate id was first seen.
    opened: Vec<PathBuf>,
}

impl Iterator for Records {
    type Item = Result<Record, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            if self.current.is_none() {
                let path = self.pending.pop()?;
                match FileRecords::open(path) {
                    Ok(file) => {
                        self.opened.push(file.path.clone());
                        self.current = Some(file);
                    }
                    Err(error) => {
                        self.failed = true;
                        return Some(Err(error));
                    }
                }
            }
            let file = self.current.as_mut()?;
            match file.next_record() {
                None => self.current = None,
                Some(Err(error)) => {
                    self.failed = true;
                    return Some(Err(error));
                }
                Some(Ok((record, line))) => {
                    let id_hash = {
                        use std::hash::{Hash, Hasher};
                        let mut hasher = std::collections::hash_map::DefaultHasher::new();
                        record.id.hash(&mut hasher);
                        hasher.finish()
                    };
                    if let Some((first_file, first_line)) = self.seen_ids.get(&id_hash) {
                        let first_path = &self.opened[*first_file as usize];
                        self.failed = true;
                        return Some(Err(CorpusError::Parse {
                            path: file.path.clone(),
                            line,
                            message: format!(
                                "record id {:?} was already used at {}:{first_line}; ids must be unique",
                                record.id,
                                first_path.display()
                            ),
                        }));
                    }
                    let file_index = u32::try_from(self.opened.len() - 1).unwrap_or(u32::MAX);
                    self.seen_ids.insert(id_hash, (file_index, u32::try_from(line).unwrap_or(u32::MAX)));
                    match self.filter.accepts(&record, &file.path, line) {
                        Ok(true) => return Some(Ok(record)),
                        Ok(false) => {}
                        Err(error) => {
                            self.failed = true;
                            return Some(Err(error));
                        }
                    }
                }
            }
        }
    }
}

enum Layout {
    Lines,
    Array { started: bool, finished: bool },
}

struct FileRecords {
    path: PathBuf,
    reader: BufReader<File>,
    layout: Layout,
    /// The 1-based line the reader is on.
    line: usize,
    buffer: Vec<u8>,
}

impl FileRecords {
    fn open(path: PathBuf) -> Result<Self, CorpusError> {
        let file = File::open(&path).map_err(|source| CorpusError::Io { path: path.clone(), source })?;
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        // The first non-blank byte tells the layout: `[` is a JSON array, anything else
        // is JSON Lines (whose lines start with `{`).
        let first = loop {
            let available = reader.fill_buf().map_err(|source| CorpusError::Io { path: path.clone(), source })?;
            match available.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(position) => break Some(available[position]),
                None if available.is_empty() => break None,
                None => {
                    let length = available.len();
                    reader.consume(length);
                }
            }
        };
        let is_json_file = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
        if is_json_file && first.is_some_and(|byte| byte != b'[') {
            return Err(CorpusError::Parse {
                path,
                line: 1,
                message: "a .json corpus is a JSON array of records (`[{...}, ...]`); one record per line \
                          is JSON Lines, in a .jsonl file"
                    .into(),
            });
        }
        let layout =
            if first == Some(b'[') { Layout::Array { started: false, finished: false } } else { Layout::Lines };
        Ok(Self { path, reader, layout, line: 1, buffer: Vec::with_capacity(8 * 1024) })
    }

    fn io_error(&self, source: io::Error) -> CorpusError {
        CorpusError::Io { path: self.path.clone(), source }
    }

    fn parse(&self, bytes: &[u8], line: usize) -> Result<(Record, usize), CorpusError> {
        let record: Record = serde_json::from_slice(bytes).map_err(|error| CorpusError::Parse {
            path: self.path.clone(),
            line: line + error.line().saturating_sub(1),
            message: error.to_string(),
        })?;
        if record.schema != RECORD_SCHEMA {
            return Err(CorpusError::Schema { path: self.path.clone(), line, found: record.schema });
        }
        if !KNOWN_SOURCES.contains(&record.source.as_str()) {
            return Err(CorpusError::Parse {
                path: self.path.clone(),
                line,
                message: format!("field `source` is {:?}, expected one of {}", record.source, KNOWN_SOURCES.join(", ")),
            });
        }
        Ok((record, line))
    }

    fn next_record(&mut self) -> Option<Result<(Record, usize), CorpusError>> {
        match self.layout {
            Layout::Lines => self.next_line_record(),
            Layout::Array { .. } => self.next_array_record(),
        }
    }

    fn next_line_record(&mut self) -> Option<Result<(Record, usize), CorpusError>> {
        loop {
            self.buffer.clear();
            let read = match self.reader.read_until(b'\n', &mut self.buffer) {
                Ok(read) => read,
                Err(source) => return Some(Err(self.io_error(source))),
            };
            if read == 0 {
                return None;
            }
            let line = self.line;
            self.line += 1;
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // Without its line break, a truncated record's error stays on its own line
            // instead of pointing at the next one.
            let end = self.buffer.iter().rposition(|byte| !byte.is_ascii_whitespace()).map_or(0, |last| last + 1);
            return Some(self.parse(&self.buffer[..end], line));
        }
    }

    /// Reads the next element of a top-level JSON array by scanning bytes for its end
    /// (tracking nesting and strings), then parses just that element.
    fn next_array_record(&mut self) -> Option<Result<(Record, usize), CorpusError>> {
        let Layout::Array { started, finished } = &mut self.layout else {
            return None;
        };
        if *finished {
            return None;
        }
        let mut started_now = *started;
        // Skip to the element: past `[` the first time, past `,` and whitespace afterwards.
        loop {
            let byte = match read_byte(&mut self.reader) {
                Ok(Some(byte)) => byte,
                Ok(None) => {
                    return Some(Err(CorpusError::Parse {
                        path: self.path.clone(),
                        line: self.line,
                        message: "the JSON array is not closed with `]`".into(),
                    }));
                }
                Err(source) => return Some(Err(self.io_error(source))),
            };
            match byte {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                b'[' if !started_now => started_now = true,
                b',' if started_now => {}
                b']' if started_now => {
                    self.layout = Layout::Array { started: true, finished: true };
                    return None;
                }
                b'{' if started_now => break,
                other => {
                    return Some(Err(CorpusError::Parse {
                        path: self.path.clone(),
                        line: self.line,
                        message: format!("expected a record object in the JSON array, found `{}`", char::from(other)),
                    }));
                }
            }
        }
        self.layout = Layout::Array { started: true, finished: false };
        let start_line = self.line;
        self.buffer.clear();
        self.buffer.push(b'{');
        let mut depth = 1usize;
        let mut in_string = false;
        let mut escaped = false;
        while depth > 0 {
            let byte = match read_byte(&mut self.reader) {
                Ok(Some(byte)) => byte,
                Ok(None) => {
                    return Some(Err(CorpusError::Parse {
                        path: self.path.clone(),
                        line: start_line,
                        message: "the record starting here is not closed before the end of the file".into(),
                    }));
                }
                Err(source) => return Some(Err(self.io_error(source))),
            };
            self.buffer.push(byte);
            if byte == b'\n' {
                self.line += 1;
            }
            if in_string {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
            } else {
                match byte {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth -= 1,
                    _ => {}
                }
            }
        }
        Some(self.parse(&self.buffer, start_line))
    }
}

fn read_byte(reader: &mut BufReader<File>) -> io::Result<Option<u8>> {
    let mut byte = [0u8; 1];
    match reader.read(&mut byte)? {
        0 => Ok(None),
        _ => Ok(Some(byte[0])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn line(id: &str, route: &str, status: u16, at: &str) -> String {
        serde_json::json!({
            "schema": RECORD_SCHEMA, "id": id, "function": "f", "source": "apigateway-rest",
            "route": route, "recorded_at": at, "event": {"httpMethod": "GET"},
            "response": {"statusCode": status, "body": "{}"}, "error": null, "duration_ms": 1.5
        })
        .to_string()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        let mut file = File::create(&path).expect("create");
        file.write_all(text.as_bytes()).expect("write");
        path
    }

    fn ids(records: Records) -> Vec<String> {
        records.map(|r| r.expect("record").id).collect()
    }

    #[test]
    fn errors_name_the_line_at_fault_and_say_what_was_expected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = "2026-01-01T00:00:00+00:00";
        let good = line("a", "GET /x", 200, t);
        let truncated = &good[..good.len() / 2];
        let path = write(dir.path(), "cut.jsonl", &format!("{good}\n{truncated}\n{}\n", line("c", "GET /x", 200, t)));
        let error = Corpus::open(&[&path]).expect("open").records(CorpusFilter::default()).find_map(Result::err);
        let message = error.expect("an error").to_string();
        assert!(message.contains("cut.jsonl:2:"), "the truncated line itself: {message}");

        let object = write(dir.path(), "one.json", &format!("{good}\n"));
        let error = Corpus::open(&[&object]).expect("open").records(CorpusFilter::default()).find_map(Result::err);
        assert!(error.expect("an error").to_string().contains("a .json corpus is a JSON array"));

        let odd_source = good.replace("apigateway-rest", "kinesis");
        let path = write(dir.path(), "source.jsonl", &format!("{odd_source}\n"));
        let error = Corpus::open(&[&path]).expect("open").records(CorpusFilter::default()).find_map(Result::err);
        let message = error.expect("an error").to_string();
        assert!(message.contains("source.jsonl:1:") && message.contains("\"kinesis\""), "{message}");

        let path = write(dir.path(), "twice.jsonl", &format!("{good}\n{}\n{good}\n", line("b", "GET /x", 200, t)));
        let results: Vec<_> = Corpus::open(&[&path]).expect("open").records(CorpusFilter::default()).collect();
        assert_eq!(results.len(), 3, "two records, then the error");
        let message = results[2].as_ref().expect_err("a duplicate").to_string();
        assert!(message.contains("twice.jsonl:3:") && message.contains("twice.jsonl:1"), "{message}");
    }

    #[test]
    fn reads_lines_and_arrays_from_a_folder_in_name_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = "2026-01-01T00:00:00+00:00";
        write(
            dir.path(),
            "b.jsonl",
            &format!("{}\n\n{}\n", line("b1", "GET /x", 200, t), line("b2", "GET /x", 200, t)),
        );
        write(
            dir.path(),
            "a.json",
            &format!("[\n  {},\n  {}\n]\n", line("a1", "GET /x", 200, t), line("a2", "POST /y", 201, t)),
        );
        write(dir.path(), "notes.txt", "ignored");
        let corpus = Corpus::open(&[dir.path()]).expect("open");
        assert_eq!(ids(corpus.records(CorpusFilter::default())), ["a1", "a2", "b1", "b2"]);
    }

    #[test]
    fn filters_by_route_method_status_and_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = [
            line("1", "GET /x", 200, "2026-01-01T00:00:00+00:00"),
            line("2", "POST /y", 201, "2026-01-02T00:00:00+00:00"),
            line("3", "GET /x", 404, "2026-01-03T00:00:00Z"),
        ]
        .join("\n");
        let path = write(dir.path(), "c.jsonl", &text);
        let corpus = Corpus::open(&[path]).expect("open");
        let by_route = CorpusFilter { routes: vec!["GET /x".into()], ..CorpusFilter::default() };
        assert_eq!(ids(corpus.records(by_route)), ["1", "3"]);
        let by_method = CorpusFilter { methods: vec!["post".into()], ..CorpusFilter::default() };
        assert_eq!(ids(corpus.records(by_method)), ["2"]);
        let by_status = CorpusFilter { statuses: vec!["4xx".parse().expect("class")], ..CorpusFilter::default() };
        assert_eq!(ids(corpus.records(by_status)), ["3"]);
        let by_time = CorpusFilter {
            since: Some(time::macros::datetime!(2026-01-02 00:00 UTC)),
            until: Some(time::macros::datetime!(2026-01-03 00:00 UTC)),
            ..CorpusFilter::default()
        };
        assert_eq!(ids(corpus.records(by_time)), ["2"]);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let t = "2026-01-01T00:00:00+00:00";
        let path = write(dir.path(), "bad.jsonl", &format!("{}\n{{\"schema\": 1}}\n", line("1", "GET /x", 200, t)));
        let corpus = Corpus::open(&[path]).expect("open");
        let results: Vec<_> = corpus.records(CorpusFilter::default()).collect();
        assert_eq!(results.len(), 2, "stops after the first error");
        let error = results[1].as_ref().expect_err("bad line").to_string();
        assert!(error.contains("bad.jsonl:2:"), "{error}");

        let wrong_schema = line("1", "GET /x", 200, t).replace(RECORD_SCHEMA, "other/v9");
        let path = write(dir.path(), "schema.jsonl", &wrong_schema);
        let error = Corpus::open(&[path])
            .expect("open")
            .records(CorpusFilter::default())
            .next()
            .expect("one")
            .expect_err("schema")
            .to_string();
        assert!(error.contains("schema.jsonl:1: field `schema`"), "{error}");

        let array = format!("[\n{},\n{{\"id\": 3}}\n]", line("1", "GET /x", 200, t));
        let path = write(dir.path(), "arr.json", &array);
        let results: Vec<_> = Corpus::open(&[path]).expect("open").records(CorpusFilter::default()).collect();
        let error = results[1].as_ref().expect_err("bad element").to_string();
        assert!(error.contains("arr.json:3:"), "{error}");
        assert!(
            Corpus::open(&[dir.path().join("missing.jsonl")])
                .expect_err("missing")
                .to_string()
                .contains("missing.jsonl")
        );
    }

    #[test]
    fn status_filters_parse_or_explain() {
        assert_eq!("404".parse(), Ok(StatusFilter::Exact(404)));
        assert_eq!("5XX".parse(), Ok(StatusFilter::Class(5)));
        assert!("9xx".parse::<StatusFilter>().is_err());
        assert!("abc".parse::<StatusFilter>().is_err());
    }
}
