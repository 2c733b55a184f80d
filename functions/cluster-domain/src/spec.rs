//! The cluster spec teams submit, and its parser.
//!
//! The Python original declares the spec as pydantic v2 models (`models.py`) with
//! `extra="forbid"` and validates a `json.loads` result in lax mode. [`parse_spec`]
//! reproduces exactly that validation for exactly this model: which inputs are coerced
//! (`"3"` → 3, `3.0` → 3, `true` → 1, `"yes"` → true), which are refused, the order of
//! the errors, their `loc` and pydantic's `msg` strings verbatim.

use std::fmt;

use crate::python_json;
use crate::value::{PyDict, PyInt, PyValue};

/// The environments a cluster can be requested for, in the order messages list them.
pub(crate) const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "prod"];

/// The environment a cluster runs in (`Literal["dev", "staging", "prod"]`); the rules'
/// limits depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `"dev"`.
    Dev,
    /// `"staging"`.
    Staging,
    /// `"prod"`: stricter rules (three subnets, control-plane logs, no public endpoint).
    Prod,
}

impl Environment {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "dev" => Some(Self::Dev),
            "staging" => Some(Self::Staging),
            "prod" => Some(Self::Prod),
            _ => None,
        }
    }

    /// The literal as the spec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The workload a cluster is for (`Literal["general", "compute", "memory"]`); it picks
/// the allowed Kubernetes versions and instance families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterType {
    /// `"general"`: m6i/m7i instances.
    General,
    /// `"compute"`: c6i/c7i instances.
    Compute,
    /// `"memory"`: r6i/r7i instances.
    Memory,
}

impl ClusterType {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "general" => Some(Self::General),
            "compute" => Some(Self::Compute),
            "memory" => Some(Self::Memory),
            _ => None,
        }
    }

    /// The literal as the spec spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Compute => "compute",
            Self::Memory => "memory",
        }
    }
}

impl fmt::Display for ClusterType {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// `ClusterSpec`: every field after validation, defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSpec {
    pub(crate) name: String,
    pub(crate) team: String,
    /// Where the cluster runs; the audit details and pipeline tags name it.
    pub environment: Environment,
    /// What the cluster is for; the audit details name it.
    pub cluster_type: ClusterType,
    pub(crate) kubernetes_version: String,
    pub(crate) region: String,
    pub(crate) node_groups: Vec<NodeGroup>,
    pub(crate) network: Network,
    pub(crate) security: Security,
    /// `dict[str, str]` in the request's order (a repeated key keeps its first place).
    pub(crate) tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeGroup {
    pub(crate) name: String,
    pub(crate) instance_type: String,
    pub(crate) min_size: PyInt,
    pub(crate) max_size: PyInt,
    pub(crate) desired_size: PyInt,
    pub(crate) disk_size_gb: PyInt,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Subnet {
    pub(crate) cidr: String,
    pub(crate) availability_zone: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Network {
    pub(crate) vpc_cidr: String,
    pub(crate) subnets: Vec<Subnet>,
    pub(crate) endpoint_public_access: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Security {
    pub(crate) kms_key_arn: Option<String>,
    pub(crate) permission_boundary_arn: Option<String>,
    pub(crate) control_plane_logging: Vec<String>,
}

impl ClusterSpec {
    /// `spec.tags.get(key)`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(existing, _)| existing == key).map(|(_, value)| value.as_str())
    }

    /// `spec.model_dump()`: fields in declaration order, defaults filled in.
    pub fn model_dump(&self) -> PyDict {
        let node_groups = self.node_groups.iter().map(|group| PyValue::Dict(group.model_dump())).collect::<Vec<_>>();
        let subnets = self
            .network
            .subnets
            .iter()
            .map(|subnet| {
                PyValue::Dict(
                    PyDict::new()
                        .with("cidr", subnet.cidr.as_str())
                        .with("availability_zone", subnet.availability_zone.as_str()),
                )
            })
            .collect::<Vec<_>>();
        let logging = self
            .security
            .control_plane_logging
            .iter()
            .map(|log_type| PyValue::str(log_type.as_str()))
            .collect::<Vec<_>>();
        let tags = self.tags.iter().map(|(key, value)| (key.clone(), PyValue::str(value.as_str()))).collect::<PyDict>();
        PyDict::new()
            .with("name", self.name.as_str())
            .with("team", self.team.as_str())
            .with("environment", self.environment.as_str())
            .with("cluster_type", self.cluster_type.as_str())
            .with("kubernetes_version", self.kubernetes_version.as_str())
            .with("region", self.region.as_str())
            .with("node_groups", node_groups)
            .with(
                "network",
                PyDict::new()
                    .with("vpc_cidr", self.network.vpc_cidr.as_str())
                    .with("subnets", subnets)
                    .with("endpoint_public_access", self.network.endpoint_public_access),
            )
            .with(
                "security",
                PyDict::new()
                    .with("kms_key_arn", self.security.kms_key_arn.as_deref())
                    .with("permission_boundary_arn", self.security.permission_boundary_arn.as_deref())
                    .with("control_plane_logging", logging),
            )
            .with("tags", tags)
    }

    /// `spec.model_dump_json()`: pydantic's compact JSON (UTF-8, not ASCII-escaped),
    /// the S3 object the pipeline's source stage reads.
    pub fn model_dump_json(&self) -> String {
        python_json::dumps_pydantic(&PyValue::Dict(self.model_dump()))
    }
}

impl NodeGroup {
    pub(crate) fn model_dump(&self) -> PyDict {
        PyDict::new()
            .with("name", self.name.as_str())
            .with("instance_type", self.instance_type.as_str())
            .with("min_size", self.min_size.clone())
            .with("max_size", self.max_size.clone())
            .with("desired_size", self.desired_size.clone())
            .with("disk_size_gb", self.disk_size_gb.clone())
    }
}

/// One part of a pydantic error location: a field name or a list position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LocPart {
    Key(String),
    Index(usize),
}

impl fmt::Display for LocPart {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(key) => formatter.write_str(key),
            Self::Index(index) => write!(formatter, "{index}"),
        }
    }
}

/// One pydantic validation error: `loc` and `msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub(crate) loc: Vec<LocPart>,
    /// pydantic's `msg`, verbatim (`Field required`).
    pub msg: String,
}

impl SchemaError {
    /// `".".join(str(part) for part in loc)`; `""` for the root.
    pub fn field(&self) -> String {
        self.loc.iter().map(ToString::to_string).collect::<Vec<_>>().join(".")
    }
}

/// pydantic's error messages, verbatim.
pub(crate) mod messages {
    pub(crate) const FIELD_REQUIRED: &str = "Field required";
    pub(crate) const EXTRA_FORBIDDEN: &str = "Extra inputs are not permitted";
    pub(crate) const STRING_TYPE: &str = "Input should be a valid string";
    pub(crate) const INT_TYPE: &str = "Input should be a valid integer";
    pub(crate) const INT_PARSING: &str = "Input should be a valid integer, unable to parse string as an integer";
    pub(crate) const INT_PARSING_SIZE: &str = "Unable to parse input string as an integer, exceeded maximum size";
    pub(crate) const INT_FROM_FLOAT: &str = "Input should be a valid integer, got a number with a fractional part";
    pub(crate) const FINITE_NUMBER: &str = "Input should be a finite number";
    pub(crate) const GREATER_THAN_EQUAL_ZERO: &str = "Input should be greater than or equal to 0";
    pub(crate) const BOOL_TYPE: &str = "Input should be a valid boolean";
    pub(crate) const BOOL_PARSING: &str = "Input should be a valid boolean, unable to interpret input";
    pub(crate) const LIST_TYPE: &str = "Input should be a valid list";
    pub(crate) const DICT_TYPE: &str = "Input should be a valid dictionary";
    pub(crate) const ENVIRONMENT_LITERAL: &str = "Input should be 'dev', 'staging' or 'prod'";
    pub(crate) const CLUSTER_TYPE_LITERAL: &str = "Input should be 'general', 'compute' or 'memory'";

    /// `model_type`: `Input should be a valid dictionary or instance of <Model>`.
    pub(crate) fn model_type(model: &str) -> String {
        format!("Input should be a valid dictionary or instance of {model}")
    }
}

/// `ClusterSpec.model_validate(payload)`: the spec, or every error in pydantic's order.
pub fn parse_spec(payload: &PyValue) -> Result<ClusterSpec, Vec<SchemaError>> {
    let mut validator = Validator { errors: Vec::new(), loc: Vec::new() };
    let spec = validator.cluster_spec(payload);
    match spec {
        Some(spec) if validator.errors.is_empty() => Ok(spec),
        _ => Err(validator.errors),
    }
}

/// Walks the payload collecting errors; every method returns `None` when its part
/// failed, and the caller keeps going so that every error is reported.
struct Validator {
    errors: Vec<SchemaError>,
    loc: Vec<LocPart>,
}

/// What a field's validator gets: the value, or nothing when the key is absent.
type FieldInput<'a> = Option<&'a PyValue>;

impl Validator {
    fn error(&mut self, msg: impl Into<String>) {
        self.errors.push(SchemaError { loc: self.loc.clone(), msg: msg.into() });
    }

    fn at<T>(&mut self, part: LocPart, check: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        self.loc.push(part);
        let result = check(self);
        self.loc.pop();
        result
    }

    /// A model's input must be a dict; its fields are then checked in declaration
    /// order, and [`Validator::extras`] reports unknown keys after them.
    fn model<'a>(&mut self, value: &'a PyValue, model_name: &str) -> Option<&'a PyDict> {
        match value {
            PyValue::Dict(dict) => Some(dict),
            _ => {
                self.error(messages::model_type(model_name));
                None
            }
        }
    }

    fn extras(&mut self, dict: &PyDict, fields: &[&str]) {
        for key in dict.keys() {
            if !fields.contains(&key) {
                let key = key.to_owned();
                self.at(LocPart::Key(key), |validator| {
                    validator.error(messages::EXTRA_FORBIDDEN);
                    Some(())
                });
            }
        }
    }

    fn field<'a, T>(
        &mut self,
        dict: &'a PyDict,
        name: &str,
        default: Option<T>,
        check: impl FnOnce(&mut Self, &'a PyValue) -> Option<T>,
    ) -> Option<T> {
        let input: FieldInput<'a> = dict.get(name);
        self.at(LocPart::Key(name.to_owned()), |validator| match input {
            Some(value) => check(validator, value),
            None => match default {
                Some(default) => Some(default),
                None => {
                    validator.error(messages::FIELD_REQUIRED);
                    None
                }
            },
        })
    }

    fn string(&mut self, value: &PyValue) -> Option<String> {
        match value {
            PyValue::Str(text) => Some(text.clone()),
            _ => {
                self.error(messages::STRING_TYPE);
                None
            }
        }
    }

    fn optional_string(&mut self, value: &PyValue) -> Option<Option<String>> {
        match value {
            PyValue::None => Some(None),
            other => self.string(other).map(Some),
        }
    }

    fn integer(&mut self, value: &PyValue) -> Option<PyInt> {
        match lax_int(value) {
            Ok(number) => Some(number),
            Err(message) => {
                self.error(message);
                None
            }
        }
    }

    fn non_negative_integer(&mut self, value: &PyValue) -> Option<PyInt> {
        let number = self.integer(value)?;
        if number.is_negative() {
            self.error(messages::GREATER_THAN_EQUAL_ZERO);
            return None;
        }
        Some(number)
    }

    fn boolean(&mut self, value: &PyValue) -> Option<bool> {
        match lax_bool(value) {
            Ok(flag) => Some(flag),
            Err(message) => {
                self.error(message);
                None
            }
        }
    }

    fn list<T>(&mut self, value: &PyValue, mut item: impl FnMut(&mut Self, &PyValue) -> Option<T>) -> Option<Vec<T>> {
        let PyValue::List(values) = value else {
            self.error(messages::LIST_TYPE);
            return None;
        };
        let mut items = Vec::with_capacity(values.len());
        let mut failed = false;
        for (index, value) in values.iter().enumerate() {
            match self.at(LocPart::Index(index), |validator| item(validator, value)) {
                Some(parsed) => items.push(parsed),
                None => failed = true,
            }
        }
        (!failed).then_some(items)
    }

    fn string_dict(&mut self, value: &PyValue) -> Option<Vec<(String, String)>> {
        let PyValue::Dict(dict) = value else {
            self.error(messages::DICT_TYPE);
            return None;
        };
        let mut entries = Vec::with_capacity(dict.len());
        let mut failed = false;
        for (key, value) in dict.iter() {
            match self.at(LocPart::Key(key.to_owned()), |validator| validator.string(value)) {
                Some(text) => entries.push((key.to_owned(), text)),
                None => failed = true,
            }
        }
        (!failed).then_some(entries)
    }

    fn literal<T>(&mut self, value: &PyValue, parse: fn(&str) -> Option<T>, message: &str) -> Option<T> {
        let parsed = value.as_str().and_then(parse);
        if parsed.is_none() {
            self.error(message);
        }
        parsed
    }

    fn cluster_spec(&mut self, value: &PyValue) -> Option<ClusterSpec> {
        const FIELDS: [&str; 10] = [
            "name",
            "team",
            "environment",
            "cluster_type",
            "kubernetes_version",
            "region",
            "node_groups",
            "network",
            "security",
            "tags",
        ];
        let dict = self.model(value, "ClusterSpec")?;
        let name = self.field(dict, "name", None, Self::string);
        let team = self.field(dict, "team", None, Self::string);
        let environment = self.field(dict, "environment", None, |validator, value| {
            validator.literal(value, Environment::parse, messages::ENVIRONMENT_LITERAL)
        });
        let cluster_type = self.field(dict, "cluster_type", None, |validator, value| {
            validator.literal(value, ClusterType::parse, messages::CLUSTER_TYPE_LITERAL)
        });
        let kubernetes_version = self.field(dict, "kubernetes_version", None, Self::string);
        let region = self.field(dict, "region", None, Self::string);
        let node_groups =
            self.field(dict, "node_groups", None, |validator, value| validator.list(value, Self::node_group));
        let network = self.field(dict, "network", None, Self::network);
        let security = self.field(dict, "security", Some(Security::default()), Self::security);
        let tags = self.field(dict, "tags", Some(Vec::new()), Self::string_dict);
        self.extras(dict, &FIELDS);
        Some(ClusterSpec {
            name: name?,
            team: team?,
            environment: environment?,
            cluster_type: cluster_type?,
            kubernetes_version: kubernetes_version?,
            region: region?,
            node_groups: node_groups?,
            network: network?,
            security: security?,
            tags: tags?,
        })
    }

    fn node_group(&mut self, value: &PyValue) -> Option<NodeGroup> {
        const FIELDS: [&str; 6] = ["name", "instance_type", "min_size", "max_size", "desired_size", "disk_size_gb"];
        let dict = self.model(value, "NodeGroup")?;
        let name = self.field(dict, "name", None, Self::string);
        let instance_type = self.field(dict, "instance_type", None, Self::string);
        let min_size = self.field(dict, "min_size", None, Self::non_negative_integer);
        let max_size = self.field(dict, "max_size", None, Self::non_negative_integer);
        let desired_size = self.field(dict, "desired_size", None, Self::non_negative_integer);
        let disk_size_gb = self.field(dict, "disk_size_gb", Some(PyInt::from(100)), Self::integer);
        self.extras(dict, &FIELDS);
        Some(NodeGroup {
            name: name?,
            instance_type: instance_type?,
            min_size: min_size?,
            max_size: max_size?,
            desired_size: desired_size?,
            disk_size_gb: disk_size_gb?,
        })
    }

    fn subnet(&mut self, value: &PyValue) -> Option<Subnet> {
        const FIELDS: [&str; 2] = ["cidr", "availability_zone"];
        let dict = self.model(value, "Subnet")?;
        let cidr = self.field(dict, "cidr", None, Self::string);
        let availability_zone = self.field(dict, "availability_zone", None, Self::string);
        self.extras(dict, &FIELDS);
        Some(Subnet { cidr: cidr?, availability_zone: availability_zone? })
    }

    fn network(&mut self, value: &PyValue) -> Option<Network> {
        const FIELDS: [&str; 3] = ["vpc_cidr", "subnets", "endpoint_public_access"];
        let dict = self.model(value, "Network")?;
        let vpc_cidr = self.field(dict, "vpc_cidr", None, Self::string);
        let subnets = self.field(dict, "subnets", None, |validator, value| validator.list(value, Self::subnet));
        let endpoint_public_access = self.field(dict, "endpoint_public_access", Some(false), Self::boolean);
        self.extras(dict, &FIELDS);
        Some(Network { vpc_cidr: vpc_cidr?, subnets: subnets?, endpoint_public_access: endpoint_public_access? })
    }

    fn security(&mut self, value: &PyValue) -> Option<Security> {
        const FIELDS: [&str; 3] = ["kms_key_arn", "permission_boundary_arn", "control_plane_logging"];
        let dict = self.model(value, "Security")?;
        let kms_key_arn = self.field(dict, "kms_key_arn", Some(None), Self::optional_string);
        let permission_boundary_arn = self.field(dict, "permission_boundary_arn", Some(None), Self::optional_string);
        let control_plane_logging = self.field(dict, "control_plane_logging", Some(Vec::new()), |validator, value| {
            validator.list(value, Self::string)
        });
        self.extras(dict, &FIELDS);
        Some(Security {
            kms_key_arn: kms_key_arn?,
            permission_boundary_arn: permission_boundary_arn?,
            control_plane_logging: control_plane_logging?,
        })
    }
}

/// pydantic's lax `int` from a Python value (python mode).
fn lax_int(value: &PyValue) -> Result<PyInt, &'static str> {
    match value {
        PyValue::Int(number) => Ok(number.clone()),
        PyValue::Bool(flag) => Ok(PyInt::from(i64::from(*flag))),
        PyValue::Float(number) => float_as_int(*number),
        PyValue::Str(text) => str_as_int(text),
        PyValue::Decimal(text) => str_as_int(text),
        PyValue::None | PyValue::List(_) | PyValue::Dict(_) => Err(messages::INT_TYPE),
    }
}

fn float_as_int(number: f64) -> Result<PyInt, &'static str> {
    if !number.is_finite() {
        return Err(messages::FINITE_NUMBER);
    }
    if number.fract() != 0.0 {
        return Err(messages::INT_FROM_FLOAT);
    }
    // pydantic-core converts through i64: anything outside (-2⁶³, 2⁶³) is "too big".
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if number >= LIMIT || number <= -LIMIT {
        return Err(messages::INT_PARSING_SIZE);
    }
    Ok(PyInt::from(number as i64))
}

/// pydantic-core's `str_as_int`: surrounding whitespace ignored, an optional sign,
/// ASCII digits with single underscores between them, an optional `.0+` tail; more
/// than 4300 significant digits is "exceeded maximum size".
fn str_as_int(text: &str) -> Result<PyInt, &'static str> {
    let trimmed = text.trim();
    let without_zero_fraction = match trimmed.split_once('.') {
        Some((whole, fraction)) if !fraction.is_empty() && fraction.bytes().all(|byte| byte == b'0') => whole,
        Some(_) => return Err(messages::INT_PARSING),
        None => trimmed,
    };
    let (sign, body) = match without_zero_fraction.as_bytes().first() {
        Some(b'-') => ("-", &without_zero_fraction[1..]),
        Some(b'+') => ("", &without_zero_fraction[1..]),
        _ => ("", without_zero_fraction),
    };
    if !valid_underscored_digits(body) {
        return Err(messages::INT_PARSING);
    }
    let digits: String = body.chars().filter(|character| *character != '_').collect();
    let significant = digits.trim_start_matches('0');
    if significant.len() > 4300 {
        return Err(messages::INT_PARSING_SIZE);
    }
    PyInt::parse_decimal(&format!("{sign}{digits}")).ok_or(messages::INT_PARSING)
}

/// ASCII digits, with underscores allowed only singly between two digits.
fn valid_underscored_digits(body: &str) -> bool {
    let bytes = body.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() || !bytes[bytes.len() - 1].is_ascii_digit() {
        return false;
    }
    bytes.windows(2).all(|pair| !(pair[0] == b'_' && pair[1] == b'_'))
        && bytes.iter().all(|byte| byte.is_ascii_digit() || *byte == b'_')
}

/// pydantic's lax `bool` from a Python value (python mode).
fn lax_bool(value: &PyValue) -> Result<bool, &'static str> {
    match value {
        PyValue::Bool(flag) => Ok(*flag),
        PyValue::Int(number) => match number.to_i64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(messages::BOOL_PARSING),
        },
        PyValue::Float(number) => {
            if *number == 0.0 {
                Ok(false)
            } else if *number == 1.0 {
                Ok(true)
            } else {
                Err(messages::BOOL_TYPE)
            }
        }
        PyValue::Str(text) => {
            const TRUE: [&str; 6] = ["1", "on", "t", "true", "y", "yes"];
            const FALSE: [&str; 6] = ["0", "off", "f", "false", "n", "no"];
            if TRUE.iter().any(|word| text.eq_ignore_ascii_case(word)) {
                Ok(true)
            } else if FALSE.iter().any(|word| text.eq_ignore_ascii_case(word)) {
                Ok(false)
            } else {
                Err(messages::BOOL_PARSING)
            }
        }
        PyValue::Decimal(_) | PyValue::None | PyValue::List(_) | PyValue::Dict(_) => Err(messages::BOOL_TYPE),
    }
}
