//! The folder store: the lock's lease, the journal's sequence, torn and corrupt lines.

use std::time::Duration;

use canary::{FolderStore, JournalRecord, StateStore, StoreError};

use crate::simulation::epoch_start;

fn record(sequence: u64, owner: &str) -> JournalRecord {
    JournalRecord {
        sequence,
        at: epoch_start(),
        owner: owner.into(),
        event: canary::Event::Operator { command: format!("test {sequence}") },
    }
}

#[tokio::test]
async fn the_folder_lock_is_a_lease_and_the_journal_takes_each_sequence_once() {
    let folder = tempfile::tempdir().expect("temp");
    let store = FolderStore::new(folder.path(), "f", "live");
    let now = epoch_start();
    let lease = Duration::from_secs(60);
    store.acquire("a", now, lease, false).await.expect("free");
    let renewed = store.acquire("a", now + Duration::from_secs(30), lease, false).await.expect("renew");
    assert_eq!(renewed.since, now, "a renewal keeps the holder's since");
    let held = store.acquire("b", now + Duration::from_secs(60), lease, false).await.expect_err("held");
    assert!(matches!(held, StoreError::LockHeld { ref lock } if lock.owner == "a"));

    store.append(&record(1, "a")).await.expect("first");
    let twice = store.append(&record(1, "a")).await.expect_err("sequence taken");
    assert!(matches!(twice, StoreError::SequenceTaken { sequence: 1 }));
    let not_holder = store.append(&record(2, "b")).await.expect_err("not the holder");
    assert!(matches!(not_holder, StoreError::LostLock { .. }));

    let taken =
        store.acquire("b", now + Duration::from_secs(91), lease, false).await.expect("expired lease taken over");
    assert_eq!(taken.owner, "b");
    store.append(&record(2, "b")).await.expect("the new holder writes");
    assert!(matches!(store.append(&record(3, "a")).await, Err(StoreError::LostLock { .. })));
    assert_eq!(store.read().await.expect("read").len(), 2);
    store.release("b").await.expect("release");
    assert_eq!(store.lock_info().await.expect("lock"), None);
}

#[tokio::test]
async fn a_torn_last_line_never_happened_but_a_corrupt_line_is_named() {
    let folder = tempfile::tempdir().expect("temp");
    let store = FolderStore::new(folder.path(), "f", "live");
    store.acquire("a", epoch_start(), Duration::from_secs(60), false).await.expect("lock");
    store.append(&record(1, "a")).await.expect("append");
    let journal = store.folder().join("journal.jsonl");
    let mut text = std::fs::read_to_string(&journal).expect("read");
    std::fs::write(&journal, format!("{text}{{\"sequence\":2,\"at\"")).expect("tear");
    assert_eq!(store.read().await.expect("torn tail ignored").len(), 1);
    text.push_str("not json\n");
    text.push_str(&serde_json::to_string(&record(2, "a")).expect("json"));
    text.push('\n');
    std::fs::write(&journal, text).expect("corrupt");
    let error = store.read().await.expect_err("corrupt");
    assert!(error.to_string().ends_with("journal.jsonl line 2 is not a journal record"), "{error}");
}
