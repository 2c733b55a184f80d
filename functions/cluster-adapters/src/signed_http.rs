//! A small SigV4-signed HTTP client for the two calls create-cluster makes outside
//! DynamoDB: S3 PutObject and CodePipeline's AWS JSON 1.1 operations.
//!
//! aws-sdk-s3 and aws-sdk-codepipeline cost create-cluster about a million bytes of zip
//! for three operations. This client reuses what the DynamoDB SDK links anyway: the
//! credentials of the [`SdkConfig`], `aws-sigv4` to sign, and the SDK's default HTTPS
//! connector (hyper + rustls on ring) to send. Endpoints follow the rules of
//! [`crate::sdk_config`] (`AWS_ENDPOINT_URL_<SERVICE>` over `AWS_ENDPOINT_URL`, else the
//! regional AWS endpoint); throttling, 5xx answers and connection failures are retried
//! as the SDK's standard mode does (3 attempts, exponential backoff).

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_smithy_async::rt::sleep::{AsyncSleep, SharedAsyncSleep, default_async_sleep};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings, SharedHttpConnector};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_types::SdkConfig;
use aws_types::service_config::ServiceConfigKey;
use bytes::Bytes;
use thiserror::Error;

/// Attempts per call, as the SDK's standard retry mode.
const MAX_ATTEMPTS: u32 = 3;
/// The first retry's delay; each further retry doubles it.
const BASE_BACKOFF: Duration = Duration::from_millis(100);
/// The error codes AWS uses for throttling, retried like a 5xx.
const THROTTLING_CODES: [&str; 8] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// One AWS service as the client addresses it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    /// The SDK service id, which names `AWS_ENDPOINT_URL_<ID>`.
    pub(crate) id: &'static str,
    /// The SigV4 signing name, also the regional endpoint's host prefix.
    pub(crate) signing_name: &'static str,
}

pub(crate) const S3: Service = Service { id: "S3", signing_name: "s3" };
pub(crate) const CODEPIPELINE: Service = Service { id: "CodePipeline", signing_name: "codepipeline" };

/// Why a call got no answer from the service.
#[derive(Debug, Error)]
pub(crate) enum TransportError {
    #[error("no HTTPS connector or sleep implementation is compiled in")]
    NoConnector,
    #[error("no region or credentials are configured")]
    NoCredentials(#[source] Option<aws_credential_types::provider::error::CredentialsError>),
    #[error("the request could not be signed")]
    Signing(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the request could not be sent")]
    Dispatch(#[source] ConnectorError),
    #[error("the response could not be read")]
    Body(#[source] aws_smithy_types::byte_stream::error::Error),
}

/// A service's answer: the status, the `x-amzn-errortype` header and the whole body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) error_type: Option<String>,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Signs and sends requests with the credentials and region of an [`SdkConfig`].
#[derive(Debug, Clone)]
pub(crate) struct SignedHttp {
    connector: Option<SharedHttpConnector>,
    sleep: Option<SharedAsyncSleep>,
    credentials: Option<SharedCredentialsProvider>,
    region: Option<String>,
    base_backoff: Duration,
}

impl SignedHttp {
    pub(crate) fn new(config: &SdkConfig) -> Self {
        let timeouts = config.timeout_config().and_then(|timeouts| timeouts.connect_timeout());
        let mut settings = HttpConnectorSettings::builder();
        settings.set_connect_timeout(timeouts);
        let settings = settings.build();
        let sleep = default_async_sleep();
        SignedHttp {
            connector: aws_smithy_http_client::hyper_014::default_connector(&settings, sleep.clone()),
            sleep,
            credentials: config.credentials_provider(),
            region: config.region().map(|region| region.as_ref().to_owned()),
            base_backoff: BASE_BACKOFF,
        }
    }

    pub(crate) fn region(&self) -> &str {
        self.region.as_deref().unwrap_or_default()
    }

    /// `method url` with `headers` and `body`, signed for `service`; retried on
    /// throttling, 5xx and connection failures. `error_code` reads an error answer's code.
    pub(crate) async fn send(
        &self,
        service: Service,
        method: &'static str,
        url: &str,
        headers: &[(&'static str, &str)],
        body: Bytes,
        error_code: impl Fn(&Answer) -> Option<String>,
    ) -> Result<Answer, TransportError> {
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(service, method, url, headers, body.clone()).await;
            let retry = match &outcome {
                Ok(answer) => {
                    answer.status >= 500
                        || answer.status == 429
                        || error_code(answer).is_some_and(|code| THROTTLING_CODES.contains(&code.as_str()))
                }
                Err(TransportError::Dispatch(error)) => error.is_io() || error.is_timeout(),
                Err(_) => false,
            };
            match (&self.sleep, retry && attempt < MAX_ATTEMPTS) {
                (Some(sleep), true) => sleep.sleep(self.base_backoff * 2u32.pow(attempt - 1)).await,
                _ => return outcome,
            }
            attempt += 1;
        }
    }

    async fn send_once(
        &self,
        service: Service,
        method: &'static str,
        url: &str,
        headers: &[(&'static str, &str)],
        body: Bytes,
    ) -> Result<Answer, TransportError> {
        let connector = self.connector.as_ref().ok_or(TransportError::NoConnector)?;
        let (Some(provider), Some(region)) = (&self.credentials, &self.region) else {
            return Err(TransportError::NoCredentials(None));
        };
        let identity: Identity =
            provider.provide_credentials().await.map_err(|error| TransportError::NoCredentials(Some(error)))?.into();

        let host = url.split_once("://").map_or(url, |(_, rest)| rest).split('/').next().unwrap_or_default();
        let mut all_headers: Vec<(&str, &str)> = vec![("host", host)];
        all_headers.extend_from_slice(headers);
        let signable = SignableRequest::new(method, url, all_headers.iter().copied(), SignableBody::Bytes(&body))
            .map_err(|error| TransportError::Signing(Box::new(error)))?;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name(service.signing_name)
            .time(SystemTime::now())
            .settings(signing_settings(service))
            .build()
            .map_err(|error| TransportError::Signing(Box::new(error)))?
            .into();
        let (instructions, _signature) =
            sign(signable, &params).map_err(|error| TransportError::Signing(Box::new(error)))?.into_parts();

        let mut request = aws_smithy_runtime_api::http::Request::new(SdkBody::from(body));
        request.set_method(method).map_err(|error| TransportError::Signing(Box::new(error)))?;
        request.set_uri(url).map_err(|error| TransportError::Signing(Box::new(error)))?;
        for (name, value) in all_headers {
            request.headers_mut().insert(name, value.to_owned());
        }
        let (signing_headers, _) = instructions.into_parts();
        for header in signing_headers {
            request.headers_mut().insert(header.name(), header.value().to_owned());
        }

        let response = connector.call(request).await.map_err(TransportError::Dispatch)?;
        let status = response.status().as_u16();
        let error_type = response.headers().get("x-amzn-errortype").map(str::to_owned);
        let body = ByteStream::new(response.into_body()).collect().await.map_err(TransportError::Body)?.into_bytes();
        Ok(Answer { status, error_type, body })
    }
}

/// S3 signs the path as sent and the payload's hash in `x-amz-content-sha256`.
fn signing_settings(service: Service) -> SigningSettings {
    let mut settings = SigningSettings::default();
    if service.signing_name == S3.signing_name {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    settings
}

/// The endpoint the environment configures for `service` (its own over the global one),
/// without a trailing `/`; `None` means the regional AWS endpoint.
pub(crate) fn configured_endpoint(config: &SdkConfig, service: Service) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service.id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|loader| loader.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// `text` percent-encoded as an S3 key in a path: unreserved characters and `/` stay.
pub(crate) fn encode_key(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// An AWS JSON error's code: the `x-amzn-errortype` header, else the body's `__type` or
/// `code`, without a `namespace#` prefix or a `:detail` suffix.
pub(crate) fn json_error_code(answer: &Answer) -> Option<String> {
    let body: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
    let from_body = || {
        let body = body.as_ref()?;
        body.get("__type").or_else(|| body.get("code")).and_then(serde_json::Value::as_str).map(str::to_owned)
    };
    let raw = answer.error_type.clone().or_else(from_body)?;
    let name = raw.split(':').next().unwrap_or_default();
    Some(name.rsplit('#').next().unwrap_or_default().to_owned())
}

/// An AWS JSON error's message (`message` or `Message`).
pub(crate) fn json_error_message(answer: &Answer) -> String {
    let body: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
    body.as_ref()
        .and_then(|body| body.get("message").or_else(|| body.get("Message")))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The text of the first `<tag>…</tag>` of an S3 XML error, unescaped.
pub(crate) fn xml_element(body: &[u8], tag: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let start = text.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + text[start..].find(&format!("</{tag}>"))?;
    Some(
        text[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(error_type: Option<&str>, body: &str) -> Answer {
        Answer { status: 400, error_type: error_type.map(str::to_owned), body: Bytes::from(body.to_owned()) }
    }

    #[test]
    fn json_error_codes_lose_namespace_and_detail() {
        let body = r#"{"__type": "com.amazonaws.codepipeline#PipelineNotFoundException", "message": "gone"}"#;
        assert_eq!(json_error_code(&answer(None, body)).as_deref(), Some("PipelineNotFoundException"));
        assert_eq!(json_error_message(&answer(None, body)), "gone");
        let header = answer(Some("ValidationException:http://internal.amazon.com/"), r#"{"Message": "bad"}"#);
        assert_eq!(json_error_code(&header).as_deref(), Some("ValidationException"));
        assert_eq!(json_error_message(&header), "bad");
        assert_eq!(json_error_code(&answer(None, "<html>")), None);
    }

    #[test]
    fn xml_errors_are_read_and_unescaped() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket &amp; &lt;x&gt;</Message></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("NoSuchBucket"));
        assert_eq!(xml_element(body, "Message").as_deref(), Some("The specified bucket & <x>"));
        assert_eq!(xml_element(body, "RequestId"), None);
    }

    #[test]
    fn keys_keep_slashes_and_encode_the_rest() {
        assert_eq!(encode_key("specs/team a/ü+1.json"), "specs/team%20a/%C3%BC%2B1.json");
    }

    fn config(pairs: &[(&str, &str)]) -> SdkConfig {
        let env: std::collections::BTreeMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        crate::sdk_config_from(|name| env.get(name).cloned()).expect("complete environment")
    }

    #[test]
    fn endpoints_follow_the_environment_rules() {
        let base = [("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "a"), ("AWS_SECRET_ACCESS_KEY", "s")];
        assert_eq!(configured_endpoint(&config(&base), S3), None);
        let global = [&base[..], &[("AWS_ENDPOINT_URL", "http://global:1/")]].concat();
        assert_eq!(configured_endpoint(&config(&global), S3).as_deref(), Some("http://global:1"));
        let own = [&global[..], &[("AWS_ENDPOINT_URL_CODEPIPELINE", "http://cp:2")]].concat();
        assert_eq!(configured_endpoint(&config(&own), CODEPIPELINE).as_deref(), Some("http://cp:2"));
        assert_eq!(configured_endpoint(&config(&own), S3).as_deref(), Some("http://global:1"));
        let ignored = [&own[..], &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]].concat();
        assert_eq!(configured_endpoint(&config(&ignored), CODEPIPELINE), None);
    }

    /// A loopback server answering 503 to the first `failures` requests, then 200.
    async fn flaky_server(failures: usize) -> (String, tokio::task::JoinHandle<usize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let mut served = 0;
            while served <= failures {
                let (mut stream, _) = listener.accept().await.expect("accept");
                let mut buffer = vec![0; 8192];
                let _ = stream.read(&mut buffer).await.expect("read");
                let status = if served < failures { "503 Service Unavailable" } else { "200 OK" };
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}");
                stream.write_all(reply.as_bytes()).await.expect("write");
                served += 1;
            }
            served
        });
        (url, task)
    }

    #[tokio::test]
    async fn retries_a_5xx_then_succeeds() {
        let (url, server) = flaky_server(2).await;
        let mut client = SignedHttp::new(&config(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "a"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ]));
        client.base_backoff = Duration::from_millis(1);
        let answer = client
            .send(CODEPIPELINE, "POST", &format!("{url}/"), &[], Bytes::from_static(b"{}"), json_error_code)
            .await
            .expect("answered");
        assert_eq!(answer.status, 200);
        assert_eq!(server.await.expect("server"), 3, "two failures and the success");
    }
}
