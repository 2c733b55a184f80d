"""The CodePipeline that provisions one cluster: ``eks-<cluster_id>``.

Stages, in order: Source (the spec object in the artifact bucket), Plan (terraform plan
in CodeBuild), Approval (manual, prod clusters only), Apply (terraform apply), Verify
(conformance checks). The pipeline is tagged with the spec's tags plus ``cluster-id``,
``team``, ``environment`` and ``managed-by``, which win over spec tags of the same name.
"""

from __future__ import annotations

import json

from cluster_platform.models import ClusterSpec

PLAN_PROJECT = "eks-terraform-plan"
APPLY_PROJECT = "eks-terraform-apply"
VERIFY_PROJECT = "eks-cluster-verify"
MANAGED_BY = "eks-cluster-platform"


def pipeline_name(cluster_id: str) -> str:
    return f"eks-{cluster_id}"


def cluster_id_from_pipeline(name: str) -> str | None:
    return name[len("eks-"):] if name.startswith("eks-") and len(name) > len("eks-") else None


def spec_object_key(cluster_id: str) -> str:
    return f"clusters/{cluster_id}/spec.json"


def _codebuild_action(name: str, project: str, cluster_id: str, spec: ClusterSpec, inputs: str, outputs: str | None) -> dict:
    action = {
        "name": name,
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
        "runOrder": 1,
        "configuration": {
            "ProjectName": project,
            "EnvironmentVariables": json.dumps(
                [
                    {"name": "CLUSTER_ID", "value": cluster_id, "type": "PLAINTEXT"},
                    {"name": "CLUSTER_ENVIRONMENT", "value": spec.environment, "type": "PLAINTEXT"},
                    {"name": "CLUSTER_REGION", "value": spec.region, "type": "PLAINTEXT"},
                ]
            ),
        },
        "inputArtifacts": [{"name": inputs}],
    }
    if outputs is not None:
        action["outputArtifacts"] = [{"name": outputs}]
    return action


def build_pipeline(cluster_id: str, spec: ClusterSpec, role_arn: str, artifact_bucket: str) -> dict:
    """The ``pipeline`` argument of CodePipeline's CreatePipeline."""
    stages = [
        {
            "name": "Source",
            "actions": [
                {
                    "name": "ClusterSpec",
                    "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                    "runOrder": 1,
                    "configuration": {
                        "S3Bucket": artifact_bucket,
                        "S3ObjectKey": spec_object_key(cluster_id),
                        "PollForSourceChanges": "false",
                    },
                    "outputArtifacts": [{"name": "SpecOutput"}],
                }
            ],
        },
        {"name": "Plan", "actions": [_codebuild_action("TerraformPlan", PLAN_PROJECT, cluster_id, spec, "SpecOutput", "PlanOutput")]},
    ]
    if spec.environment == "prod":
        stages.append(
            {
                "name": "Approval",
                "actions": [
                    {
                        "name": "ApproveProdCluster",
                        "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"},
                        "runOrder": 1,
                        "configuration": {"CustomData": f"Approve prod cluster {cluster_id} for team {spec.team}"},
                    }
                ],
            }
        )
    stages.append({"name": "Apply", "actions": [_codebuild_action("TerraformApply", APPLY_PROJECT, cluster_id, spec, "PlanOutput", "ApplyOutput")]})
    stages.append({"name": "Verify", "actions": [_codebuild_action("VerifyCluster", VERIFY_PROJECT, cluster_id, spec, "ApplyOutput", None)]})
    return {
        "name": pipeline_name(cluster_id),
        "roleArn": role_arn,
        "artifactStore": {"type": "S3", "location": artifact_bucket},
        "stages": stages,
    }


def pipeline_tags(cluster_id: str, spec: ClusterSpec) -> list[dict]:
    tags = {**spec.tags, "cluster-id": cluster_id, "team": spec.team, "environment": spec.environment, "managed-by": MANAGED_BY}
    return [{"key": key, "value": value} for key, value in tags.items()]
