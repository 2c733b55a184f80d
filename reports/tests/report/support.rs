//! What the tests share: the fixture usage, its report, moto server on a free port.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reports::{CostReport, PriceTable, ReportSettings, UsageModel};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn fixture_usage() -> UsageModel {
    reports::read_usage_file(&fixture("usage.json")).expect("the fixture usage reads")
}

/// The fixture priced with the embedded table; `generated_at` left out so renderings are stable.
pub fn fixture_report() -> CostReport {
    let settings = ReportSettings {
        growth_per_month: 0.05,
        resamples: 200,
        latency_slo_ms: Some(250.0),
        ..ReportSettings::default()
    };
    reports::build_report(&fixture_usage(), &PriceTable::embedded(), &settings).expect("the fixture prices")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    venv.join("bin/python")
}

/// moto server on a free loopback port; stopped when dropped.
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

/// Runs a Python snippet with boto3 against moto (`ENDPOINT` is set for it).
pub fn seed(endpoint: &str, script: &str) {
    let output = Command::new(python())
        .args(["-c", script])
        .env("ENDPOINT", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("python runs");
    assert!(output.status.success(), "seeding failed: {}", String::from_utf8_lossy(&output.stderr));
}
