//! Targets: where an event is replayed. Written as URIs (`local:<function>:<version|alias>`,
//! `lambda:<name-or-arn>[:<qualifier>]`, `http(s)://...`, `recorded`).
//!
//! `recorded` answers with what the corpus stored; `http(s)://` re-sends an API Gateway
//! REST v1 event as an HTTP request; `local:` invokes an in-process emulator (see
//! [`crate::LocalTarget`]) and `lambda:` calls Lambda's Invoke API (see
//! [`crate::LambdaTarget`]). [`open_target`] builds any of them; [`build_target`] the two
//! that need nothing but their URI.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::capture::CaptureError;
use crate::lambda::LambdaTarget;
use crate::local::LocalTarget;
use crate::record::{Observed, Outcome, Record};
use crate::side_effects::SideEffects;
use aws_settings::AwsSettings;

/// The function name of `local:*:<qualifier>`: each record runs its own `function`.
pub const LOCAL_EVERY_FUNCTION: &str = "*";

/// A parsed target URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetUri {
    /// A function version or alias of the local emulator.
    Local { function: String, qualifier: String },
    /// A deployed Lambda function, by name or ARN, with an optional version or alias.
    Lambda { function: String, qualifier: Option<String> },
    /// An API Gateway stage (or any HTTP server) the events are re-sent to.
    Http { base_url: String },
    /// The responses stored in the corpus.
    Recorded,
}

/// Why a target URI was refused, or a target could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetUriError {
    #[error("target {uri:?}: {reason}")]
    Invalid { uri: String, reason: String },
    #[error("target {uri:?}: {scheme} targets cannot be built here ({reason})")]
    Unsupported { uri: String, scheme: &'static str, reason: &'static str },
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
    #[error("record {record_id}: a {source_kind} event cannot be sent over HTTP")]
    NotHttp { record_id: String, source_kind: String },
    #[error("record {record_id}: the event has no usable `{field}`")]
    BadEvent { record_id: String, field: &'static str },
    #[error("record {record_id}: request to {url} failed")]
    Http {
        record_id: String,
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("record {record_id}: {message}")]
    Other { record_id: String, message: String },
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

/// What [`open_target`] needs beyond the URI.
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
    #[error(transparent)]
    Uri(#[from] TargetUriError),
    #[error("target {uri}: cannot use {config}")]
    Config {
        uri: String,
        config: PathBuf,
        #[source]
        source: emulator::ConfigError,
    },
    #[error("target {uri}: {reason}")]
    NotInConfig { uri: String, reason: String },
    #[error("target {uri}: could not start the local Lambda")]
    Start {
        uri: String,
        #[source]
        source: emulator::StartError,
    },
    /// Checked once when a `lambda:` side opens, so that a profile that does not exist
    /// is one error, not one per record.
    #[error("target {uri}: no AWS credentials{profile}: {message}")]
    Credentials {
        uri: String,
        /// ` from profile `name`` when a profile was named.
        profile: String,
        message: String,
    },
}

impl OpenTargetError {
    /// True when the user can fix it (a bad URI or config), false for a failure to start.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Self::Start { .. })
    }
}

/// Opens the target a URI names: `local:` starts its own emulator (own sandboxes, own moto
/// server seeded by the setup hook), `lambda:` builds an SDK client from the default chain.
pub async fn open_target(uri: &TargetUri, options: &TargetOptions) -> Result<Box<dyn Target>, OpenTargetError> {
    match uri {
        TargetUri::Local { function, qualifier } => {
            let target = LocalTarget::start(uri, function, qualifier, options).await?;
            Ok(Box::new(target))
        }
        TargetUri::Lambda { function, qualifier } => {
            if let Some(profile) = options.aws.profile.as_deref() {
                check_profile_exists(uri, profile).await?;
            }
            let config = options.aws.sdk_config().await;
            if let Some(provider) = config.credentials_provider() {
                use aws_sdk_lambda::config::ProvideCredentials as _;
                provider.provide_credentials().await.map_err(|error| OpenTargetError::Credentials {
                    uri: uri.to_string(),
                    profile: options
                        .aws
                        .profile
                        .as_deref()
                        .map(|name| format!(" from profile `{name}`"))
                        .unwrap_or_default(),
                    message: aws_sdk_lambda::error::DisplayErrorContext(&error).to_string(),
                })?;
            }
            let client = aws_sdk_lambda::Client::new(&config);
            Ok(Box::new(LambdaTarget::new(function, qualifier.as_deref(), client)))
        }
        TargetUri::Recorded | TargetUri::Http { .. } => Ok(build_target(uri, options.timeout)?),
    }
}

/// A named profile must be in the shared config or credentials file (where
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` say), read as the SDK reads them;
/// otherwise the SDK's chain would go on to other sources and fail with their error.
async fn check_profile_exists(uri: &TargetUri, profile: &str) -> Result<(), OpenTargetError> {
    let fs = aws_types::os_shim_internal::Fs::real();
    let env = aws_types::os_shim_internal::Env::real();
    // `aws_config::profile::load` takes this alias of aws-runtime's `EnvConfigFiles`; the
    // workspace reaches aws-runtime only through aws-config.
    #[allow(deprecated)]
    let files = aws_config::profile::profile_file::ProfileFiles::default();
    let fail = |message: String| OpenTargetError::Credentials {
        uri: uri.to_string(),
        profile: format!(" from profile `{profile}`"),
        message,
    };
    let profiles = aws_config::profile::load(&fs, &env, &files, None)
        .await
        .map_err(|error| fail(format!("cannot read the AWS config files: {error}")))?;
    if profiles.get_profile(profile).is_none() {
        let mut known: Vec<&str> = profiles.profiles().collect();
        known.sort_unstable();
        let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
        return Err(fail(format!(
            "the profile does not exist in the AWS config or credentials file (profiles there: {known})"
        )));
    }
    Ok(())
}

/// Builds a target that needs nothing but its URI (`recorded`, `http(s)://`), with
/// `timeout` for network targets.
pub fn build_target(uri: &TargetUri, timeout: Duration) -> Result<Box<dyn Target>, TargetUriError> {
    match uri {
        TargetUri::Recorded => Ok(Box::new(RecordedTarget)),
        TargetUri::Http { base_url } => Ok(Box::new(
            HttpTarget::new(base_url, timeout)
                .map_err(|reason| TargetUriError::Invalid { uri: base_url.clone(), reason })?,
        )),
        TargetUri::Local { .. } => Err(TargetUriError::Unsupported {
            uri: uri.to_string(),
            scheme: "local:",
            reason: "it starts an emulator: open it with open_target",
        }),
        TargetUri::Lambda { .. } => Err(TargetUriError::Unsupported {
            uri: uri.to_string(),
            scheme: "lambda:",
            reason: "it needs AWS settings: open it with open_target",
        }),
    }
}

/// Answers with the recorded response (or function error) of each record.
#[derive(Debug, Clone, Copy, Default)]
pub struct RecordedTarget;

#[async_trait]
impl Target for RecordedTarget {
    fn name(&self) -> String {
        "recorded".into()
    }

    fn is_recorded(&self) -> bool {
        true
    }

    async fn invoke(&self, record: &Record, _event: &Value) -> Result<Observed, TargetError> {
        Ok(Observed {
            outcome: record.recorded_outcome(),
            latency: Duration::from_secs_f64(record.duration_ms.max(0.0) / 1000.0),
        })
    }
}

/// Re-sends API Gateway REST (v1) events as HTTP requests to a base URL.
#[derive(Debug, Clone)]
pub struct HttpTarget {
    base_url: String,
    client: reqwest::Client,
}

/// Headers the HTTP client sets itself, or that describe the recorded connection.
const NOT_FORWARDED: &[&str] = &["host", "content-length", "connection", "transfer-encoding", "accept-encoding"];

/// The value the recorder writes in place of a secret; such headers are not sent.
const REDACTED: &str = "[REDACTED]";

impl HttpTarget {
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Self { base_url: base_url.trim_end_matches('/').to_owned(), client })
    }

    fn request(&self, record: &Record, event: &Value) -> Result<reqwest::RequestBuilder, TargetError> {
        if record.source != "apigateway-rest" {
            return Err(TargetError::NotHttp { record_id: record.id.clone(), source_kind: record.source.clone() });
        }
        let bad = |field| TargetError::BadEvent { record_id: record.id.clone(), field };
        let method = event.get("httpMethod").and_then(Value::as_str).ok_or_else(|| bad("httpMethod"))?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| bad("httpMethod"))?;
        let path = event.get("path").and_then(Value::as_str).ok_or_else(|| bad("path"))?;
        let mut url = reqwest::Url::parse(&format!("{}{}", self.base_url, path)).map_err(|_| bad("path"))?;
        {
            let pairs = multi_or_single(event, "multiValueQueryStringParameters", "queryStringParameters");
            if !pairs.is_empty() {
                let mut query = url.query_pairs_mut();
                for (name, value) in &pairs {
                    query.append_pair(name, value);
                }
            }
        }
        let mut request = self.client.request(method, url);
        for (name, value) in multi_or_single(event, "multiValueHeaders", "headers") {
            if value == REDACTED || NOT_FORWARDED.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            request = request.header(name, value);
        }
        if let Some(body) = event.get("body").and_then(Value::as_str) {
            let encoded = event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
            request = if encoded {
                let bytes = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| bad("body"))?;
                request.body(bytes)
            } else {
                request.body(body.to_owned())
            };
        }
        Ok(request)
    }
}

/// Name-value pairs from the multi-value field when present, else the single-value one.
fn multi_or_single(event: &Value, multi: &str, single: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Some(Value::Object(map)) = event.get(multi) {
        for (name, values) in map {
            if let Value::Array(values) = values {
                pairs.extend(values.iter().filter_map(Value::as_str).map(|v| (name.clone(), v.to_owned())));
            }
        }
    } else if let Some(Value::Object(map)) = event.get(single) {
        pairs.extend(map.iter().filter_map(|(name, v)| v.as_str().map(|v| (name.clone(), v.to_owned()))));
    }
    pairs
}

#[async_trait]
impl Target for HttpTarget {
    fn name(&self) -> String {
        self.base_url.clone()
    }

    async fn invoke(&self, record: &Record, event: &Value) -> Result<Observed, TargetError> {
        let request = self.request(record, event)?;
        let started = Instant::now();
        let http_error =
            |source| TargetError::Http { record_id: record.id.clone(), url: self.base_url.clone(), source };
        let response = request.send().await.map_err(http_error)?;
        let status = response.status().as_u16();
        let mut headers = Map::new();
        let mut multi: Map<String, Value> = Map::new();
        for (name, value) in response.headers() {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers.insert(name.as_str().to_owned(), Value::String(text.clone()));
            if let Value::Array(values) =
                multi.entry(name.as_str().to_owned()).or_insert_with(|| Value::Array(Vec::new()))
            {
                values.push(Value::String(text));
            }
        }
        let bytes = response.bytes().await.map_err(http_error)?;
        let latency = started.elapsed();
        let (body, encoded) = match String::from_utf8(bytes.to_vec()) {
            Ok(text) => (text, false),
            Err(_) => (base64::engine::general_purpose::STANDARD.encode(&bytes), true),
        };
        Ok(Observed {
            outcome: Outcome::Response(serde_json::json!({
                "statusCode": status,
                "headers": headers,
                "multiValueHeaders": multi,
                "body": body,
                "isBase64Encoded": encoded,
            })),
            latency,
        })
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

    #[test]
    fn local_and_lambda_targets_need_open_target() {
        let error =
            build_target(&parse("local:f:live").expect("uri"), Duration::from_secs(1)).err().expect("unsupported");
        assert!(error.to_string().contains("open_target"), "{error}");
        assert!(build_target(&parse("lambda:f").expect("uri"), Duration::from_secs(1)).is_err());
        assert!(build_target(&TargetUri::Recorded, Duration::from_secs(1)).is_ok());
    }
}
