//! The factory of targets: [`open_target`] builds any target a URI names (`local:` starts
//! its own emulator, `lambda:` builds an SDK client), [`build_target`] the two that need
//! nothing but their URI. It depends on every implementation; they depend only on
//! [`crate::target`].

use std::time::Duration;

use crate::http::HttpTarget;
use crate::lambda::LambdaTarget;
use crate::local::LocalTarget;
use crate::recorded::RecordedTarget;
use crate::target::{OpenTargetError, Target, TargetOptions, TargetUri, TargetUriError};

/// Opens the target a URI names: `local:` starts its own emulator (own sandboxes, own moto
/// server seeded by the setup hook), `lambda:` builds an SDK client from the default chain.
pub(crate) async fn open_target(uri: &TargetUri, options: &TargetOptions) -> Result<Box<dyn Target>, OpenTargetError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(uri: &str) -> Result<TargetUri, TargetUriError> {
        uri.parse()
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
