//! Seeded divergences: a baseline handler and a candidate that differs in exactly one
//! known way. The harness must classify each one exactly and flag nothing else.

use std::path::Path;

use parity::{DiffKind, Outcome, ParityReport, ParityRules, Record, Replay, ReplaySettings, SideEffects, Tier};
use serde_json::{Value, json};

use crate::support::{FnTarget, ok_records, record, response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quirk {
    /// `POST /clusters` answers 200 instead of 201.
    CreateStatus200,
    /// `GET /clusters/{id}` spells the status in lowercase.
    StatusValue,
    /// `GET /clusters/{id}` writes the keys in reverse order.
    KeyOrder,
    /// `GET /clusters/{id}` escapes the `é` of the owner's name as `\u00e9`.
    EscapeOneChar,
    /// `GET /clusters/{id}` leaves out `kms_key_arn` instead of writing `null`.
    MissingInsteadOfNull,
    /// `POST /clusters/validate` lists the violations in reverse order.
    ListOrder,
    /// `POST /clusters` writes a second audit item.
    ExtraAuditWrite,
    /// `GET /clusters/{id}` sends a session cookie and a password field (for redaction).
    LeaksSecrets,
}

fn cluster_body(state: &Value, id: &str, quirks: &[Quirk]) -> Option<Value> {
    let stored = state.get("clusters")?.get(id)?;
    let mut body = json!({
        "cluster_id": id,
        "name": stored["name"],
        "owner": "José Núñez",
        "status": if quirks.contains(&Quirk::StatusValue) { "pending" } else { "PENDING" },
        "kms_key_arn": null,
        "node_count": 3,
    });
    if quirks.contains(&Quirk::MissingInsteadOfNull)
        && let Some(map) = body.as_object_mut()
    {
        map.remove("kms_key_arn");
    }
    if quirks.contains(&Quirk::KeyOrder)
        && let Some(map) = body.as_object()
    {
        body = Value::Object(map.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect());
    }
    if quirks.contains(&Quirk::LeaksSecrets) {
        body["password"] = json!("hunter2");
    }
    Some(body)
}

/// A tiny cluster platform with the given quirks.
pub fn platform(quirks: Vec<Quirk>) -> impl Fn(&Record, &Value, &mut Value, &mut SideEffects) -> Outcome + Send + Sync {
    move |record, event, state, writes| {
        let quirks = quirks.as_slice();
        match record.route.as_str() {
            "POST /clusters" => {
                let request: Value = serde_json::from_str(event["body"].as_str().unwrap_or("{}")).unwrap_or_default();
                let name = request["name"].as_str().unwrap_or("unnamed");
                let id = format!("c-{name}");
                state["clusters"][&id] = json!({"name": name});
                writes.record_write("clusters", &id, json!({"cluster_id": id, "name": name, "status": "PENDING"}));
                writes.record_write("audit", &format!("{id}#0001"), json!({"event": "CREATED"}));
                if quirks.contains(&Quirk::ExtraAuditWrite) {
                    writes.record_write("audit", &format!("{id}#0002"), json!({"event": "CREATED"}));
                }
                let status = if quirks.contains(&Quirk::CreateStatus200) { 200 } else { 201 };
                response(status, &json!({"cluster_id": id, "status": "PENDING"}))
            }
            "GET /clusters/{cluster_id}" => {
                let id = event["pathParameters"]["cluster_id"].as_str().unwrap_or("");
                match cluster_body(state, id, quirks) {
                    Some(body) => {
                        let mut text = serde_json::to_string(&body).unwrap_or_default();
                        if quirks.contains(&Quirk::EscapeOneChar) {
                            text = text.replacen('é', "\\u00e9", 1);
                        }
                        let mut answer = json!({
                            "statusCode": 200,
                            "headers": {"Content-Type": "application/json"},
                            "body": text,
                        });
                        if quirks.contains(&Quirk::LeaksSecrets) {
                            answer["headers"]["Set-Cookie"] = json!("session=s3cr3t-cookie");
                        }
                        Outcome::Response(answer)
                    }
                    None => response(404, &json!({"message": format!("cluster {id} not found")})),
                }
            }
            "POST /clusters/validate" => {
                let mut violations = vec![
                    json!({"code": "K8S_VERSION", "field": "spec.kubernetes_version", "severity": "error"}),
                    json!({"code": "SUBNET_AZ", "field": "spec.vpc.subnets[1]", "severity": "error"}),
                    json!({"code": "TAG_OWNER", "field": "spec.tags.owner", "severity": "warning"}),
                ];
                if quirks.contains(&Quirk::ListOrder) {
                    violations.reverse();
                }
                response(400, &json!({"valid": false, "violations": violations}))
            }
            _ => response(404, &json!({"message": "no route"})),
        }
    }
}

pub fn corpus() -> Vec<Record> {
    vec![
        record("r1", "POST /clusters", "/clusters", Some(&json!({"name": "a"}))),
        record("r2", "POST /clusters", "/clusters", Some(&json!({"name": "b"}))),
        record("r3", "GET /clusters/{cluster_id}", "/clusters/c-a", None),
        record("r4", "GET /clusters/{cluster_id}", "/clusters/c-b", None),
        record("r5", "POST /clusters/validate", "/clusters/validate", Some(&json!({"name": "x"}))),
        record("r6", "GET /clusters/{cluster_id}", "/clusters/c-zzz", None),
    ]
}

pub async fn run_seeded(quirks: Vec<Quirk>) -> (ParityReport, SideEffects, SideEffects) {
    let rules = ParityRules::default();
    let baseline = FnTarget::new("python", platform(Vec::new()));
    let candidate = FnTarget::new("rust", platform(quirks));
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: None,
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let outcome = replay.run(ok_records(corpus()), |_| {}).await.expect("replay");
    let mut report = outcome.report;
    let (before, after) = (baseline.side_effects(), candidate.side_effects());
    report.add_side_effects(&rules, &before, &after, &outcome.ids.candidate_to_baseline);
    (report, before, after)
}

/// Every signature as (tier, kind, path pattern, count).
fn signatures(report: &ParityReport) -> Vec<(Tier, DiffKind, String, usize)> {
    report.signatures.iter().map(|s| (s.tier, s.kind, s.path.clone(), s.count)).collect()
}

async fn assert_single(quirk: Quirk, tier: Tier, kind: DiffKind, path: &str, records: usize) {
    let (report, _, _) = run_seeded(vec![quirk]).await;
    assert_eq!(signatures(&report), [(tier, kind, path.to_owned(), records)], "{quirk:?}: exactly one signature");
    let totals = report.totals;
    assert_eq!(totals.total, 6);
    assert_eq!(totals.errors, 0);
    assert_eq!(totals.matched, 6 - records, "{quirk:?}: every other record matches");
    match tier {
        Tier::Mismatch => assert_eq!(totals.mismatch, records),
        Tier::Cosmetic => {
            assert_eq!(totals.cosmetic, records);
            assert!(report.passed(0), "cosmetic differences do not fail parity");
        }
        Tier::Noise | Tier::Match => unreachable!("not seeded"),
    }
    assert_eq!(report.side_effect_mismatches(), 0, "{quirk:?}: writes match");
}

#[tokio::test]
async fn identical_handlers_match_everywhere() {
    let (report, before, _) = run_seeded(Vec::new()).await;
    assert_eq!(signatures(&report), []);
    assert_eq!(report.totals.matched, 6);
    assert_eq!(before.len(), 4, "two clusters and one audit item each");
    assert!(report.passed(0));
}

#[tokio::test]
async fn a_status_code() {
    assert_single(Quirk::CreateStatus200, Tier::Mismatch, DiffKind::Status, "$.statusCode", 2).await;
}

#[tokio::test]
async fn a_field_value() {
    assert_single(Quirk::StatusValue, Tier::Mismatch, DiffKind::Value, "$.body.status", 2).await;
}

#[tokio::test]
async fn key_order_only() {
    assert_single(Quirk::KeyOrder, Tier::Cosmetic, DiffKind::KeyOrder, "$.body", 2).await;
}

#[tokio::test]
async fn one_escaped_character_only() {
    assert_single(Quirk::EscapeOneChar, Tier::Cosmetic, DiffKind::Escaping, "$.body.owner", 2).await;
}

#[tokio::test]
async fn a_missing_field_against_a_null_one() {
    assert_single(Quirk::MissingInsteadOfNull, Tier::Mismatch, DiffKind::NullVsMissing, "$.body.kms_key_arn", 2).await;
}

#[tokio::test]
async fn list_order() {
    assert_single(Quirk::ListOrder, Tier::Mismatch, DiffKind::Order, "$.body.violations", 1).await;
}

#[tokio::test]
async fn list_order_is_explained_by_a_set_rule() {
    let rules = ParityRules::parse(
        "[[set]]\nroute = \"POST /clusters/validate\"\npath = \"$.body.violations\"\nreason = \"violations come from a set\"\n",
        Path::new("parity.toml"),
    )
    .expect("rules");
    let baseline = FnTarget::new("python", platform(Vec::new()));
    let candidate = FnTarget::new("rust", platform(vec![Quirk::ListOrder]));
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: None,
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let report = replay.run(ok_records(corpus()), |_| {}).await.expect("replay").report;
    assert_eq!(signatures(&report), []);
    assert_eq!(report.totals.matched, 6);
    assert_eq!(report.rules_fired.len(), 1);
    assert_eq!(report.rules_fired[0].reason, "violations come from a set");
    assert_eq!(report.rules_fired[0].count, 1);
}

#[tokio::test]
async fn an_extra_dynamodb_write_fails_parity_although_responses_match() {
    let (report, before, after) = run_seeded(vec![Quirk::ExtraAuditWrite]).await;
    assert_eq!(signatures(&report), [], "responses are identical");
    assert_eq!(report.totals.matched, 6);
    assert_eq!(after.len(), before.len() + 2);
    let side_effects = report.side_effects.as_ref().expect("side effects diffed");
    let found: Vec<_> =
        side_effects.differences.iter().map(|d| (d.kind, d.path.to_string(), d.pattern.as_str())).collect();
    assert_eq!(
        found,
        [
            (DiffKind::Extra, "$.tables.audit['c-a#0002']".to_owned(), "$.tables.audit.*"),
            (DiffKind::Extra, "$.tables.audit['c-b#0002']".to_owned(), "$.tables.audit.*"),
        ]
    );
    assert_eq!(side_effects.mismatches, 2);
    assert!(!report.passed(100), "a write mismatch fails whatever --max-mismatch says");
}
