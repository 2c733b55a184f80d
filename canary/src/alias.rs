//! An alias's routing as the controller reads it ([`AliasSnapshot`], with the RevisionId
//! that guards the next update) and as it wants it ([`AliasTarget`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an alias sends traffic: a primary version and at most one additional version
/// with its share (0.0–1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasTarget {
    /// The primary version: it gets whatever share the additional versions leave.
    pub version: String,
    /// Lambda's `AdditionalVersionWeights`: version → share of traffic (0.0–1.0).
    #[serde(default)]
    pub additional_version_weights: BTreeMap<String, f64>,
}

impl AliasTarget {
    /// All traffic to `version`.
    pub fn only(version: &str) -> AliasTarget {
        AliasTarget { version: version.to_string(), additional_version_weights: BTreeMap::new() }
    }

    /// `share` (0.0–1.0) of traffic to `additional`, the rest to `primary`.
    pub fn split(primary: &str, additional: &str, share: f64) -> AliasTarget {
        AliasTarget {
            version: primary.to_string(),
            additional_version_weights: BTreeMap::from([(additional.to_string(), share)]),
        }
    }

    /// The share of traffic `version` receives, in percent.
    pub fn percent_to(&self, version: &str) -> f64 {
        let additional: f64 = self.additional_version_weights.values().sum();
        let share = if self.version == version {
            1.0 - additional
        } else {
            self.additional_version_weights.get(version).copied().unwrap_or(0.0)
        };
        (share * 10_000.0).round() / 100.0
    }

    /// Same routing, comparing weights to a millionth (Lambda stores doubles).
    pub fn same_routing(&self, other: &AliasTarget) -> bool {
        let weights = |target: &AliasTarget| -> BTreeMap<String, i64> {
            target
                .additional_version_weights
                .iter()
                .filter(|(_, weight)| **weight > 0.0)
                .map(|(version, weight)| (version.clone(), (weight * 1_000_000.0).round() as i64))
                .collect()
        };
        self.version == other.version && weights(self) == weights(other)
    }
}

impl fmt::Display for AliasTarget {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "version {}", self.version)?;
        for (version, weight) in &self.additional_version_weights {
            write!(formatter, " + {}% to {version}", (weight * 10_000.0).round() / 100.0)?;
        }
        Ok(())
    }
}

/// An alias as GetAlias returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasSnapshot {
    /// Where the alias sends traffic.
    #[serde(flatten)]
    pub routing: AliasTarget,
    /// Lambda's `RevisionId` of this state; an update that names it fails if the alias
    /// changed in between.
    pub revision_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_routing_equality() {
        let split = AliasTarget::split("1", "2", 0.1);
        assert_eq!(split.percent_to("2"), 10.0);
        assert_eq!(split.percent_to("1"), 90.0);
        assert_eq!(split.to_string(), "version 1 + 10% to 2");
        assert!(split.same_routing(&AliasTarget::split("1", "2", 0.100_000_000_1)));
        assert!(!split.same_routing(&AliasTarget::only("1")));
        assert!(AliasTarget::only("1").same_routing(&AliasTarget::split("1", "2", 0.0)));
    }
}
