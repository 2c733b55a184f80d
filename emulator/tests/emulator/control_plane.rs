//! The Lambda control plane a canary's preflight and decommission check use, through
//! aws-sdk-lambda: configurations of two versions, the empty lists of what the emulator
//! never has, alias updates guarded by RevisionId, and deleting the old version.

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{AliasRoutingConfiguration, Architecture, Runtime};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sdk_lambda_gets_what_a_canary_preflight_checks() {
    let (emulator, _logs) = start(config("", ""), true).await;
    let client = sdk_client(&emulator);

    let configuration = |function: &'static str, qualifier: &'static str| {
        let client = client.clone();
        async move {
            client
                .get_function_configuration()
                .function_name(function)
                .qualifier(qualifier)
                .send()
                .await
                .expect("GetFunctionConfiguration")
        }
    };
    let (one, two) = (configuration("rust", "1").await, configuration("rust", "2").await);
    assert_eq!(one.role(), Some("arn:aws:iam::123456789012:role/rust-role"));
    assert_eq!(one.role(), two.role(), "every version runs as the function's role");
    assert!(one.dead_letter_config().is_none() && two.dead_letter_config().is_none());
    assert_eq!((one.version(), two.version()), (Some("1"), Some("2")));
    assert_eq!(one.memory_size(), Some(256));
    assert_eq!(one.architectures(), [Architecture::X8664]);
    assert_eq!(one.runtime(), Some(&Runtime::Providedal2023));
    let digest = one.code_sha256().expect("a code digest");
    assert_eq!(digest.len(), 44, "base64 of a SHA-256: {digest}");
    assert_eq!(two.code_sha256(), Some(digest), "both versions run the same bootstrap file");
    let (python_one, python_two) = (configuration("py", "1").await, configuration("py", "2").await);
    assert_eq!(python_one.runtime(), Some(&Runtime::Python311));
    assert_ne!(python_one.code_sha256(), python_two.code_sha256(), "another handler is other code");

    let provisioned =
        client.list_provisioned_concurrency_configs().function_name("rust").send().await.expect("provisioned");
    assert!(provisioned.provisioned_concurrency_configs().is_empty());
    let missing = client.list_provisioned_concurrency_configs().function_name("nope").send().await;
    assert!(missing.expect_err("unknown function").into_service_error().is_resource_not_found_exception());
    let urls = client.list_function_url_configs().function_name("rust").send().await.expect("function URLs");
    assert!(urls.function_url_configs().is_empty());
    let mappings = client.list_event_source_mappings().function_name("rust").send().await.expect("mappings");
    assert!(mappings.event_source_mappings().is_empty());

    let aliases = client.list_aliases().function_name("rust").send().await.expect("ListAliases");
    let names: Vec<&str> = aliases.aliases().iter().filter_map(|alias| alias.name()).collect();
    assert_eq!(names, ["live"]);
    let weights = aliases.aliases()[0].routing_config().and_then(|routing| routing.additional_version_weights());
    assert_eq!(weights.and_then(|weights| weights.get("2")), Some(&0.25));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sdk_lambda_deletes_the_old_version_once_no_alias_routes_to_it() {
    let (emulator, _logs) = start(config("", ""), true).await;
    let client = sdk_client(&emulator);
    emulator.invoke("rust", Some("2"), payload(json!({"op": "echo"}))).await.expect("a warm sandbox of version 2");
    assert_eq!(emulator.warm_sandboxes("rust").get("2"), Some(&1));

    let in_use = client.delete_function().function_name("rust").qualifier("2").send().await.expect_err("routed to");
    assert_eq!(in_use.raw_response().map(|response| response.status().as_u16()), Some(409));
    let in_use = in_use.into_service_error();
    assert!(in_use.is_resource_conflict_exception(), "{in_use:?}");
    assert!(in_use.to_string().contains("live"), "the message names the alias: {in_use}");

    // Promote version 1 fully, the way a canary's last step does, guarded by RevisionId.
    let alias = client.get_alias().function_name("rust").name("live").send().await.expect("GetAlias");
    let revision = alias.revision_id().expect("a revision").to_string();
    let promoted = client
        .update_alias()
        .function_name("rust")
        .name("live")
        .function_version("1")
        .routing_config(AliasRoutingConfiguration::builder().build())
        .revision_id(&revision)
        .send()
        .await
        .expect("UpdateAlias");
    assert!(promoted.routing_config().is_none(), "no additional version any more");
    let stale = client
        .update_alias()
        .function_name("rust")
        .name("live")
        .function_version("2")
        .revision_id(&revision)
        .send()
        .await
        .expect_err("a stale revision");
    assert!(stale.into_service_error().is_precondition_failed_exception());

    let deleted = client.delete_function().function_name("rust").qualifier("2").send().await.expect("DeleteFunction");
    assert_eq!(deleted.status_code(), 204);
    assert_eq!(emulator.warm_sandboxes("rust").get("2"), None, "the deleted version's sandbox is gone");

    let invoked = client.invoke().function_name("rust").qualifier("2").payload(Blob::new("{}")).send().await;
    assert!(invoked.expect_err("deleted").into_service_error().is_resource_not_found_exception());
    let configuration = client.get_function_configuration().function_name("rust").qualifier("2").send().await;
    assert!(configuration.expect_err("deleted").into_service_error().is_resource_not_found_exception());
    let versions = client.list_versions_by_function().function_name("rust").send().await.expect("versions");
    let names: Vec<&str> = versions.versions().iter().filter_map(|version| version.version()).collect();
    assert_eq!(names, ["$LATEST", "1"]);
    let back_to_two = client.update_alias().function_name("rust").name("live").function_version("2").send().await;
    // As on AWS, an alias to a version that does not exist (any more) is 404 "Function not found".
    assert!(back_to_two.expect_err("no version 2").into_service_error().is_resource_not_found_exception());
    let still_live = emulator.invoke("rust", Some("live"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(still_live.executed_version, "1");

    let again = client.delete_function().function_name("rust").qualifier("2").send().await;
    assert!(again.expect_err("already deleted").into_service_error().is_resource_not_found_exception());
    let whole = client.delete_function().function_name("rust").send().await;
    assert!(whole.expect_err("versions only").into_service_error().is_invalid_parameter_value_exception());
    let alias = client.delete_function().function_name("rust").qualifier("live").send().await;
    assert!(alias.expect_err("not an alias").into_service_error().is_invalid_parameter_value_exception());
    emulator.shutdown().await;
}
