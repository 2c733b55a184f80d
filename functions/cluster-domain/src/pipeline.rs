//! The CodePipeline that provisions one cluster, `eks-<cluster_id>`, as a domain type
//! the CodePipeline adapter maps onto the SDK's `PipelineDeclaration`.
//!
//! Stages in order: Source (the spec object in the artifact bucket), Plan, Approval
//! (prod only), Apply, Verify. Tags: the spec's tags, then `cluster-id`, `team`,
//! `environment` and `managed-by`, which override spec tags of the same key.

use crate::python_json;
use crate::spec::{ClusterSpec, Environment};
use crate::value::{PyDict, PyValue};

pub(crate) const PLAN_PROJECT: &str = "eks-terraform-plan";
pub(crate) const APPLY_PROJECT: &str = "eks-terraform-apply";
pub(crate) const VERIFY_PROJECT: &str = "eks-cluster-verify";
pub(crate) const MANAGED_BY: &str = "eks-cluster-platform";
const PIPELINE_PREFIX: &str = "eks-";

/// `eks-<cluster_id>`.
pub fn pipeline_name(cluster_id: &str) -> String {
    format!("{PIPELINE_PREFIX}{cluster_id}")
}

/// The cluster a pipeline provisions: the name after `eks-`, `None` for other names.
pub(crate) fn cluster_id_from_pipeline(name: &str) -> Option<&str> {
    name.strip_prefix(PIPELINE_PREFIX).filter(|rest| !rest.is_empty())
}

/// `clusters/<cluster_id>/spec.json` in the artifact bucket.
pub fn spec_object_key(cluster_id: &str) -> String {
    format!("clusters/{cluster_id}/spec.json")
}

/// CreatePipeline's `pipeline` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineDefinition {
    /// The pipeline's name, `eks-<cluster_id>` ([`pipeline_name`]).
    pub name: String,
    /// The IAM role CodePipeline assumes (`PIPELINE_ROLE_ARN`).
    pub role_arn: String,
    /// The artifact store: always type `S3` at this bucket.
    pub artifact_bucket: String,
    /// The stages in run order: Source, Plan, Approval (prod only), Apply, Verify.
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub name: String,
    pub action_type: ActionType,
    pub run_order: i32,
    /// The action's configuration map, in the order Python builds it.
    pub configuration: Vec<(String, String)>,
    pub input_artifacts: Vec<String>,
    pub output_artifacts: Vec<String>,
}

/// `actionTypeId`; owner is always `AWS` and version `1` here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionType {
    pub category: String,
    pub owner: String,
    pub provider: String,
    pub version: String,
}

impl ActionType {
    fn aws(category: &str, provider: &str) -> Self {
        Self {
            category: category.to_owned(),
            owner: "AWS".to_owned(),
            provider: provider.to_owned(),
            version: "1".to_owned(),
        }
    }
}

/// One `{"key", "value"}` tag of CreatePipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineTag {
    /// The tag's key: a spec tag's, or `cluster-id`, `team`, `environment`, `managed-by`.
    pub key: String,
    /// The tag's value.
    pub value: String,
}

fn codebuild_action(
    name: &str,
    project: &str,
    cluster_id: &str,
    spec: &ClusterSpec,
    input: &str,
    output: Option<&str>,
) -> Action {
    let variable = |name: &str, value: &str| {
        PyValue::Dict(PyDict::new().with("name", name).with("value", value).with("type", "PLAINTEXT"))
    };
    let environment_variables = PyValue::List(vec![
        variable("CLUSTER_ID", cluster_id),
        variable("CLUSTER_ENVIRONMENT", spec.environment.as_str()),
        variable("CLUSTER_REGION", &spec.region),
    ]);
    Action {
        name: name.to_owned(),
        action_type: ActionType::aws("Build", "CodeBuild"),
        run_order: 1,
        configuration: vec![
            ("ProjectName".to_owned(), project.to_owned()),
            // Python builds this with plain `json.dumps` (default separators).
            ("EnvironmentVariables".to_owned(), python_json::dumps_default(&environment_variables)),
        ],
        input_artifacts: vec![input.to_owned()],
        output_artifacts: output.map(str::to_owned).into_iter().collect(),
    }
}

/// The pipeline for a new cluster (`build_pipeline` in `pipeline.py`).
pub fn build_pipeline(
    cluster_id: &str,
    spec: &ClusterSpec,
    role_arn: &str,
    artifact_bucket: &str,
) -> PipelineDefinition {
    let mut stages = vec![
        Stage {
            name: "Source".to_owned(),
            actions: vec![Action {
                name: "ClusterSpec".to_owned(),
                action_type: ActionType::aws("Source", "S3"),
                run_order: 1,
                configuration: vec![
                    ("S3Bucket".to_owned(), artifact_bucket.to_owned()),
                    ("S3ObjectKey".to_owned(), spec_object_key(cluster_id)),
                    ("PollForSourceChanges".to_owned(), "false".to_owned()),
                ],
                input_artifacts: Vec::new(),
                output_artifacts: vec!["SpecOutput".to_owned()],
            }],
        },
        Stage {
            name: "Plan".to_owned(),
            actions: vec![codebuild_action(
                "TerraformPlan",
                PLAN_PROJECT,
                cluster_id,
                spec,
                "SpecOutput",
                Some("PlanOutput"),
            )],
        },
    ];
    if spec.environment == Environment::Prod {
        stages.push(Stage {
            name: "Approval".to_owned(),
            actions: vec![Action {
                name: "ApproveProdCluster".to_owned(),
                action_type: ActionType::aws("Approval", "Manual"),
                run_order: 1,
                configuration: vec![(
                    "CustomData".to_owned(),
                    format!("Approve prod cluster {cluster_id} for team {}", spec.team),
                )],
                input_artifacts: Vec::new(),
                output_artifacts: Vec::new(),
            }],
        });
    }
    stages.push(Stage {
        name: "Apply".to_owned(),
        actions: vec![codebuild_action(
            "TerraformApply",
            APPLY_PROJECT,
            cluster_id,
            spec,
            "PlanOutput",
            Some("ApplyOutput"),
        )],
    });
    stages.push(Stage {
        name: "Verify".to_owned(),
        actions: vec![codebuild_action("VerifyCluster", VERIFY_PROJECT, cluster_id, spec, "ApplyOutput", None)],
    });
    PipelineDefinition {
        name: pipeline_name(cluster_id),
        role_arn: role_arn.to_owned(),
        artifact_bucket: artifact_bucket.to_owned(),
        stages,
    }
}

/// The pipeline's tags: `{**spec.tags, "cluster-id", "team", "environment", "managed-by"}`.
pub fn pipeline_tags(cluster_id: &str, spec: &ClusterSpec) -> Vec<PipelineTag> {
    let mut tags = PyDict::new();
    for (key, value) in &spec.tags {
        tags.insert(key.as_str(), value.as_str());
    }
    tags.insert("cluster-id", cluster_id);
    tags.insert("team", spec.team.as_str());
    tags.insert("environment", spec.environment.as_str());
    tags.insert("managed-by", MANAGED_BY);
    tags.iter()
        .map(|(key, value)| PipelineTag { key: key.to_owned(), value: value.as_str().unwrap_or_default().to_owned() })
        .collect()
}

impl PipelineDefinition {
    /// The definition as the Python dict boto3 sends (handy for side-effect diffs).
    pub fn to_pyvalue(&self) -> PyValue {
        let stages = self
            .stages
            .iter()
            .map(|stage| {
                let actions = stage.actions.iter().map(Action::to_pyvalue).collect::<Vec<_>>();
                PyValue::Dict(PyDict::new().with("name", stage.name.as_str()).with("actions", actions))
            })
            .collect::<Vec<_>>();
        PyValue::Dict(
            PyDict::new()
                .with("name", self.name.as_str())
                .with("roleArn", self.role_arn.as_str())
                .with("artifactStore", PyDict::new().with("type", "S3").with("location", self.artifact_bucket.as_str()))
                .with("stages", stages),
        )
    }
}

impl Action {
    fn to_pyvalue(&self) -> PyValue {
        let artifacts = |names: &[String]| {
            names.iter().map(|name| PyValue::Dict(PyDict::new().with("name", name.as_str()))).collect::<Vec<_>>()
        };
        let mut action = PyDict::new()
            .with("name", self.name.as_str())
            .with(
                "actionTypeId",
                PyDict::new()
                    .with("category", self.action_type.category.as_str())
                    .with("owner", self.action_type.owner.as_str())
                    .with("provider", self.action_type.provider.as_str())
                    .with("version", self.action_type.version.as_str()),
            )
            .with("runOrder", PyValue::int(i64::from(self.run_order)))
            .with(
                "configuration",
                self.configuration
                    .iter()
                    .map(|(key, value)| (key.clone(), PyValue::str(value.as_str())))
                    .collect::<PyDict>(),
            );
        if !self.input_artifacts.is_empty() {
            action.insert("inputArtifacts", artifacts(&self.input_artifacts));
        }
        if !self.output_artifacts.is_empty() {
            action.insert("outputArtifacts", artifacts(&self.output_artifacts));
        }
        PyValue::Dict(action)
    }
}
