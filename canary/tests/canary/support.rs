//! Real parts on loopback: moto server on a free port, the emulator in process.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    venv.join("bin/python")
}

/// moto server, killed when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub async fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("address").port();
        let child = Command::new(python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto server starts (run scripts/setup-python.sh)");
        let endpoint = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Moto { child, endpoint };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut moto = Moto { child, endpoint };
        let _ = moto.child.kill();
        let _ = moto.child.wait();
        panic!("moto server did not answer on {}", moto.endpoint);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Function `echo`: versions 1 and 2 of the emulator's Python fixture, alias `live` on 1.
pub fn echo_config() -> emulator::Config {
    echo_config_with("")
}

/// [`echo_config`] with more of the function's table (another alias, say) appended.
pub fn echo_config_with(more: &str) -> emulator::Config {
    let code = repo_root().join("emulator/tests/fixtures/python");
    let text = format!(
        r#"
[local]
python = "{python}"

[[function]]
name = "echo"
timeout_s = 2
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.alias]]
name = "live"
version = "1"
{more}
"#,
        python = python().display(),
        code = code.display()
    );
    emulator::Config::parse(&text, Path::new("canary-test.toml"), &repo_root()).expect("valid config")
}
