//! Secrets never reach a report, wherever they sit: planted at depth in extra and missing
//! subtrees, in arrays, in bodies that are strings of JSON, under innocuous names (AWS
//! keys, JWTs, bearer tokens, PEM keys), in function errors, headers, learned noise and
//! side-effect writes; rendered in every format. The differences they make are still
//! reported, and a paging token, which is no secret, shows its real values.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use parity::{
    FunctionError, Outcome, ParityReport, ParityRules, Record, Replay, ReplayOutcome, ReplaySettings, ReportFormat,
    SideEffects, render,
};
use serde_json::{Value, json};

use crate::support::{FnTarget, ok_records, raw_response, record, response};

/// Every planted secret carries this word (the JWT and its parts are checked apart).
const PLANTED: &str = "PLANTED";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLW9mLWEtdGVzdA";
const JWT_PAYLOAD: &str = "eyJzdWIiOiJhZG1pbiJ9";
const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowPLANTEDpemBODY\n-----END RSA PRIVATE KEY-----";
/// A candidate named by a URI with a password in it.
const CANDIDATE_NAME: &str = "https://deploy:PLANTEDurlpassword@rust.example";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Baseline,
    Secondary,
    Candidate,
}

/// One answer per record id; `counter` makes the `noise` record differ on every call.
fn answer(side: Side, record: &Record, counter: &AtomicUsize, writes: &mut SideEffects) -> Outcome {
    let candidate = side == Side::Candidate;
    let pick = |base: Value, cand: Value| if candidate { cand } else { base };
    match record.id.as_str() {
        "extra" => response(
            200,
            &pick(
                json!({"id": 1}),
                json!({"id": 1, "config": {"db": [{"host": "db1", "password": "PLANTED-extra-deep"}]}}),
            ),
        ),
        "missing" => response(
            200,
            &pick(
                json!({"id": 1, "settings": {"items": [{"name": "n", "api_key": "PLANTED-missing-api-key"}]}}),
                json!({"id": 1}),
            ),
        ),
        "array" => response(
            200,
            &pick(
                json!({"items": [{"id": 1}]}),
                json!({"items": [{"id": 1}, {"id": 2, "client_secret": "PLANTED-array-secret"}]}),
            ),
        ),
        "shapes" => response(
            200,
            &pick(
                json!({"note": "none", "cursor": "c0", "hint": "none", "material": "none"}),
                json!({
                    "note": "rotate AKIAPLANTED000000001 soon",
                    "cursor": JWT,
                    "hint": "send Bearer PLANTEDbearer0123456789abcdef",
                    "material": PEM,
                }),
            ),
        ),
        "string-body" => response(
            200,
            &json!({"payload": if candidate {
                r#"{"stored": {"client_secret": "PLANTED-nested-candidate"}}"#
            } else {
                r#"{"stored": {"client_secret": "PLANTED-nested-baseline"}}"#
            }}),
        ),
        "passwords" => response(
            200,
            &pick(
                json!({"user": "u", "password": "PLANTED-pw-baseline"}),
                json!({"user": "u", "password": "PLANTED-pw-candidate"}),
            ),
        ),
        "same-password" => response(200, &json!({"user": "u", "password": "PLANTED-pw-same"})),
        "paging" => response(
            200,
            &pick(json!({"items": [], "next_token": "page-base-2"}), json!({"items": [], "next_token": "page-cand-2"})),
        ),
        "headers" => {
            let mut outcome = json!({
                "statusCode": 200,
                "headers": {"Content-Type": "application/json"},
                "body": "{}",
            });
            if candidate {
                outcome["headers"]["X-Session-Token"] = json!("PLANTED-header-token");
            }
            Outcome::Response(outcome)
        }
        "error" => Outcome::FunctionError(FunctionError {
            error_type: "ClientError".into(),
            error_message: if candidate {
                "denied for AKIAPLANTED000000003 with SecretAccessKey=PLANTEDsecretaccesskey0123456789ABCDEFGH".into()
            } else {
                "denied for AKIAPLANTED000000002".into()
            },
        }),
        "configured" => response(
            200,
            &pick(
                json!({"kubeconfig": "PLANTED-kubeconfig-baseline"}),
                json!({"kubeconfig": "PLANTED-kubeconfig-candidate"}),
            ),
        ),
        "truncated" => {
            // Longer than the 200 characters a difference shows: the shown value is cut
            // in the middle of the password.
            let filler = "x".repeat(165);
            response(
                200,
                &pick(
                    json!({"id": 1}),
                    json!({"id": 1, "blob": {"filler": filler, "password": "PLANTED-cut-in-the-middle"}}),
                ),
            )
        }
        "key-order" => {
            // Equal as data: the example shows the raw bodies, whose spelling differs.
            if candidate {
                raw_response(200, r#"{"a":1,"password":"PLANTED-cosmetic"}"#)
            } else {
                raw_response(200, r#"{"password":"PLANTED-cosmetic","a":1}"#)
            }
        }
        "bytes" => raw_response(
            200,
            if candidate {
                "plain text Bearer PLANTEDbytes-candidate-0123456789"
            } else {
                "plain text Bearer PLANTEDbytes-baseline-0123456789"
            },
        ),
        "noise" => {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            response(200, &json!({"sessions": {"AKIAPLANTED000000005": n}}))
        }
        "writes" => {
            writes.record_write(
                "clusters",
                "c-1",
                json!({"cluster_id": "c-1", "db_password": pick(json!("PLANTED-db-baseline"), json!("PLANTED-db-candidate"))}),
            );
            writes.record_write(
                "idempotency",
                "k-1",
                json!({"response_body": pick(
                    json!(r#"{"password":"PLANTED-stored-baseline"}"#),
                    json!(r#"{"password":"PLANTED-stored-candidate"}"#),
                )}),
            );
            if candidate {
                writes.record_write(
                    "clusters",
                    "c-2",
                    json!({"cluster_id": "c-2", "connection": {"db_password": "PLANTED-db-extra"}}),
                );
                writes.record_object("bucket", "keys.json", json!({"id": "AKIAPLANTED000000004"}));
            } else {
                writes.record_write("vault", "s-1", json!({"value": {"private_key": "PLANTED-db-missing"}}));
            }
            response(200, &json!({"ok": true}))
        }
        _ => response(404, &json!({"message": "no route"})),
    }
}

fn target(
    name: &'static str,
    side: Side,
    counter: &'static AtomicUsize,
) -> FnTarget<impl Fn(&Record, &Value, &mut Value, &mut SideEffects) -> Outcome + Send + Sync> {
    FnTarget::new(name, move |record, _, _, writes| answer(side, record, counter, writes))
}

const SCENARIOS: &[&str] = &[
    "extra",
    "missing",
    "array",
    "shapes",
    "string-body",
    "passwords",
    "same-password",
    "paging",
    "headers",
    "error",
    "configured",
    "truncated",
    "key-order",
    "bytes",
    "noise",
    "writes",
];

fn rules() -> ParityRules {
    ParityRules::parse(
        "[[redact]]\nroute = \"GET /configured\"\npath = \"$.body.kubeconfig\"\nreason = \"a kubeconfig embeds the cluster's client certificate\"\n",
        Path::new("parity.toml"),
    )
    .expect("a [[redact]] rule is valid")
}

async fn planted_report() -> ParityReport {
    static BASE: AtomicUsize = AtomicUsize::new(0);
    static SECOND: AtomicUsize = AtomicUsize::new(1000);
    static CAND: AtomicUsize = AtomicUsize::new(2000);
    let rules = rules();
    let baseline = target("python", Side::Baseline, &BASE);
    let secondary = target("python-again", Side::Secondary, &SECOND);
    let candidate = target(CANDIDATE_NAME, Side::Candidate, &CAND);
    let records: Vec<Record> =
        SCENARIOS.iter().map(|id| record(id, &format!("GET /{id}"), &format!("/{id}"), None)).collect();
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: Some(&secondary),
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let ReplayOutcome { mut report, ids, .. } = replay.run(ok_records(records), |_| {}).await.expect("replay");
    report.add_side_effects(&rules, &baseline.side_effects(), &candidate.side_effects(), &ids.candidate_to_baseline);
    report
}

const FORMATS: [ReportFormat; 4] =
    [ReportFormat::Table, ReportFormat::Json, ReportFormat::Markdown, ReportFormat::Junit];

#[tokio::test]
async fn no_planted_secret_reaches_any_format() {
    let report = planted_report().await;
    for format in FORMATS {
        let text = render(&report, format, 0);
        for secret in [PLANTED, JWT_PAYLOAD, "PLANT"] {
            assert!(
                !text.contains(secret),
                "{format:?} shows {secret:?}:\n{}",
                text.lines().filter(|line| line.contains(secret)).collect::<Vec<_>>().join("\n")
            );
        }
        assert!(text.contains("[REDACTED "), "{format:?} shows where secrets were");
    }
}

/// (route, path, kind) of every signature in the JSON report.
fn signatures(json: &Value) -> Vec<(String, String, String)> {
    json["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| {
            (
                s["route"].as_str().unwrap_or("").to_owned(),
                s["path"].as_str().unwrap_or("").to_owned(),
                s["kind"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn example<'j>(json: &'j Value, route: &str, path: &str) -> &'j Value {
    json["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .find(|s| s["route"] == route && s["path"] == path)
        .unwrap_or_else(|| panic!("no signature {route} {path}"))
        .get("examples")
        .and_then(|examples| examples.get(0))
        .expect("an example")
}

#[tokio::test]
async fn every_redacted_difference_is_still_reported() {
    let report = planted_report().await;
    let json: Value = serde_json::from_str(&render(&report, ReportFormat::Json, 0)).expect("json");
    let found = signatures(&json);
    for (route, path, kind) in [
        ("GET /extra", "$.body.config", "extra"),
        ("GET /missing", "$.body.settings", "missing"),
        ("GET /array", "$.body.items[*]", "extra"),
        ("GET /shapes", "$.body.note", "value"),
        ("GET /shapes", "$.body.cursor", "value"),
        ("GET /shapes", "$.body.hint", "value"),
        ("GET /shapes", "$.body.material", "value"),
        ("GET /string-body", "$.body.payload", "value"),
        ("GET /passwords", "$.body.password", "value"),
        ("GET /paging", "$.body.next_token", "value"),
        ("GET /headers", "$.headers.x-session-token", "header"),
        ("GET /error", "$.errorMessage", "value"),
        ("GET /configured", "$.body.kubeconfig", "value"),
        ("GET /truncated", "$.body.blob", "extra"),
        ("GET /key-order", "$.body", "key_order"),
        ("GET /bytes", "$.body", "bytes"),
    ] {
        assert!(
            found.contains(&(route.to_owned(), path.to_owned(), kind.to_owned())),
            "{route} {path} {kind} is reported; found {found:#?}"
        );
    }
    assert!(
        !found.iter().any(|(route, _, _)| route == "GET /same-password"),
        "an equal secret on both sides is no difference: comparison sees the real values"
    );
    assert_eq!(json["totals"]["total"], SCENARIOS.len());

    // Two different secrets at one path: both redacted, still visibly different.
    let passwords = example(&json, "GET /passwords", "$.body.password");
    let (left, right) =
        (passwords["baseline"].as_str().expect("baseline"), passwords["candidate"].as_str().expect("candidate"));
    assert!(left.starts_with("\"[REDACTED "), "{left}");
    assert!(right.starts_with("\"[REDACTED "), "{right}");
    assert_ne!(left, right, "different secrets keep different fingerprints");
    let diff = passwords["diff"].as_str().expect("diff");
    assert!(
        diff.contains(&format!("-    \"password\": {left}")) && diff.contains(&format!("+    \"password\": {right}")),
        "the diff shows the changed line:\n{diff}"
    );

    // The extra subtree is shown, with only its secret replaced.
    let extra = example(&json, "GET /extra", "$.body.config");
    let shown = extra["candidate"].as_str().expect("candidate");
    assert!(shown.starts_with(r#"{"db":[{"host":"db1","password":"[REDACTED "#), "{shown}");

    // A bearer token keeps its scheme; the configured path is redacted by its rule.
    let hint = example(&json, "GET /shapes", "$.body.hint");
    assert!(hint["candidate"].as_str().expect("candidate").starts_with("\"send Bearer [REDACTED "), "{hint}");
    let configured = example(&json, "GET /configured", "$.body.kubeconfig");
    assert_ne!(configured["baseline"], configured["candidate"]);

    // A cosmetic example keeps the raw spelling it is about.
    let key_order = example(&json, "GET /key-order", "$.body");
    assert!(key_order["diff"].as_str().expect("diff").contains(r#"+{"a":1,"password":"[REDACTED "#), "{key_order}");

    // Noise learned at a path named by an access key id.
    let noise = json["learned_noise"].as_array().expect("learned noise");
    assert_eq!(noise.len(), 1, "{noise:?}");
    assert_eq!(noise[0]["route"], "GET /noise");
    let noisy_path = noise[0]["path"].as_str().expect("path");
    assert!(noisy_path.starts_with("$.body.sessions") && noisy_path.contains("[REDACTED "), "{noise:?}");
}

#[tokio::test]
async fn secret_writes_are_redacted_and_still_fail_parity() {
    let report = planted_report().await;
    let json: Value = serde_json::from_str(&render(&report, ReportFormat::Json, 0)).expect("json");
    let side_effects = &json["side_effects"];
    let found: Vec<(&str, &str)> = side_effects["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| (d["path"].as_str().unwrap_or(""), d["kind"].as_str().unwrap_or("")))
        .collect();
    for expected in [
        ("$.tables.clusters.c-1.db_password", "value"),
        ("$.tables.clusters.c-2", "extra"),
        ("$.tables.idempotency.k-1.response_body", "value"),
        ("$.tables.vault", "missing"),
        ("$.objects['bucket/keys.json']", "extra"),
    ] {
        assert!(found.contains(&expected), "{expected:?} in {found:#?}");
    }
    assert_eq!(side_effects["mismatches"], found.len());
    assert!(!report.passed(100), "a write mismatch fails parity");
    let extra_item = side_effects["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .find(|d| d["path"] == "$.tables.clusters.c-2")
        .expect("the extra item");
    assert!(
        extra_item["candidate"]
            .as_str()
            .expect("shown")
            .starts_with(r#"{"cluster_id":"c-2","connection":{"db_password":"[REDACTED "#),
        "{extra_item}"
    );
    let stored = side_effects["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .find(|d| d["path"] == "$.tables.idempotency.k-1.response_body")
        .expect("the stored body");
    assert_ne!(stored["baseline"], stored["candidate"], "{stored}");
}

#[tokio::test]
async fn a_paging_token_is_no_secret_and_shows_both_values() {
    let report = planted_report().await;
    for format in FORMATS {
        let text = render(&report, format, 0);
        assert!(
            text.contains("page-base-2") && text.contains("page-cand-2"),
            "{format:?} shows both next_token values"
        );
    }
    let json: Value = serde_json::from_str(&render(&report, ReportFormat::Json, 0)).expect("json");
    let paging = example(&json, "GET /paging", "$.body.next_token");
    assert_eq!(paging["baseline"], "\"page-base-2\"");
    assert_eq!(paging["candidate"], "\"page-cand-2\"");
}

#[tokio::test]
async fn a_report_built_by_hand_is_redacted_when_rendered() {
    // A renderer only ever sees a redacted report, however the report was made.
    let mut report = planted_report().await;
    let signature = report.signatures.iter_mut().find(|s| s.route == "GET /paging").expect("paging signature");
    signature.examples[0].candidate = Some(r#"{"password":"PLANTED-by-hand"}"#.into());
    signature.examples[0].diff = format!("+  \"cursor\": \"{JWT}\"\n");
    report.errors.push(parity::ErrorExample {
        record_id: "by-hand".into(),
        route: "GET /paging".into(),
        side: "candidate".into(),
        message: "invoke failed: Authorization: Bearer PLANTEDbyhand0123456789abcdef".into(),
    });
    for format in FORMATS {
        let text = render(&report, format, 0);
        assert!(!text.contains(PLANTED), "{format:?}:\n{text}");
        assert!(!text.contains(JWT_PAYLOAD), "{format:?}:\n{text}");
    }
}
