//! `cutover.toml`: the functions, their versions, aliases and routes, and where the local
//! AWS back end lives. Parsing is strict (unknown keys are errors) and validation names the
//! key at fault, so a typo never silently changes what runs.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The largest configured concurrency accepted; far beyond what one machine can run.
const MAX_CONCURRENCY: u32 = 1000;
/// Lambda's own bounds.
const MEMORY_RANGE_MB: std::ops::RangeInclusive<u32> = 128..=10240;
const TIMEOUT_RANGE_S: std::ops::RangeInclusive<f64> = 0.001..=900.0;

/// Why a config file was refused; each message names the file and, where it can, the
/// line or key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file as given.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The text is not TOML, or has an unknown key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file as given.
        path: PathBuf,
        /// The parser's message, prefixed with `line N:` when it points at one.
        message: String,
    },
    /// The file parses but describes something Lambda would refuse or that cannot run
    /// (a memory size outside Lambda's bounds, an alias to an unknown version, ...).
    #[error("{path}: {message}")]
    Invalid {
        /// The file as given.
        path: PathBuf,
        /// What is wrong, naming the function, version, alias or route at fault.
        message: String,
    },
}

/// A validated configuration with every path resolved against the config file's folder.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `[local]` table: addresses, region, interpreter and back end.
    pub local: LocalSettings,
    /// The `[[function]]` tables, in file order; names are unique.
    pub functions: Vec<FunctionConfig>,
    /// The `[[route]]` tables of the API Gateway front, in file order; a request goes to the
    /// most specific one that matches, as on API Gateway.
    pub routes: Vec<RouteConfig>,
}

/// The `[local]` table: where the emulator listens and what its sandboxes and back end get.
#[derive(Debug, Clone)]
pub struct LocalSettings {
    /// Where the Lambda Invoke API (and `/metrics`) listens; port 0 picks a free one.
    pub lambda_api: SocketAddr,
    /// Where the API Gateway front listens; `None` when no route is declared.
    pub api_gateway: Option<SocketAddr>,
    /// The region in ARNs and in the functions' `AWS_REGION`; `eu-west-1` unless set.
    pub region: String,
    /// The account in ARNs; `123456789012` unless set.
    pub account_id: String,
    /// The interpreter for Python sandboxes.
    pub python: PathBuf,
    /// The local AWS back end (`[local.moto]`); None when the file has none, and then the
    /// functions get no `AWS_ENDPOINT_URL`.
    pub moto: Option<MotoSettings>,
    /// The folder of the config file; relative paths and hooks resolve against it.
    pub base_dir: PathBuf,
    /// `[local.physics]`: the physics every function gets unless its own table says
    /// otherwise.
    pub physics: Physics,
}

/// The `[local.moto]` table: the AWS-compatible endpoint the functions call, and the hook
/// that prepares it.
#[derive(Debug, Clone)]
pub struct MotoSettings {
    /// Start moto server ourselves (on a free loopback port unless `port` is set).
    pub start: bool,
    /// The loopback port for a moto server we start; 0 picks a free one.
    pub port: u16,
    /// An already running AWS-compatible endpoint, used when `start` is false.
    pub endpoint: Option<String>,
    /// A command run once the back end answers; `{python}` and `{endpoint}` are
    /// substituted, and its stdout (a JSON object of strings) joins every function's
    /// environment.
    pub setup: Vec<String>,
    /// Ship every function's log lines to the back end's CloudWatch Logs, as Lambda does
    /// (`true` unless set).
    pub ship_logs: bool,
}

/// One `[[function]]`: a Lambda function with its published versions and aliases.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// The function's name (1–64 letters, digits, `-` or `_`).
    pub name: String,
    /// Lambda's `MemorySize` in MB (128–10240; 128 unless set): reported in the REPORT line
    /// and `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`; a version may set its own. Enforced only
    /// under [`Physics`] (`memory_limit`), and it sizes the CPU share (`cpu_share`).
    pub memory_mb: u32,
    /// Lambda's function timeout (1 ms to 900 s; 3 s unless set): past it the sandbox is
    /// killed and the invocation ends as `Sandbox.Timedout`.
    pub timeout: std::time::Duration,
    /// Reserved concurrency: in-flight invocations across all versions; beyond it, 429.
    pub concurrency: u32,
    /// Variables every version gets; a version's own variables win, Lambda's reserved ones
    /// (`AWS_REGION`, `AWS_LAMBDA_*`, ...) cannot be overridden.
    pub environment: BTreeMap<String, String>,
    /// In declaration order; the last one is also `$LATEST`.
    pub versions: Vec<VersionConfig>,
    /// The `[[function.alias]]` tables, in file order.
    pub aliases: Vec<AliasConfig>,
    /// Lambda's physics for this function's sandboxes: `[local.physics]`, overridden key
    /// by key by the function's own `physics` table.
    pub physics: Physics,
}

/// Lambda's physics on one machine, each part off unless set (`[local.physics]`, or a
/// function's `physics = { ... }` over it). docs/local.md says what each one simulates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Physics {
    /// A sandbox gets `memory_mb / 1769` of a vCPU, as Lambda allocates CPU, through a
    /// cgroup CPU quota.
    pub cpu_share: bool,
    /// A sandbox is limited to its `memory_mb`; over it the kernel kills the runtime and the
    /// invocation ends as `Runtime.OutOfMemory`.
    pub memory_limit: bool,
    /// A latency profile (a TOML file, see docs/local.md, or `"default"`, the shipped
    /// eu-west-1 one): each AWS call of the function
    /// waits the profile's delay for its service and operation before it reaches the back
    /// end, and each invocation gets a trace of its AWS calls.
    pub latency_profile: Option<PathBuf>,
}

impl Physics {
    /// Whether any part is on.
    pub fn any(&self) -> bool {
        self.cpu_share || self.memory_limit || self.latency_profile.is_some()
    }
}

/// One `[[function.version]]`: a published version and the code it runs.
#[derive(Debug, Clone)]
pub struct VersionConfig {
    /// The version number, as Lambda names versions (`"1"`, `"2"`, ...).
    pub version: String,
    /// What the sandboxes of this version run.
    pub runtime: RuntimeConfig,
    /// Variables for this version only, over the function's.
    pub environment: BTreeMap<String, String>,
    /// This version's `MemorySize` in MB: its own `memory_mb`, else the function's. A
    /// published version keeps the configuration it was published with, so the Python
    /// version can run at 512 MB and the Rust one at 128 MB.
    pub memory_mb: u32,
}

/// How a version's code runs: a Python handler or a custom-runtime `bootstrap`.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeConfig {
    /// `python -m awslambdaric <handler>` with cwd and PYTHONPATH = `code`.
    Python {
        /// Lambda's `Handler`: `module.function`, such as `create_cluster.app.handler`.
        handler: String,
        /// The folder holding the handler's package (an absolute path).
        code: PathBuf,
    },
    /// A custom-runtime executable (a Rust `lambda_runtime` binary), run as is.
    Bootstrap {
        /// The executable (an absolute path).
        path: PathBuf,
    },
}

/// One `[[function.alias]]`: the alias's routing when the emulator starts (UpdateAlias
/// changes it at run time, not here).
#[derive(Debug, Clone)]
pub struct AliasConfig {
    /// The alias's name: not a number and not `$LATEST`.
    pub name: String,
    /// The primary version: it gets whatever share the additional version leaves.
    pub version: String,
    /// Lambda's `AdditionalVersionWeights`: version → share of invocations (0.0–1.0), at
    /// most one entry.
    pub additional_version_weights: BTreeMap<String, f64>,
}

/// The event shape a route hands its function, and the response shape it expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadFormat {
    /// API Gateway REST API proxy integration (payload format 1.0).
    Rest,
    /// API Gateway HTTP API (payload format 2.0).
    Http,
}

/// One `[[route]]` of the API Gateway front: a method and path template, and the function
/// it invokes.
#[derive(Debug, Clone)]
pub struct RouteConfig {
    /// An HTTP method, or `ANY`.
    pub method: String,
    /// The path template, such as `/clusters/{id}` or `/files/{proxy+}` (a greedy last segment).
    pub path: String,
    /// The function's name; it is declared in the same file.
    pub function: String,
    /// The alias or version invoked (`$LATEST` too); None invokes `$LATEST`.
    pub qualifier: Option<String>,
    /// API Gateway's payload format (`rest` unless set).
    pub payload: PayloadFormat,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        let base_dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        Config::parse(&text, path, &base_dir)
    }

    /// Validates config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path, base_dir: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|error| ConfigError::Parse {
            path: path.to_path_buf(),
            message: describe_toml_error(text, &error),
        })?;
        // Sandboxes run in their own working folders, so every path taken from the file
        // must be absolute: a relative base (`cutover.toml` given as a bare name) is made
        // absolute against the current folder here, once.
        let base_dir = std::path::absolute(base_dir).unwrap_or_else(|_| base_dir.to_path_buf());
        raw.validate(&base_dir).map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })
    }

    /// The function named `name`; None when the file does not declare it.
    pub fn function(&self, name: &str) -> Option<&FunctionConfig> {
        self.functions.iter().find(|function| function.name == name)
    }
}

impl FunctionConfig {
    /// The declared version `version` (a number, not `$LATEST`); None when there is none.
    pub fn version(&self, version: &str) -> Option<&VersionConfig> {
        self.versions.iter().find(|candidate| candidate.version == version)
    }

    /// `$LATEST` runs the last declared version.
    pub(crate) fn latest(&self) -> &VersionConfig {
        // Validation guarantees at least one version.
        &self.versions[self.versions.len() - 1]
    }
}

fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end().to_string();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

// ---- the file as written -------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    local: RawLocal,
    #[serde(default, rename = "function")]
    functions: Vec<RawFunction>,
    #[serde(default, rename = "route")]
    routes: Vec<RawRoute>,
    /// The file is shared: `cutover canary`, `cutover report` and `cutover bench` read
    /// their own tables, strictly, from the same text. The emulator only lets them be.
    #[serde(default, rename = "canary")]
    _canary: Option<toml::Value>,
    #[serde(default, rename = "report")]
    _report: Option<toml::Value>,
    #[serde(default, rename = "bench")]
    _bench: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocal {
    lambda_api: Option<String>,
    api_gateway: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    python: Option<String>,
    moto: Option<RawMoto>,
    physics: Option<RawPhysics>,
}

/// `[local.physics]` and a function's `physics`: every key optional, so a function's table
/// overrides the global one key by key. `latency_profile = ""` turns a global profile off.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhysics {
    cpu_share: Option<bool>,
    memory_limit: Option<bool>,
    latency_profile: Option<String>,
}

impl RawPhysics {
    fn over(&self, base: &Physics, base_dir: &Path) -> Physics {
        Physics {
            cpu_share: self.cpu_share.unwrap_or(base.cpu_share),
            memory_limit: self.memory_limit.unwrap_or(base.memory_limit),
            latency_profile: match self.latency_profile.as_deref() {
                None => base.latency_profile.clone(),
                Some("") => None,
                Some(crate::latency::DEFAULT_LATENCY_PROFILE) => {
                    Some(PathBuf::from(crate::latency::DEFAULT_LATENCY_PROFILE))
                }
                Some(path) => Some(resolve(base_dir, path)),
            },
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMoto {
    #[serde(default)]
    start: bool,
    #[serde(default)]
    port: u16,
    endpoint: Option<String>,
    #[serde(default)]
    setup: Vec<String>,
    #[serde(default = "default_ship_logs")]
    ship_logs: bool,
}

fn default_ship_logs() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFunction {
    name: String,
    #[serde(default = "default_memory")]
    memory_mb: u32,
    #[serde(default = "default_timeout")]
    timeout_s: f64,
    #[serde(default = "default_concurrency")]
    concurrency: u32,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default, rename = "version")]
    versions: Vec<RawVersion>,
    #[serde(default, rename = "alias")]
    aliases: Vec<RawAlias>,
    physics: Option<RawPhysics>,
}

fn default_memory() -> u32 {
    128
}
fn default_timeout() -> f64 {
    3.0
}
fn default_concurrency() -> u32 {
    10
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersion {
    version: String,
    python: Option<RawPython>,
    bootstrap: Option<String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    memory_mb: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPython {
    handler: String,
    code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlias {
    name: String,
    version: String,
    #[serde(default)]
    additional_version_weights: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    method: String,
    path: String,
    function: String,
    qualifier: Option<String>,
    #[serde(default = "default_payload")]
    payload: String,
}

fn default_payload() -> String {
    "rest".to_string()
}

const HTTP_METHODS: &[&str] = &["ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

impl RawConfig {
    fn validate(self, base_dir: &Path) -> Result<Config, String> {
        let local = self.local.validate(base_dir, !self.routes.is_empty())?;
        let mut names = HashSet::new();
        let mut functions = Vec::new();
        for (index, raw) in self.functions.into_iter().enumerate() {
            if !is_function_name(&raw.name) {
                return Err(format!(
                    "function #{}: name {:?} must be 1-64 letters, digits, '-' or '_'",
                    index + 1,
                    raw.name
                ));
            }
            if !names.insert(raw.name.clone()) {
                return Err(format!("function {:?} is declared twice", raw.name));
            }
            functions.push(raw.validate(base_dir, &local.physics)?);
        }
        // The delays are applied by the proxy in front of the back end: without one, a
        // profile would be silently ignored.
        if local.moto.is_none()
            && let Some(function) = functions.iter().find(|function| function.physics.latency_profile.is_some())
        {
            return Err(format!(
                "function {:?}: physics.latency_profile needs a back end ([local.moto]): the delays are applied in front of it",
                function.name
            ));
        }
        let mut routes = Vec::new();
        for (index, raw) in self.routes.into_iter().enumerate() {
            routes.push(raw.validate(index, &functions)?);
        }
        Ok(Config { local, functions, routes })
    }
}

impl RawLocal {
    fn validate(self, base_dir: &Path, has_routes: bool) -> Result<LocalSettings, String> {
        let lambda_api = parse_address("local.lambda_api", self.lambda_api.as_deref(), "127.0.0.1:0")?;
        let api_gateway = match (self.api_gateway.as_deref(), has_routes) {
            (Some(address), _) => Some(parse_address("local.api_gateway", Some(address), "127.0.0.1:0")?),
            (None, true) => Some(parse_address("local.api_gateway", None, "127.0.0.1:0")?),
            (None, false) => None,
        };
        let python = match self.python {
            // A bare name (`python3`) is looked up on PATH; anything with a slash is a path.
            Some(python) if !python.contains('/') => PathBuf::from(python),
            Some(python) => canonical(resolve(base_dir, &python)),
            None => default_python(base_dir),
        };
        let moto = match self.moto {
            None => None,
            Some(moto) => {
                if !moto.start && moto.endpoint.is_none() {
                    return Err("local.moto: set `start = true` or an `endpoint`".to_string());
                }
                if moto.start && moto.endpoint.is_some() {
                    return Err("local.moto: `start = true` and `endpoint` exclude each other".to_string());
                }
                Some(MotoSettings {
                    start: moto.start,
                    port: moto.port,
                    endpoint: moto.endpoint,
                    setup: moto.setup,
                    ship_logs: moto.ship_logs,
                })
            }
        };
        let physics = self.physics.unwrap_or_default().over(&Physics::default(), base_dir);
        Ok(LocalSettings {
            physics,
            lambda_api,
            api_gateway,
            region: self.region.unwrap_or_else(|| "eu-west-1".to_string()),
            account_id: self.account_id.unwrap_or_else(|| "123456789012".to_string()),
            python,
            moto,
            base_dir: base_dir.to_path_buf(),
        })
    }
}

impl Config {
    /// The paths the sandboxes and the back end will run, checked before anything starts:
    /// a missing `bootstrap`, code folder or interpreter would otherwise surface as a
    /// misleading error on every invocation. Every problem is listed, each naming its path.
    pub(crate) fn check_paths(&self, start_backend: bool) -> Result<(), String> {
        let mut problems = Vec::new();
        let mut needs_python = false;
        for function in &self.functions {
            for version in &function.versions {
                let at = format!("function {:?} version {:?}", function.name, version.version);
                match &version.runtime {
                    RuntimeConfig::Bootstrap { path } => match std::fs::metadata(path) {
                        Ok(metadata) if metadata.is_file() && is_executable(&metadata) => {}
                        Ok(metadata) if metadata.is_file() => {
                            problems.push(format!("{at}: bootstrap {} is not executable", path.display()));
                        }
                        _ => problems.push(format!(
                            "{at}: bootstrap {} does not exist (build the Rust functions with `make functions`)",
                            path.display()
                        )),
                    },
                    RuntimeConfig::Python { code, .. } => {
                        needs_python = true;
                        if !code.is_dir() {
                            problems.push(format!("{at}: code folder {} does not exist", code.display()));
                        }
                    }
                }
            }
        }
        if let Some(moto) = &self.local.moto
            && start_backend
        {
            needs_python |= moto.endpoint.is_none() || moto.setup.iter().any(|argument| argument.contains("{python}"));
        }
        if needs_python && find_program(&self.local.python).is_none() {
            problems.push(format!(
                "local.python: the Python interpreter {} does not exist (create the venv with `make venv`, or set local.python)",
                self.local.python.display()
            ));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }
}

fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

/// `program` itself when it has a slash, else the first match on `PATH`, as exec does.
fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|folder| folder.join(program))
        .find(|candidate| candidate.is_file())
}

/// `$CUTOVER_VENV/bin/python` (the Makefile exports it), else `.venv/bin/python` next to
/// the config file, else `python3` from PATH.
fn default_python(base_dir: &Path) -> PathBuf {
    if let Some(venv) = std::env::var_os("CUTOVER_VENV") {
        let candidate = PathBuf::from(venv).join("bin/python");
        if candidate.exists() {
            return canonical(candidate);
        }
    }
    let candidate = base_dir.join(".venv/bin/python");
    if candidate.exists() {
        return canonical(candidate);
    }
    PathBuf::from("python3")
}

/// A venv's interpreter finds its `pyvenv.cfg` from the path it was started by, so the
/// path must not contain `..` or a symlinked folder; the final symlink (to the base
/// interpreter) must stay, hence the parent is canonicalised, not the file.
fn canonical(path: PathBuf) -> PathBuf {
    match (path.parent().and_then(|parent| parent.canonicalize().ok()), path.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => path,
    }
}

fn parse_address(key: &str, value: Option<&str>, default: &str) -> Result<SocketAddr, String> {
    let value = value.unwrap_or(default);
    value.parse().map_err(|_| format!("{key}: {value:?} is not an address like \"127.0.0.1:9001\""))
}

fn resolve(base_dir: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() { path.to_path_buf() } else { base_dir.join(path) }
}

fn is_function_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_version_name(version: &str) -> bool {
    !version.is_empty() && version.chars().all(|c| c.is_ascii_digit())
}

impl RawFunction {
    fn validate(self, base_dir: &Path, physics: &Physics) -> Result<FunctionConfig, String> {
        let at = format!("function {:?}", self.name);
        if !MEMORY_RANGE_MB.contains(&self.memory_mb) {
            return Err(format!("{at}: memory_mb = {} is outside Lambda's 128..=10240", self.memory_mb));
        }
        if !TIMEOUT_RANGE_S.contains(&self.timeout_s) {
            return Err(format!("{at}: timeout_s = {} is outside Lambda's 0.001..=900", self.timeout_s));
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(format!("{at}: concurrency = {} must be 1..={MAX_CONCURRENCY}", self.concurrency));
        }
        if self.versions.is_empty() {
            return Err(format!("{at}: declare at least one [[function.version]]"));
        }
        let mut versions = Vec::new();
        for raw in self.versions {
            let version_at = format!("{at} version {:?}", raw.version);
            if !is_version_name(&raw.version) {
                return Err(format!("{version_at}: a version is a number such as \"1\""));
            }
            if versions.iter().any(|seen: &VersionConfig| seen.version == raw.version) {
                return Err(format!("{version_at}: declared twice"));
            }
            let runtime = match (raw.python, raw.bootstrap) {
                (Some(python), None) => {
                    if python.handler.split('.').count() < 2 {
                        return Err(format!(
                            "{version_at}: python.handler {:?} must be module.function",
                            python.handler
                        ));
                    }
                    RuntimeConfig::Python { handler: python.handler, code: resolve(base_dir, &python.code) }
                }
                (None, Some(bootstrap)) => RuntimeConfig::Bootstrap { path: resolve(base_dir, &bootstrap) },
                _ => return Err(format!("{version_at}: set exactly one of `python` or `bootstrap`")),
            };
            let memory_mb = raw.memory_mb.unwrap_or(self.memory_mb);
            if !MEMORY_RANGE_MB.contains(&memory_mb) {
                return Err(format!("{version_at}: memory_mb = {memory_mb} is outside Lambda's 128..=10240"));
            }
            versions.push(VersionConfig { version: raw.version, runtime, environment: raw.environment, memory_mb });
        }
        let mut aliases: Vec<AliasConfig> = Vec::new();
        for raw in self.aliases {
            let alias_at = format!("{at} alias {:?}", raw.name);
            if raw.name.is_empty() || is_version_name(&raw.name) || raw.name == "$LATEST" {
                return Err(format!("{alias_at}: an alias name must not be empty, a number or $LATEST"));
            }
            if aliases.iter().any(|seen| seen.name == raw.name) {
                return Err(format!("{alias_at}: declared twice"));
            }
            if !versions.iter().any(|version| version.version == raw.version) {
                return Err(format!("{alias_at}: version {:?} refers to an unknown version", raw.version));
            }
            check_weights(&raw.version, &raw.additional_version_weights, |version| {
                versions.iter().any(|known| known.version == version)
            })
            .map_err(|message| format!("{alias_at}: {message}"))?;
            aliases.push(AliasConfig {
                name: raw.name,
                version: raw.version,
                additional_version_weights: raw.additional_version_weights,
            });
        }
        Ok(FunctionConfig {
            name: self.name,
            memory_mb: self.memory_mb,
            timeout: std::time::Duration::from_secs_f64(self.timeout_s),
            concurrency: self.concurrency,
            environment: self.environment,
            versions,
            aliases,
            physics: self.physics.unwrap_or_default().over(physics, base_dir),
        })
    }
}

/// The rules Lambda applies to `AdditionalVersionWeights`; shared by the config file and
/// UpdateAlias.
pub(crate) fn check_weights(
    primary: &str,
    weights: &BTreeMap<String, f64>,
    version_exists: impl Fn(&str) -> bool,
) -> Result<(), String> {
    if weights.len() > 1 {
        return Err("additional_version_weights: Lambda allows at most one additional version".to_string());
    }
    let mut total = 0.0;
    for (version, weight) in weights {
        if !version_exists(version) {
            return Err(format!("weight for version {version:?} refers to an unknown version"));
        }
        if version == primary {
            return Err(format!("weight for version {version:?}: it is already the alias's primary version"));
        }
        if !(0.0..=1.0).contains(weight) || weight.is_nan() {
            return Err(format!("weight for version {version:?} is {weight}; it must be within 0.0..=1.0"));
        }
        total += weight;
    }
    if total > 1.0 {
        return Err(format!("additional_version_weights sum to {total}, more than 1.0"));
    }
    Ok(())
}

impl RawRoute {
    fn validate(self, index: usize, functions: &[FunctionConfig]) -> Result<RouteConfig, String> {
        let at = format!("route #{} ({} {})", index + 1, self.method, self.path);
        let method = self.method.to_ascii_uppercase();
        if !HTTP_METHODS.contains(&method.as_str()) {
            return Err(format!("{at}: method {:?} is not one of {}", self.method, HTTP_METHODS.join(", ")));
        }
        if !self.path.starts_with('/') {
            return Err(format!("{at}: path must start with '/'"));
        }
        let segments: Vec<&str> = self.path.split('/').skip(1).collect();
        for (position, segment) in segments.iter().enumerate() {
            let is_param = segment.starts_with('{') && segment.ends_with('}');
            if segment.contains(['{', '}']) && !is_param {
                return Err(format!("{at}: segment {segment:?} must be a whole {{param}}"));
            }
            if segment.ends_with("+}") && position + 1 != segments.len() {
                return Err(format!("{at}: a greedy {segment} must be the last segment"));
            }
        }
        let Some(function) = functions.iter().find(|function| function.name == self.function) else {
            return Err(format!("{at}: function {:?} is not declared", self.function));
        };
        if let Some(qualifier) = &self.qualifier {
            let known = qualifier == "$LATEST"
                || function.version(qualifier).is_some()
                || function.aliases.iter().any(|alias| &alias.name == qualifier);
            if !known {
                return Err(format!(
                    "{at}: qualifier {qualifier:?} is neither a version nor an alias of {:?}",
                    self.function
                ));
            }
        }
        let payload = match self.payload.as_str() {
            "rest" | "1.0" | "v1" => PayloadFormat::Rest,
            "http" | "2.0" | "v2" => PayloadFormat::Http,
            other => return Err(format!("{at}: payload {other:?} must be \"rest\" or \"http\"")),
        };
        Ok(RouteConfig { method, path: self.path, function: self.function, qualifier: self.qualifier, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_a_file_named_relatively_are_made_absolute() {
        let text = r#"
[[function]]
name = "f"
[[function.version]]
version = "1"
bootstrap = "target/lambda/f/bootstrap"
"#;
        let config = Config::parse(text, Path::new("cutover.toml"), Path::new(".")).expect("valid");
        let function = config.function("f").expect("declared");
        match &function.versions[0].runtime {
            RuntimeConfig::Bootstrap { path } => {
                assert!(path.is_absolute(), "{} should be absolute", path.display());
                assert!(path.ends_with("target/lambda/f/bootstrap"));
            }
            other => panic!("expected a bootstrap, got {other:?}"),
        }
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("cutover.toml"), Path::new("/project"))
    }

    const GOOD: &str = r#"
[local]
lambda_api = "127.0.0.1:0"

[[function]]
name = "create-cluster"
memory_mb = 512
timeout_s = 10
concurrency = 4
environment = { LOG_LEVEL = "INFO" }
[[function.version]]
version = "1"
python = { handler = "create_cluster.app.handler", code = "legacy-python" }
[[function.version]]
version = "2"
bootstrap = "target/lambda/create-cluster/bootstrap"
[[function.alias]]
name = "live"
version = "1"
additional_version_weights = { "2" = 0.1 }

[[route]]
method = "post"
path = "/clusters"
function = "create-cluster"
qualifier = "live"
payload = "http"
"#;

    #[test]
    fn a_full_config_resolves_paths_against_the_config_folder() {
        let config = parse(GOOD).expect("valid");
        let function = config.function("create-cluster").expect("declared");
        assert_eq!(function.memory_mb, 512);
        assert_eq!(function.latest().version, "2");
        assert_eq!(
            function.versions[0].runtime,
            RuntimeConfig::Python {
                handler: "create_cluster.app.handler".into(),
                code: PathBuf::from("/project/legacy-python")
            }
        );
        assert_eq!(config.routes[0].method, "POST");
        assert_eq!(config.routes[0].payload, PayloadFormat::Http);
        assert!(config.local.api_gateway.is_some(), "routes imply an API Gateway front");
    }

    #[test]
    fn a_weight_for_an_unknown_version_names_the_alias_and_the_version() {
        let text = GOOD.replace(r#"{ "2" = 0.1 }"#, r#"{ "3" = 0.1 }"#);
        let message = parse(&text).expect_err("invalid").to_string();
        assert_eq!(
            message,
            r#"cutover.toml: function "create-cluster" alias "live": weight for version "3" refers to an unknown version"#
        );
    }

    #[test]
    fn the_canary_report_and_bench_tables_belong_to_their_commands() {
        let text = "[canary]\nsteps = [10, 50, 100]\n[report]\nregion = \"eu-west-1\"\n[bench]\nwarm_p50_ratio = 0.2\n";
        assert!(parse(text).is_ok(), "other commands' tables are not the emulator's to refuse");
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line() {
        let text = GOOD.replace("memory_mb = 512", "memory = 512");
        let message = parse(&text).expect_err("invalid").to_string();
        assert!(message.starts_with("cutover.toml: line 7: unknown field `memory`"), "{message}");
    }

    #[test]
    fn a_version_needs_exactly_one_runtime() {
        let text =
            GOOD.replace("bootstrap = \"target", "python = { handler = \"a.b\", code = \".\" }\nbootstrap = \"target");
        let message = parse(&text).expect_err("invalid").to_string();
        assert!(message.contains(r#"function "create-cluster" version "2": set exactly one of"#), "{message}");
    }

    #[test]
    fn a_route_to_an_undeclared_function_is_refused() {
        let text = GOOD.replace("function = \"create-cluster\"", "function = \"create-clusters\"");
        let message = parse(&text).expect_err("invalid").to_string();
        assert!(
            message.contains("route #1 (post /clusters): function \"create-clusters\" is not declared"),
            "{message}"
        );
    }

    #[test]
    fn a_functions_physics_overrides_the_global_table_key_by_key_and_versions_keep_their_memory() {
        let text = GOOD
            .replace("[local]\n", "[local]\nphysics = { cpu_share = true, latency_profile = \"default\" }\n")
            .replace(
                "concurrency = 4\n",
                "concurrency = 4\nphysics = { memory_limit = true, latency_profile = \"\" }\n",
            )
            .replace(
                "bootstrap = \"target/lambda/create-cluster/bootstrap\"",
                "bootstrap = \"target/lambda/create-cluster/bootstrap\"\nmemory_mb = 128",
            );
        let keeps_the_profile = text.replace(", latency_profile = \"\"", "");
        let message = parse(&keeps_the_profile).expect_err("a profile without a back end").to_string();
        assert!(
            message.contains(r#"function "create-cluster": physics.latency_profile needs a back end"#),
            "{message}"
        );
        let config = parse(&text).expect("valid: the one function turned the profile off");
        assert_eq!(
            config.local.physics,
            Physics { cpu_share: true, memory_limit: false, latency_profile: Some(PathBuf::from("default")) }
        );
        let function = config.function("create-cluster").expect("declared");
        assert_eq!(function.physics, Physics { cpu_share: true, memory_limit: true, latency_profile: None });
        let memories: Vec<u32> = function.versions.iter().map(|version| version.memory_mb).collect();
        assert_eq!(memories, [512, 128], "the Python version keeps the function's, the Rust one its own");
        let message = parse(&text.replace("memory_mb = 128", "memory_mb = 64")).expect_err("invalid").to_string();
        assert!(message.contains(r#"function "create-cluster" version "2": memory_mb = 64 is outside"#), "{message}");
        let message = parse(&text.replace("cpu_share = true", "cpu = true")).expect_err("invalid").to_string();
        assert!(message.contains("unknown field `cpu`"), "{message}");
    }

    #[test]
    fn weights_over_one_are_refused() {
        let text = GOOD.replace(r#"{ "2" = 0.1 }"#, r#"{ "2" = 1.5 }"#);
        let message = parse(&text).expect_err("invalid").to_string();
        assert!(message.contains("must be within 0.0..=1.0"), "{message}");
    }
}
