//! The controller on AWS (or anything speaking its APIs): SDK clients from one
//! `SdkConfig`, and the state store a `--state` value names.

use std::path::PathBuf;
use std::sync::Arc;

use lambda_metrics::CloudWatchMetrics;

use crate::controller::Controller;
use crate::dynamo::DynamoStore;
use crate::lambda::SdkLambda;
use crate::store::{FolderStore, StateStore};

/// The controller every CLI command runs.
pub type SdkController = Controller<SdkLambda, CloudWatchMetrics, Arc<dyn StateStore>>;

/// Where the journal and lock live: `dynamodb://TABLE`, or a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// A local folder holding a [`FolderStore`] per alias.
    Folder(PathBuf),
    /// A DynamoDB table holding a [`DynamoStore`] per alias.
    DynamoDb {
        /// The table's name.
        table: String,
    },
}

/// A `--state` value that is neither a folder nor `dynamodb://TABLE`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a state location: write a folder or dynamodb://TABLE")]
pub struct StateLocationError {
    /// The value as given.
    pub text: String,
}

impl StateLocation {
    /// The folder used when `--state` is not given, relative to the working directory.
    pub const DEFAULT_FOLDER: &'static str = ".cutover/canary";

    /// Reads `dynamodb://TABLE` (a table name without `/`) or any other non-blank text as a folder.
    pub fn parse(text: &str) -> Result<StateLocation, StateLocationError> {
        match text.strip_prefix("dynamodb://") {
            Some(table) if !table.is_empty() && !table.contains('/') => {
                Ok(StateLocation::DynamoDb { table: table.to_string() })
            }
            Some(_) => Err(StateLocationError { text: text.to_string() }),
            None if text.trim().is_empty() => Err(StateLocationError { text: text.to_string() }),
            None => Ok(StateLocation::Folder(PathBuf::from(text))),
        }
    }

    /// The store of `function:alias` at this location; DynamoDB through a client built from
    /// `config`. Nothing is read or created until the store is first used.
    pub fn open(&self, config: &aws_types::SdkConfig, function: &str, alias: &str) -> Arc<dyn StateStore> {
        match self {
            StateLocation::Folder(root) => Arc::new(FolderStore::new(root, function, alias)),
            StateLocation::DynamoDb { table } => {
                Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(config), table, function, alias))
            }
        }
    }
}

/// A controller on aws-sdk-lambda and CloudWatch, with a state store.
pub fn sdk_controller(config: &aws_types::SdkConfig, store: Arc<dyn StateStore>, owner: String) -> SdkController {
    Controller::new(SdkLambda::from_config(config), CloudWatchMetrics::from_config(config), store, owner)
}

/// A name for this controller in the lock and the journal: host, process, run.
pub fn owner_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "localhost".into());
    let run = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &run[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_locations() {
        assert_eq!(
            StateLocation::parse("dynamodb://canary-state"),
            Ok(StateLocation::DynamoDb { table: "canary-state".into() })
        );
        assert_eq!(StateLocation::parse(".cutover/canary"), Ok(StateLocation::Folder(".cutover/canary".into())));
        assert!(StateLocation::parse("dynamodb://").is_err());
    }
}
