"""The cluster spec teams submit, as pydantic models, and the cluster lifecycle statuses.

Pydantic only checks shape and types here; the organisation's rules live in ``rules``.
Unknown fields are rejected so a typo in a spec is not silently ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Environment = Literal["dev", "staging", "prod"]
ClusterType = Literal["general", "compute", "memory"]

ENVIRONMENTS = ("dev", "staging", "prod")
CLUSTER_TYPES = ("general", "compute", "memory")

# Cluster statuses. PENDING is set by create-cluster, the pipeline moves it on, and
# decommission-cluster ends it.
PENDING = "PENDING"
PROVISIONING = "PROVISIONING"
ACTIVE = "ACTIVE"
FAILED = "FAILED"
DECOMMISSIONING = "DECOMMISSIONING"
STATUSES = (PENDING, PROVISIONING, ACTIVE, FAILED, DECOMMISSIONING)


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeGroup(SpecModel):
    name: str
    instance_type: str
    min_size: int = Field(ge=0)
    max_size: int = Field(ge=0)
    desired_size: int = Field(ge=0)
    disk_size_gb: int = 100


class Subnet(SpecModel):
    cidr: str
    availability_zone: str


class Network(SpecModel):
    vpc_cidr: str
    subnets: list[Subnet]
    endpoint_public_access: bool = False


class Security(SpecModel):
    kms_key_arn: str | None = None
    permission_boundary_arn: str | None = None
    control_plane_logging: list[str] = []


class ClusterSpec(SpecModel):
    name: str
    team: str
    environment: Environment
    cluster_type: ClusterType
    kubernetes_version: str
    region: str
    node_groups: list[NodeGroup]
    network: Network
    security: Security = Security()
    tags: dict[str, str] = {}
