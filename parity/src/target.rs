//! Targets: where an event is replayed. Written as URIs (`local:<function>:<version|alias>`,
//! `lambda:<name-or-arn>[:<qualifier>]`, `http(s)://...`, `recorded`).
//!
//! This module is the abstraction only: the URI, the [`Target`] trait, its errors and the
//! options of opening one. The implementations live beside it (`recorded`, `http`, `local`,
//! `lambda`) and depend on it; `open` is the factory that depends on them, never the
//! reverse.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::capture::CaptureError;
use crate::record::{Observed, Record};
use crate::side_effects::SideEffects;
use aws_settings::AwsSettings;

/// The function name of `local:*:<qualifier>`: each record runs its own `function`.
pub(crate) const LOCAL_EVERY_FUNCTION: &str = "*";

/// A parsed target URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetUri {
    /// A function version or alias of the local emulator.
    Local {
        /// The function's name in `cutover.toml`, or `*` for each record's own function.
        function: String,
        /// A version number, `$LATEST` or an alias name.
        qualifier: String,
    },
    /// A deployed Lambda function, by name or ARN, with an optional version or alias.
    Lambda {
        /// The function's name, or its ARN without a qualifier.
        function: String,
        /// The version or alias to invoke; `None` invokes `$LATEST`.
        qualifier: Option<String>,
    },
    /// An API Gateway stage (or any HTTP server) the events are re-sent to.
    Http {
        /// The URL as given, without a trailing `/`; each event's path is appended.
        base_url: String,
    },
    /// The responses stored in the corpus.
    Recorded,
}

/// Why a target URI was refused, or a target could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetUriError {
    /// The text is not a target URI of any scheme, or not a valid one of its scheme.
    #[error("target {uri:?}: {reason}")]
    Invalid {
        /// The URI as given.
        uri: String,
        /// What is wrong, with the form to write instead.
        reason: String,
    },
    /// A valid URI that [`build_target`](crate::build_target) cannot build: it needs the
    /// options a [`ParitySession`](crate::ParitySession) opens targets with.
    #[error("target {uri:?}: {scheme} targets cannot be built here ({reason})")]
    Unsupported {
        /// The URI.
        uri: String,
        /// Its scheme (`local:`, `lambda:`).
        scheme: &'static str,
        /// What it needs instead.
        reason: &'static str,
    },
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.len() <= 140 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_qualifier(text: &str) -> bool {
    text == "$LATEST" || (is_name(text) && text.len() <= 128)
}

impl FromStr for TargetUri {
    type Err = TargetUriError;

    fn from_str(uri: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| TargetUriError::Invalid { uri: uri.to_owned(), reason: reason.to_owned() };
        if uri == "recorded" {
            return Ok(Self::Recorded);
        }
        if let Some(rest) = uri.strip_prefix("local:") {
            let Some((function, qualifier)) = rest.split_once(':') else {
                return Err(invalid("write local:<function>:<version|alias>, e.g. local:get-cluster:live"));
            };
            // `*` stands for each record's own function: a whole multi-function corpus.
            if function != LOCAL_EVERY_FUNCTION && !is_name(function) {
                return Err(invalid(
                    "the function name must be letters, digits, `-` or `_`, or `*` for each record's own function",
                ));
            }
            if !is_qualifier(qualifier) {
                return Err(invalid("the qualifier must be a version number, $LATEST or an alias name"));
            }
            return Ok(Self::Local { function: function.to_owned(), qualifier: qualifier.to_owned() });
        }
        if let Some(rest) = uri.strip_prefix("lambda:") {
            if rest.is_empty() {
                return Err(invalid("write lambda:<function-name-or-arn>[:<qualifier>]"));
            }
            let (function, qualifier) = if rest.starts_with("arn:") {
                // arn:partition:lambda:region:account:function:name[:qualifier]
                let parts: Vec<&str> = rest.split(':').collect();
                if parts.len() < 7 || parts.len() > 8 || parts[2] != "lambda" || parts[5] != "function" {
                    return Err(invalid(
                        "a function ARN looks like arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]",
                    ));
                }
                if !is_name(parts[6]) {
                    return Err(invalid("the function name in the ARN must be letters, digits, `-` or `_`"));
                }
                (parts[..7].join(":"), parts.get(7).map(|q| (*q).to_owned()))
            } else {
                match rest.split_once(':') {
                    Some((name, qualifier)) => (name.to_owned(), Some(qualifier.to_owned())),
                    None => (rest.to_owned(), None),
                }
            };
            if !function.starts_with("arn:") && !is_name(&function) {
                return Err(invalid("the function name must be letters, digits, `-` or `_`"));
            }
            if let Some(qualifier) = &qualifier
                && !is_qualifier(qualifier)
            {
                return Err(invalid("the qualifier must be a version number, $LATEST or an alias name"));
            }
            return Ok(Self::Lambda { function, qualifier });
        }
        if uri.starts_with("http://") || uri.starts_with("https://") {
            let url = reqwest::Url::parse(uri).map_err(|error| invalid(&format!("not a URL: {error}")))?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid("the URL has no host"));
            }
            if url.query().is_some() || url.fragment().is_some() {
                return Err(invalid("the URL must not carry a query or fragment; events bring their own"));
            }
            return Ok(Self::Http { base_url: uri.trim_end_matches('/').to_owned() });
        }
        Err(invalid(
            "unknown target; use local:<function>:<version|alias>, lambda:<name-or-arn>[:<qualifier>], http(s)://... or recorded",
        ))
    }
}

impl fmt::Display for TargetUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local { function, qualifier } => write!(f, "local:{function}:{qualifier}"),
            Self::Lambda { function, qualifier: Some(qualifier) } => write!(f, "lambda:{function}:{qualifier}"),
            Self::Lambda { function, qualifier: None } => write!(f, "lambda:{function}"),
            Self::Http { base_url } => f.write_str(base_url),
            Self::Recorded => f.write_str("recorded"),
        }
    }
}

/// Why a target could not produce an outcome for a record (not a function error, which
/// is an outcome).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// An `http(s)://` target was given a record that is not an API Gateway REST event.
    #[error("record {record_id}: a {source_kind} event cannot be sent over HTTP")]
    NotHttp {
        /// The record's id.
        record_id: String,
        /// The record's `source`.
        source_kind: String,
    },
    /// The event lacks a field the target needs to send it (`httpMethod`, `path`).
    #[error("record {record_id}: the event has no usable `{field}`")]
    BadEvent {
        /// The record's id.
        record_id: String,
        /// The missing or unusable field.
        field: &'static str,
    },
    /// The HTTP request failed before an answer came (connection, timeout).
    #[error("record {record_id}: request to {url} failed")]
    Http {
        /// The record's id.
        record_id: String,
        /// The URL the event was sent to.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// Any other failure to get an answer: the event could not be encoded, the Invoke call
    /// failed (a throttle that outlasted the timeout included), or the side was shut down.
    #[error("record {record_id}: {message}")]
    Other {
        /// The record's id.
        record_id: String,
        /// What went wrong.
        message: String,
    },
}

/// Something events can be replayed against.
#[async_trait]
pub trait Target: Send + Sync {
    /// The URI this target was built from, for reports.
    fn name(&self) -> String;

    /// True when the target only returns what the corpus recorded (no ids to map).
    fn is_recorded(&self) -> bool {
        false
    }

    /// Sends `event` (the record's event, with ids already rewritten for this side).
    async fn invoke(&self, record: &Record, event: &Value) -> Result<Observed, TargetError>;

    /// What this side wrote to its own AWS back end, for targets that own one (`local:`
    /// with moto); `None` when the target cannot tell.
    async fn side_effects(&self) -> Option<Result<SideEffects, CaptureError>> {
        None
    }

    /// Stops whatever the target started (sandboxes, moto server).
    async fn shutdown(self: Box<Self>) {}
}

/// What opening a target needs beyond its URI ([`ParitySession::open`](crate::ParitySession::open)).
#[derive(Debug, Clone)]
pub struct TargetOptions {
    /// Per-request timeout of network targets.
    pub timeout: Duration,
    /// `cutover.toml`, for `local:` targets.
    pub config_path: PathBuf,
    /// Profile, region and endpoint of `lambda:` targets.
    pub aws: AwsSettings,
    /// Where the sandboxes of `local:` targets write their logs.
    pub logs: emulator::LogSink,
}

/// Why a target could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenTargetError {
    /// The URI cannot name a target that can be built.
    #[error(transparent)]
    Uri(#[from] TargetUriError),
    /// A `local:` target's `cutover.toml` could not be read or is invalid.
    #[error("target {uri}: cannot use {config}")]
    Config {
        /// The target's URI.
        uri: String,
        /// The config file.
        config: PathBuf,
        /// What is wrong with it.
        #[source]
        source: emulator::ConfigError,
    },
    /// A `local:` target names a function or qualifier the config does not declare.
    #[error("target {uri}: {reason}")]
    NotInConfig {
        /// The target's URI.
        uri: String,
        /// What is missing, and what the config has.
        reason: String,
    },
    /// A `local:` target's emulator (sandboxes, moto server, setup hook) failed to start.
    #[error("target {uri}: could not start the local Lambda")]
    Start {
        /// The target's URI.
        uri: String,
        /// The emulator's error.
        #[source]
        source: emulator::StartError,
    },
    /// Checked once when a `lambda:` side opens, so that a profile that does not exist
    /// is one error, not one per record.
    #[error("target {uri}: no AWS credentials{profile}: {message}")]
    Credentials {
        /// The target's URI.
        uri: String,
        /// ` from profile `name`` when a profile was named.
        profile: String,
        /// Why no credentials were found (the SDK's error, or the profiles there are).
        message: String,
    },
}

impl OpenTargetError {
    /// True when the user can fix it (a bad URI or config), false for a failure to start.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Self::Start { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(uri: &str) -> Result<TargetUri, TargetUriError> {
        uri.parse()
    }

    #[test]
    fn every_uri_form_of_the_brief_parses() {
        assert_eq!(
            parse("local:get-cluster:live"),
            Ok(TargetUri::Local { function: "get-cluster".into(), qualifier: "live".into() })
        );
        assert_eq!(parse("local:get-cluster:$LATEST").map(|t| t.to_string()), Ok("local:get-cluster:$LATEST".into()));
        assert_eq!(
            parse("lambda:get-cluster"),
            Ok(TargetUri::Lambda { function: "get-cluster".into(), qualifier: None })
        );
        assert_eq!(
            parse("lambda:get-cluster:7"),
            Ok(TargetUri::Lambda { function: "get-cluster".into(), qualifier: Some("7".into()) })
        );
        assert_eq!(
            parse("lambda:arn:aws:lambda:eu-west-1:123456789012:function:get-cluster:live"),
            Ok(TargetUri::Lambda {
                function: "arn:aws:lambda:eu-west-1:123456789012:function:get-cluster".into(),
                qualifier: Some("live".into())
            })
        );
        assert_eq!(
            parse("https://abc.execute-api.eu-west-1.amazonaws.com/prod/"),
            Ok(TargetUri::Http { base_url: "https://abc.execute-api.eu-west-1.amazonaws.com/prod".into() })
        );
        assert_eq!(parse("recorded"), Ok(TargetUri::Recorded));
    }

    #[test]
    fn bad_uris_say_what_is_wrong() {
        let message = |uri: &str| parse(uri).expect_err(uri).to_string();
        assert!(message("local:get-cluster").contains("local:<function>:<version|alias>"));
        assert!(message("local:get cluster:live").contains("function name"));
        assert!(message("lambda:").contains("lambda:<function-name-or-arn>"));
        assert!(message("lambda:arn:aws:s3:::bucket").contains("function ARN"));
        assert!(message("lambda:f:bad/qualifier").contains("qualifier"));
        assert!(message("http://").contains("not a URL") || message("http://").contains("no host"));
        assert!(message("http://localhost:1/x?a=1").contains("query"));
        assert!(message("ftp://x").contains("unknown target"));
    }

    #[test]
    fn every_function_of_a_corpus_is_local_star() {
        assert_eq!(parse("local:*:2"), Ok(TargetUri::Local { function: "*".into(), qualifier: "2".into() }));
        assert!(parse("local:a*:2").is_err());
    }
}
