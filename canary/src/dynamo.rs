//! [`StateStore`] on a DynamoDB table (`--state dynamodb://TABLE`), for teams and CI
//! runners on several machines. One item per journal record (`deployment` =
//! `function:alias`, `sequence` = 1, 2, …) and the lock as the item with sequence 0.
//! The lock is compare-and-swapped with conditional writes, and a record is written in a
//! transaction with a check that the writer still holds the lock, under
//! `attribute_not_exists`, so no sequence number is ever written twice.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, KeySchemaElement, KeyType, Put,
    ScalarAttributeType, TransactWriteItem,
};

use crate::journal::JournalRecord;
use crate::store::{LockInfo, StateStore, StoreError};

const LOCK_SEQUENCE: &str = "0";

/// The journal and lock of one alias in a DynamoDB table (layout in the module doc).
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    deployment: String,
}

impl DynamoStore {
    /// The store of `function:alias` in `table`, which must exist ([`DynamoStore::create_table`]).
    pub fn new(client: Client, table: &str, function: &str, alias: &str) -> DynamoStore {
        DynamoStore { client, table: table.to_string(), deployment: format!("{function}:{alias}") }
    }

    /// Creates the table the store expects (on-demand billing); for set-up scripts and tests.
    pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
        let attribute =
            |name: &str, kind| AttributeDefinition::builder().attribute_name(name).attribute_type(kind).build();
        let key = |name: &str, kind| KeySchemaElement::builder().attribute_name(name).key_type(kind).build();
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("deployment", ScalarAttributeType::S).map_err(build_error(table))?)
            .attribute_definitions(attribute("sequence", ScalarAttributeType::N).map_err(build_error(table))?)
            .key_schema(key("deployment", KeyType::Hash).map_err(build_error(table))?)
            .key_schema(key("sequence", KeyType::Range).map_err(build_error(table))?)
            .send()
            .await
            .map_err(|error| StoreError::Service {
                operation: "CreateTable",
                table: table.to_string(),
                source: Box::new(error),
            })?;
        Ok(())
    }

    fn service<E: std::error::Error + Send + Sync + 'static>(
        &self,
        operation: &'static str,
    ) -> impl FnOnce(E) -> StoreError + '_ {
        move |error| StoreError::Service { operation, table: self.table.clone(), source: Box::new(error) }
    }

    fn lock_key(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("deployment".to_string(), AttributeValue::S(self.deployment.clone())),
            ("sequence".to_string(), AttributeValue::N(LOCK_SEQUENCE.into())),
        ])
    }

    fn lock_item(&self, lock: &LockInfo) -> HashMap<String, AttributeValue> {
        let mut item = self.lock_key();
        item.insert("owner".into(), AttributeValue::S(lock.owner.clone()));
        item.insert("since".into(), AttributeValue::N(epoch_millis(lock.since).to_string()));
        item.insert("expires".into(), AttributeValue::N(epoch_millis(lock.expires).to_string()));
        item
    }

    fn parse_lock(&self, item: &HashMap<String, AttributeValue>) -> Result<LockInfo, StoreError> {
        let bad = |detail: &str| StoreError::BadItem {
            table: self.table.clone(),
            detail: format!("lock of {}: {detail}", self.deployment),
        };
        let owner = item.get("owner").and_then(|value| value.as_s().ok()).ok_or_else(|| bad("no owner"))?;
        let number = |name: &str| {
            item.get(name)
                .and_then(|value| value.as_n().ok())
                .and_then(|text| text.parse::<u64>().ok())
                .ok_or_else(|| bad(name))
        };
        Ok(LockInfo {
            owner: owner.clone(),
            since: from_millis(number("since")?),
            expires: from_millis(number("expires")?),
        })
    }
}

fn build_error(table: &str) -> impl FnOnce(aws_sdk_dynamodb::error::BuildError) -> StoreError + '_ {
    move |error| StoreError::Service { operation: "CreateTable", table: table.to_string(), source: Box::new(error) }
}

fn epoch_millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map(|since| since.as_millis()).unwrap_or_default()
}

fn from_millis(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

#[async_trait::async_trait]
impl StateStore for DynamoStore {
    async fn acquire(
        &self,
        owner: &str,
        now: SystemTime,
        lease: Duration,
        force: bool,
    ) -> Result<LockInfo, StoreError> {
        let current = self.lock_info().await?;
        let since = match &current {
            Some(lock) if lock.owner == owner => lock.since,
            Some(lock) if lock.expires > now && !force => return Err(StoreError::LockHeld { lock: lock.clone() }),
            _ => now,
        };
        let wanted = LockInfo { owner: owner.to_string(), since, expires: now + lease };
        // Compare-and-swap on the lock as it was read: whoever changed it meanwhile wins.
        let mut put = self.client.put_item().table_name(&self.table).set_item(Some(self.lock_item(&wanted)));
        put = match &current {
            None => put.condition_expression("attribute_not_exists(deployment)"),
            Some(lock) => put
                .condition_expression("#owner = :owner AND #expires = :expires")
                .expression_attribute_names("#owner", "owner")
                .expression_attribute_names("#expires", "expires")
                .expression_attribute_values(":owner", AttributeValue::S(lock.owner.clone()))
                .expression_attribute_values(":expires", AttributeValue::N(epoch_millis(lock.expires).to_string())),
        };
        match put.send().await {
            Ok(_) => Ok(wanted),
            Err(error) if error.code() == Some("ConditionalCheckFailedException") => match self.lock_info().await? {
                Some(lock) => Err(StoreError::LockHeld { lock }),
                None => Err(StoreError::LostLock { owner: owner.to_string(), holder: "nobody".into() }),
            },
            Err(error) => Err(self.service("PutItem")(error)),
        }
    }

    async fn release(&self, owner: &str) -> Result<(), StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(self.lock_key()))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_string()))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("ConditionalCheckFailedException") => Ok(()),
            Err(error) => Err(self.service("DeleteItem")(error)),
        }
    }

    async fn lock_info(&self) -> Result<Option<LockInfo>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.lock_key()))
            .consistent_read(true)
            .send()
            .await
            .map_err(self.service("GetItem"))?;
        output.item().map(|item| self.parse_lock(item)).transpose()
    }

    async fn read(&self) -> Result<Vec<JournalRecord>, StoreError> {
        let mut records = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("deployment = :deployment AND #sequence > :zero")
                .expression_attribute_names("#sequence", "sequence")
                .expression_attribute_values(":deployment", AttributeValue::S(self.deployment.clone()))
                .expression_attribute_values(":zero", AttributeValue::N(LOCK_SEQUENCE.into()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(self.service("Query"))?;
            for item in output.items() {
                let text =
                    item.get("record").and_then(|value| value.as_s().ok()).ok_or_else(|| StoreError::BadItem {
                        table: self.table.clone(),
                        detail: format!("an item of {} without `record`", self.deployment),
                    })?;
                let line = records.len() + 1;
                let record = serde_json::from_str(text).map_err(|source| StoreError::Corrupt {
                    location: format!("dynamodb://{}/{}", self.table, self.deployment),
                    line,
                    source,
                })?;
                records.push(record);
            }
            match output.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
        Ok(records)
    }

    async fn append(&self, record: &JournalRecord) -> Result<(), StoreError> {
        let text = serde_json::to_string(record).unwrap_or_default();
        let item = HashMap::from([
            ("deployment".to_string(), AttributeValue::S(self.deployment.clone())),
            ("sequence".to_string(), AttributeValue::N(record.sequence.to_string())),
            ("record".to_string(), AttributeValue::S(text)),
        ]);
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(self.lock_key()))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(record.owner.clone()))
            .build()
            .map_err(self.service("TransactWriteItems"))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#sequence)")
            .expression_attribute_names("#sequence", "sequence")
            .build()
            .map_err(self.service("TransactWriteItems"))?;
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().condition_check(check).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("TransactionCanceledException") => {
                let lock = self.lock_info().await?;
                match lock {
                    Some(lock) if lock.owner == record.owner => {
                        Err(StoreError::SequenceTaken { sequence: record.sequence })
                    }
                    other => Err(StoreError::LostLock {
                        owner: record.owner.clone(),
                        holder: other.map(|lock| lock.owner).unwrap_or_else(|| "nobody".into()),
                    }),
                }
            }
            Err(error) => Err(self.service("TransactWriteItems")(error)),
        }
    }

    fn location(&self) -> String {
        format!("dynamodb://{}", self.table)
    }
}
