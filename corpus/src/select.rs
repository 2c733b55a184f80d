//! `cutover corpus sample` and `cutover corpus filter`: a new corpus file from some
//! records of another, in their order. A sample keeps or drops whole entities (every
//! record of one cluster, say: the `entity` field, else the path parameter or the id a
//! create answered, as parity's replay orders them), so a replay of the sample still
//! finds the state each record reads; records of no entity are drawn one by one.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use parity::{Corpus, CorpusFilter, ParityRules};
use serde::Serialize;

use crate::{CorpusToolError, write_line};

/// A seeded share of the entities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// The share of entities kept, in `0.0..=1.0`.
    pub rate: f64,
    /// The seed: the same seed keeps the same entities.
    pub seed: u64,
}

/// Which records go into the new corpus.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Functions to keep; empty keeps all.
    pub functions: Vec<String>,
    /// Sources to keep (`apigateway-rest`, ...); empty keeps all.
    pub sources: Vec<String>,
    /// Routes, methods, statuses and time window (parity's filter).
    pub filter: CorpusFilter,
    /// Keep a seeded share of the entities; `None` keeps every record that passes.
    pub sampling: Option<Sampling>,
    /// Stop after this many records.
    pub max_records: Option<u64>,
    /// The parity rules whose `[[id]]` paths name the ids a create answers (entities).
    pub rules: ParityRules,
}

/// What a selection wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SelectionSummary {
    /// The file written.
    pub out: PathBuf,
    /// Records read.
    pub read: u64,
    /// Records written.
    pub written: u64,
    /// Distinct entities among the records written (records of no entity not counted).
    pub entities: u64,
}

/// Reads `corpus`, keeps what `selection` says, and writes it to `out` (a new file, written
/// atomically). Writing no record is an error: an empty corpus is no evidence.
pub fn select(corpus: &Corpus, selection: &Selection, out: &Path) -> Result<SelectionSummary, CorpusToolError> {
    if out.exists() {
        return Err(CorpusToolError::Exists { path: out.to_path_buf() });
    }
    let fail = |source: std::io::Error| CorpusToolError::Write { path: out.to_path_buf(), source };
    let mut file = atomic_file::AtomicFile::create(out).map_err(fail)?;
    let mut summary = SelectionSummary { out: out.to_path_buf(), read: 0, written: 0, entities: 0 };
    let mut entities = std::collections::HashSet::new();
    for record in corpus.records(selection.filter.clone()) {
        let record = record?;
        summary.read += 1;
        if selection.max_records.is_some_and(|max| summary.written >= max) {
            continue;
        }
        if !selection.functions.is_empty() && !selection.functions.contains(&record.function) {
            continue;
        }
        if !selection.sources.is_empty() && !selection.sources.contains(&record.source) {
            continue;
        }
        let entity = record.entity_key(&selection.rules.id_paths(&record.route));
        if let Some(sampling) = selection.sampling
            && !kept(sampling, entity.as_deref().unwrap_or(&record.id))
        {
            continue;
        }
        write_line(&mut file, &record).map_err(fail)?;
        summary.written += 1;
        if let Some(entity) = entity {
            entities.insert(entity);
        }
    }
    summary.entities = entities.len() as u64;
    if summary.written == 0 {
        return Err(fail(std::io::Error::other(format!(
            "no record of the {} read was selected; nothing written",
            summary.read
        ))));
    }
    file.commit().map_err(fail)?;
    Ok(summary)
}

/// Whether the entity `key` is in the sample: a seeded hash below the rate, so the same
/// seed and rate keep the same entities, and a higher rate keeps a superset.
fn kept(sampling: Sampling, key: &str) -> bool {
    // FNV-1a: stable across Rust versions and platforms, unlike the std hasher's keys.
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325 ^ sampling.seed);
    key.hash(&mut hasher);
    let draw = hasher.finish() >> 11;
    #[allow(clippy::cast_precision_loss)]
    let share = draw as f64 / (1u64 << 53) as f64;
    share < sampling.rate
}

struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        // One more mix, so nearby seeds do not give nearby draws.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_seeded_and_a_higher_rate_keeps_a_superset() {
        let keys: Vec<String> = (0..2000).map(|n| format!("cluster-{n}")).collect();
        let at = |rate: f64, seed: u64| -> Vec<&String> {
            keys.iter().filter(|key| kept(Sampling { rate, seed }, key)).collect()
        };
        let tenth = at(0.1, 7);
        assert!((150..250).contains(&tenth.len()), "{} of 2000 at 10 %", tenth.len());
        assert_eq!(tenth, at(0.1, 7), "the same seed keeps the same entities");
        assert_ne!(tenth, at(0.1, 8), "another seed keeps others");
        let half = at(0.5, 7);
        assert!(tenth.iter().all(|key| half.contains(key)), "10 % is inside 50 %");
        assert!(at(0.0, 7).is_empty());
        assert_eq!(at(1.0, 7).len(), keys.len());
    }
}
