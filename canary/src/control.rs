//! The Lambda control plane as the controller needs it, as a small trait with domain
//! types: the aws-sdk-lambda adapter implements it against AWS or the local emulator, and
//! a fake implements it for tests in virtual time.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::alias::{AliasSnapshot, AliasTarget};

/// What preflight compares between the two versions, and the timeout that sets how late a
/// metric period may still change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionSettings {
    /// The version number.
    pub version: String,
    /// The execution role's ARN.
    pub role: Option<String>,
    /// The dead-letter queue or topic ARN, if any.
    pub dead_letter_target: Option<String>,
    /// The function timeout.
    #[serde(with = "crate::units::duration")]
    pub timeout: Duration,
    /// Lambda's runtime identifier (`python3.12`, `provided.al2023`); None for container images.
    pub runtime: Option<String>,
}

/// Something that still points at a version: the decommission check lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionReference {
    /// `alias`, `provisioned-concurrency`, `event-source-mapping`, `function-url`.
    pub kind: String,
    /// Which one, for a person: the alias's routing, the mapping's source, the URL.
    pub detail: String,
}

/// Why a Lambda control-plane call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The function, version or alias does not exist (ResourceNotFound).
    #[error("{what} not found")]
    NotFound {
        /// What was missing, such as `alias orders:live`.
        what: String,
    },
    /// UpdateAlias's RevisionId no longer matches: someone else changed the alias.
    #[error("the alias changed since it was read (PreconditionFailed): {message}")]
    PreconditionFailed {
        /// Lambda's message.
        message: String,
    },
    /// Lambda refused because something still uses the resource (DeleteFunction of a
    /// version an alias routes to).
    #[error("Lambda refused: {message}")]
    Conflict {
        /// Lambda's message.
        message: String,
    },
    /// Any other failure: network, credentials, throttling, a service error.
    #[error("Lambda {operation} failed")]
    Service {
        /// The Lambda operation, such as `GetAlias`.
        operation: &'static str,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The Lambda calls the controller makes. Implemented by [`SdkLambda`](crate::SdkLambda)
/// and by [`FakeLambda`](crate::fakes::FakeLambda).
#[async_trait::async_trait]
pub trait LambdaControl: Send + Sync {
    /// The alias's routing and RevisionId.
    async fn get_alias(&self, function: &str, alias: &str) -> Result<AliasSnapshot, ControlError>;

    /// Sets the alias's routing only if its RevisionId is still `revision_id`.
    async fn update_alias(
        &self,
        function: &str,
        alias: &str,
        target: &AliasTarget,
        revision_id: &str,
    ) -> Result<AliasSnapshot, ControlError>;

    /// The configuration of one published version.
    async fn version_settings(&self, function: &str, version: &str) -> Result<VersionSettings, ControlError>;

    /// Published versions, `$LATEST` excluded.
    async fn list_versions(&self, function: &str) -> Result<Vec<String>, ControlError>;

    /// Every alias of the function with its routing.
    async fn list_aliases(&self, function: &str) -> Result<Vec<(String, AliasTarget)>, ControlError>;

    /// Provisioned concurrency, event source mappings and function URLs on `version`
    /// (aliases are read with [`LambdaControl::list_aliases`]).
    async fn version_references(&self, function: &str, version: &str) -> Result<Vec<VersionReference>, ControlError>;

    /// Deletes a published version; [`ControlError::Conflict`] while something still uses it.
    async fn delete_version(&self, function: &str, version: &str) -> Result<(), ControlError>;
}

/// Two controllers (or a controller and a test) can share one control plane.
#[async_trait::async_trait]
impl<T: LambdaControl + ?Sized> LambdaControl for std::sync::Arc<T> {
    async fn get_alias(&self, function: &str, alias: &str) -> Result<AliasSnapshot, ControlError> {
        (**self).get_alias(function, alias).await
    }

    async fn update_alias(
        &self,
        function: &str,
        alias: &str,
        target: &AliasTarget,
        revision_id: &str,
    ) -> Result<AliasSnapshot, ControlError> {
        (**self).update_alias(function, alias, target, revision_id).await
    }

    async fn version_settings(&self, function: &str, version: &str) -> Result<VersionSettings, ControlError> {
        (**self).version_settings(function, version).await
    }

    async fn list_versions(&self, function: &str) -> Result<Vec<String>, ControlError> {
        (**self).list_versions(function).await
    }

    async fn list_aliases(&self, function: &str) -> Result<Vec<(String, AliasTarget)>, ControlError> {
        (**self).list_aliases(function).await
    }

    async fn version_references(&self, function: &str, version: &str) -> Result<Vec<VersionReference>, ControlError> {
        (**self).version_references(function, version).await
    }

    async fn delete_version(&self, function: &str, version: &str) -> Result<(), ControlError> {
        (**self).delete_version(function, version).await
    }
}
