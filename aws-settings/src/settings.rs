//! The SDK configuration every AWS-speaking command builds its clients from: the default
//! chain (environment, profiles, `AWS_ENDPOINT_URL_<SERVICE>`), overridden by the command line.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// `--profile`, `--region` and `--endpoint-url`, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// The shared-config profile; the default chain's choice (`AWS_PROFILE`, `default`) when unset.
    pub profile: Option<String>,
    /// The region, such as `eu-west-1`; the default chain's region when unset.
    pub region: Option<String>,
    /// One endpoint for every service; `AWS_ENDPOINT_URL_<SERVICE>` applies when unset.
    pub endpoint_url: Option<String>,
}

impl AwsSettings {
    /// The SDK configuration: the default chain with these overrides.
    pub async fn sdk_config(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &self.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint_url) = &self.endpoint_url {
            loader = loader.endpoint_url(endpoint_url);
        }
        loader.load().await
    }
}
