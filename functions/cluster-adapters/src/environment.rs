//! What every function's `main` does before serving: read its environment and build the
//! SDK configuration once, from the variables Lambda sets, without aws-config.
//!
//! aws-config's default chain looks for credentials and region in a dozen places (profile
//! files, SSO, web identity and assume-role through STS, ECS and IMDS endpoints,
//! `credential_process`), and linking it costs every function its STS client and those
//! providers: about 100 KB of zip per function. A function on Lambda only ever finds
//! what the Lambda service puts in its environment, so [`sdk_config`] reads exactly that:
//!
//! - region: `AWS_REGION` (else `AWS_DEFAULT_REGION`, as aws-config's chain does);
//! - credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, when set,
//!   `AWS_SESSION_TOKEN` (the execution role's session, fixed for the sandbox's life);
//! - endpoints: `AWS_ENDPOINT_URL_<SERVICE>` over `AWS_ENDPOINT_URL`, both ignored when
//!   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`, the precedence the SDK documents (the
//!   local stack points the functions at moto this way);
//! - retries and timeouts: the SDK's defaults for the latest behavior version (standard
//!   retries, 3 attempts; 3.1 s connect timeout), the same values aws-config would pick;
//! - HTTPS: the SDK clients' own default client (hyper + rustls on ring), as before.
//!
//! What a function on Lambda loses: nothing it uses. What it gives up: profile files,
//! `AWS_MAX_ATTEMPTS`/`AWS_RETRY_MODE`, `AWS_USE_FIPS_ENDPOINT` and the other knobs no
//! function here is deployed with; run outside Lambda, a function needs the three
//! credential variables rather than a profile.

use std::collections::BTreeMap;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use thiserror::Error;

/// A variable the function cannot start without (Python fails at import time).
#[derive(Debug, Error)]
#[error("environment variable {name} is not set or not valid UTF-8")]
pub struct MissingVariable {
    name: String,
}

/// The value of a required environment variable.
pub fn required_env(name: &str) -> Result<String, MissingVariable> {
    std::env::var(name).map_err(|_| MissingVariable { name: name.to_owned() })
}

/// The shared SDK configuration, built once per sandbox from the process environment
/// (see the module documentation for what is read).
pub fn sdk_config() -> Result<SdkConfig, MissingVariable> {
    sdk_config_from(|name| std::env::var(name).ok())
}

/// [`sdk_config`] over any environment: `lookup` answers a variable's value. An empty
/// value counts as unset, as in aws-config.
pub fn sdk_config_from(lookup: impl Fn(&str) -> Option<String>) -> Result<SdkConfig, MissingVariable> {
    let get = |name: &str| lookup(name).filter(|value| !value.is_empty());
    let require = |name: &str| get(name).ok_or_else(|| MissingVariable { name: name.to_owned() });

    let region = get("AWS_REGION")
        .or_else(|| get("AWS_DEFAULT_REGION"))
        .ok_or_else(|| MissingVariable { name: "AWS_REGION".to_owned() })?;
    let credentials = Credentials::new(
        require("AWS_ACCESS_KEY_ID")?,
        require("AWS_SECRET_ACCESS_KEY")?,
        get("AWS_SESSION_TOKEN"),
        None,
        "Environment",
    );

    let ignore_endpoints =
        get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let endpoints = if ignore_endpoints { EndpointUrls::default() } else { EndpointUrls::read(&get) };

    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(RetryConfig::standard())
        .timeout_config(TimeoutConfig::builder().connect_timeout(std::time::Duration::from_millis(3100)).build());
    builder.set_endpoint_url(endpoints.global.clone());
    Ok(builder.service_config(endpoints).build())
}

/// The endpoint overrides, read once: each service's client asks for its own
/// (`AWS_ENDPOINT_URL_<SERVICE>`, the service id upper-cased with spaces as `_`) and falls
/// back to the global one itself.
#[derive(Debug, Default)]
struct EndpointUrls {
    global: Option<String>,
    per_service: BTreeMap<&'static str, String>,
}

/// The services the functions call, by SDK service id.
const SERVICE_IDS: [&str; 3] = ["DynamoDB", "S3", "CodePipeline"];

impl EndpointUrls {
    fn read(get: &impl Fn(&str) -> Option<String>) -> Self {
        let per_service =
            SERVICE_IDS.into_iter().filter_map(|id| get(&service_variable(id)).map(|url| (id, url))).collect();
        Self { global: get("AWS_ENDPOINT_URL"), per_service }
    }
}

fn service_variable(service_id: &str) -> String {
    format!("AWS_ENDPOINT_URL_{}", service_id.to_uppercase().replace(' ', "_"))
}

impl LoadServiceConfig for EndpointUrls {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        (key.env() == "AWS_ENDPOINT_URL").then(|| self.per_service.get(key.service_id()).cloned()).flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::ProvideCredentials;

    fn config(pairs: &[(&str, &str)]) -> Result<SdkConfig, MissingVariable> {
        let env: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        sdk_config_from(|name| env.get(name).cloned())
    }

    const LAMBDA: [(&str, &str); 4] = [
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "token"),
    ];

    fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        LAMBDA.iter().copied().chain(extra.iter().copied()).collect()
    }

    fn service_endpoint<'a>(config: &'a SdkConfig, service_id: &'a str) -> Option<String> {
        let key = ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        config.service_config()?.load_config(key)
    }

    #[tokio::test]
    async fn reads_region_and_credentials_lambda_sets() {
        let config = config(&LAMBDA).expect("complete environment");
        assert_eq!(config.region().map(Region::as_ref), Some("eu-west-1"));
        let credentials =
            config.credentials_provider().expect("a provider").provide_credentials().await.expect("credentials");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
        assert_eq!(config.endpoint_url(), None);
        assert_eq!(config.retry_config().map(RetryConfig::max_attempts), Some(3));
    }

    #[test]
    fn region_falls_back_to_aws_default_region() {
        let config =
            config(&[("AWS_DEFAULT_REGION", "us-east-2"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s")])
                .expect("complete");
        assert_eq!(config.region().map(Region::as_ref), Some("us-east-2"));
    }

    #[test]
    fn names_each_missing_variable() {
        for missing in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let env: Vec<_> = LAMBDA.iter().copied().filter(|(name, _)| *name != missing).collect();
            let error = config(&env).expect_err(missing);
            assert_eq!(error.name, missing);
            assert!(error.to_string().contains(missing), "{error}");
        }
        let empty: Vec<_> = LAMBDA
            .iter()
            .map(|(name, value)| (*name, if *name == "AWS_SECRET_ACCESS_KEY" { "" } else { value }))
            .collect();
        assert_eq!(config(&empty).expect_err("empty counts as unset").name, "AWS_SECRET_ACCESS_KEY");
    }

    #[tokio::test]
    async fn session_token_is_optional() {
        let env: Vec<_> = LAMBDA.iter().copied().filter(|(name, _)| *name != "AWS_SESSION_TOKEN").collect();
        let config = config(&env).expect("no token is fine");
        let credentials =
            config.credentials_provider().expect("a provider").provide_credentials().await.expect("credentials");
        assert_eq!(credentials.session_token(), None);
    }

    #[test]
    fn service_endpoint_wins_over_the_global_one() {
        let config =
            config(&with(&[("AWS_ENDPOINT_URL", "http://global:1"), ("AWS_ENDPOINT_URL_DYNAMODB", "http://dynamo:2")]))
                .expect("complete");
        assert_eq!(config.endpoint_url(), Some("http://global:1"));
        assert_eq!(service_endpoint(&config, "DynamoDB").as_deref(), Some("http://dynamo:2"));
        assert_eq!(service_endpoint(&config, "S3"), None, "S3 falls back to the global URL in its client");
    }

    #[test]
    fn service_ids_spell_the_variables_as_the_sdk_does() {
        assert_eq!(service_variable("CodePipeline"), "AWS_ENDPOINT_URL_CODEPIPELINE");
        assert_eq!(service_variable("Secrets Manager"), "AWS_ENDPOINT_URL_SECRETS_MANAGER");
        let config =
            config(&with(&[("AWS_ENDPOINT_URL_CODEPIPELINE", "http://cp:3"), ("AWS_ENDPOINT_URL_S3", "http://s3:4")]))
                .expect("complete");
        assert_eq!(service_endpoint(&config, "CodePipeline").as_deref(), Some("http://cp:3"));
        assert_eq!(service_endpoint(&config, "S3").as_deref(), Some("http://s3:4"));
        assert_eq!(service_endpoint(&config, "DynamoDB"), None);
        assert_eq!(config.endpoint_url(), None);
    }

    #[test]
    fn endpoints_can_be_ignored() {
        let config = config(&with(&[
            ("AWS_ENDPOINT_URL", "http://global:1"),
            ("AWS_ENDPOINT_URL_S3", "http://s3:4"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"),
        ]))
        .expect("complete");
        assert_eq!(config.endpoint_url(), None);
        assert_eq!(service_endpoint(&config, "S3"), None);
    }

    /// A loopback listener that records the first request line it is sent.
    async fn recording_listener() -> (String, tokio::task::JoinHandle<String>) {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("accept");
            let mut buffer = vec![0; 4096];
            let read = stream.read(&mut buffer).await.expect("read");
            String::from_utf8_lossy(&buffer[..read]).lines().next().unwrap_or_default().to_owned()
        });
        (url, task)
    }

    #[tokio::test]
    async fn clients_send_to_the_endpoint_the_environment_names() {
        let (dynamo_url, dynamo) = recording_listener().await;
        let (global_url, global) = recording_listener().await;
        let env =
            with(&[("AWS_ENDPOINT_URL", global_url.as_str()), ("AWS_ENDPOINT_URL_DYNAMODB", dynamo_url.as_str())]);
        let env: BTreeMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let config = sdk_config_from(|name| env.get(name).cloned()).expect("complete");
        let once = RetryConfig::disabled();
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&config).retry_config(once.clone()).build(),
        );
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config).retry_config(once).force_path_style(true).build(),
        );
        let _ = dynamodb.list_tables().send().await;
        let _ = s3.list_objects_v2().bucket("artifacts").send().await;
        assert_eq!(dynamo.await.expect("dynamo listener"), "POST / HTTP/1.1");
        assert!(global.await.expect("global listener").starts_with("GET /artifacts"), "S3 used the global endpoint");
    }
}
