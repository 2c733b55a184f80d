//! The engine: the function pools, the alias router, the metrics store and the clock, with
//! name resolution and the invocation path every front door shares. The front doors
//! (`invoke_api`, `api_gateway`, `cloudwatch_api`) and the [`crate::Emulator`] handle
//! depend on it; it knows none of them.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;

use crate::alias_router::AliasRouter;
use crate::clock::Clock;
use crate::config::Config;
use crate::faults::FaultInjector;
use crate::function_pool::{FunctionPool, LATEST};
use crate::limits::MAX_REQUEST_BYTES;
use crate::metrics::{MetricsStore, Sample, SampleKind};
use crate::outcome::{InvocationOutcome, InvokeError};
use crate::sandbox::ProcessRegistry;

/// Shared by the in-process API and the HTTP front doors.
pub(crate) struct Engine {
    pub config: Config,
    pub pools: BTreeMap<String, FunctionPool>,
    pub aliases: AliasRouter,
    pub metrics: MetricsStore,
    pub registry: Arc<ProcessRegistry>,
    pub clock: Arc<dyn Clock>,
    pub faults: FaultInjector,
}

impl Engine {
    pub async fn invoke(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
    ) -> Result<InvocationOutcome, InvokeError> {
        let (pool, qualifier, version) = self.resolve(function, qualifier)?;
        if payload.len() > MAX_REQUEST_BYTES {
            return Err(InvokeError::RequestTooLarge { size: payload.len(), limit: MAX_REQUEST_BYTES });
        }
        let faults = || self.faults.plan(&pool.config.name, &version, self.clock.as_ref());
        let result = pool.invoke(&qualifier, &version, payload, faults).await;
        let now = self.clock.now();
        match &result {
            Ok(outcome) => self.metrics.record(
                now,
                Sample {
                    function: outcome.function.clone(),
                    qualifier: outcome.qualifier.clone(),
                    executed_version: Some(outcome.executed_version.clone()),
                    kind: SampleKind::Invocation {
                        error: outcome.status.is_error(),
                        duration: outcome.report.duration,
                        init_duration: outcome.report.init_duration,
                        max_memory_used_mb: outcome.report.max_memory_used_mb,
                    },
                },
            ),
            Err(InvokeError::Throttled { function, qualifier }) => self.metrics.record(
                now,
                Sample {
                    function: function.clone(),
                    qualifier: qualifier.clone(),
                    executed_version: None,
                    kind: SampleKind::Throttle,
                },
            ),
            Err(_) => {}
        }
        result
    }

    /// Finds the pool, the qualifier as the caller meant it, and the version to run.
    pub fn resolve(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(&FunctionPool, String, String), InvokeError> {
        let (name, embedded) = split_function_reference(function);
        let qualifier = qualifier.filter(|q| !q.is_empty()).or(embedded).unwrap_or(LATEST).to_string();
        let not_found = || InvokeError::FunctionNotFound { arn: self.arn(name, Some(&qualifier)) };
        let pool = self.pools.get(name).ok_or_else(not_found)?;
        let version = if pool.has_version(&qualifier) && self.version_exists(name, &qualifier) {
            qualifier.clone()
        } else {
            self.aliases.route(name, &qualifier).ok_or_else(not_found)?
        };
        Ok((pool, qualifier, version))
    }

    /// Whether `version` of `function` can run: `$LATEST`, or a published version that was
    /// not deleted.
    pub fn version_exists(&self, function: &str, version: &str) -> bool {
        self.pools.get(function).is_some_and(|pool| pool.has_version(version))
            && (version == LATEST || self.aliases.has_version(function, version))
    }

    pub fn arn(&self, function: &str, qualifier: Option<&str>) -> String {
        let local = &self.config.local;
        let base = format!("arn:aws:lambda:{}:{}:function:{function}", local.region, local.account_id);
        match qualifier {
            Some(qualifier) if qualifier != LATEST => format!("{base}:{qualifier}"),
            _ => base,
        }
    }
}

/// `name`, `name:qualifier`, or `arn:aws:lambda:region:account:function:name[:qualifier]`.
pub(crate) fn split_function_reference(reference: &str) -> (&str, Option<&str>) {
    let parts: Vec<&str> = reference.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => (name, None),
        ["arn", _, "lambda", _, _, "function", name, qualifier] => (name, Some(qualifier)),
        [name, qualifier] => (name, Some(qualifier)),
        _ => (reference, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_references_split_into_name_and_qualifier() {
        assert_eq!(split_function_reference("f"), ("f", None));
        assert_eq!(split_function_reference("f:live"), ("f", Some("live")));
        assert_eq!(split_function_reference("arn:aws:lambda:eu-west-1:123456789012:function:f"), ("f", None));
        assert_eq!(
            split_function_reference("arn:aws:lambda:eu-west-1:123456789012:function:f:2"),
            ("f", Some("2"))
        );
    }
}
