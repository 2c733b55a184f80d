//! `cutover deploy` against moto's Lambda control plane: a Python function with version 1
//! and an alias `live` on it, then a Rust zip published as version 2 with the alias left
//! alone; the refusals, each with exit 2 and nothing changed; an interrupted deploy
//! resumed; `--dry-run`. moto is started by the emulator's back end (a socket bound
//! before it serves) and stopped with it.

use std::path::{Path, PathBuf};
use std::process::Output;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::Runtime;
use base64::Engine as _;
use emulator::{Config, Emulator, EmulatorOptions, LogSink};

use crate::support::{cutover_outside_repo, json_stdout, python};

const FUNCTION: &str = "orders";

/// Creates the execution role moto insists on, a Python function at 512 MB, publishes
/// version 1 and points the alias `live` at it: a team's function before the rewrite.
const SEED: &str = r#"
import io, sys, zipfile
import boto3
endpoint, function = sys.argv[1], sys.argv[2]
session = dict(endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
role = boto3.client("iam", **session).create_role(RoleName="orders-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
code = io.BytesIO()
with zipfile.ZipFile(code, "w") as archive:
    archive.writestr("app.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
lam = boto3.client("lambda", **session)
lam.create_function(FunctionName=function, Runtime="python3.12", Role=role, Handler="app.handler",
                    Code={"ZipFile": code.getvalue()}, MemorySize=512, Environment={"Variables": {"TABLE": "orders"}})
lam.publish_version(FunctionName=function, Description="python")
lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
"#;

struct Stack {
    moto: Emulator,
    endpoint: String,
    client: Client,
    folder: tempfile::TempDir,
}

impl Stack {
    async fn seeded() -> Stack {
        let folder = tempfile::tempdir().expect("temp dir");
        let text = format!("[local]\npython = \"{}\"\n[local.moto]\nstart = true\n", python().display());
        let config = Config::parse(&text, Path::new("moto.toml"), folder.path()).expect("valid");
        let options = EmulatorOptions { logs: LogSink::Discard, start_backend: true, ..Default::default() };
        let moto = Emulator::start(config, options).await.expect("moto starts");
        let endpoint = moto.moto_endpoint().expect("moto").to_string();
        let seeded =
            std::process::Command::new(python()).args(["-c", SEED, &endpoint, FUNCTION]).output().expect("python runs");
        assert!(seeded.status.success(), "seed: {}", String::from_utf8_lossy(&seeded.stderr));
        let client = Client::from_conf(
            aws_sdk_lambda::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("eu-west-1"))
                .endpoint_url(&endpoint)
                .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
                .build(),
        );
        Stack { moto, endpoint, client, folder }
    }

    /// `cutover deploy FUNCTION ARGS...` against moto, with nothing of the caller's AWS setup.
    fn deploy(&self, args: &[&str]) -> Output {
        cutover_outside_repo()
            .arg("deploy")
            .args(args)
            .args(["--endpoint-url", &self.endpoint, "--region", "eu-west-1"])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", self.folder.path().join("no-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.folder.path().join("no-credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .expect("cutover runs")
    }

    /// A zip as `cutover package` writes it: one `bootstrap` with `mode`, holding `content`.
    fn zip(&self, name: &str, entry: &str, mode: u32, content: &str) -> PathBuf {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
        writer.start_file(entry, options).expect("entry");
        std::io::Write::write_all(&mut writer, content.as_bytes()).expect("write");
        let path = self.folder.path().join(name);
        std::fs::write(&path, writer.finish().expect("zip").into_inner()).expect("write zip");
        path
    }

    fn rust_zip(&self) -> PathBuf {
        self.zip("rust.zip", "bootstrap", 0o755, "#!/bin/sh\necho 'the Rust build'\n")
    }

    async fn versions(&self) -> Vec<String> {
        let listed = self.client.list_versions_by_function().function_name(FUNCTION).send().await.expect("versions");
        listed.versions().iter().filter_map(|version| version.version().map(str::to_string)).collect()
    }

    async fn latest_runtime_and_code(&self) -> (Option<Runtime>, Option<String>) {
        let latest = self.client.get_function_configuration().function_name(FUNCTION).send().await.expect("$LATEST");
        (latest.runtime().cloned(), latest.code_sha256().map(str::to_string))
    }

    async fn live_alias(&self) -> String {
        let alias = self.client.get_alias().function_name(FUNCTION).name("live").send().await.expect("alias");
        format!("{:?} {:?} {:?}", alias.function_version(), alias.routing_config(), alias.description())
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_refused(output: &Output, reason: &str) {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    assert!(stderr(output).contains(reason), "expected {reason:?} in: {}", stderr(output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_changes_nothing_then_the_deploy_publishes_the_zip_and_leaves_the_alias() {
    let stack = Stack::seeded().await;
    let zip = stack.rust_zip();
    let zip = zip.to_str().expect("utf-8 path");
    let alias_before = stack.live_alias().await;
    let python_before = stack.latest_runtime_and_code().await;

    let dry_run = stack.deploy(&[FUNCTION, "--zip", zip, "--memory", "128", "--dry-run"]);
    assert!(dry_run.status.success(), "{}", stderr(&dry_run));
    let plan = String::from_utf8_lossy(&dry_run.stdout);
    assert!(plan.contains("$LATEST as published in version 1"), "{plan}");
    assert!(plan.contains("UpdateFunctionConfiguration: Runtime provided.al2023, Handler bootstrap, MemorySize 128"));
    assert_eq!(stack.versions().await, ["$LATEST", "1"]);
    assert_eq!(stack.latest_runtime_and_code().await, python_before);

    let deployed = stack.deploy(&[FUNCTION, "--zip", zip, "--memory", "128", "--format", "json"]);
    let published = json_stdout(&deployed);
    assert!(stderr(&deployed).contains("\"steps\""), "the plan is recorded first: {}", stderr(&deployed));
    assert_eq!(published["version"], "2");
    assert_eq!(published["runtime"], "provided.al2023");
    assert_eq!(published["memory"], 128);
    // moto hashes what it received; the description carries our own hash in hex.
    let version = stack.client.get_function_configuration().function_name(FUNCTION).qualifier("2").send().await;
    let version = version.expect("version 2");
    let code_sha256 = version.code_sha256().expect("CodeSha256");
    assert_eq!(published["code_sha256"], code_sha256);
    let digest = base64::engine::general_purpose::STANDARD.decode(code_sha256).expect("base64");
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(version.description(), Some(format!("cutover deploy: commit unknown, zip sha256 {hex}").as_str()));
    assert_eq!(version.runtime(), Some(&Runtime::Providedal2023));
    assert_eq!(version.handler(), Some("bootstrap"));
    assert_eq!(version.memory_size(), Some(128));
    assert_eq!(stack.live_alias().await, alias_before, "deploy never touches an alias");

    // The same deploy again finds its own zip on $LATEST and returns the same version.
    let again = json_stdout(&stack.deploy(&[FUNCTION, "--zip", zip, "--memory", "128", "--format", "json"]));
    assert_eq!(again["version"], "2");
    assert_eq!(stack.versions().await, ["$LATEST", "1", "2"]);
    stack.moto.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_exit_2_with_the_reason_and_change_nothing() {
    let stack = Stack::seeded().await;
    let rust = stack.rust_zip();
    let rust = rust.to_str().expect("utf-8 path");
    let python_before = stack.latest_runtime_and_code().await;

    assert_refused(&stack.deploy(&["no-such-function", "--zip", rust]), "function no-such-function does not exist");
    let no_bootstrap = stack.zip("handler.zip", "app.py", 0o644, "def handler(event, context): pass\n");
    assert_refused(&stack.deploy(&[FUNCTION, "--zip", no_bootstrap.to_str().expect("utf-8")]), "no `bootstrap`");
    let not_executable = stack.zip("plain.zip", "bootstrap", 0o644, "#!/bin/sh\n");
    assert_refused(
        &stack.deploy(&[FUNCTION, "--zip", not_executable.to_str().expect("utf-8")]),
        "`bootstrap` is not executable (mode 644)",
    );
    assert_refused(&stack.deploy(&[FUNCTION, "--zip", rust, "--memory", "64"]), "--memory 64");

    // Someone sizes $LATEST by hand and publishes nothing: deploying would ship that too.
    stack
        .client
        .update_function_configuration()
        .function_name(FUNCTION)
        .memory_size(256)
        .send()
        .await
        .expect("by hand");
    assert_refused(
        &stack.deploy(&[FUNCTION, "--zip", rust]),
        "$LATEST has changes that no published version holds, so publishing would ship them too; against version 1: memory (256 against 512)",
    );

    assert_eq!(stack.versions().await, ["$LATEST", "1"]);
    assert_eq!(stack.latest_runtime_and_code().await, python_before);
    stack.moto.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deploy_interrupted_before_publishing_is_resumed_by_running_it_again() {
    let stack = Stack::seeded().await;
    let rust = stack.rust_zip();
    // What an interrupted `cutover deploy --memory 128` leaves: steps 1 and 2 done, no version.
    let bytes = std::fs::read(&rust).expect("zip");
    stack.client.update_function_code().function_name(FUNCTION).zip_file(Blob::new(bytes)).send().await.expect("code");
    stack
        .client
        .update_function_configuration()
        .function_name(FUNCTION)
        .runtime(Runtime::Providedal2023)
        .handler("bootstrap")
        .memory_size(128)
        .send()
        .await
        .expect("configuration");

    // Another zip would publish the interrupted one's code: refused.
    let other = stack.zip("other.zip", "bootstrap", 0o755, "#!/bin/sh\necho 'another build'\n");
    assert_refused(&stack.deploy(&[FUNCTION, "--zip", other.to_str().expect("utf-8")]), "against version 1: code");

    let resumed = stack.deploy(&[FUNCTION, "--zip", rust.to_str().expect("utf-8"), "--memory", "128"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert!(stderr(&resumed).contains("UpdateFunctionCode: skipped, $LATEST already holds this zip"));
    let table = String::from_utf8_lossy(&resumed.stdout);
    assert!(table.contains("version      2"), "{table}");
    assert_eq!(stack.versions().await, ["$LATEST", "1", "2"]);
    stack.moto.shutdown().await;
}
