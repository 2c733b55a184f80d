//! Where a deployment's journal and lock live: [`StateStore`], with a local folder as the
//! default ([`FolderStore`]) and a DynamoDB table for teams and CI runners on several
//! machines (`crate::DynamoStore`). One store instance serves one alias.
//!
//! The rules every store keeps: the lock is a lease (owner, since, expiry) that its owner
//! renews and anyone may take over once it has expired; a journal record is appended only
//! by the lock holder and only under a sequence number that does not exist yet, so two
//! controllers can never both write "record 7".

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::journal::JournalRecord;

/// Who holds the lock of an alias, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The holder's name (see [`owner_name`](crate::owner_name)).
    pub owner: String,
    /// When the holder first took the lock; renewals keep it.
    #[serde(with = "crate::units::timestamp")]
    pub since: SystemTime,
    /// When the lease ends unless renewed; after it anyone may take the lock over.
    #[serde(with = "crate::units::timestamp")]
    pub expires: SystemTime,
}

/// Why the journal or lock could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another controller's lease is live and `force` was not given.
    #[error(
        "another controller holds the alias: {} since {}, lease until {} (wait for it, or take over with --force if it is gone)",
        .lock.owner, crate::units::format_time(.lock.since), crate::units::format_time(.lock.expires)
    )]
    LockHeld {
        /// The live lease.
        lock: LockInfo,
    },
    /// A write by a controller whose lock was taken over (or released): it must stop.
    #[error("the lock is no longer ours ({owner}): {holder} took it over, so this controller stops")]
    LostLock {
        /// The controller that tried to write.
        owner: String,
        /// Who holds the lock now, or `nobody`.
        holder: String,
    },
    /// An append under a sequence number that exists already (or skips one).
    #[error("journal record {sequence} already exists: another controller wrote it")]
    SequenceTaken {
        /// The refused record's sequence number.
        sequence: u64,
    },
    /// A journal line or lock file that is not valid JSON of its type (a torn last line is
    /// not an error: it is ignored).
    #[error("{location} line {line} is not a journal record")]
    Corrupt {
        /// The file, or `dynamodb://TABLE/function:alias`.
        location: String,
        /// 1-based line of the file, or position of the record in the table.
        line: usize,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// A file operation of [`FolderStore`] failed.
    #[error("could not {action} {}", .path.display())]
    Io {
        /// What was being done: `read`, `create`, `append to`, ...
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A DynamoDB call of [`DynamoStore`](crate::DynamoStore) failed.
    #[error("DynamoDB {operation} on table {table} failed")]
    Service {
        /// The DynamoDB operation, such as `TransactWriteItems`.
        operation: &'static str,
        /// The table's name.
        table: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An item of the deployment's key that is neither a record nor the lock as written.
    #[error("DynamoDB table {table} holds an item that is not a journal record or lock: {detail}")]
    BadItem {
        /// The table's name.
        table: String,
        /// Which item and what is wrong with it.
        detail: String,
    },
}

/// Where one alias's journal and lock live, with the rules of the module doc. Implemented
/// by [`FolderStore`], [`DynamoStore`](crate::DynamoStore) and
/// [`MemoryStore`](crate::fakes::MemoryStore).
#[async_trait::async_trait]
pub trait StateStore: Send + Sync {
    /// Takes the lock for `owner`, or renews it when `owner` holds it. An expired lease is
    /// taken over; a live one only with `force`.
    async fn acquire(&self, owner: &str, now: SystemTime, lease: Duration, force: bool)
    -> Result<LockInfo, StoreError>;

    /// Gives the lock up if `owner` holds it.
    async fn release(&self, owner: &str) -> Result<(), StoreError>;

    /// The current lock, expired or not; None when nobody holds one.
    async fn lock_info(&self) -> Result<Option<LockInfo>, StoreError>;

    /// Every record, oldest first.
    async fn read(&self) -> Result<Vec<JournalRecord>, StoreError>;

    /// Appends durably, if `record.owner` holds the lock and `record.sequence` is new.
    async fn append(&self, record: &JournalRecord) -> Result<(), StoreError>;

    /// Where the state lives, for messages.
    fn location(&self) -> String;
}

#[async_trait::async_trait]
impl<T: StateStore + ?Sized> StateStore for std::sync::Arc<T> {
    async fn acquire(
        &self,
        owner: &str,
        now: SystemTime,
        lease: Duration,
        force: bool,
    ) -> Result<LockInfo, StoreError> {
        (**self).acquire(owner, now, lease, force).await
    }

    async fn release(&self, owner: &str) -> Result<(), StoreError> {
        (**self).release(owner).await
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StoreError> {
        (**self).lock_info().await
    }

    async fn read(&self) -> Result<Vec<JournalRecord>, StoreError> {
        (**self).read().await
    }

    async fn append(&self, record: &JournalRecord) -> Result<(), StoreError> {
        (**self).append(record).await
    }

    fn location(&self) -> String {
        (**self).location()
    }
}

/// `<root>/<function>-<alias>/journal.jsonl` (one JSON record a line, each appended with
/// fsync) and `lock.json` beside it.
#[derive(Debug, Clone)]
pub struct FolderStore {
    folder: PathBuf,
}

impl FolderStore {
    /// The store of `function:alias` under `root`; the folder is created on first lock.
    pub fn new(root: &Path, function: &str, alias: &str) -> FolderStore {
        FolderStore { folder: root.join(format!("{function}-{alias}")) }
    }

    /// `<root>/<function>-<alias>`, where the journal and lock files are.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn journal_path(&self) -> PathBuf {
        self.folder.join("journal.jsonl")
    }

    fn lock_path(&self) -> PathBuf {
        self.folder.join("lock.json")
    }

    fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.to_path_buf();
        move |source| StoreError::Io { action, path, source }
    }

    fn read_lock(&self) -> Result<Option<LockInfo>, StoreError> {
        let path = self.lock_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|source| StoreError::Corrupt {
                location: path.display().to_string(),
                line: 1,
                source,
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Self::io("read", &path)(error)),
        }
    }

    fn write_new_lock(&self, lock: &LockInfo) -> Result<bool, StoreError> {
        let path = self.lock_path();
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                let bytes = serde_json::to_vec(lock).unwrap_or_default();
                file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(Self::io("write", &path))?;
                sync_folder(&self.folder);
                Ok(true)
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(error) => Err(Self::io("create", &path)(error)),
        }
    }

    fn replace_lock(&self, lock: &LockInfo) -> Result<(), StoreError> {
        let path = self.lock_path();
        let temporary = self.folder.join(format!(".lock.{}.tmp", uuid::Uuid::new_v4()));
        let bytes = serde_json::to_vec(lock).unwrap_or_default();
        let written = File::create(&temporary)
            .and_then(|mut file| file.write_all(&bytes).and_then(|()| file.sync_all()))
            .and_then(|()| std::fs::rename(&temporary, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(Self::io("write", &path))?;
        sync_folder(&self.folder);
        Ok(())
    }
}

fn sync_folder(folder: &Path) {
    // Makes a created or renamed file's name durable; best effort where not supported.
    if let Ok(handle) = File::open(folder) {
        let _ = handle.sync_all();
    }
}

#[async_trait::async_trait]
impl StateStore for FolderStore {
    async fn acquire(
        &self,
        owner: &str,
        now: SystemTime,
        lease: Duration,
        force: bool,
    ) -> Result<LockInfo, StoreError> {
        std::fs::create_dir_all(&self.folder).map_err(Self::io("create", &self.folder))?;
        let wanted = LockInfo { owner: owner.to_string(), since: now, expires: now + lease };
        // A few rounds: a takeover races with other takeovers, and only one rename wins.
        for _ in 0..5 {
            if self.write_new_lock(&wanted)? {
                return Ok(wanted);
            }
            let Some(current) = self.read_lock()? else { continue };
            if current.owner == owner {
                let renewed = LockInfo { since: current.since, ..wanted.clone() };
                self.replace_lock(&renewed)?;
                return Ok(renewed);
            }
            if current.expires > now && !force {
                return Err(StoreError::LockHeld { lock: current });
            }
            // Move the stale lock aside; of several controllers taking over, one rename wins.
            let aside = self.folder.join(format!(".lock.{}.stale", uuid::Uuid::new_v4()));
            match std::fs::rename(self.lock_path(), &aside) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&aside);
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(Self::io("take over", &self.lock_path())(error)),
            }
        }
        match self.read_lock()? {
            Some(lock) => Err(StoreError::LockHeld { lock }),
            None => Err(StoreError::Io {
                action: "take",
                path: self.lock_path(),
                source: std::io::Error::other("the lock kept changing hands"),
            }),
        }
    }

    async fn release(&self, owner: &str) -> Result<(), StoreError> {
        if self.read_lock()?.is_some_and(|lock| lock.owner == owner) {
            std::fs::remove_file(self.lock_path()).map_err(Self::io("remove", &self.lock_path()))?;
            sync_folder(&self.folder);
        }
        Ok(())
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StoreError> {
        self.read_lock()
    }

    async fn read(&self) -> Result<Vec<JournalRecord>, StoreError> {
        let path = self.journal_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => return Err(Self::io("read", &path)(error)),
        };
        let mut records = Vec::new();
        let lines: Vec<&str> = text.split('\n').collect();
        for (index, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str(line) {
                Ok(record) => records.push(record),
                // A torn last line (no newline after it) is a write a crash cut short: it
                // never completed, so it never happened.
                Err(_) if index + 1 == lines.len() => break,
                Err(source) => {
                    return Err(StoreError::Corrupt { location: path.display().to_string(), line: index + 1, source });
                }
            }
        }
        Ok(records)
    }

    async fn append(&self, record: &JournalRecord) -> Result<(), StoreError> {
        match self.read_lock()? {
            Some(lock) if lock.owner == record.owner => {}
            Some(lock) => return Err(StoreError::LostLock { owner: record.owner.clone(), holder: lock.owner }),
            None => return Err(StoreError::LostLock { owner: record.owner.clone(), holder: "nobody".into() }),
        }
        let existing = self.read().await?;
        let expected = existing.last().map(|last| last.sequence + 1).unwrap_or(1);
        if record.sequence != expected {
            return Err(StoreError::SequenceTaken { sequence: record.sequence });
        }
        let path = self.journal_path();
        let created = !path.exists();
        let mut line = serde_json::to_vec(record).unwrap_or_default();
        line.push(b'\n');
        let mut file = OpenOptions::new().create(true).append(true).open(&path).map_err(Self::io("open", &path))?;
        file.write_all(&line).and_then(|()| file.sync_data()).map_err(Self::io("append to", &path))?;
        if created {
            sync_folder(&self.folder);
        }
        Ok(())
    }

    fn location(&self) -> String {
        self.folder.display().to_string()
    }
}
