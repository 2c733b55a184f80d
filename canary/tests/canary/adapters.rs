//! The adapters against real parts: aws-sdk-lambda against the emulator's Lambda API,
//! the DynamoDB store against moto server.

use std::time::Duration;

use canary::{AliasTarget, ControlError, DynamoStore, JournalRecord, LambdaControl, SdkLambda, StateStore, StoreError};
use emulator::{Emulator, EmulatorOptions};

use crate::simulation::epoch_start;
use crate::support::{Moto, dynamodb_client, echo_config, lambda_client};

#[tokio::test]
async fn the_sdk_adapter_reads_and_shifts_the_emulators_alias_under_revision_ids() {
    let options = EmulatorOptions { serve_http: true, ..Default::default() };
    let emulator = Emulator::start(echo_config(), options).await.expect("emulator");
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    let lambda = SdkLambda::new(lambda_client(&endpoint));

    let alias = lambda.get_alias("echo", "live").await.expect("alias");
    assert!(alias.routing.same_routing(&AliasTarget::only("1")));
    assert_eq!(lambda.list_versions("echo").await.expect("versions"), vec!["1".to_string(), "2".to_string()]);
    let settings = lambda.version_settings("echo", "2").await.expect("configuration");
    assert_eq!(settings.timeout, Duration::from_secs(2));

    let split = lambda
        .update_alias("echo", "live", &AliasTarget::split("1", "2", 0.1), &alias.revision_id)
        .await
        .expect("shift");
    assert!(split.routing.same_routing(&AliasTarget::split("1", "2", 0.1)));
    assert_ne!(split.revision_id, alias.revision_id);
    let stale =
        lambda.update_alias("echo", "live", &AliasTarget::only("2"), &alias.revision_id).await.expect_err("stale");
    assert!(matches!(stale, ControlError::PreconditionFailed { .. }), "{stale:?}");
    let back = lambda.update_alias("echo", "live", &AliasTarget::only("1"), &split.revision_id).await.expect("back");
    assert!(back.routing.additional_version_weights.is_empty(), "an empty weight map clears the split");
    let missing = lambda.get_alias("echo", "prod").await.expect_err("unknown alias");
    assert!(matches!(missing, ControlError::NotFound { .. }), "{missing:?}");
    emulator.shutdown().await;
}

fn record(sequence: u64, owner: &str) -> JournalRecord {
    JournalRecord {
        sequence,
        at: epoch_start(),
        owner: owner.into(),
        event: canary::Event::Operator { command: format!("test {sequence}") },
    }
}

#[tokio::test]
async fn the_dynamodb_store_locks_with_conditional_writes_and_takes_each_sequence_once() {
    let moto = Moto::start().await;
    let client = dynamodb_client(&moto.endpoint);
    DynamoStore::create_table(&client, "canary-state").await.expect("table");
    let store = DynamoStore::new(client.clone(), "canary-state", "get-cluster", "live");
    let other = DynamoStore::new(client, "canary-state", "get-cluster", "live");
    let now = epoch_start();
    let lease = Duration::from_secs(60);

    store.acquire("a", now, lease, false).await.expect("free");
    let held = other.acquire("b", now + Duration::from_secs(10), lease, false).await.expect_err("held");
    assert!(matches!(held, StoreError::LockHeld { ref lock } if lock.owner == "a"), "{held}");
    store.append(&record(1, "a")).await.expect("first");
    store.append(&record(2, "a")).await.expect("second");
    let twice = store.append(&record(2, "a")).await.expect_err("sequence taken");
    assert!(matches!(twice, StoreError::SequenceTaken { sequence: 2 }), "{twice}");
    let not_holder = other.append(&record(3, "b")).await.expect_err("not the holder");
    assert!(matches!(not_holder, StoreError::LostLock { .. }), "{not_holder}");

    let taken =
        other.acquire("b", now + Duration::from_secs(61), lease, false).await.expect("expired lease taken over");
    assert_eq!(taken.owner, "b");
    other.append(&record(3, "b")).await.expect("the new holder writes");
    assert!(matches!(store.append(&record(4, "a")).await, Err(StoreError::LostLock { .. })));
    let records = store.read().await.expect("read");
    assert_eq!(records.iter().map(|record| record.sequence).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(records[2].owner, "b");
    other.release("b").await.expect("release");
    assert_eq!(store.lock_info().await.expect("lock"), None);
}
