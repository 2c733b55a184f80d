//! Sharding a replay (`parity run --shard K/N`): each shard replays the records of its own
//! entities, so that a corpus too large for one machine runs as N jobs, whose JSON reports
//! [`crate::merge_shard_reports`] combines into one verdict.
//!
//! A record's shard follows the key the scheduler orders it by ([`Record::replay_order`]),
//! hashed with FNV-1a, which this module implements itself so that the partition of a
//! corpus never changes with the Rust version or the platform:
//! - a record of an entity (its `entity`, `cluster_id` or created id) goes with its entity,
//!   so every record of an entity is in one shard, in recorded order;
//! - a create in a collection (a barrier: `POST /clusters`) goes with the entity it
//!   creates, and stays a barrier among the records of its shard;
//! - a read of a whole collection (a barrier: `GET /clusters`) goes to the shard of its
//!   route (not of the paging token its answer holds), so that the pages of one listing stay together (a paging token
//!   maps only within the run that saw the first page). It still waits for every earlier
//!   record of its shard, but its shard's sides hold only the entities of that shard: both
//!   sides list the same subset, so live sides still compare, while a `recorded` side lists
//!   every entity of the recording (docs/parity.md);
//! - records with no entity but an `Idempotency-Key` follow that key, like the scheduler;
//! - anything else is placed by its record id.
//!
//! A shard's report carries a [`ShardSection`]: which shard it is, what identifies the
//! replay (the corpus files' digests, the filters, the rules' digest) and the tally that
//! merging needs to judge its records again.

use std::fmt;
use std::io::Read as _;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use crate::corpus::{Corpus, CorpusError, CorpusFilter};
use crate::merge::Tally;
use crate::record::Record;
use crate::redact::{Redactor, redact_field};
use crate::report::ParityReport;
use crate::rules::ParityRules;
use crate::scheduler::ReplayOrder;

/// The format of a shard's section in a JSON report; `merge` refuses any other.
pub(crate) const SHARD_FORMAT: &str = "cutover.parity-shard/v1";

/// One shard of N, 1-based: `2/5` is the second of five.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u32,
    /// N, the number of shards.
    pub count: u32,
}

/// Why a `K/N` text is not a shard.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{text:?} is not a shard: {reason}")]
pub struct ShardError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| ShardError { text: text.to_owned(), reason };
        let (index, count) = text.split_once('/').ok_or_else(|| fail("write K/N, e.g. 2/5 for the second of five"))?;
        let number = |part: &str| {
            part.trim().parse::<u32>().map_err(|_| fail("K and N are whole numbers, e.g. 2/5 for the second of five"))
        };
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 {
            return Err(fail("N, the number of shards, is at least 1"));
        }
        if index == 0 || index > count {
            return Err(fail("K counts from 1 to N"));
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// True when `record` belongs to this shard under `rules` (whose `[[id]]` paths find
    /// the entity a create makes).
    pub fn holds(&self, record: &Record, rules: &ParityRules) -> bool {
        shard_of(&shard_key(record, rules), self.count) == self.index
    }

    /// The records of `records` that belong to this shard, in their order; corpus errors
    /// pass through. `seen` counts every record read, in this shard or not.
    pub fn select<'r, I>(self, records: I, rules: &'r ParityRules, seen: RecordCount) -> ShardRecords<'r, I::IntoIter>
    where
        I: IntoIterator<Item = Result<Record, CorpusError>>,
    {
        ShardRecords { records: records.into_iter(), shard: self, rules, seen }
    }
}

/// The key a record's shard is computed from: see the module documentation.
fn shard_key(record: &Record, rules: &ParityRules) -> String {
    let id_paths = rules.id_paths(&record.route);
    match record.replay_order(&id_paths) {
        ReplayOrder::Entity(entity) => format!("entity {entity}"),
        // A read of a collection answers with paging tokens, which `[[id]]` rules may
        // name: its key is its route, whatever its answer holds.
        ReplayOrder::Barrier if record.method() == Some("GET") => format!("collection {}", record.route),
        ReplayOrder::Barrier => match record.entity_key(&id_paths) {
            Some(entity) => format!("entity {entity}"),
            None => format!("collection {}", record.route),
        },
        ReplayOrder::Independent => format!("record {}", record.id),
    }
}

/// The 1-based shard of `count` that `key` falls in.
fn shard_of(key: &str, count: u32) -> u32 {
    let count = u64::from(count.max(1));
    // The remainder is below `count`, a u32.
    (fnv1a_64(key.as_bytes()) % count) as u32 + 1
}

/// FNV-1a, 64 bits: fixed by its definition, so a partition never moves.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

/// FNV-1a, 128 bits, fed in pieces: the digest of corpus files and rules. It tells two
/// different inputs apart for the merge's consistency check; it is not a defence against a
/// file forged to collide.
#[derive(Debug, Clone, Copy)]
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn update(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |hash, &byte| (hash ^ u128::from(byte)).wrapping_mul(Self::PRIME));
    }

    fn text(self) -> String {
        format!("fnv1a128:{:032x}", self.0)
    }
}

/// A shared count of the records a [`ShardRecords`] read, in the shard or not, for after
/// the replay consumed it: a shard's report records how many the whole corpus holds.
#[derive(Debug, Clone, Default)]
pub struct RecordCount(Arc<AtomicUsize>);

impl RecordCount {
    /// How many records were read so far.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// The records of one shard, in corpus order, with corpus errors passed through; see
/// [`Shard::select`].
pub struct ShardRecords<'r, I> {
    records: I,
    shard: Shard,
    rules: &'r ParityRules,
    seen: RecordCount,
}

impl<I: Iterator<Item = Result<Record, CorpusError>>> Iterator for ShardRecords<'_, I> {
    type Item = Result<Record, CorpusError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.records.next()? {
                Ok(record) => {
                    self.seen.0.fetch_add(1, Ordering::Relaxed);
                    if self.shard.holds(&record, self.rules) {
                        return Some(Ok(record));
                    }
                }
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

/// One corpus file as the shards must all have read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusFile {
    /// As the corpus arguments named it (a folder's files are listed one by one).
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// FNV-1a (128 bits) of its bytes, `fnv1a128:<hex>`.
    pub digest: String,
}

/// What identifies a replay, so that only shards of the same one are merged: the corpus
/// files (their digests decide; paths may differ between machines), the filters, and the
/// rules' digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayIdentity {
    /// The corpus files, in the order they are read.
    pub corpus: Vec<CorpusFile>,
    /// The filters, written out canonically (`routes=[...] methods=[...] ...`).
    pub filter: String,
    /// The rules file's digest, or `built-in` for the built-in defaults.
    pub rules: String,
}

impl ReplayIdentity {
    /// Reads every file of `corpus` once for its digest; `rules_text` is the rules file's
    /// content, `None` for the built-in defaults.
    pub fn new(corpus: &Corpus, filter: &CorpusFilter, rules_text: Option<&[u8]>) -> Result<Self, CorpusError> {
        let files = corpus.files().iter().map(|path| file_digest(path)).collect::<Result<Vec<_>, _>>()?;
        let rules = match rules_text {
            Some(text) => {
                let mut digest = Fnv128::new();
                digest.update(text);
                digest.text()
            }
            None => "built-in".to_owned(),
        };
        Ok(Self { corpus: files, filter: filter_text(filter), rules })
    }
}

fn file_digest(path: &std::path::Path) -> Result<CorpusFile, CorpusError> {
    let io_error = |source| CorpusError::Io { path: path.to_owned(), source };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut digest = Fnv128::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(io_error)?;
        if read == 0 {
            break;
        }
        digest.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok(CorpusFile { path: path.display().to_string(), bytes, digest: digest.text() })
}

/// The filters in one canonical text: the order of repeated flags does not matter.
fn filter_text(filter: &CorpusFilter) -> String {
    let sorted = |items: Vec<String>| {
        let mut items = items;
        items.sort();
        items.dedup();
        items
    };
    let time = |time: Option<time::OffsetDateTime>| {
        time.and_then(|time| time.format(&Rfc3339).ok()).unwrap_or_else(|| "-".to_owned())
    };
    format!(
        "routes={:?} methods={:?} statuses={:?} since={} until={}",
        sorted(filter.routes.clone()),
        sorted(filter.methods.iter().map(|method| method.to_ascii_uppercase()).collect()),
        sorted(filter.statuses.iter().map(|status| format!("{status:?}")).collect()),
        time(filter.since),
        time(filter.until),
    )
}

/// A shard's part of its JSON report: which shard, of which replay, and what merging needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSection {
    /// `cutover.parity-shard/v1`; `merge` refuses any other.
    pub format: String,
    /// Which shard this is.
    pub shard: Shard,
    /// Which replay it is a shard of.
    pub identity: ReplayIdentity,
    /// Records of the whole (filtered) corpus, in every shard: the merge checks that the
    /// shards together replayed them all.
    pub corpus_records: usize,
    /// The run's `--max-mismatch`, the merge's default.
    pub max_mismatch: usize,
    /// What judging this shard's records again, with every shard's noise, needs.
    pub tally: Tally,
}

impl ShardSection {
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        let Self { format: _, shard: _, identity, corpus_records: _, max_mismatch: _, tally } = self;
        // File names and filters are the user's arguments, not traffic; still, a shape
        // that looks like a credential is not shown.
        for file in &mut identity.corpus {
            redact_field(&mut file.path);
        }
        redact_field(&mut identity.filter);
        tally.redact(redactor);
    }
}

/// Marks `report` as shard `shard` of the replay `identity`, with the tally its builder
/// kept: its JSON then carries what `parity merge` needs. `corpus_records` is how many
/// records the whole filtered corpus holds (see [`Shard::select`]).
pub fn seal_shard(
    report: &mut ParityReport,
    shard: Shard,
    identity: ReplayIdentity,
    corpus_records: usize,
    max_mismatch: usize,
) {
    let tally = report.tally.take().map(|tally| *tally).unwrap_or_default();
    report.shard = Some(Box::new(ShardSection {
        format: SHARD_FORMAT.to_owned(),
        shard,
        identity,
        corpus_records,
        max_mismatch,
        tally,
    }));
    report.redact(&Redactor::default());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn project_corpus() -> Vec<Record> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let corpus = Corpus::open(&[root.join("events")]).expect("events/");
        corpus.records(CorpusFilter::default()).collect::<Result<Vec<_>, _>>().expect("corpus reads")
    }

    fn project_rules() -> ParityRules {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        ParityRules::load(&root.join("parity.toml")).expect("parity.toml")
    }

    #[test]
    fn shards_are_parsed_and_checked() {
        assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
        assert_eq!("1/1".parse::<Shard>(), Ok(Shard { index: 1, count: 1 }));
        assert_eq!(Shard { index: 3, count: 4 }.to_string(), "3/4");
        for bad in ["0/3", "4/3", "1/0", "0/0", "3", "a/3", "-1/3", "1/3/4", ""] {
            let error = bad.parse::<Shard>().expect_err(bad);
            assert_eq!(error.text, bad);
        }
        assert_eq!("4/3".parse::<Shard>().expect_err("K > N").reason, "K counts from 1 to N");
        assert_eq!("1/0".parse::<Shard>().expect_err("N = 0").reason, "N, the number of shards, is at least 1");
    }

    #[test]
    fn the_hash_is_fnv1a_as_published() {
        // The reference vectors of the FNV specification: the partition of a corpus is
        // pinned to them, not to a hasher the standard library may change.
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
        let mut digest = Fnv128::new();
        digest.update(b"a");
        assert_eq!(digest.text(), "fnv1a128:d228cb696f1a8caf78912b704e4a8964");
        // Fed in pieces or at once, the same digest.
        let mut pieces = Fnv128::new();
        pieces.update(b"foo");
        pieces.update(b"bar");
        let mut whole = Fnv128::new();
        whole.update(b"foobar");
        assert_eq!(pieces.text(), whole.text());
    }

    #[test]
    fn every_record_is_in_exactly_one_shard_and_each_entity_in_one_shard_in_order() {
        let records = project_corpus();
        let rules = project_rules();
        assert!(records.len() > 400, "the project's corpus");
        for count in 1..=7u32 {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            let mut kept: Vec<Vec<&Record>> = vec![Vec::new(); shards.len()];
            for record in &records {
                let holding: Vec<usize> = (0..shards.len()).filter(|&i| shards[i].holds(record, &rules)).collect();
                assert_eq!(holding.len(), 1, "record {} is in shards {holding:?} of {count}", record.id);
                kept[holding[0]].push(record);
            }
            assert_eq!(kept.iter().map(Vec::len).sum::<usize>(), records.len());
            // Every entity's records are in one shard, in their recorded order.
            let mut shard_of_entity: HashMap<String, usize> = HashMap::new();
            for (shard, records_of_shard) in kept.iter().enumerate() {
                let mut last_position: HashMap<String, usize> = HashMap::new();
                for record in records_of_shard {
                    let id_paths = rules.id_paths(&record.route);
                    let Some(entity) = record.entity_key(&id_paths) else { continue };
                    assert_eq!(
                        *shard_of_entity.entry(entity.clone()).or_insert(shard),
                        shard,
                        "entity {entity} is split over shards of {count}"
                    );
                    let position = records.iter().position(|r| r.id == record.id).expect("from the corpus");
                    if let Some(previous) = last_position.insert(entity.clone(), position) {
                        assert!(previous < position, "entity {entity} out of order in shard {}", shard + 1);
                    }
                }
            }
            if count == 3 {
                assert!(kept.iter().all(|shard| !shard.is_empty()), "three shards of 422 records all hold some");
                assert!(shard_of_entity.values().collect::<std::collections::HashSet<_>>().len() > 1);
            }
        }
    }

    #[test]
    fn the_partition_is_the_same_for_the_same_input() {
        let records = project_corpus();
        let rules = project_rules();
        let shard = Shard { index: 2, count: 3 };
        let first: Vec<&str> = records.iter().filter(|r| shard.holds(r, &rules)).map(|r| r.id.as_str()).collect();
        let again: Vec<&str> = records.iter().filter(|r| shard.holds(r, &rules)).map(|r| r.id.as_str()).collect();
        assert_eq!(first, again);
        // Pinned: the keys of a known record and their shards do not move between builds.
        assert_eq!(shard_of("entity c-1", 3), (fnv1a_64(b"entity c-1") % 3) as u32 + 1);
        assert_eq!(shard_of("anything", 1), 1);
    }

    #[test]
    fn barriers_follow_their_entity_or_their_collection_route() {
        let records = project_corpus();
        let rules = project_rules();
        let create = records
            .iter()
            .find(|r| r.route == "POST /clusters" && r.replay_order(&rules.id_paths(&r.route)) == ReplayOrder::Barrier)
            .expect("a create in the corpus");
        let created = create.entity_key(&rules.id_paths(&create.route)).expect("its entity");
        assert_eq!(shard_key(create, &rules), format!("entity {created}"));
        let reads_of_it: Vec<&Record> =
            records.iter().filter(|r| r.entity_key(&rules.id_paths(&r.route)).as_deref() == Some(&created)).collect();
        assert!(reads_of_it.len() > 1, "the created cluster is used later");
        for count in 2..=5 {
            let shard = shard_of(&shard_key(create, &rules), count);
            assert!(reads_of_it.iter().all(|r| shard_of(&shard_key(r, &rules), count) == shard));
        }
        let lists: Vec<&Record> = records.iter().filter(|r| r.route == "GET /clusters").collect();
        assert!(lists.len() > 1);
        let key = shard_key(lists[0], &rules);
        assert_eq!(key, "collection GET /clusters");
        assert!(lists.iter().all(|r| shard_key(r, &rules) == key), "every page of a listing in one shard");
    }

    #[test]
    fn the_selection_counts_what_it_read_and_passes_errors_on() {
        let records = project_corpus();
        let rules = project_rules();
        let seen = RecordCount::default();
        let shard = Shard { index: 1, count: 3 };
        let mut input: Vec<Result<Record, CorpusError>> = records.iter().cloned().map(Ok).collect();
        input.push(Err(CorpusError::Empty { path: "x".into() }));
        let selected: Vec<_> = shard.select(input, &rules, seen.clone()).collect();
        assert_eq!(seen.get(), records.len());
        assert!(matches!(selected.last(), Some(Err(CorpusError::Empty { .. }))));
        assert_eq!(selected.len() - 1, records.iter().filter(|r| shard.holds(r, &rules)).count());
    }

    #[test]
    fn the_identity_changes_with_the_corpus_the_filters_and_the_rules() {
        let folder = tempfile::tempdir().expect("tempdir");
        let file = folder.path().join("a.jsonl");
        std::fs::write(&file, "{}\n").expect("write");
        let corpus = Corpus::open(&[&file]).expect("corpus");
        let filter = CorpusFilter::default();
        let first = ReplayIdentity::new(&corpus, &filter, Some(b"rules")).expect("identity");
        assert_eq!(first, ReplayIdentity::new(&corpus, &filter, Some(b"rules")).expect("identity"));
        assert_ne!(first.rules, ReplayIdentity::new(&corpus, &filter, Some(b"rules!")).expect("identity").rules);
        assert_eq!(ReplayIdentity::new(&corpus, &filter, None).expect("identity").rules, "built-in");
        let routes = CorpusFilter { routes: vec!["GET /x".into()], ..CorpusFilter::default() };
        assert_ne!(first.filter, ReplayIdentity::new(&corpus, &routes, Some(b"rules")).expect("identity").filter);
        std::fs::write(&file, "{ }\n").expect("write");
        let changed = ReplayIdentity::new(&corpus, &filter, Some(b"rules")).expect("identity");
        assert_ne!(first.corpus[0].digest, changed.corpus[0].digest);
        assert_eq!(changed.corpus[0].bytes, 4);
        let twice = CorpusFilter { methods: vec!["get".into(), "POST".into()], ..CorpusFilter::default() };
        let reversed = CorpusFilter { methods: vec!["post".into(), "GET".into()], ..CorpusFilter::default() };
        assert_eq!(filter_text(&twice), filter_text(&reversed));
    }
}
