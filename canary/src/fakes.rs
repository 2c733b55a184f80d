//! In-memory stand-ins for the Lambda control plane and the state store, so the state
//! machine is tested in virtual time without a process or a socket (the adapters are
//! tested against the emulator and moto instead).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::alias::{AliasSnapshot, AliasTarget};
use crate::control::{ControlError, LambdaControl, VersionReference, VersionSettings};
use crate::journal::JournalRecord;
use crate::store::{LockInfo, StateStore, StoreError};

/// One function with versions and aliases; counts the calls a pass makes.
#[derive(Debug)]
pub struct FakeLambda {
    function: String,
    versions: Mutex<BTreeMap<String, VersionSettings>>,
    aliases: Mutex<BTreeMap<String, AliasSnapshot>>,
    references: Mutex<Vec<(String, VersionReference)>>,
    revision: Mutex<u64>,
    calls: Mutex<BTreeMap<&'static str, u64>>,
}

impl FakeLambda {
    /// `function` with versions "1" and "2" (same role, 3 s timeout) and alias `live` on "1".
    pub fn with_live_alias(function: &str) -> FakeLambda {
        let lambda = FakeLambda {
            function: function.to_string(),
            versions: Mutex::new(BTreeMap::new()),
            aliases: Mutex::new(BTreeMap::new()),
            references: Mutex::new(Vec::new()),
            revision: Mutex::new(0),
            calls: Mutex::new(BTreeMap::new()),
        };
        for version in ["1", "2"] {
            lambda.put_version(VersionSettings {
                version: version.into(),
                role: Some("arn:aws:iam::123456789012:role/platform".into()),
                dead_letter_target: None,
                timeout: Duration::from_secs(3),
                runtime: Some(if version == "1" { "python3.12" } else { "provided.al2023" }.into()),
            });
        }
        lambda.set_alias("live", AliasTarget::only("1"));
        lambda
    }

    /// Adds or replaces a published version.
    pub fn put_version(&self, settings: VersionSettings) {
        lock(&self.versions).insert(settings.version.clone(), settings);
    }

    /// Sets an alias as someone else would (a new revision).
    pub fn set_alias(&self, alias: &str, routing: AliasTarget) -> AliasSnapshot {
        let snapshot = AliasSnapshot { routing, revision_id: self.next_revision() };
        lock(&self.aliases).insert(alias.to_string(), snapshot.clone());
        snapshot
    }

    /// The alias as it stands, without counting a call; None when it does not exist.
    pub fn alias(&self, alias: &str) -> Option<AliasSnapshot> {
        lock(&self.aliases).get(alias).cloned()
    }

    /// Makes `reference` point at `version` for [`LambdaControl::version_references`].
    pub fn add_reference(&self, version: &str, reference: VersionReference) {
        lock(&self.references).push((version.to_string(), reference));
    }

    /// Calls of `operation` so far, by its Lambda name (`UpdateAlias`, `GetAlias`, ...).
    pub fn calls(&self, operation: &str) -> u64 {
        lock(&self.calls).get(operation).copied().unwrap_or(0)
    }

    fn count(&self, operation: &'static str) {
        *lock(&self.calls).entry(operation).or_default() += 1;
    }

    fn next_revision(&self) -> String {
        let mut revision = lock(&self.revision);
        *revision += 1;
        format!("rev-{revision}")
    }

    fn check_function(&self, function: &str) -> Result<(), ControlError> {
        if function == self.function {
            Ok(())
        } else {
            Err(ControlError::NotFound { what: format!("function {function}") })
        }
    }
}

#[async_trait::async_trait]
impl LambdaControl for FakeLambda {
    async fn get_alias(&self, function: &str, alias: &str) -> Result<AliasSnapshot, ControlError> {
        self.count("GetAlias");
        self.check_function(function)?;
        self.alias(alias).ok_or_else(|| ControlError::NotFound { what: format!("alias {function}:{alias}") })
    }

    async fn update_alias(
        &self,
        function: &str,
        alias: &str,
        target: &AliasTarget,
        revision_id: &str,
    ) -> Result<AliasSnapshot, ControlError> {
        self.count("UpdateAlias");
        self.check_function(function)?;
        let current =
            self.alias(alias).ok_or_else(|| ControlError::NotFound { what: format!("alias {function}:{alias}") })?;
        if current.revision_id != revision_id {
            return Err(ControlError::PreconditionFailed { message: format!("revision is {}", current.revision_id) });
        }
        Ok(self.set_alias(alias, target.clone()))
    }

    async fn version_settings(&self, function: &str, version: &str) -> Result<VersionSettings, ControlError> {
        self.count("GetFunctionConfiguration");
        self.check_function(function)?;
        lock(&self.versions)
            .get(version)
            .cloned()
            .ok_or_else(|| ControlError::NotFound { what: format!("version {function}:{version}") })
    }

    async fn list_versions(&self, function: &str) -> Result<Vec<String>, ControlError> {
        self.count("ListVersionsByFunction");
        self.check_function(function)?;
        Ok(lock(&self.versions).keys().cloned().collect())
    }

    async fn list_aliases(&self, function: &str) -> Result<Vec<(String, AliasTarget)>, ControlError> {
        self.count("ListAliases");
        self.check_function(function)?;
        Ok(lock(&self.aliases).iter().map(|(name, snapshot)| (name.clone(), snapshot.routing.clone())).collect())
    }

    async fn version_references(&self, function: &str, version: &str) -> Result<Vec<VersionReference>, ControlError> {
        self.count("ListReferences");
        self.check_function(function)?;
        Ok(lock(&self.references)
            .iter()
            .filter(|(on, _)| on == version)
            .map(|(_, reference)| reference.clone())
            .collect())
    }

    async fn delete_version(&self, function: &str, version: &str) -> Result<(), ControlError> {
        self.count("DeleteFunction");
        self.check_function(function)?;
        lock(&self.versions).remove(version);
        Ok(())
    }
}

/// A journal and a lock in memory, with the same rules as the real stores.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<Vec<JournalRecord>>,
    lock: Mutex<Option<LockInfo>>,
}

impl MemoryStore {
    /// Every record appended so far, oldest first.
    pub fn records(&self) -> Vec<JournalRecord> {
        lock(&self.records).clone()
    }
}

#[async_trait::async_trait]
impl StateStore for MemoryStore {
    async fn acquire(
        &self,
        owner: &str,
        now: SystemTime,
        lease: Duration,
        force: bool,
    ) -> Result<LockInfo, StoreError> {
        let mut held = lock(&self.lock);
        let since = match held.as_ref() {
            Some(current) if current.owner == owner => current.since,
            Some(current) if current.expires > now && !force => {
                return Err(StoreError::LockHeld { lock: current.clone() });
            }
            _ => now,
        };
        let info = LockInfo { owner: owner.to_string(), since, expires: now + lease };
        *held = Some(info.clone());
        Ok(info)
    }

    async fn release(&self, owner: &str) -> Result<(), StoreError> {
        let mut held = lock(&self.lock);
        if held.as_ref().is_some_and(|current| current.owner == owner) {
            *held = None;
        }
        Ok(())
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StoreError> {
        Ok(lock(&self.lock).clone())
    }

    async fn read(&self) -> Result<Vec<JournalRecord>, StoreError> {
        Ok(self.records())
    }

    async fn append(&self, record: &JournalRecord) -> Result<(), StoreError> {
        let holder = lock(&self.lock).as_ref().map(|current| current.owner.clone());
        if holder.as_deref() != Some(record.owner.as_str()) {
            return Err(StoreError::LostLock {
                owner: record.owner.clone(),
                holder: holder.unwrap_or_else(|| "nobody".into()),
            });
        }
        let mut records = lock(&self.records);
        if record.sequence != records.len() as u64 + 1 {
            return Err(StoreError::SequenceTaken { sequence: record.sequence });
        }
        records.push(record.clone());
        Ok(())
    }

    fn location(&self) -> String {
        "memory".into()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
