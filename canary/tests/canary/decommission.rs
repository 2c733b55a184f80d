//! The decommission check: against the emulator's control plane through aws-sdk-lambda
//! (aliases, provisioned concurrency, event source mappings, function URLs, DeleteFunction
//! with a qualifier), and with the fake for the references the emulator never has.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use canary::fakes::MemoryStore;
use canary::{AliasTarget, CanaryError, Controller, LambdaControl, RunStatus, SdkLambda, VersionReference};
use emulator::{Emulator, EmulatorOptions};
use lambda_metrics::CloudWatchMetrics;

use crate::simulation::{ALIAS, FUNCTION, Simulation, request, settings};
use crate::support::{echo_config_with, lambda_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_done_the_old_version_is_deleted_only_with_yes_and_only_when_nothing_routes_to_it() {
    let config = echo_config_with("[[function.alias]]\nname = \"legacy\"\nversion = \"1\"\n");
    let emulator =
        Emulator::start(config, EmulatorOptions { serve_http: true, ..Default::default() }).await.expect("emulator");
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    for _ in 0..3 {
        emulator.invoke("echo", Some("live"), bytes::Bytes::from_static(b"{}")).await.expect("invoke");
    }
    let sdk = canary::rehearsal::local_sdk_config(&endpoint);
    let controller = Controller::new(
        SdkLambda::from_config(&sdk),
        CloudWatchMetrics::from_config(&sdk),
        Arc::new(MemoryStore::default()),
        "controller",
    );
    let lambda = SdkLambda::new(lambda_client(&endpoint));
    let now = SystemTime::now();
    let mut deployment = request(settings());
    (deployment.function, deployment.alias) = ("echo".into(), "live".into());

    controller.start(&deployment, now, false).await.expect("start");
    let early = controller.decommission("echo", "live", now, true).await.expect_err("not done yet");
    assert!(matches!(early, CanaryError::NotAllowed { command: "decommission", .. }), "{early}");
    controller.promote("echo", "live", now, true).await.expect("promote --full");
    let done = controller.promote("echo", "live", now, false).await.expect("end the bake");
    assert_eq!(done.status, RunStatus::Done);

    // Another alias still routes to version 1: reported, never deleted, with or without --yes.
    for yes in [false, true] {
        let run = controller.decommission("echo", "live", now, yes).await.expect("check");
        let check = run.decommission.expect("decommission");
        assert_eq!(check.version, "1");
        assert!(!check.safe() && !check.deleted, "yes = {yes}");
        assert_eq!(
            check.references,
            vec![VersionReference { kind: "alias".into(), detail: "echo:legacy routes to version 1".into() }]
        );
    }
    assert!(lambda.list_versions("echo").await.expect("versions").contains(&"1".to_string()));
    // The emulator refuses as Lambda does, should a reference appear after the check.
    let refused = lambda.delete_version("echo", "1").await.expect_err("an alias routes to it");
    assert!(matches!(refused, canary::ControlError::Conflict { .. }), "{refused:?}");

    let legacy = lambda.get_alias("echo", "legacy").await.expect("alias");
    lambda.update_alias("echo", "legacy", &AliasTarget::only("2"), &legacy.revision_id).await.expect("move legacy");
    let report = controller.decommission("echo", "live", now, false).await.expect("check");
    let check = report.decommission.expect("decommission");
    assert!(check.safe() && !check.deleted, "without --yes it only reports");
    assert!(lambda.list_versions("echo").await.expect("versions").contains(&"1".to_string()));

    let deleted = controller.decommission("echo", "live", now, true).await.expect("delete");
    assert!(deleted.decommission.expect("decommission").deleted);
    assert_eq!(lambda.list_versions("echo").await.expect("versions"), vec!["2".to_string()]);
    // The delete was journaled before it was made and after: history explains it.
    let history = controller.history("echo", "live").await.expect("history");
    let names: Vec<&str> = history.iter().rev().take(2).map(|record| canary::event_name(&record.event)).collect();
    assert_eq!(names, vec!["deleted", "delete_intent"], "the last two records");
    emulator.shutdown().await;
}

#[tokio::test]
async fn provisioned_concurrency_an_event_source_mapping_or_a_url_pins_the_old_version() {
    let pins = [
        (
            "provisioned-concurrency",
            "5 provisioned environments on arn:aws:lambda:eu-west-1:123456789012:function:get-cluster:1",
        ),
        ("event-source-mapping", "4d2c0f7e from arn:aws:sqs:eu-west-1:123456789012:cluster-events"),
        ("function-url", "https://abc.lambda-url.eu-west-1.on.aws/"),
    ];
    for (kind, detail) in pins {
        let mut simulation = Simulation::new(1000);
        simulation.start(settings()).await;
        let run = simulation.run_to_end(Duration::from_secs(6 * 3600)).await;
        assert_eq!(run.status, RunStatus::Done, "{kind}");
        let pin = VersionReference { kind: kind.into(), detail: detail.into() };
        simulation.lambda.add_reference("1", pin.clone());
        simulation.lambda.add_reference(
            "2",
            VersionReference { kind: "function-url".into(), detail: "on the candidate: irrelevant".into() },
        );
        let run = simulation.controller.decommission(FUNCTION, ALIAS, simulation.now, true).await.expect("check");
        let check = run.decommission.expect("decommission");
        assert_eq!(check.references, vec![pin], "{kind}: only what pins version 1");
        assert!(!check.deleted);
        assert_eq!(simulation.lambda.calls("DeleteFunction"), 0, "{kind}: never deleted while pinned");
        assert!(simulation.lambda.list_versions(FUNCTION).await.expect("versions").contains(&"1".to_string()));
    }
}
