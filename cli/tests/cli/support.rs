//! What every CLI test needs: the real binary, the project venv's Python, a config with
//! the emulator's Python fixture as function `echo`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn cutover() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
}

/// The binary run from a folder without a `parity.toml`, so the default rules do not apply.
pub fn cutover_outside_repo() -> Command {
    let mut command = cutover();
    command.current_dir(std::env::temp_dir());
    command
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    venv.join("bin/python")
}

pub fn json_stdout(output: &Output) -> Value {
    assert!(output.status.success(), "exit {:?}: {}", output.status.code(), String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// A config whose function `echo` answers with the emulator's Python fixture in version
/// "1" and raises in version "2"; `local_settings` goes into its `[local]` table.
pub fn write_echo_config(folder: &Path, local_settings: &str) -> PathBuf {
    let code = repo_root().join("emulator/tests/fixtures/python");
    let text = format!(
        r#"
[local]
python = "{python}"
{local_settings}

[[function]]
name = "echo"
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.fail", code = "{code}" }}
"#,
        python = python().display(),
        code = code.display()
    );
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write config");
    path
}
