//! Aliases and weighted routing: alias `live` points at a primary version and may send a
//! share of invocations to one additional version (`AdditionalVersionWeights`). Updates
//! are guarded by a revision id, as UpdateAlias is on AWS.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::config::{FunctionConfig, check_weights};

/// One alias as GetAlias reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AliasState {
    /// The function's name.
    pub function: String,
    /// The alias's name, such as `live`.
    pub name: String,
    /// The primary version: it gets whatever share the additional version leaves.
    pub version: String,
    /// Lambda's `AdditionalVersionWeights`: version → share of invocations (0.0–1.0); at
    /// most one entry, empty when all traffic goes to `version`.
    pub additional_version_weights: BTreeMap<String, f64>,
    /// The description UpdateAlias last set; empty until then.
    pub description: String,
    /// Lambda's `RevisionId` of this state, new on every update; an UpdateAlias that names
    /// an older one is refused.
    pub revision_id: String,
}

/// The change UpdateAlias asks for; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct AliasUpdate {
    /// The new primary version; it must exist and not be deleted.
    pub version: Option<String>,
    /// The new `AdditionalVersionWeights`, replacing the old ones whole (an empty map sends
    /// all traffic to the primary); checked as Lambda checks them.
    pub additional_version_weights: Option<BTreeMap<String, f64>>,
    /// The new description.
    pub description: Option<String>,
    /// When set, the update applies only if it equals the alias's current revision.
    pub expected_revision_id: Option<String>,
}

/// Why UpdateAlias or a version's deletion was refused, with the Lambda error each becomes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliasError {
    /// The function has no such alias (`ResourceNotFoundException`).
    #[error("Alias not found: {function}:{alias}")]
    AliasNotFound {
        /// The function asked for.
        function: String,
        /// The alias asked for.
        alias: String,
    },
    /// The config declares no such function (`ResourceNotFoundException`).
    #[error("Function not found: {function}")]
    FunctionNotFound {
        /// The function asked for.
        function: String,
    },
    /// [`AliasUpdate::expected_revision_id`] is not the alias's current revision: someone
    /// changed it since it was read (`PreconditionFailedException`).
    #[error(
        "The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id"
    )]
    RevisionMismatch,
    /// An unknown version, or weights Lambda would refuse (`InvalidParameterValueException`).
    #[error("{message}")]
    InvalidParameter {
        /// What is wrong, in Lambda's words.
        message: String,
    },
    /// The version to delete does not exist, or was deleted already (`ResourceNotFoundException`).
    #[error("Function not found: {function}:{version}")]
    VersionNotFound {
        /// The function asked for.
        function: String,
        /// The version asked for.
        version: String,
    },
    /// An alias still routes a share of traffic to the version to delete
    /// (`ResourceConflictException`).
    #[error("Unable to delete version because the following aliases reference it: {aliases:?}")]
    VersionInUse {
        /// The function asked for.
        function: String,
        /// The version asked for.
        version: String,
        /// The aliases that route to it.
        aliases: Vec<String>,
    },
}

/// Routes alias invocations to versions and holds the mutable state of aliases and
/// versions (a version can be deleted while the emulator runs).
#[derive(Debug)]
pub struct AliasRouter {
    aliases: Mutex<BTreeMap<(String, String), AliasState>>,
    /// The published versions of each function; locked before `aliases` when both are.
    versions: Mutex<BTreeMap<String, Vec<String>>>,
    rng: Mutex<StdRng>,
}

impl AliasRouter {
    /// `seed` fixes the weighted choices (tests); `None` seeds from the OS.
    pub(crate) fn new(functions: &[FunctionConfig], seed: Option<u64>) -> AliasRouter {
        let mut aliases = BTreeMap::new();
        let mut versions = BTreeMap::new();
        for function in functions {
            versions.insert(
                function.name.clone(),
                function.versions.iter().map(|version| version.version.clone()).collect(),
            );
            for alias in &function.aliases {
                aliases.insert(
                    (function.name.clone(), alias.name.clone()),
                    AliasState {
                        function: function.name.clone(),
                        name: alias.name.clone(),
                        version: alias.version.clone(),
                        additional_version_weights: alias.additional_version_weights.clone(),
                        description: String::new(),
                        revision_id: new_revision_id(),
                    },
                );
            }
        }
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        AliasRouter { aliases: Mutex::new(aliases), versions: Mutex::new(versions), rng: Mutex::new(rng) }
    }

    /// The alias as GetAlias would return it now; None when `function` has no such alias.
    pub fn get(&self, function: &str, alias: &str) -> Option<AliasState> {
        lock(&self.aliases).get(&(function.to_string(), alias.to_string())).cloned()
    }

    pub(crate) fn list(&self, function: &str) -> Vec<AliasState> {
        lock(&self.aliases).values().filter(|alias| alias.function == function).cloned().collect()
    }

    /// The version an invocation of `function:alias` runs, drawn by the alias's weights.
    pub fn route(&self, function: &str, alias: &str) -> Option<String> {
        let state = self.get(function, alias)?;
        let draw: f64 = lock(&self.rng).random();
        Some(choose_version(&state, draw))
    }

    /// Applies an UpdateAlias: the routing and description change and the alias gets a new
    /// revision id, or nothing changes and the error says why.
    pub fn update(&self, function: &str, alias: &str, update: AliasUpdate) -> Result<AliasState, AliasError> {
        let versions = lock(&self.versions);
        let Some(known_versions) = versions.get(function) else {
            return Err(AliasError::FunctionNotFound { function: function.to_string() });
        };
        let mut aliases = lock(&self.aliases);
        let Some(state) = aliases.get_mut(&(function.to_string(), alias.to_string())) else {
            return Err(AliasError::AliasNotFound { function: function.to_string(), alias: alias.to_string() });
        };
        if let Some(expected) = &update.expected_revision_id
            && *expected != state.revision_id
        {
            return Err(AliasError::RevisionMismatch);
        }
        let version = update.version.unwrap_or_else(|| state.version.clone());
        if !known_versions.contains(&version) {
            return Err(AliasError::InvalidParameter {
                message: format!("Function version {version} does not exist for function {function}"),
            });
        }
        let weights = update.additional_version_weights.unwrap_or_else(|| state.additional_version_weights.clone());
        check_weights(&version, &weights, |candidate| known_versions.iter().any(|known| known == candidate))
            .map_err(|message| AliasError::InvalidParameter { message })?;
        state.version = version;
        state.additional_version_weights = weights;
        if let Some(description) = update.description {
            state.description = description;
        }
        state.revision_id = new_revision_id();
        Ok(state.clone())
    }

    /// Whether `version` is a published version of `function` that was not deleted
    /// (`$LATEST` is not a published version).
    pub(crate) fn has_version(&self, function: &str, version: &str) -> bool {
        lock(&self.versions).get(function).is_some_and(|versions| versions.iter().any(|known| known == version))
    }

    /// The versions of `function` that were not deleted, in declaration order.
    pub(crate) fn versions(&self, function: &str) -> Vec<String> {
        lock(&self.versions).get(function).cloned().unwrap_or_default()
    }

    /// Deletes a published version, as DeleteFunction with a version qualifier does; refused
    /// while an alias routes any share of its traffic there.
    pub(crate) fn delete_version(&self, function: &str, version: &str) -> Result<(), AliasError> {
        let mut versions = lock(&self.versions);
        let Some(known_versions) = versions.get_mut(function) else {
            return Err(AliasError::FunctionNotFound { function: function.to_string() });
        };
        let Some(position) = known_versions.iter().position(|known| known == version) else {
            return Err(AliasError::VersionNotFound { function: function.to_string(), version: version.to_string() });
        };
        let referencing: Vec<String> = lock(&self.aliases)
            .values()
            .filter(|alias| alias.function == function)
            .filter(|alias| alias.version == version || alias.additional_version_weights.contains_key(version))
            .map(|alias| alias.name.clone())
            .collect();
        if !referencing.is_empty() {
            return Err(AliasError::VersionInUse {
                function: function.to_string(),
                version: version.to_string(),
                aliases: referencing,
            });
        }
        known_versions.remove(position);
        Ok(())
    }
}

/// `draw` is uniform in [0, 1): below the additional weights' cumulative share it picks
/// that version, otherwise the primary.
fn choose_version(state: &AliasState, draw: f64) -> String {
    let mut cumulative = 0.0;
    for (version, weight) in &state.additional_version_weights {
        cumulative += weight;
        if draw < cumulative {
            return version.clone();
        }
    }
    state.version.clone()
}

fn new_revision_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    fn router(seed: u64) -> AliasRouter {
        let text = r#"
[[function]]
name = "f"
[[function.version]]
version = "1"
bootstrap = "a"
[[function.version]]
version = "2"
bootstrap = "b"
[[function.alias]]
name = "live"
version = "1"
additional_version_weights = { "2" = 0.1 }
"#;
        let config = Config::parse(text, Path::new("t.toml"), Path::new(".")).expect("valid");
        AliasRouter::new(&config.functions, Some(seed))
    }

    #[test]
    fn the_draw_picks_the_additional_version_below_its_weight() {
        let state = router(1).get("f", "live").expect("alias");
        assert_eq!(choose_version(&state, 0.0), "2");
        assert_eq!(choose_version(&state, 0.0999), "2");
        assert_eq!(choose_version(&state, 0.1), "1");
        assert_eq!(choose_version(&state, 0.9999), "1");
    }

    #[test]
    fn a_ten_percent_weight_sends_about_ten_percent() {
        let router = router(42);
        let to_two = (0..20_000).filter(|_| router.route("f", "live").as_deref() == Some("2")).count();
        let share = to_two as f64 / 20_000.0;
        assert!((0.09..0.11).contains(&share), "share to version 2 was {share}");
    }

    #[test]
    fn a_stale_revision_is_refused_and_a_fresh_one_applies() {
        let router = router(7);
        let before = router.get("f", "live").expect("alias");
        let updated = router
            .update(
                "f",
                "live",
                AliasUpdate {
                    additional_version_weights: Some(BTreeMap::from([("2".to_string(), 0.5)])),
                    expected_revision_id: Some(before.revision_id.clone()),
                    ..AliasUpdate::default()
                },
            )
            .expect("fresh revision applies");
        assert_ne!(updated.revision_id, before.revision_id);
        let stale = router.update(
            "f",
            "live",
            AliasUpdate { expected_revision_id: Some(before.revision_id), ..AliasUpdate::default() },
        );
        assert_eq!(stale, Err(AliasError::RevisionMismatch));
    }

    #[test]
    fn a_version_an_alias_routes_to_cannot_be_deleted_until_the_alias_moves() {
        let router = router(3);
        let refused = router.delete_version("f", "2");
        assert_eq!(
            refused,
            Err(AliasError::VersionInUse { function: "f".into(), version: "2".into(), aliases: vec!["live".into()] })
        );
        router
            .update(
                "f",
                "live",
                AliasUpdate { additional_version_weights: Some(BTreeMap::new()), ..AliasUpdate::default() },
            )
            .expect("weights cleared");
        router.delete_version("f", "2").expect("no alias routes to 2");
        assert!(!router.has_version("f", "2") && router.has_version("f", "1"));
        assert_eq!(router.versions("f"), ["1"]);
        assert_eq!(
            router.delete_version("f", "2"),
            Err(AliasError::VersionNotFound { function: "f".into(), version: "2".into() })
        );
        let moved_back =
            router.update("f", "live", AliasUpdate { version: Some("2".into()), ..AliasUpdate::default() });
        assert!(matches!(moved_back, Err(AliasError::InvalidParameter { .. })), "{moved_back:?}");
    }

    #[test]
    fn an_update_to_an_unknown_version_is_refused() {
        let result = router(7).update("f", "live", AliasUpdate { version: Some("9".into()), ..AliasUpdate::default() });
        assert!(matches!(result, Err(AliasError::InvalidParameter { .. })), "{result:?}");
    }
}
