//! What every function's `main` does before serving: read its environment and load the
//! SDK configuration once (the default chain, so `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>` point the clients at moto locally).

use thiserror::Error;

/// A variable the function cannot start without (Python fails at import time).
#[derive(Debug, Error)]
#[error("environment variable {name} is not set or not valid UTF-8")]
pub struct MissingVariable {
    pub name: String,
}

/// The value of a required environment variable.
pub fn required_env(name: &str) -> Result<String, MissingVariable> {
    std::env::var(name).map_err(|_| MissingVariable { name: name.to_owned() })
}

/// The shared SDK configuration, loaded once per sandbox.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}
