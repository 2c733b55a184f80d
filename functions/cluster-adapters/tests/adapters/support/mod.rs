//! What the moto-backed tests share: the project venv's Python, moto server on a free
//! loopback port (stopped when dropped), the platform's resources created by
//! `legacy-python/tools/local_stack.py`, and SDK clients pointed at moto.
//!
//! Needs the project venv (`scripts/setup-python.sh`): `$CUTOVER_VENV` or `<repo>/.venv`.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    venv.join("bin/python")
}

/// moto server on a free loopback port; killed when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_moto() -> Moto {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port");
    let child = Command::new(python())
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto server starts (run scripts/setup-python.sh first)");
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not listen within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    moto
}

pub fn create_resources(endpoint: &str) -> HashMap<String, String> {
    let output = Command::new(python())
        .arg(repo_root().join("legacy-python/tools/local_stack.py"))
        .args(["create", "--endpoint", endpoint])
        .output()
        .expect("local_stack.py runs");
    assert!(output.status.success(), "local_stack.py create failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("the env JSON")
}

/// The functions' AWS clients, against moto with the local stack's credentials.
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub pipelines: cluster_adapters::AwsPipelineService,
}

pub fn clients(env: &HashMap<String, String>) -> Clients {
    // The functions' own loader, over the local stack's environment.
    let config = cluster_adapters::sdk_config_from(|name| env.get(name).cloned())
        .expect("the local stack's environment is complete");
    // A configured endpoint is addressed path-style, the only style moto serves.
    Clients {
        dynamodb: aws_sdk_dynamodb::Client::new(&config),
        pipelines: cluster_adapters::AwsPipelineService::new(&config),
    }
}

/// The names of the pipelines in moto, read with boto3 (moto writes pipeline
/// timestamps in a form the Rust SDK refuses).
pub fn pipeline_names(endpoint: &str) -> Vec<String> {
    let script = "import boto3, json, sys; c = boto3.client('codepipeline', endpoint_url=sys.argv[1], region_name='eu-west-1', aws_access_key_id='testing', aws_secret_access_key='testing'); print(json.dumps([p['name'] for p in c.list_pipelines()['pipelines']]))";
    let output = Command::new(python()).args(["-c", script, endpoint]).output().expect("boto3 runs");
    assert!(output.status.success(), "ListPipelines failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("the pipeline names")
}
