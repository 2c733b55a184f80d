//! [`LambdaControl`] on aws-sdk-lambda: AWS, or the local emulator's Lambda API through
//! `--endpoint-url`. The only module of the crate that speaks Lambda's SDK.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::AliasRoutingConfiguration;

use crate::alias::{AliasSnapshot, AliasTarget};
use crate::control::{ControlError, LambdaControl, VersionReference, VersionSettings};

/// [`LambdaControl`] on an aws-sdk-lambda client, counting the calls it makes; clones
/// share the count.
#[derive(Debug, Clone)]
pub struct SdkLambda {
    client: Client,
    calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl SdkLambda {
    /// The control plane behind `client`.
    pub fn new(client: Client) -> SdkLambda {
        SdkLambda { client, calls: Default::default() }
    }

    /// Lambda API calls made so far (the figures per tick in docs/benchmarks.md).
    pub fn call_count(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(&self) {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The control plane behind a client built from `config` (region, credentials, endpoint).
    pub fn from_config(config: &aws_types::SdkConfig) -> SdkLambda {
        SdkLambda::new(Client::new(config))
    }
}

fn service<E>(operation: &'static str, what: String) -> impl FnOnce(E) -> ControlError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |error| match error.code() {
        Some("ResourceNotFoundException") => ControlError::NotFound { what },
        Some("PreconditionFailedException") => {
            ControlError::PreconditionFailed { message: error.message().unwrap_or_default().to_string() }
        }
        Some("ResourceConflictException") => {
            ControlError::Conflict { message: error.message().unwrap_or_default().to_string() }
        }
        _ => ControlError::Service { operation, source: Box::new(error) },
    }
}

fn weights(routing: Option<&AliasRoutingConfiguration>) -> BTreeMap<String, f64> {
    routing
        .and_then(|routing| routing.additional_version_weights())
        .map(|weights| weights.iter().map(|(version, weight)| (version.clone(), *weight)).collect())
        .unwrap_or_default()
}

/// The qualifier of a qualified function ARN (`…:function:name:qualifier`).
fn qualifier_of(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    (parts.len() == 8).then(|| parts[7])
}

#[async_trait::async_trait]
impl LambdaControl for SdkLambda {
    async fn get_alias(&self, function: &str, alias: &str) -> Result<AliasSnapshot, ControlError> {
        self.count();
        let output = self
            .client
            .get_alias()
            .function_name(function)
            .name(alias)
            .send()
            .await
            .map_err(service("GetAlias", format!("alias {function}:{alias}")))?;
        Ok(AliasSnapshot {
            routing: AliasTarget {
                version: output.function_version().unwrap_or_default().to_string(),
                additional_version_weights: weights(output.routing_config()),
            },
            revision_id: output.revision_id().unwrap_or_default().to_string(),
        })
    }

    async fn update_alias(
        &self,
        function: &str,
        alias: &str,
        target: &AliasTarget,
        revision_id: &str,
    ) -> Result<AliasSnapshot, ControlError> {
        self.count();
        let weights: HashMap<String, f64> =
            target.additional_version_weights.iter().map(|(version, weight)| (version.clone(), *weight)).collect();
        let output = self
            .client
            .update_alias()
            .function_name(function)
            .name(alias)
            .function_version(&target.version)
            .routing_config(AliasRoutingConfiguration::builder().set_additional_version_weights(Some(weights)).build())
            .revision_id(revision_id)
            .send()
            .await
            .map_err(service("UpdateAlias", format!("alias {function}:{alias}")))?;
        Ok(AliasSnapshot {
            routing: AliasTarget {
                version: output.function_version().unwrap_or_default().to_string(),
                additional_version_weights: self::weights(output.routing_config()),
            },
            revision_id: output.revision_id().unwrap_or_default().to_string(),
        })
    }

    async fn version_settings(&self, function: &str, version: &str) -> Result<VersionSettings, ControlError> {
        self.count();
        let output = self
            .client
            .get_function_configuration()
            .function_name(function)
            .qualifier(version)
            .send()
            .await
            .map_err(service("GetFunctionConfiguration", format!("version {function}:{version}")))?;
        Ok(VersionSettings {
            version: output.version().unwrap_or(version).to_string(),
            role: output.role().map(str::to_string),
            dead_letter_target: output.dead_letter_config().and_then(|config| config.target_arn()).map(str::to_string),
            timeout: Duration::from_secs(output.timeout().unwrap_or(3).max(0) as u64),
            runtime: output.runtime().map(|runtime| runtime.as_str().to_string()),
        })
    }

    async fn list_versions(&self, function: &str) -> Result<Vec<String>, ControlError> {
        let mut versions = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            self.count();
            let output = self
                .client
                .list_versions_by_function()
                .function_name(function)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(service("ListVersionsByFunction", format!("function {function}")))?;
            versions.extend(
                output
                    .versions()
                    .iter()
                    .filter_map(|configuration| configuration.version())
                    .filter(|version| *version != "$LATEST")
                    .map(str::to_string),
            );
            match output.next_marker() {
                Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(versions)
    }

    async fn list_aliases(&self, function: &str) -> Result<Vec<(String, AliasTarget)>, ControlError> {
        let mut aliases = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            self.count();
            let output = self
                .client
                .list_aliases()
                .function_name(function)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(service("ListAliases", format!("function {function}")))?;
            for alias in output.aliases() {
                aliases.push((
                    alias.name().unwrap_or_default().to_string(),
                    AliasTarget {
                        version: alias.function_version().unwrap_or_default().to_string(),
                        additional_version_weights: weights(alias.routing_config()),
                    },
                ));
            }
            match output.next_marker() {
                Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(aliases)
    }

    async fn version_references(&self, function: &str, version: &str) -> Result<Vec<VersionReference>, ControlError> {
        let mut references = Vec::new();
        self.calls.fetch_add(3, std::sync::atomic::Ordering::Relaxed);
        let provisioned = self
            .client
            .list_provisioned_concurrency_configs()
            .function_name(function)
            .send()
            .await
            .map_err(service("ListProvisionedConcurrencyConfigs", format!("function {function}")))?;
        for config in provisioned.provisioned_concurrency_configs() {
            let arn = config.function_arn().unwrap_or_default();
            if qualifier_of(arn) == Some(version) {
                references.push(VersionReference {
                    kind: "provisioned-concurrency".into(),
                    detail: format!(
                        "{} provisioned environments on {arn}",
                        config.requested_provisioned_concurrent_executions().unwrap_or_default()
                    ),
                });
            }
        }
        let qualified = format!("{function}:{version}");
        let mappings = self
            .client
            .list_event_source_mappings()
            .function_name(&qualified)
            .send()
            .await
            .map_err(service("ListEventSourceMappings", format!("function {qualified}")))?;
        for mapping in mappings.event_source_mappings() {
            let arn = mapping.function_arn().unwrap_or_default();
            if qualifier_of(arn) == Some(version) {
                references.push(VersionReference {
                    kind: "event-source-mapping".into(),
                    detail: format!(
                        "{} from {}",
                        mapping.uuid().unwrap_or_default(),
                        mapping.event_source_arn().unwrap_or_default()
                    ),
                });
            }
        }
        let urls = self
            .client
            .list_function_url_configs()
            .function_name(function)
            .send()
            .await
            .map_err(service("ListFunctionUrlConfigs", format!("function {function}")))?;
        for url in urls.function_url_configs() {
            if qualifier_of(url.function_arn()) == Some(version) {
                references
                    .push(VersionReference { kind: "function-url".into(), detail: url.function_url().to_string() });
            }
        }
        Ok(references)
    }

    async fn delete_version(&self, function: &str, version: &str) -> Result<(), ControlError> {
        self.count();
        self.client
            .delete_function()
            .function_name(function)
            .qualifier(version)
            .send()
            .await
            .map_err(service("DeleteFunction", format!("version {function}:{version}")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_come_from_qualified_arns_only() {
        assert_eq!(qualifier_of("arn:aws:lambda:eu-west-1:123456789012:function:f:1"), Some("1"));
        assert_eq!(qualifier_of("arn:aws:lambda:eu-west-1:123456789012:function:f"), None);
    }
}
