//! The local AWS back end of the functions: moto server started on a loopback port (or an
//! endpoint that already runs), then the configured setup hook, whose JSON output joins
//! every function's environment. Nothing here knows the project's own tables.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{LocalSettings, MotoSettings};
use crate::recording_proxy::{ProxyError, RecordingProxy};
use crate::sandbox::{ProcessRegistry, kill_process_group};

const MOTO_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the local AWS back end (`local.moto` in the config) could not be started; every
/// process started on the way has been killed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The interpreter (`local.python`) could not be run to start moto server.
    #[error("could not start moto server with {python}")]
    Spawn {
        /// The interpreter that was run.
        python: PathBuf,
        /// Why it could not be run.
        #[source]
        source: std::io::Error,
    },
    /// moto server did not announce its port, or did not accept a connection, in time.
    #[error("moto server did not answer on {endpoint} within {seconds} s")]
    NotAnswering {
        /// The address it was expected on, `http://127.0.0.1:PORT`.
        endpoint: String,
        /// How long it was given, in seconds.
        seconds: u64,
    },
    /// moto server exited, or its first line was not `PORT <n>`, before it answered.
    #[error(
        "moto server, run by {}, exited before answering ({status}): that interpreter needs moto[server] (`make venv` installs it in .venv; point CUTOVER_VENV or [local] python at it)",
        python.display()
    )]
    Exited {
        /// The interpreter that ran it (`[local] python`, or the default lookup).
        python: PathBuf,
        /// Its exit status, or what went wrong instead.
        status: String,
    },
    /// The setup hook (`local.moto.setup`) could not be run.
    #[error("local.moto.setup: could not run {program:?}")]
    SetupSpawn {
        /// The hook's program, after substitution.
        program: String,
        /// Why it could not be run.
        #[source]
        source: std::io::Error,
    },
    /// The setup hook exited unsuccessfully.
    #[error("local.moto.setup: {program:?} failed ({status}): {stderr}")]
    SetupFailed {
        /// The hook's program, after substitution.
        program: String,
        /// Its exit status.
        status: String,
        /// The last five lines of its stderr, joined by ` | `.
        stderr: String,
    },
    /// The setup hook succeeded but its stdout is not a JSON object of strings.
    #[error("local.moto.setup: {program:?} must print a JSON object of strings: {message}")]
    SetupOutput {
        /// The hook's program, after substitution.
        program: String,
        /// What is wrong with the output.
        message: String,
    },
    /// The recording proxy in front of moto could not start.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
}

/// A running back end: its endpoint and the variables functions get.
#[derive(Debug)]
pub(crate) struct Backend {
    /// What the functions call: the recording proxy when there is one, else moto.
    pub endpoint: String,
    /// moto itself (or the configured endpoint), for what the emulator sends on its own
    /// account, such as the functions' logs.
    pub moto_endpoint: String,
    pub environment: BTreeMap<String, String>,
    /// The moto server we started, if any (killed on shutdown through the registry).
    pub moto_pid: Option<u32>,
    /// The proxy in front of moto that records the write calls, when asked for.
    pub proxy: Option<RecordingProxy>,
}

/// Starts (or connects to) moto and runs the setup hook against it; with `record_writes`
/// or `proxy`, a [`RecordingProxy`] then stands in front of moto (recording the writes only
/// with `record_writes`) and the functions' endpoint variables point at it. The hook talks to moto directly: its seed writes are the same on every
/// side and are not part of what a function wrote.
pub(crate) async fn start(
    local: &LocalSettings,
    moto: &MotoSettings,
    registry: &Arc<ProcessRegistry>,
    record_writes: bool,
    proxy: bool,
) -> Result<Backend, BackendError> {
    let (endpoint, moto_pid) = match (&moto.endpoint, moto.start) {
        (Some(endpoint), _) => (endpoint.trim_end_matches('/').to_string(), None),
        (None, _) => {
            let (endpoint, pid) = start_moto(local, moto.port, registry).await?;
            (endpoint, Some(pid))
        }
    };
    let mut environment = BTreeMap::from([("AWS_ENDPOINT_URL".to_string(), endpoint.clone())]);
    if !moto.setup.is_empty() {
        match run_setup(local, &moto.setup, &endpoint).await {
            Ok(variables) => environment.extend(variables),
            Err(error) => {
                if let Some(pid) = moto_pid {
                    kill_process_group(pid);
                }
                return Err(error);
            }
        }
    }
    if !record_writes && !proxy {
        return Ok(Backend { moto_endpoint: endpoint.clone(), endpoint, environment, moto_pid, proxy: None });
    }
    let proxy = match RecordingProxy::start_with(&endpoint, record_writes).await {
        Ok(proxy) => proxy,
        Err(error) => {
            if let Some(pid) = moto_pid {
                kill_process_group(pid);
            }
            return Err(error.into());
        }
    };
    // The hook may print the endpoint it was given (`AWS_ENDPOINT_URL`, or one per service).
    for (name, value) in environment.iter_mut() {
        if name.starts_with("AWS_ENDPOINT_URL") && value.trim_end_matches('/') == endpoint {
            *value = proxy.endpoint().to_owned();
        }
    }
    Ok(Backend {
        endpoint: proxy.endpoint().to_owned(),
        moto_endpoint: endpoint,
        environment,
        moto_pid,
        proxy: Some(proxy),
    })
}

/// moto server on a socket bound before it serves, the way
/// `legacy-python/tools/moto_on_free_port.py` does it (embedded here because the config's
/// folder need not be this repository): probing a free port and handing its number to
/// `moto.server` would leave a window in which another process takes the port. It prints
/// `PORT <n>` as its first stdout line once the socket listens.
const MOTO_ON_BOUND_PORT: &str = r#"
import os, socket, sys
host, port = sys.argv[1], int(sys.argv[2])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind((host, port))
listener.listen(128)
port = listener.getsockname()[1]
os.environ["MOTO_PORT"] = str(port)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
from werkzeug.serving import make_server
server = make_server(host, port, DomainDispatcherApplication(create_backend_app), threaded=True,
                     request_handler=MotoRequestHandler, fd=listener.fileno())
print(f"PORT {port}", flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
"#;

async fn start_moto(
    local: &LocalSettings,
    port: u16,
    registry: &Arc<ProcessRegistry>,
) -> Result<(String, u32), BackendError> {
    use tokio::io::AsyncBufReadExt;
    let mut command = tokio::process::Command::new(&local.python);
    command
        .args(["-c", MOTO_ON_BOUND_PORT, "127.0.0.1", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    registry.isolate(&mut command);
    let mut child = command.spawn().map_err(|source| BackendError::Spawn { python: local.python.clone(), source })?;
    let pid = child.id().unwrap_or_default();
    let stdout = child.stdout.take();
    let mut exited = registry.adopt(pid, child);
    let Some(stdout) = stdout else {
        kill_process_group(pid);
        return Err(BackendError::Exited { python: local.python.clone(), status: "no stdout".to_string() });
    };
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let announced = tokio::time::timeout(MOTO_STARTUP_TIMEOUT, async {
        tokio::select! {
            line = lines.next_line() => line.ok().flatten(),
            _ = exited.wait_for(Option::is_some) => None,
        }
    })
    .await;
    let port = match announced {
        Ok(Some(line)) => line.strip_prefix("PORT ").and_then(|number| number.trim().parse::<u16>().ok()),
        Ok(None) => {
            let status = exited.borrow().clone().unwrap_or_else(|| "closed its stdout".to_string());
            kill_process_group(pid);
            return Err(BackendError::Exited { python: local.python.clone(), status });
        }
        Err(_) => {
            kill_process_group(pid);
            let endpoint = format!("http://127.0.0.1:{port}");
            return Err(BackendError::NotAnswering { endpoint, seconds: MOTO_STARTUP_TIMEOUT.as_secs() });
        }
    };
    let Some(port) = port else {
        kill_process_group(pid);
        return Err(BackendError::Exited {
            python: local.python.clone(),
            status: "its first line was not `PORT <n>`".to_string(),
        });
    };
    // Nothing more is expected on stdout; keep reading so a stray print never blocks moto.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    // The socket listened before the announcement; the first connection proves it.
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Some(status) = exited.borrow_and_update().clone() {
            return Err(BackendError::Exited { python: local.python.clone(), status });
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok((endpoint, pid));
        }
        if started.elapsed() > MOTO_STARTUP_TIMEOUT {
            kill_process_group(pid);
            return Err(BackendError::NotAnswering { endpoint, seconds: MOTO_STARTUP_TIMEOUT.as_secs() });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn run_setup(
    local: &LocalSettings,
    setup: &[String],
    endpoint: &str,
) -> Result<BTreeMap<String, String>, BackendError> {
    let python = local.python.display().to_string();
    let argv: Vec<String> =
        setup.iter().map(|argument| argument.replace("{python}", &python).replace("{endpoint}", endpoint)).collect();
    let program = argv[0].clone();
    let mut command = tokio::process::Command::new(&program);
    command
        .args(&argv[1..])
        .current_dir(&local.base_dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", &local.region)
        .env("AWS_DEFAULT_REGION", &local.region)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output =
        command.output().await.map_err(|source| BackendError::SetupSpawn { program: program.clone(), source })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: String =
            stderr.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" | ");
        return Err(BackendError::SetupFailed { program, status: output.status.to_string(), stderr: tail });
    }
    parse_setup_output(&output.stdout).map_err(|message| BackendError::SetupOutput { program, message })
}

/// The hook prints one JSON object; numbers and booleans are accepted and stringified.
fn parse_setup_output(stdout: &[u8]) -> Result<BTreeMap<String, String>, String> {
    let document: serde_json::Value = serde_json::from_slice(stdout).map_err(|error| format!("not JSON ({error})"))?;
    let serde_json::Value::Object(object) = document else {
        return Err("not a JSON object".to_string());
    };
    object
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => Ok((key, text)),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => Ok((key, value.to_string())),
            _ => Err(format!("the value of {key:?} is not a string")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_output_becomes_environment_variables() {
        let variables = parse_setup_output(br#"{"CLUSTERS_TABLE": "eks-clusters", "RETRIES": 3}"#).expect("object");
        assert_eq!(variables["CLUSTERS_TABLE"], "eks-clusters");
        assert_eq!(variables["RETRIES"], "3");
    }

    #[test]
    fn setup_output_that_is_not_an_object_of_strings_is_refused() {
        assert!(parse_setup_output(b"[1]").expect_err("array").contains("not a JSON object"));
        assert!(parse_setup_output(br#"{"A": {"b": 1}}"#).expect_err("nested").contains("\"A\""));
        assert!(parse_setup_output(b"created tables").expect_err("text").starts_with("not JSON"));
    }
}
