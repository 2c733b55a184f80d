//! The organisation's rules for cluster specs (`rules.py`): every violation, in the
//! order the Python original finds them, with its exact message.

use std::sync::LazyLock;

use regex::Regex;

use crate::ipaddress::{IpNetwork, Ipv4Network, PRIVATE_RANGES, ip_network};
use crate::python_json::str_repr;
use crate::spec::{ClusterSpec, ClusterType, Environment, SchemaError};
use crate::value::{PyDict, PyInt, PyValue};

/// How bad a violation is: an error refuses the spec, a warning is only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `"error"`: the spec is invalid (validate answers `valid: false`, create answers 400).
    Error,
    /// `"warning"`: the spec is valid; create-cluster stores the warnings with the cluster.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`, as the answers spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One violation: `{"code", "field", "message", "severity"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule's code (`K8S_VERSION`, `SCHEMA_INVALID`, ...).
    pub code: &'static str,
    /// The dotted path of the offending field (`node_groups.0.name`); `""` for the body
    /// as a whole.
    pub field: String,
    /// The Python original's message, verbatim.
    pub message: String,
    /// Whether the violation refuses the spec.
    pub severity: Severity,
}

impl Violation {
    pub(crate) fn error(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, field: field.into(), message: message.into(), severity: Severity::Error }
    }

    pub(crate) fn warning(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { code, field: field.into(), message: message.into(), severity: Severity::Warning }
    }

    /// The violation as the dict Python builds, in its key order.
    pub fn to_pyvalue(&self) -> PyValue {
        PyValue::Dict(
            PyDict::new()
                .with("code", self.code)
                .with("field", self.field.as_str())
                .with("message", self.message.as_str())
                .with("severity", self.severity.as_str()),
        )
    }

    /// `BODY_MISSING`: the body is `null`, absent or `""`.
    pub fn body_missing() -> Self {
        Self::error("BODY_MISSING", "", "request body is required")
    }

    /// `BODY_NOT_JSON`: not base64, not UTF-8 or not JSON.
    pub fn body_not_json() -> Self {
        Self::error("BODY_NOT_JSON", "", "request body is not valid JSON")
    }
}

/// A list of violations as a Python list of dicts.
pub(crate) fn violations_to_pyvalue(violations: &[Violation]) -> PyValue {
    PyValue::List(violations.iter().map(Violation::to_pyvalue).collect())
}

/// `schema_violations`: one `SCHEMA_INVALID` per pydantic error, in pydantic's order.
pub(crate) fn schema_violations(errors: &[SchemaError]) -> Vec<Violation> {
    errors.iter().map(|error| Violation::error("SCHEMA_INVALID", error.field(), error.msg.as_str())).collect()
}

/// `has_errors`: whether any violation has severity `error`.
pub fn has_errors(violations: &[Violation]) -> bool {
    violations.iter().any(|violation| violation.severity == Severity::Error)
}

pub(crate) const NAME_MAX_LENGTH: usize = 40;
pub(crate) const ALLOWED_REGIONS: [&str; 4] = ["eu-west-1", "eu-central-1", "eu-north-1", "us-east-1"];
pub(crate) const DEPRECATED_K8S_VERSIONS: [&str; 2] = ["1.28", "1.29"];
pub(crate) const ALLOWED_INSTANCE_SIZES: [&str; 7] =
    ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
pub(crate) const DISK_SIZE_MIN_GB: i64 = 50;
pub(crate) const DISK_SIZE_MAX_GB: i64 = 16384;
pub(crate) const VPC_PREFIX_RANGE: (u8, u8) = (16, 24);
pub(crate) const REQUIRED_TAGS: [&str; 3] = ["cost-center", "owner", "data-classification"];
pub(crate) const DATA_CLASSIFICATIONS: [&str; 4] = ["public", "internal", "confidential", "restricted"];
pub(crate) const CONTROL_PLANE_LOG_TYPES: [&str; 5] =
    ["api", "audit", "authenticator", "controllerManager", "scheduler"];
pub(crate) const REQUIRED_PROD_LOG_TYPES: [&str; 3] = ["api", "audit", "authenticator"];

/// The Kubernetes versions a cluster type may run.
pub(crate) fn allowed_k8s_versions(cluster_type: ClusterType) -> &'static [&'static str] {
    match cluster_type {
        ClusterType::General => &["1.28", "1.29", "1.30", "1.31"],
        ClusterType::Compute => &["1.29", "1.30", "1.31"],
        ClusterType::Memory => &["1.30", "1.31"],
    }
}

/// The instance families a cluster type may use.
pub(crate) fn allowed_instance_families(cluster_type: ClusterType) -> &'static [&'static str] {
    match cluster_type {
        ClusterType::General => &["m6i", "m7i"],
        ClusterType::Compute => &["c6i", "c7i"],
        ClusterType::Memory => &["r6i", "r7i"],
    }
}

/// Total nodes per environment: (lowest sum of min_size, highest sum of max_size).
pub(crate) fn node_count_limits(environment: Environment) -> (i64, i64) {
    match environment {
        Environment::Dev => (1, 10),
        Environment::Staging => (2, 30),
        Environment::Prod => (3, 100),
    }
}

/// Subnets a cluster needs per environment.
pub(crate) fn min_subnets(environment: Environment) -> usize {
    match environment {
        Environment::Prod => 3,
        Environment::Dev | Environment::Staging => 2,
    }
}

/// A Python `re` pattern used with `.match()`. Python's `$` also matches before a
/// final newline, so patterns are written with `$` and compiled with `\n?\z`.
fn python_pattern(pattern: &str) -> Regex {
    let translated = match pattern.strip_suffix('$') {
        Some(body) => format!(r"{body}\n?\z"),
        None => pattern.to_owned(),
    };
    #[allow(clippy::unwrap_used)] // The patterns are constants, checked by the tests.
    Regex::new(&translated).unwrap()
}

pub(crate) static NAME_PATTERN: LazyLock<Regex> = LazyLock::new(|| python_pattern(r"^[a-z][a-z0-9-]*[a-z0-9]$"));
pub(crate) static TEAM_PATTERN: LazyLock<Regex> = LazyLock::new(|| python_pattern(r"^[a-z][a-z0-9-]{1,29}$"));
pub(crate) static NODE_GROUP_NAME_PATTERN: LazyLock<Regex> =
    LazyLock::new(|| python_pattern(r"^[a-z][a-z0-9-]{0,62}$"));
pub(crate) static AZ_SUFFIX: LazyLock<Regex> = LazyLock::new(|| python_pattern(r"^[a-z]$"));
pub(crate) static COST_CENTER_PATTERN: LazyLock<Regex> = LazyLock::new(|| python_pattern(r"^CC-\d{5}$"));
pub(crate) static OWNER_PATTERN: LazyLock<Regex> =
    LazyLock::new(|| python_pattern(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"));
pub(crate) static KMS_KEY_ARN_PATTERN: LazyLock<Regex> =
    LazyLock::new(|| python_pattern(r"^arn:aws:kms:([a-z0-9-]+):(\d{12}):key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$"));

/// Compiles the rules' patterns now. Python compiles its `re` patterns when the module is
/// imported, in Lambda's init phase; the Rust patterns are lazy, so without this the
/// first spec a sandbox checks pays for compiling them: about 1.5 ms on a whole core,
/// twenty on 128 MB's share of one. A function's `main` calls it before serving, so the
/// work lands in init, as Python's does.
pub fn compile_patterns() {
    for pattern in [
        &NAME_PATTERN,
        &TEAM_PATTERN,
        &NODE_GROUP_NAME_PATTERN,
        &AZ_SUFFIX,
        &COST_CENTER_PATTERN,
        &OWNER_PATTERN,
        &KMS_KEY_ARN_PATTERN,
    ] {
        LazyLock::force(pattern);
    }
}

/// `check_spec`: every violation, rules in file order.
pub fn check_spec(spec: &ClusterSpec, org_permission_boundary_arn: &str) -> Vec<Violation> {
    let mut found = Vec::new();
    check_naming(spec, &mut found);
    check_region_and_version(spec, &mut found);
    check_node_groups(spec, &mut found);
    check_network(spec, &mut found);
    check_tags(spec, &mut found);
    check_security(spec, org_permission_boundary_arn, &mut found);
    found
}

fn check_naming(spec: &ClusterSpec, found: &mut Vec<Violation>) {
    if !NAME_PATTERN.is_match(&spec.name) {
        found.push(Violation::error(
            "NAME_INVALID",
            "name",
            format!(
                "name must start with a lowercase letter and contain only lowercase letters, digits and hyphens, got {}",
                str_repr(&spec.name)
            ),
        ));
    }
    let name_length = spec.name.chars().count();
    if name_length > NAME_MAX_LENGTH {
        found.push(Violation::error(
            "NAME_TOO_LONG",
            "name",
            format!("name must be at most {NAME_MAX_LENGTH} characters, got {name_length}"),
        ));
    }
    if !TEAM_PATTERN.is_match(&spec.team) {
        found.push(Violation::error(
            "TEAM_INVALID",
            "team",
            format!(
                "team must be 2-30 lowercase letters, digits or hyphens starting with a letter, got {}",
                str_repr(&spec.team)
            ),
        ));
    }
}

fn check_region_and_version(spec: &ClusterSpec, found: &mut Vec<Violation>) {
    if !ALLOWED_REGIONS.contains(&spec.region.as_str()) {
        found.push(Violation::error(
            "REGION_NOT_ALLOWED",
            "region",
            format!("region {} is not allowed; use one of {}", str_repr(&spec.region), ALLOWED_REGIONS.join(", ")),
        ));
    }
    let allowed_versions = allowed_k8s_versions(spec.cluster_type);
    let version = spec.kubernetes_version.as_str();
    if !allowed_versions.contains(&version) {
        found.push(Violation::error(
            "K8S_VERSION_UNSUPPORTED",
            "kubernetes_version",
            format!(
                "kubernetes version {} is not supported for {} clusters; use one of {}",
                str_repr(version),
                spec.cluster_type,
                allowed_versions.join(", ")
            ),
        ));
    } else if DEPRECATED_K8S_VERSIONS.contains(&version) {
        let preferred = allowed_versions.last().copied().unwrap_or_default();
        found.push(Violation::warning(
            "K8S_VERSION_DEPRECATED",
            "kubernetes_version",
            format!("kubernetes version {version} leaves standard support soon; prefer {preferred}"),
        ));
    }
}

fn check_node_groups(spec: &ClusterSpec, found: &mut Vec<Violation>) {
    if spec.node_groups.is_empty() {
        found.push(Violation::error("NODE_GROUPS_EMPTY", "node_groups", "at least one node group is required"));
        return;
    }
    let families = allowed_instance_families(spec.cluster_type);
    let mut seen_names: Vec<&str> = Vec::new();
    for (index, group) in spec.node_groups.iter().enumerate() {
        let path = format!("node_groups.{index}");
        if !NODE_GROUP_NAME_PATTERN.is_match(&group.name) {
            found.push(Violation::error(
                "NODE_GROUP_NAME_INVALID",
                format!("{path}.name"),
                format!(
                    "node group name must be up to 63 lowercase letters, digits or hyphens starting with a letter, got {}",
                    str_repr(&group.name)
                ),
            ));
        }
        if seen_names.contains(&group.name.as_str()) {
            found.push(Violation::error(
                "NODE_GROUP_NAME_DUPLICATE",
                format!("{path}.name"),
                format!("node group name {} is used more than once", str_repr(&group.name)),
            ));
        }
        seen_names.push(&group.name);

        let (family, size) = group.instance_type.split_once('.').unwrap_or((group.instance_type.as_str(), ""));
        if !families.contains(&family) || !ALLOWED_INSTANCE_SIZES.contains(&size) {
            found.push(Violation::error(
                "INSTANCE_TYPE_NOT_ALLOWED",
                format!("{path}.instance_type"),
                format!(
                    "instance type {} is not allowed for {} clusters; use the {} families",
                    str_repr(&group.instance_type),
                    spec.cluster_type,
                    families.join(" or ")
                ),
            ));
        }
        if !(group.min_size <= group.desired_size && group.desired_size <= group.max_size) {
            found.push(Violation::error(
                "NODE_SIZE_INCONSISTENT",
                format!("{path}.desired_size"),
                format!(
                    "sizes must satisfy min_size <= desired_size <= max_size, got {} <= {} <= {}",
                    group.min_size, group.desired_size, group.max_size
                ),
            ));
        }
        if group.disk_size_gb < PyInt::from(DISK_SIZE_MIN_GB) {
            found.push(Violation::error(
                "DISK_SIZE_TOO_SMALL",
                format!("{path}.disk_size_gb"),
                format!("disk size must be at least {DISK_SIZE_MIN_GB} GB, got {}", group.disk_size_gb),
            ));
        } else if group.disk_size_gb > PyInt::from(DISK_SIZE_MAX_GB) {
            found.push(Violation::error(
                "DISK_SIZE_TOO_LARGE",
                format!("{path}.disk_size_gb"),
                format!("disk size must be at most {DISK_SIZE_MAX_GB} GB, got {}", group.disk_size_gb),
            ));
        }
    }

    let (lowest, highest) = node_count_limits(spec.environment);
    let total_min = PyInt::sum(spec.node_groups.iter().map(|group| &group.min_size));
    let total_max = PyInt::sum(spec.node_groups.iter().map(|group| &group.max_size));
    if total_min < PyInt::from(lowest) || total_max > PyInt::from(highest) {
        found.push(Violation::error(
            "NODE_COUNT_OUT_OF_RANGE",
            "node_groups",
            format!(
                "{} clusters need between {lowest} and {highest} nodes in total, got min {total_min} and max {total_max}",
                spec.environment
            ),
        ));
    }
}

fn check_network(spec: &ClusterSpec, found: &mut Vec<Violation>) {
    let network = &spec.network;
    let mut vpc: Option<Ipv4Network> = None;
    match ip_network(&network.vpc_cidr) {
        Err(error) => found.push(Violation::error(
            "VPC_CIDR_INVALID",
            "network.vpc_cidr",
            format!("vpc_cidr is not a valid CIDR block: {error}"),
        )),
        Ok(IpNetwork::V6 { .. }) => found.push(Violation::error(
            "VPC_CIDR_INVALID",
            "network.vpc_cidr",
            format!("vpc_cidr must be an IPv4 CIDR block, got {}", str_repr(&network.vpc_cidr)),
        )),
        Ok(IpNetwork::V4(block)) => vpc = Some(block),
    }
    if let Some(vpc) = vpc {
        let (low, high) = VPC_PREFIX_RANGE;
        if !(low <= vpc.prefix_length && vpc.prefix_length <= high) {
            found.push(Violation::error(
                "VPC_CIDR_PREFIX_OUT_OF_RANGE",
                "network.vpc_cidr",
                format!("vpc_cidr prefix must be between /{low} and /{high}, got /{}", vpc.prefix_length),
            ));
        }
        if !PRIVATE_RANGES.iter().any(|range| vpc.subnet_of(range)) {
            found.push(Violation::error(
                "VPC_CIDR_NOT_PRIVATE",
                "network.vpc_cidr",
                format!("vpc_cidr {vpc} is not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"),
            ));
        }
    }

    let mut parsed: Vec<(usize, Ipv4Network)> = Vec::new();
    let mut seen_zones: Vec<&str> = Vec::new();
    for (index, subnet) in network.subnets.iter().enumerate() {
        let path = format!("network.subnets.{index}");
        let block = match ip_network(&subnet.cidr) {
            Ok(IpNetwork::V4(block)) => Ok(block),
            Ok(IpNetwork::V6 { .. }) => Err(format!("{} is not an IPv4 network", str_repr(&subnet.cidr))),
            Err(error) => Err(error),
        };
        match block {
            Err(error) => found.push(Violation::error(
                "SUBNET_CIDR_INVALID",
                format!("{path}.cidr"),
                format!("subnet cidr is not a valid CIDR block: {error}"),
            )),
            Ok(block) => {
                if let Some(vpc) = vpc
                    && !block.subnet_of(&vpc)
                {
                    found.push(Violation::error(
                        "SUBNET_OUTSIDE_VPC",
                        format!("{path}.cidr"),
                        format!("subnet {block} is not inside the VPC {vpc}"),
                    ));
                }
                for (other_index, other) in &parsed {
                    if block.overlaps(other) {
                        found.push(Violation::error(
                            "SUBNET_OVERLAP",
                            format!("{path}.cidr"),
                            format!("subnet {block} overlaps network.subnets.{other_index} ({other})"),
                        ));
                    }
                }
                parsed.push((index, block));
            }
        }

        let zone = subnet.availability_zone.as_str();
        if seen_zones.contains(&zone) {
            found.push(Violation::error(
                "SUBNET_AZ_DUPLICATE",
                format!("{path}.availability_zone"),
                format!(
                    "availability zone {} already has a subnet; spread subnets over distinct zones",
                    str_repr(zone)
                ),
            ));
        }
        seen_zones.push(zone);
        let in_region = zone.strip_prefix(spec.region.as_str()).is_some_and(|suffix| AZ_SUFFIX.is_match(suffix));
        if !in_region {
            found.push(Violation::error(
                "SUBNET_AZ_REGION_MISMATCH",
                format!("{path}.availability_zone"),
                format!("availability zone {} is not in region {}", str_repr(zone), spec.region),
            ));
        }
    }

    let needed = min_subnets(spec.environment);
    if network.subnets.len() < needed {
        found.push(Violation::error(
            "INSUFFICIENT_SUBNETS",
            "network.subnets",
            format!("{} clusters need at least {needed} subnets, got {}", spec.environment, network.subnets.len()),
        ));
    }

    if network.endpoint_public_access {
        if spec.environment == Environment::Prod {
            found.push(Violation::error(
                "PUBLIC_ENDPOINT_IN_PROD",
                "network.endpoint_public_access",
                "prod clusters must not expose a public API endpoint",
            ));
        } else {
            found.push(Violation::warning(
                "PUBLIC_ENDPOINT_ENABLED",
                "network.endpoint_public_access",
                "the cluster API endpoint is public; restrict it unless you need it",
            ));
        }
    }
}

fn check_tags(spec: &ClusterSpec, found: &mut Vec<Violation>) {
    for key in REQUIRED_TAGS {
        if spec.tag(key).is_none() {
            found.push(Violation::error(
                "TAG_MISSING",
                format!("tags.{key}"),
                format!("tag {} is required", str_repr(key)),
            ));
        }
    }
    if let Some(cost_center) = spec.tag("cost-center")
        && !COST_CENTER_PATTERN.is_match(cost_center)
    {
        found.push(Violation::error(
            "TAG_COST_CENTER_FORMAT",
            "tags.cost-center",
            format!("cost-center must look like CC-12345, got {}", str_repr(cost_center)),
        ));
    }
    if let Some(owner) = spec.tag("owner")
        && !OWNER_PATTERN.is_match(owner)
    {
        found.push(Violation::error(
            "TAG_OWNER_FORMAT",
            "tags.owner",
            format!("owner must be a lowercase email address, got {}", str_repr(owner)),
        ));
    }
    if let Some(classification) = spec.tag("data-classification")
        && !DATA_CLASSIFICATIONS.contains(&classification)
    {
        found.push(Violation::error(
            "TAG_DATA_CLASSIFICATION_INVALID",
            "tags.data-classification",
            format!(
                "data-classification must be one of {}, got {}",
                DATA_CLASSIFICATIONS.join(", "),
                str_repr(classification)
            ),
        ));
    }
}

fn check_security(spec: &ClusterSpec, org_permission_boundary_arn: &str, found: &mut Vec<Violation>) {
    let security = &spec.security;
    match security.kms_key_arn.as_deref().filter(|arn| !arn.is_empty()) {
        None => {
            if spec.environment != Environment::Dev {
                found.push(Violation::error(
                    "KMS_KEY_REQUIRED",
                    "security.kms_key_arn",
                    format!("{} clusters must encrypt secrets with a KMS key", spec.environment),
                ));
            }
        }
        Some(arn) => match KMS_KEY_ARN_PATTERN.captures(arn) {
            None => found.push(Violation::error(
                "KMS_KEY_ARN_INVALID",
                "security.kms_key_arn",
                format!("kms_key_arn is not a KMS key ARN: {}", str_repr(arn)),
            )),
            Some(captures) => {
                let key_region = captures.get(1).map_or("", |group| group.as_str());
                if key_region != spec.region {
                    found.push(Violation::error(
                        "KMS_KEY_REGION_MISMATCH",
                        "security.kms_key_arn",
                        format!("the KMS key is in {key_region} but the cluster is in {}", spec.region),
                    ));
                }
            }
        },
    }

    if security.permission_boundary_arn.as_deref() != Some(org_permission_boundary_arn) {
        found.push(Violation::error(
            "PERMISSION_BOUNDARY_MISMATCH",
            "security.permission_boundary_arn",
            format!("permission_boundary_arn must be the organisation's boundary {org_permission_boundary_arn}"),
        ));
    }

    for (index, log_type) in security.control_plane_logging.iter().enumerate() {
        if !CONTROL_PLANE_LOG_TYPES.contains(&log_type.as_str()) {
            found.push(Violation::error(
                "CONTROL_PLANE_LOG_TYPE_INVALID",
                format!("security.control_plane_logging.{index}"),
                format!(
                    "unknown control-plane log type {}; use {}",
                    str_repr(log_type),
                    CONTROL_PLANE_LOG_TYPES.join(", ")
                ),
            ));
        }
    }
    if spec.environment == Environment::Prod {
        let missing: Vec<&str> = REQUIRED_PROD_LOG_TYPES
            .iter()
            .copied()
            .filter(|log_type| !security.control_plane_logging.iter().any(|enabled| enabled == log_type))
            .collect();
        if !missing.is_empty() {
            found.push(Violation::error(
                "CONTROL_PLANE_LOGGING_REQUIRED",
                "security.control_plane_logging",
                format!("prod clusters must enable control-plane logging for {}", missing.join(", ")),
            ));
        }
    }
}
