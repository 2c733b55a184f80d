//! What each side wrote while it answered: items per table, pipelines created and objects
//! stored. A mismatch here fails parity even when every response matches.
//!
//! [`crate::capture_side_effects`] reads a snapshot back from a side's own AWS back end;
//! this module is the model and the diff, normalised by the same rules as responses
//! (rules whose route is `*` or [`SIDE_EFFECTS_ROUTE`] apply; paths start at `$.tables`,
//! `$.pipelines` and `$.objects`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compare::compare_json;
use crate::difference::Comparison;
use crate::ids::IdMap;
use crate::path::{JsonPath, Segment};
use crate::rules::ParityRules;

/// The route name rules use to target side effects.
pub const SIDE_EFFECTS_ROUTE: &str = "side-effects";

/// A snapshot of one side's writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SideEffects {
    /// Items per table, keyed by primary key (`c-1`, or `c-1#0003` with a sort key).
    pub tables: BTreeMap<String, BTreeMap<String, Value>>,
    /// Pipelines created, by name, with their definitions.
    pub pipelines: BTreeMap<String, Value>,
    /// Objects stored, by `bucket/key`, with their content (JSON when it parses).
    #[serde(default)]
    pub objects: BTreeMap<String, Value>,
}

/// Captured writes by kind: DynamoDB items, pipelines, S3 objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SideEffectCounts {
    pub items: usize,
    pub pipelines: usize,
    pub objects: usize,
}

impl SideEffects {
    /// Records the item stored under `key` in `table` (the last write wins, as in DynamoDB).
    pub fn record_write(&mut self, table: &str, key: &str, item: Value) {
        self.tables.entry(table.to_owned()).or_default().insert(key.to_owned(), item);
    }

    /// Records a pipeline and its definition.
    pub fn record_pipeline(&mut self, name: &str, definition: Value) {
        self.pipelines.insert(name.to_owned(), definition);
    }

    /// Records an object and its content.
    pub fn record_object(&mut self, bucket: &str, key: &str, content: Value) {
        self.objects.insert(format!("{bucket}/{key}"), content);
    }

    /// The number of items, pipelines and objects. A list recorded under one key (the
    /// items of one partition of a table with a sort key) counts its items.
    pub fn len(&self) -> usize {
        let counts = self.counts();
        counts.items + counts.pipelines + counts.objects
    }

    /// How many writes of each kind were captured: a run that captured no pipelines or
    /// no objects compared none, whatever its verdict says.
    pub fn counts(&self) -> SideEffectCounts {
        let items = self
            .tables
            .values()
            .flat_map(BTreeMap::values)
            .map(|value| match value {
                Value::Array(items) => items.len(),
                _ => 1,
            })
            .sum();
        SideEffectCounts { items, pipelines: self.pipelines.len(), objects: self.objects.len() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_document(&self, ids: &IdMap) -> Value {
        let mut document = serde_json::json!({
            "tables": self.tables,
            "pipelines": self.pipelines,
            "objects": self.objects,
        });
        ids.translate_value(&mut document);
        document
    }
}

/// Diffs the candidate's writes against the baseline's. Candidate ids are first
/// translated to the baseline's through `candidate_to_baseline`.
pub fn diff_side_effects(
    rules: &ParityRules,
    baseline: &SideEffects,
    candidate: &SideEffects,
    candidate_to_baseline: &IdMap,
) -> Comparison {
    let left = baseline.to_document(&IdMap::default());
    let right = candidate.to_document(candidate_to_baseline);
    compare_json(rules, SIDE_EFFECTS_ROUTE, &left, &right)
}

/// The grouping pattern of a side-effect path: the item key (a generated id) and the
/// pipeline name become `*`.
pub fn side_effect_pattern(path: &JsonPath) -> String {
    match path.segments().first() {
        Some(Segment::Key(root)) if root == "tables" => path.pattern_with_wildcard_key(2),
        Some(Segment::Key(root)) if root == "pipelines" || root == "objects" => path.pattern_with_wildcard_key(1),
        _ => path.pattern(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::difference::DiffKind;
    use serde_json::json;
    use std::path::Path;

    fn snapshot(extra_audit: bool, cluster_id: &str) -> SideEffects {
        let mut effects = SideEffects::default();
        effects.record_write(
            "clusters",
            cluster_id,
            json!({"cluster_id": cluster_id, "status": "PENDING", "created_at": "2026-01-01T00:00:00Z"}),
        );
        effects.record_write("audit", &format!("{cluster_id}#0001"), json!({"event": "CREATED"}));
        if extra_audit {
            effects.record_write("audit", &format!("{cluster_id}#0002"), json!({"event": "CREATED"}));
        }
        effects.record_pipeline(&format!("eks-{cluster_id}"), json!({"stages": ["Source", "Build"]}));
        effects
    }

    #[test]
    fn equal_writes_match_after_id_translation() {
        let mut ids = IdMap::default();
        ids.insert("cand-2", "base-1");
        let comparison =
            diff_side_effects(&ParityRules::default(), &snapshot(false, "base-1"), &snapshot(false, "cand-2"), &ids);
        assert_eq!(comparison, Comparison::default());
    }

    #[test]
    fn an_extra_write_is_an_extra_item_at_its_key() {
        let comparison = diff_side_effects(
            &ParityRules::default(),
            &snapshot(false, "c1"),
            &snapshot(true, "c1"),
            &IdMap::default(),
        );
        let found: Vec<_> =
            comparison.differences.iter().map(|d| (d.path.to_string(), d.kind, side_effect_pattern(&d.path))).collect();
        assert_eq!(found, [("$.tables.audit['c1#0002']".to_owned(), DiffKind::Extra, "$.tables.audit.*".to_owned())]);
    }

    #[test]
    fn rules_normalise_side_effects_too() {
        let rules = ParityRules::parse(
            "[[ignore]]\nroute = \"side-effects\"\npath = \"$.tables.clusters.*.created_at\"\nreason = \"clock\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let mut later = snapshot(false, "c1");
        later.record_write(
            "clusters",
            "c1",
            json!({"cluster_id": "c1", "status": "PENDING", "created_at": "2026-01-02T00:00:00Z"}),
        );
        let comparison = diff_side_effects(&rules, &snapshot(false, "c1"), &later, &IdMap::default());
        assert!(comparison.differences.is_empty(), "{comparison:?}");
        assert_eq!(comparison.fired, vec![0]);
    }
}
