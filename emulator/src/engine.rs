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
use crate::function_pool::{FunctionPool, InvokeOptions, LATEST};
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
    pub(crate) async fn invoke(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
    ) -> Result<InvocationOutcome, InvokeError> {
        self.invoke_with(function, qualifier, payload, InvokeOptions::default()).await
    }

    pub(crate) async fn invoke_with(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
        mut options: InvokeOptions,
    ) -> Result<InvocationOutcome, InvokeError> {
        let requested = qualifier;
        let (pool, qualifier, version) = self.resolve(function, qualifier)?;
        if payload.len() > MAX_REQUEST_BYTES {
            return Err(InvokeError::RequestTooLarge { size: payload.len(), limit: MAX_REQUEST_BYTES });
        }
        // Lambda hands an invocation without a payload to the handler as `{}`.
        let payload = if payload.iter().all(u8::is_ascii_whitespace) { Bytes::from_static(b"{}") } else { payload };
        options.explicit_latest = qualifier == LATEST && self.names_latest(function, requested);
        let faults = || self.faults.plan(&pool.config.name, &version, self.clock.as_ref());
        let result = pool.invoke(&qualifier, &version, payload, options, faults).await;
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

    /// Whether the caller named `$LATEST` itself (so ARNs carry it) rather than leaving the
    /// qualifier out.
    fn names_latest(&self, function: &str, requested: Option<&str>) -> bool {
        requested == Some(LATEST)
            || parse_function_reference(function).is_ok_and(|reference| reference.qualifier == Some(LATEST))
    }

    /// Finds the pool, the qualifier as the caller meant it, and the version to run.
    /// `function` is a name, `name:qualifier`, a partial ARN (`account:function:name`) or a
    /// full ARN; malformed ones, foreign regions and a `qualifier` that contradicts the one
    /// in the name are refused with Lambda's errors.
    pub(crate) fn resolve(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(&FunctionPool, String, String), InvokeError> {
        let (name, qualifier) = self.function_and_qualifier(function, qualifier)?;
        let not_found = || InvokeError::FunctionNotFound { arn: self.arn(name, qualifier) };
        let pool = self.pools.get(name).ok_or_else(not_found)?;
        let qualifier = qualifier.unwrap_or(LATEST);
        let version = if pool.has_version(qualifier) && self.version_exists(name, qualifier) {
            qualifier.to_string()
        } else {
            self.aliases.route(name, qualifier).ok_or_else(not_found)?
        };
        Ok((pool, qualifier.to_string(), version))
    }

    /// The function name and the qualifier a request names, validated as Lambda validates
    /// them (`ValidationException`, then `InvalidParameterValueException`).
    pub(crate) fn function_and_qualifier<'a>(
        &self,
        function: &'a str,
        qualifier: Option<&'a str>,
    ) -> Result<(&'a str, Option<&'a str>), InvokeError> {
        let reference = parse_function_reference(function)?;
        let qualifier = qualifier.filter(|qualifier| !qualifier.is_empty());
        if let Some(qualifier) = qualifier {
            check_qualifier(qualifier)?;
        }
        let local = &self.config.local;
        if let Some(region) = reference.region
            && region != local.region
        {
            return Err(InvokeError::InvalidParameterValue {
                message: format!("Functions from '{region}' are not reachable in this region ('{}')", local.region),
            });
        }
        if let Some(account) = reference.account
            && account != local.account_id
        {
            // Another account's function is not served here: Lambda cannot find it.
            let region = reference.region.unwrap_or(&local.region);
            let mut arn = format!("arn:aws:lambda:{region}:{account}:function:{}", reference.name);
            if let Some(qualifier) = qualifier.or(reference.qualifier) {
                arn = format!("{arn}:{qualifier}");
            }
            return Err(InvokeError::FunctionNotFound { arn });
        }
        match (reference.qualifier, qualifier) {
            (Some(derived), Some(given)) if derived != given => Err(InvokeError::InvalidParameterValue {
                message: "The derived qualifier from the function name does not match the specified qualifier."
                    .to_string(),
            }),
            (derived, given) => Ok((reference.name, given.or(derived))),
        }
    }

    /// Whether `version` of `function` can run: `$LATEST`, or a published version that was
    /// not deleted.
    pub(crate) fn version_exists(&self, function: &str, version: &str) -> bool {
        self.pools.get(function).is_some_and(|pool| pool.has_version(version))
            && (version == LATEST || self.aliases.has_version(function, version))
    }

    /// The function's ARN, qualified when `qualifier` is given (`$LATEST` included, as
    /// Lambda writes it: `…:function:f:$LATEST`).
    pub(crate) fn arn(&self, function: &str, qualifier: Option<&str>) -> String {
        let local = &self.config.local;
        let base = format!("arn:aws:lambda:{}:{}:function:{function}", local.region, local.account_id);
        match qualifier {
            Some(qualifier) => format!("{base}:{qualifier}"),
            None => base,
        }
    }
}

/// Lambda's pattern for `FunctionName` (Invoke), quoted in its validation message.
const FUNCTION_NAME_PATTERN: &str = r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";
const FUNCTION_NAME_MAX: usize = 140;
const QUALIFIER_PATTERN: &str = "(|[a-zA-Z0-9$_-]+)";
const QUALIFIER_MAX: usize = 128;

/// A function reference taken apart: `name`, `name:qualifier`, `account:function:name`,
/// or `arn:aws:lambda:region:account:function:name[:qualifier]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FunctionReference<'a> {
    pub region: Option<&'a str>,
    pub account: Option<&'a str>,
    pub name: &'a str,
    pub qualifier: Option<&'a str>,
}

/// Parses `reference` as Lambda's `FunctionName` pattern does; anything else is a
/// `ValidationException` worded as Lambda words it.
pub(crate) fn parse_function_reference(reference: &str) -> Result<FunctionReference<'_>, InvokeError> {
    let invalid = |constraint: &str| InvokeError::Validation {
        message: format!(
            "1 validation error detected: Value '{reference}' at 'functionName' failed to satisfy constraint: {constraint}"
        ),
    };
    if reference.is_empty() {
        return Err(invalid("Member must have length greater than or equal to 1"));
    }
    if reference.len() > FUNCTION_NAME_MAX {
        return Err(invalid(&format!("Member must have length less than or equal to {FUNCTION_NAME_MAX}")));
    }
    let pattern = || invalid(&format!("Member must satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}"));
    let tokens: Vec<&str> = reference.split(':').collect();
    let mut index = 0;
    let more_after = |index: usize| index + 1 < tokens.len();
    if tokens.len() >= 3 && tokens[0] == "arn" && is_partition(tokens[1]) && tokens[2] == "lambda" {
        index = 3;
    }
    let mut parsed = FunctionReference { region: None, account: None, name: "", qualifier: None };
    if index < tokens.len() && more_after(index) && is_region(tokens[index]) {
        parsed.region = Some(tokens[index]);
        index += 1;
    }
    if index < tokens.len()
        && more_after(index)
        && tokens[index].len() == 12
        && tokens[index].bytes().all(|b| b.is_ascii_digit())
    {
        parsed.account = Some(tokens[index]);
        index += 1;
    }
    if index < tokens.len() && more_after(index) && tokens[index] == "function" {
        index += 1;
    }
    let name = tokens.get(index).copied().ok_or_else(pattern)?;
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return Err(pattern());
    }
    parsed.name = name;
    index += 1;
    if let Some(qualifier) = tokens.get(index) {
        let valid = *qualifier == LATEST
            || (!qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)));
        if !valid {
            return Err(pattern());
        }
        parsed.qualifier = Some(qualifier);
        index += 1;
    }
    if index != tokens.len() {
        return Err(pattern());
    }
    Ok(parsed)
}

/// Lambda's `Qualifier` constraint.
pub(crate) fn check_qualifier(qualifier: &str) -> Result<(), InvokeError> {
    let invalid = |constraint: String| InvokeError::Validation {
        message: format!(
            "1 validation error detected: Value '{qualifier}' at 'qualifier' failed to satisfy constraint: {constraint}"
        ),
    };
    if qualifier.len() > QUALIFIER_MAX {
        return Err(invalid(format!("Member must have length less than or equal to {QUALIFIER_MAX}")));
    }
    if !qualifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"$_-".contains(&b)) {
        return Err(invalid(format!("Member must satisfy regular expression pattern: {QUALIFIER_PATTERN}")));
    }
    Ok(())
}

/// `aws[a-zA-Z-]*`: `aws`, `aws-cn`, `aws-us-gov`.
fn is_partition(token: &str) -> bool {
    token.strip_prefix("aws").is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-'))
}

/// `[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}`, e.g. `eu-west-1`, `us-gov-west-1`.
fn is_region(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    let lower = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let digit = |part: &str| part.len() == 1 && part.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [area, direction, number] => area.len() == 2 && lower(area) && lower(direction) && digit(number),
        [area, kind, direction, number] => {
            area.len() == 2
                && lower(area)
                && (*kind == "gov" || (kind.starts_with("iso") && kind.len() <= 4 && lower(kind)))
                && lower(direction)
                && digit(number)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_function_reference(reference: &str) -> (&str, Option<&str>) {
        let parsed = parse_function_reference(reference).expect("valid");
        (parsed.name, parsed.qualifier)
    }

    #[test]
    fn function_references_split_into_name_and_qualifier() {
        assert_eq!(split_function_reference("f"), ("f", None));
        assert_eq!(split_function_reference("f:live"), ("f", Some("live")));
        assert_eq!(split_function_reference("arn:aws:lambda:eu-west-1:123456789012:function:f"), ("f", None));
        assert_eq!(split_function_reference("arn:aws:lambda:eu-west-1:123456789012:function:f:2"), ("f", Some("2")));
        assert_eq!(split_function_reference("123456789012:function:f"), ("f", None));
        assert_eq!(split_function_reference("f:$LATEST"), ("f", Some("$LATEST")));
    }

    #[test]
    fn malformed_references_are_validation_errors_with_lambdas_pattern() {
        for bad in ["bad name", "f:1:2", "arn:aws:lambda:eu-west-1:123456789012:function:", "f/x", "", "f:q!"] {
            let error = parse_function_reference(bad).expect_err(bad);
            let InvokeError::Validation { message } = &error else { panic!("{bad}: {error:?}") };
            assert!(
                message.starts_with(&format!("1 validation error detected: Value '{bad}' at 'functionName'")),
                "{message}"
            );
        }
        let long = "f".repeat(141);
        assert!(matches!(parse_function_reference(&long), Err(InvokeError::Validation { .. })));
        let parsed = parse_function_reference("arn:aws:lambda:us-east-1:210987654321:function:f:live").expect("valid");
        assert_eq!(
            parsed,
            FunctionReference {
                region: Some("us-east-1"),
                account: Some("210987654321"),
                name: "f",
                qualifier: Some("live")
            }
        );
        assert!(check_qualifier("live").is_ok() && check_qualifier("$LATEST").is_ok());
        assert!(matches!(check_qualifier("a b"), Err(InvokeError::Validation { .. })));
    }
}
