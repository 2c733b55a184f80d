//! Seeded handler pairs around noise: a baseline whose answers carry a clock field and a
//! request id (different on every run, so a second baseline run learns them as noise),
//! and candidates that each differ in one way the baseline never showed against itself.
//! Each must be a finding of its kind, not noise; and cosmetic findings must survive next
//! to the noise.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use parity::{DiffKind, Outcome, ParityReport, ParityRules, Record, Replay, ReplaySettings, SideEffects, Tier};
use serde_json::{Value, json};

use crate::support::{FnTarget, ok_records, raw_response, record, response};

/// How a candidate differs from the baseline, on top of its own noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    /// None: same formats, other values.
    Nothing,
    /// The clock field ends in `Z` instead of `+00:00`.
    ZuluTime,
    /// The clock field loses its microseconds.
    NoFraction,
    /// The clock field is left out.
    DropClock,
    /// The clock field is epoch seconds (a number).
    ClockAsNumber,
    /// The clock field is `null`.
    NullClock,
    /// The request id is upper-case hex.
    UpperCaseId,
    /// `é` of the owner is written `\u00e9` (cosmetic), next to the noise.
    EscapedOwner,
}

/// `GET /clusters/{id}` answers the id, a wall-clock time and a request id, both drawn
/// afresh per invocation (`seed` keeps two runs apart).
fn noisy(
    seed: usize,
    change: Change,
) -> impl Fn(&Record, &Value, &mut Value, &mut SideEffects) -> Outcome + Send + Sync {
    let counter = AtomicUsize::new(seed);
    move |_, event, _, _| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let id = event["pathParameters"]["cluster_id"].as_str().unwrap_or("");
        let micros = (n * 7919 + 100_000) % 900_000 + 100_000;
        let clock = match change {
            Change::ZuluTime => json!(format!("2026-11-27T05:12:{:02}.{micros:06}Z", n % 60)),
            Change::NoFraction => json!(format!("2026-11-27T05:12:{:02}+00:00", n % 60)),
            Change::ClockAsNumber => json!(1_795_000_000 + n),
            Change::NullClock => Value::Null,
            _ => json!(format!("2026-11-27T05:12:{:02}.{micros:06}+00:00", n % 60)),
        };
        let hash = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut request_id = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            hash >> 32,
            (hash >> 16) & 0xffff,
            hash & 0xfff,
            (hash >> 8) & 0xfff,
            hash & 0xffff_ffff_ffff
        );
        if change == Change::UpperCaseId {
            request_id = request_id.to_uppercase();
        }
        let mut body = json!({
            "cluster_id": id,
            "owner": "José",
            "requested_at": clock,
            "request_id": request_id,
        });
        if change == Change::DropClock
            && let Some(map) = body.as_object_mut()
        {
            map.remove("requested_at");
        }
        let mut text = serde_json::to_string(&body).expect("json");
        if change == Change::EscapedOwner {
            text = text.replacen('é', "\\u00e9", 1);
        }
        raw_response(200, &text)
    }
}

fn records() -> Vec<Record> {
    (0..6).map(|i| record(&format!("r{i}"), "GET /clusters/{cluster_id}", &format!("/clusters/c-{i}"), None)).collect()
}

async fn run_against(change: Change, rules: &ParityRules) -> ParityReport {
    let baseline = FnTarget::new("python", noisy(0, Change::Nothing));
    let secondary = FnTarget::new("python-again", noisy(1000, Change::Nothing));
    let candidate = FnTarget::new("rust", noisy(2000, change));
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: Some(&secondary),
        rules,
        settings: ReplaySettings::default(),
    };
    replay.run(ok_records(records()), |_| {}).await.expect("replay").report
}

/// Every signature as (tier, kind, path pattern, count).
fn signatures(report: &ParityReport) -> Vec<(Tier, DiffKind, String, usize)> {
    let mut found: Vec<_> = report.signatures.iter().map(|s| (s.tier, s.kind, s.path.clone(), s.count)).collect();
    found.sort_by(|a, b| (&a.2, a.1, a.0).cmp(&(&b.2, b.1, b.0)));
    found
}

fn noise(path: &str) -> (Tier, DiffKind, String, usize) {
    (Tier::Noise, DiffKind::Value, path.to_owned(), 6)
}

fn finding(kind: DiffKind, path: &str) -> (Tier, DiffKind, String, usize) {
    (Tier::Mismatch, kind, path.to_owned(), 6)
}

#[tokio::test]
async fn values_that_change_like_the_baselines_own_are_noise_with_their_shapes() {
    let report = run_against(Change::Nothing, &ParityRules::default()).await;
    assert_eq!(signatures(&report), [noise("$.body.request_id"), noise("$.body.requested_at")]);
    assert_eq!(report.totals.noise, 6);
    assert!(report.passed(0));
    let clock = report
        .learned_noise
        .iter()
        .find(|learned| learned.path == "$.body.requested_at")
        .expect("the clock is learned");
    assert_eq!(clock.kinds, [DiffKind::Value]);
    assert_eq!(clock.shapes, ["string dddd-dd-ddTdd:dd:dd.dddddd+dd:dd"]);
}

async fn assert_finding_next_to_noise(change: Change, expected: (Tier, DiffKind, String, usize)) {
    let report = run_against(change, &ParityRules::default()).await;
    let mut wanted = vec![noise("$.body.request_id"), expected];
    wanted.sort_by(|a, b| (&a.2, a.1, a.0).cmp(&(&b.2, b.1, b.0)));
    assert_eq!(signatures(&report), wanted, "{change:?}");
    assert_eq!(report.totals.mismatch, 6, "{change:?}");
    assert!(!report.passed(0), "{change:?} must fail parity");
}

#[tokio::test]
async fn a_noisy_time_in_another_format_is_a_value_finding() {
    assert_finding_next_to_noise(Change::ZuluTime, finding(DiffKind::Value, "$.body.requested_at")).await;
    assert_finding_next_to_noise(Change::NoFraction, finding(DiffKind::Value, "$.body.requested_at")).await;
}

#[tokio::test]
async fn a_noisy_field_dropped_is_missing() {
    assert_finding_next_to_noise(Change::DropClock, finding(DiffKind::Missing, "$.body.requested_at")).await;
}

#[tokio::test]
async fn a_noisy_field_of_another_type_or_null_is_a_type_finding() {
    assert_finding_next_to_noise(Change::ClockAsNumber, finding(DiffKind::Type, "$.body.requested_at")).await;
    assert_finding_next_to_noise(Change::NullClock, finding(DiffKind::Type, "$.body.requested_at")).await;
}

#[tokio::test]
async fn a_noisy_id_in_upper_case_is_a_value_finding() {
    let report = run_against(Change::UpperCaseId, &ParityRules::default()).await;
    assert_eq!(signatures(&report), [finding(DiffKind::Value, "$.body.request_id"), noise("$.body.requested_at"),]);
}

#[tokio::test]
async fn a_cosmetic_finding_is_reported_next_to_noise() {
    let report = run_against(Change::EscapedOwner, &ParityRules::default()).await;
    assert_eq!(
        signatures(&report),
        [
            (Tier::Cosmetic, DiffKind::Escaping, "$.body.owner".to_owned(), 6),
            noise("$.body.request_id"),
            noise("$.body.requested_at"),
        ]
    );
    assert!(report.passed(0), "cosmetic and noise do not fail parity");
}

#[tokio::test]
async fn a_format_change_in_some_records_only_is_split_from_the_noise() {
    // The first three answers keep the format, the last three end in `Z`.
    let baseline = FnTarget::new("python", noisy(0, Change::Nothing));
    let secondary = FnTarget::new("python-again", noisy(1000, Change::Nothing));
    let same = noisy(2000, Change::Nothing);
    let zulu = noisy(2003, Change::ZuluTime);
    let calls = AtomicUsize::new(0);
    let candidate =
        FnTarget::new("rust", move |record: &Record, event: &Value, state: &mut Value, writes: &mut SideEffects| {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                same(record, event, state, writes)
            } else {
                zulu(record, event, state, writes)
            }
        });
    let rules = ParityRules::default();
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: Some(&secondary),
        rules: &rules,
        settings: ReplaySettings { concurrency: 1, examples_per_signature: 2 },
    };
    let report = replay.run(ok_records(records()), |_| {}).await.expect("replay").report;
    let clock: Vec<_> = report
        .signatures
        .iter()
        .filter(|s| s.path == "$.body.requested_at")
        .map(|s| (s.tier, s.count, s.examples.len()))
        .collect();
    assert_eq!(clock, [(Tier::Mismatch, 3, 2), (Tier::Noise, 3, 2)]);
    let shown = &report.signatures[0].examples[0];
    assert!(
        shown.candidate.as_deref().is_some_and(|value| value.ends_with("Z\"")),
        "the mismatch's example is one in the new format: {shown:?}"
    );
    assert_eq!(report.totals.mismatch, 3);
    assert_eq!(report.totals.noise, 3);
}

#[tokio::test]
async fn a_timestamp_normaliser_keeps_the_format_compared() {
    let rules = ParityRules::parse(
        "[[normalise]]\nroute = \"GET /clusters/{cluster_id}\"\nbuiltin = \"timestamp\"\npath = \"$.body.requested_at\"\nreason = \"wall clock\"\n",
        Path::new("parity.toml"),
    )
    .expect("rules");
    let report = run_against(Change::Nothing, &rules).await;
    assert_eq!(signatures(&report), [noise("$.body.request_id")]);
    let report = run_against(Change::ZuluTime, &rules).await;
    assert_eq!(signatures(&report), [noise("$.body.request_id"), finding(DiffKind::Value, "$.body.requested_at")]);
    let example = &report.signatures[0].examples[0];
    assert_eq!(
        (example.baseline.as_deref(), example.candidate.as_deref()),
        (Some("\"<timestamp dddd-dd-ddTdd:dd:dd.dddddd+00:00>\""), Some("\"<timestamp dddd-dd-ddTdd:dd:dd.ddddddZ>\""))
    );
}

/// The project's own rules hide the clock and the random suffixes of this platform's
/// answers and writes, never a change of their format.
#[test]
fn the_projects_rules_do_not_hide_a_format_change() {
    let rules = ParityRules::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../parity.toml")).expect("parity.toml");
    let answer = |body: Value| response(200, &body);
    let compare = |route: &str, a: Value, b: Value| {
        parity::compare_outcomes(&rules, route, &answer(a), &answer(b))
            .differences
            .into_iter()
            .map(|d| (d.path.to_string(), d.kind))
            .collect::<Vec<_>>()
    };
    let cluster = |created_at: &str| json!({"cluster_id": "c-1", "created_at": created_at});
    let route = "GET /clusters/{cluster_id}";
    assert_eq!(
        compare(route, cluster("2026-11-27T05:12:41.123456+00:00"), cluster("2026-11-28T06:00:00.654321+00:00")),
        [],
        "another time is what the rule is for"
    );
    for other_format in ["2026-11-27T05:12:41.123456Z", "2026-11-27T05:12:41+00:00", "2026-11-27 05:12:41.123456+00:00"]
    {
        assert_eq!(
            compare(route, cluster("2026-11-27T05:12:41.123456+00:00"), cluster(other_format)),
            [("$.body.created_at".to_owned(), DiffKind::Value)],
            "{other_format}"
        );
    }
    let events = |event_id: &str| json!({"events": [{"event_id": event_id}]});
    let route = "GET /clusters/{cluster_id}/events";
    assert_eq!(
        compare(
            route,
            events("2026-11-27T05:12:41.123456+00:00#0a1b2c3d"),
            events("2026-11-27T05:13:00.000042+00:00#ffee0011")
        ),
        []
    );
    for other_format in [
        "2026-11-27T05:12:41.123456Z#0a1b2c3d",
        "2026-11-27T05:12:41+00:00#0a1b2c3d",
        "2026-11-27T05:12:41.123456+00:00#0A1B2C3D",
        "2026-11-27T05:12:41.123456+00:00-0a1b2c3d",
    ] {
        assert_eq!(
            compare(route, events("2026-11-27T05:12:41.123456+00:00#0a1b2c3d"), events(other_format)),
            [("$.body.events[0].event_id".to_owned(), DiffKind::Value)],
            "{other_format}"
        );
    }
}
