//! Cluster statuses and the transitions between them.
//!
//! create-cluster sets PENDING; pipeline events move it on with conditional writes so a
//! repeated or out-of-order event never moves a cluster backwards; decommission-cluster
//! ends it:
//!
//! ```text
//! STARTED          -> PROVISIONING  (from PENDING)
//! SUCCEEDED        -> ACTIVE        (from PENDING, PROVISIONING)
//! FAILED, STOPPED  -> FAILED        (from PENDING, PROVISIONING)
//! DELETE (API)     -> DECOMMISSIONING (from PENDING, ACTIVE, FAILED)
//! ```

/// A new cluster's status, until its pipeline starts.
pub const PENDING: &str = "PENDING";
pub(crate) const PROVISIONING: &str = "PROVISIONING";
pub(crate) const ACTIVE: &str = "ACTIVE";
pub(crate) const FAILED: &str = "FAILED";
/// The status decommission-cluster sets; no pipeline event moves a cluster out of it.
pub const DECOMMISSIONING: &str = "DECOMMISSIONING";

/// Every status, in the order messages list them.
pub(crate) const STATUSES: [&str; 5] = [PENDING, PROVISIONING, ACTIVE, FAILED, DECOMMISSIONING];

/// The statuses decommission-cluster may start from.
pub const DECOMMISSIONABLE: [&str; 3] = [PENDING, ACTIVE, FAILED];

/// The audit actor of pipeline-driven changes.
pub const PIPELINE_ACTOR: &str = "codepipeline";

/// A status change a pipeline state asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub new_status: &'static str,
    pub allowed_from: &'static [&'static str],
}

/// The transition for a CodePipeline execution state; `None` for states that do not
/// change the cluster status (`RESUMED`, `SUPERSEDED`, ...).
pub(crate) fn pipeline_transition(state: &str) -> Option<Transition> {
    match state {
        "STARTED" => Some(Transition { new_status: PROVISIONING, allowed_from: &[PENDING] }),
        "SUCCEEDED" => Some(Transition { new_status: ACTIVE, allowed_from: &[PENDING, PROVISIONING] }),
        "FAILED" | "STOPPED" => Some(Transition { new_status: FAILED, allowed_from: &[PENDING, PROVISIONING] }),
        _ => None,
    }
}

/// Whether a cluster in `status` may be decommissioned.
pub fn can_decommission(status: &str) -> bool {
    DECOMMISSIONABLE.contains(&status)
}

/// What pipeline-status decides before touching the store: the cluster and the
/// transition, or why the event is ignored (the `reason` Python answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineEventDecision<'a> {
    /// Write the transition to this cluster.
    Apply {
        /// The cluster the pipeline provisions (its name after `eks-`).
        cluster_id: &'a str,
        /// The status to set and the statuses it may be set from.
        transition: Transition,
    },
    /// Answer `ignored` without touching the store.
    Ignore {
        /// The `reason` of the answer.
        reason: String,
    },
}

/// The first two checks of pipeline-status: an `eks-` pipeline, a state in the table.
pub fn decide_pipeline_event<'a>(pipeline: &'a str, state: &str) -> PipelineEventDecision<'a> {
    let Some(cluster_id) = crate::pipeline::cluster_id_from_pipeline(pipeline) else {
        return PipelineEventDecision::Ignore { reason: "not a cluster pipeline".to_owned() };
    };
    match pipeline_transition(state) {
        Some(transition) => PipelineEventDecision::Apply { cluster_id, transition },
        None => PipelineEventDecision::Ignore { reason: format!("state {state} does not change the cluster status") },
    }
}

/// The `reason` when the cluster of an `eks-` pipeline is not in the table.
pub const UNKNOWN_CLUSTER: &str = "unknown cluster";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pipeline_state_maps_as_the_python_table() {
        let table = [
            ("STARTED", Some((PROVISIONING, vec![PENDING]))),
            ("SUCCEEDED", Some((ACTIVE, vec![PENDING, PROVISIONING]))),
            ("FAILED", Some((FAILED, vec![PENDING, PROVISIONING]))),
            ("STOPPED", Some((FAILED, vec![PENDING, PROVISIONING]))),
            ("RESUMED", None),
            ("SUPERSEDED", None),
            ("CANCELED", None),
            ("", None),
            ("started", None),
        ];
        for (state, expected) in table {
            let actual =
                pipeline_transition(state).map(|transition| (transition.new_status, transition.allowed_from.to_vec()));
            assert_eq!(actual, expected, "{state}");
        }
    }

    #[test]
    fn no_transition_moves_a_cluster_backwards_or_out_of_decommissioning() {
        for state in ["STARTED", "SUCCEEDED", "FAILED", "STOPPED"] {
            let transition = pipeline_transition(state).expect("a transition");
            assert!(!transition.allowed_from.contains(&DECOMMISSIONING), "{state}");
            assert!(!transition.allowed_from.contains(&ACTIVE), "{state}");
            assert!(!transition.allowed_from.contains(&transition.new_status), "{state} would repeat itself");
        }
        assert!(can_decommission(PENDING) && can_decommission(ACTIVE) && can_decommission(FAILED));
        assert!(!can_decommission(PROVISIONING) && !can_decommission(DECOMMISSIONING) && !can_decommission("UNKNOWN"));
    }

    #[test]
    fn pipeline_event_decisions_give_python_reasons() {
        assert_eq!(
            decide_pipeline_event("other-pipeline", "STARTED"),
            PipelineEventDecision::Ignore { reason: "not a cluster pipeline".to_owned() }
        );
        assert_eq!(
            decide_pipeline_event("eks-", "STARTED"),
            PipelineEventDecision::Ignore { reason: "not a cluster pipeline".to_owned() }
        );
        assert_eq!(
            decide_pipeline_event("eks-a-1", "RESUMED"),
            PipelineEventDecision::Ignore { reason: "state RESUMED does not change the cluster status".to_owned() }
        );
        assert_eq!(
            decide_pipeline_event("eks-a-1", "SUCCEEDED"),
            PipelineEventDecision::Apply {
                cluster_id: "a-1",
                transition: pipeline_transition("SUCCEEDED").expect("known")
            }
        );
    }
}
