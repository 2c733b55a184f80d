//! Compliance guardrails over a stored cluster's spec (`compliance.py`): always eight
//! findings, in this order; compliant when no `high` finding fails.
//!
//! The spec comes from DynamoDB as a plain dict, so every check reads it the lenient
//! way Python's `.get(...) or {}` does.

use crate::rules::{
    CONTROL_PLANE_LOG_TYPES, COST_CENTER_PATTERN, DATA_CLASSIFICATIONS, OWNER_PATTERN, REQUIRED_PROD_LOG_TYPES,
    REQUIRED_TAGS,
};
use crate::value::{PyDict, PyValue};

pub(crate) const PASS: &str = "PASS";
pub(crate) const FAIL: &str = "FAIL";

/// One finding: `{"rule_id", "title", "status", "severity", "detail"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule_id: &'static str,
    pub title: &'static str,
    pub passed: bool,
    pub severity: &'static str,
    pub detail: String,
}

impl Finding {
    pub fn status(&self) -> &'static str {
        if self.passed { PASS } else { FAIL }
    }

    pub fn to_pyvalue(&self) -> PyValue {
        PyValue::Dict(
            PyDict::new()
                .with("rule_id", self.rule_id)
                .with("title", self.title)
                .with("status", self.status())
                .with("severity", self.severity)
                .with("detail", self.detail.as_str()),
        )
    }
}

/// `spec.get(key) or {}` for a nested map.
fn map_or_empty<'a>(dict: &'a PyDict, key: &str, empty: &'a PyDict) -> &'a PyDict {
    match dict.get(key) {
        Some(PyValue::Dict(inner)) => inner,
        _ => empty,
    }
}

/// `dict.get(key) or []` for a list.
fn list_or_empty<'a>(dict: &'a PyDict, key: &str) -> &'a [PyValue] {
    match dict.get(key) {
        Some(PyValue::List(items)) => items,
        _ => &[],
    }
}

/// `check_compliance(spec, org_permission_boundary_arn)`.
pub fn check_compliance(spec: &PyDict, org_permission_boundary_arn: &str) -> Vec<Finding> {
    let empty = PyDict::new();
    let environment = spec.get_str("environment");
    let tags = map_or_empty(spec, "tags", &empty);
    let security = map_or_empty(spec, "security", &empty);
    let network = map_or_empty(spec, "network", &empty);
    let logging_enabled = list_or_empty(security, "control_plane_logging");
    let enabled = |log_type: &str| logging_enabled.iter().any(|value| value.as_str() == Some(log_type));

    let missing_tags: Vec<&str> =
        REQUIRED_TAGS.iter().copied().filter(|key| !tags.get(key).is_some_and(PyValue::truthy)).collect();
    let tag_text = |key: &str| tags.get_str(key).unwrap_or("");
    let tag_formats_ok = COST_CENTER_PATTERN.is_match(tag_text("cost-center"))
        && OWNER_PATTERN.is_match(tag_text("owner"))
        && tags.get_str("data-classification").is_some_and(|value| DATA_CLASSIFICATIONS.contains(&value));
    let missing_required_logs: Vec<&str> =
        REQUIRED_PROD_LOG_TYPES.iter().copied().filter(|log_type| !enabled(log_type)).collect();
    let missing_any_logs: Vec<&str> =
        CONTROL_PLANE_LOG_TYPES.iter().copied().filter(|log_type| !enabled(log_type)).collect();
    let mut zones: Vec<PyValue> = Vec::new();
    for subnet in list_or_empty(network, "subnets") {
        let zone =
            subnet.as_dict().and_then(|subnet| subnet.get("availability_zone")).cloned().unwrap_or(PyValue::None);
        if !zones.contains(&zone) {
            zones.push(zone);
        }
    }
    let kms_configured = security.get("kms_key_arn").is_some_and(PyValue::truthy);
    let boundary = security.get("permission_boundary_arn").cloned().unwrap_or(PyValue::None);
    let public_endpoint = network.get("endpoint_public_access").is_some_and(PyValue::truthy);
    let prod = environment == Some("prod");

    vec![
        Finding {
            rule_id: "TAG-001",
            title: "required tags are present",
            passed: missing_tags.is_empty(),
            severity: "high",
            detail: if missing_tags.is_empty() {
                "all required tags present".to_owned()
            } else {
                format!("missing tags: {}", missing_tags.join(", "))
            },
        },
        Finding {
            rule_id: "TAG-002",
            title: "tag values follow the tagging standard",
            passed: tag_formats_ok,
            severity: "medium",
            detail: if tag_formats_ok {
                "tag values are well formed"
            } else {
                "cost-center, owner or data-classification is malformed"
            }
            .to_owned(),
        },
        Finding {
            rule_id: "ENC-001",
            title: "secrets are encrypted with a customer managed KMS key",
            passed: kms_configured,
            severity: if environment == Some("dev") { "low" } else { "high" },
            detail: if kms_configured { "KMS key configured" } else { "no KMS key for secrets encryption" }.to_owned(),
        },
        Finding {
            rule_id: "IAM-001",
            title: "roles use the organisation's permission boundary",
            passed: boundary.as_str() == Some(org_permission_boundary_arn),
            severity: "high",
            detail: format!("expected {org_permission_boundary_arn}, found {}", boundary.python_str()),
        },
        Finding {
            rule_id: "LOG-001",
            title: "api, audit and authenticator control-plane logs are enabled",
            passed: missing_required_logs.is_empty(),
            severity: if prod { "high" } else { "medium" },
            detail: if missing_required_logs.is_empty() {
                "required log types enabled".to_owned()
            } else {
                format!("missing log types: {}", missing_required_logs.join(", "))
            },
        },
        Finding {
            rule_id: "LOG-002",
            title: "all control-plane log types are enabled",
            passed: missing_any_logs.is_empty(),
            severity: "low",
            detail: if missing_any_logs.is_empty() {
                "all log types enabled".to_owned()
            } else {
                format!("missing log types: {}", missing_any_logs.join(", "))
            },
        },
        Finding {
            rule_id: "NET-001",
            title: "the cluster API endpoint is private",
            passed: !public_endpoint,
            severity: if prod { "high" } else { "medium" },
            detail: if public_endpoint { "endpoint is publicly accessible" } else { "endpoint is private" }.to_owned(),
        },
        Finding {
            rule_id: "NET-002",
            title: "subnets span at least three availability zones",
            passed: zones.len() >= 3,
            severity: "medium",
            detail: format!("subnets span {} availability zones", zones.len()),
        },
    ]
}

/// `is_compliant`: no failed finding of severity `high`.
pub(crate) fn is_compliant(findings: &[Finding]) -> bool {
    !findings.iter().any(|finding| !finding.passed && finding.severity == "high")
}

/// The `compliance` attribute stored on the cluster:
/// `{"compliant", "passed", "failed", "failed_rules", "checked_at"}`.
pub fn compliance_summary(findings: &[Finding], checked_at: &str) -> PyDict {
    let passed = findings.iter().filter(|finding| finding.passed).count();
    let failed_rules: Vec<PyValue> =
        findings.iter().filter(|finding| !finding.passed).map(|finding| PyValue::str(finding.rule_id)).collect();
    PyDict::new()
        .with("compliant", is_compliant(findings))
        .with("passed", PyValue::int(passed as i64))
        .with("failed", PyValue::int(failed_rules.len() as i64))
        .with("failed_rules", failed_rules)
        .with("checked_at", checked_at)
}

/// The 200 body: `{"cluster_id", **summary, "findings": [...]}`.
pub fn compliance_body(cluster_id: &str, summary: &PyDict, findings: &[Finding]) -> PyDict {
    let mut body = PyDict::new().with("cluster_id", cluster_id);
    for (key, value) in summary.iter() {
        body.insert(key, value.clone());
    }
    body.with("findings", findings.iter().map(Finding::to_pyvalue).collect::<Vec<_>>())
}

/// The COMPLIANCE_CHECKED audit details: `{"compliant", "failed_rules"}`.
pub fn compliance_audit_details(summary: &PyDict) -> PyDict {
    PyDict::new()
        .with("compliant", summary.get("compliant").cloned().unwrap_or(PyValue::None))
        .with("failed_rules", summary.get("failed_rules").cloned().unwrap_or(PyValue::None))
}
