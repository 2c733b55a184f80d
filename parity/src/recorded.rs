//! `recorded`: answers with what the corpus stored, so a side costs nothing to replay.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use crate::record::{Observed, Record};
use crate::target::{Target, TargetError};

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
