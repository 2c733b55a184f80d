//! `cutover package` zipping binaries built elsewhere (`--binaries`), against its size
//! budget: exit 1 over it, with the zip still written, exit 2 for a missing binary. No
//! cargo build here: the "binaries" are generated files, incompressible or not. And
//! `--recorder-layer`: the recorder package as a Lambda layer zip. And a target rustup has
//! not installed, through a stand-in rustup (nothing is downloaded).

use crate::support;

/// `len` bytes that deflate cannot shrink (a xorshift stream), or that it shrinks to
/// almost nothing (zeros).
fn binary(len: usize, compressible: bool) -> Vec<u8> {
    if compressible {
        return vec![0; len];
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn package(binaries: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    support::cutover()
        .args(["package", "--format", "json", "validate-cluster-spec", "--binaries"])
        .arg(binaries)
        .arg("--out-dir")
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

#[test]
fn a_zip_over_the_budget_exits_one_and_is_still_written() {
    let folder = tempfile::tempdir().expect("tempdir");
    let binaries = folder.path().join("bin");
    std::fs::create_dir(&binaries).expect("mkdir");
    std::fs::write(binaries.join("validate-cluster-spec"), binary(200_000, false)).expect("write");
    let out = folder.path().join("out");

    let over = package(&binaries, &out, &["--max-zip-bytes", "150000"]);
    assert_eq!(over.status.code(), Some(1), "{}", String::from_utf8_lossy(&over.stderr));
    let report: serde_json::Value = serde_json::from_slice(&over.stdout).expect("JSON on stdout");
    let built = &report["packages"][0];
    assert_eq!(built["within_target"], false);
    assert!(built["zip_bytes"].as_u64().expect("a size") > 150_000, "{built}");
    assert_eq!(report["target_zip_bytes"], 150_000);
    assert!(out.join("validate-cluster-spec.zip").is_file(), "the zip over budget is kept for inspection");
    // The table says which one is over.
    let table = support::cutover()
        .args(["package", "validate-cluster-spec", "--max-zip-bytes", "150000", "--binaries"])
        .arg(&binaries)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(table.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&table.stdout).contains("OVER"), "{}", String::from_utf8_lossy(&table.stdout));

    // The same bytes under a wider budget, and a binary that compresses well under the default: exit 0.
    let within = package(&binaries, &out, &["--max-zip-bytes", "300000"]);
    assert_eq!(within.status.code(), Some(0), "{}", String::from_utf8_lossy(&within.stderr));
    std::fs::write(binaries.join("validate-cluster-spec"), binary(5_000_000, true)).expect("write");
    let default_budget = package(&binaries, &out, &[]);
    assert_eq!(default_budget.status.code(), Some(0), "{}", String::from_utf8_lossy(&default_budget.stderr));
    let report: serde_json::Value = serde_json::from_slice(&default_budget.stdout).expect("JSON");
    assert_eq!(report["target_zip_bytes"], 3_000_000);
    assert_eq!(report["packages"][0]["bootstrap_bytes"], 5_000_000);
}

#[test]
fn a_missing_binary_is_an_input_error_naming_its_path() {
    let folder = tempfile::tempdir().expect("tempdir");
    let out = folder.path().join("out");
    let output = package(folder.path(), &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("validate-cluster-spec") && stderr.contains("--binaries"), "{stderr}");
    assert!(!out.exists(), "nothing written for a refused plan");
}

/// The recorder's modules, as the layer must hold them: `python/cutover_recorder/<file>`.
fn recorder_modules() -> Vec<(String, Vec<u8>)> {
    let folder = support::repo_root().join("recorder/cutover_recorder");
    let mut modules: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
        .expect("the recorder package")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "py"))
        .map(|path| {
            let name = path.file_name().expect("a name").to_string_lossy().into_owned();
            (format!("python/cutover_recorder/{name}"), std::fs::read(&path).expect("read"))
        })
        .collect();
    modules.sort();
    modules
}

#[test]
fn the_recorder_layer_holds_the_package_where_lambda_imports_layers_from() {
    let folder = tempfile::tempdir().expect("tempdir");
    let out = folder.path().join("layers");
    let output = support::cutover()
        .args(["package", "--recorder-layer", "--format", "json", "--out-dir"])
        .arg(&out)
        .output()
        .expect("runs");
    let report = support::json_stdout(&output);
    let zip_path = out.join("cutover-recorder-layer.zip");
    assert_eq!(report["zip"], zip_path.display().to_string());
    assert_eq!(report["zip_bytes"], std::fs::metadata(&zip_path).expect("the zip").len());

    let expected = recorder_modules();
    assert!(expected.iter().any(|(name, _)| name == "python/cutover_recorder/__init__.py"), "{expected:?}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("open")).expect("an archive");
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).expect("read");
        assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o644));
        entries.push((entry.name().expect("a name").into_owned(), content));
    }
    assert_eq!(entries, expected, "every module, byte for byte, and nothing else (no __pycache__)");
    let names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(report["entries"], serde_json::json!(names));

    // Unzipped as Lambda unzips a layer (under /opt), its python/ folder imports the package.
    let opt = folder.path().join("opt");
    archive.extract(&opt).expect("unzip");
    let imported = std::process::Command::new(support::python())
        .args(["-c", "import cutover_recorder; print(cutover_recorder.__file__)"])
        .env("PYTHONPATH", opt.join("python"))
        .current_dir(folder.path())
        .output()
        .expect("python runs");
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let file = String::from_utf8_lossy(&imported.stdout);
    assert!(file.trim().starts_with(&opt.join("python/cutover_recorder").display().to_string()), "{file}");

    // The same sources give the same archive.
    let first = std::fs::read(&zip_path).expect("read");
    let again = support::cutover().args(["package", "--recorder-layer", "--out-dir"]).arg(&out).output().expect("runs");
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("recorder layer"));
    assert_eq!(std::fs::read(&zip_path).expect("read"), first);
}

#[test]
fn the_recorder_layer_plan_writes_nothing_and_functions_cannot_come_along() {
    let folder = tempfile::tempdir().expect("tempdir");
    let out = folder.path().join("layers");
    let plan = support::cutover()
        .args(["package", "--recorder-layer", "--dry-run", "--format", "json", "--out-dir"])
        .arg(&out)
        .output()
        .expect("runs");
    let plan = support::json_stdout(&plan);
    assert_eq!(plan["zip"], out.join("cutover-recorder-layer.zip").display().to_string());
    assert_eq!(plan["files"].as_array().expect("files").len(), recorder_modules().len());
    assert!(!out.exists(), "a dry run writes nothing");

    let both = support::cutover()
        .args(["package", "--recorder-layer", "create-cluster", "--out-dir"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(both.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&both.stderr).contains("--recorder-layer"),
        "{}",
        String::from_utf8_lossy(&both.stderr)
    );
    assert!(!out.exists());
}

/// A `rustup` that has only the host's target and cannot download (as in a sandbox
/// without its dist server): it logs what it is asked to add and fails.
fn offline_rustup(folder: &std::path::Path) -> std::path::PathBuf {
    let bin = folder.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let script = bin.join("rustup");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1 $2\" = \"target list\" ]; then echo x86_64-unknown-linux-gnu; exit 0; fi\n\
             echo \"$@\" >> {log}\necho 'error: could not download' >&2\nexit 1\n",
            log = folder.join("rustup.log").display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    bin
}

#[test]
fn a_missing_target_is_installed_with_rustup_first_and_its_failure_names_the_command() {
    let folder = tempfile::tempdir().expect("tempdir");
    let bin = offline_rustup(folder.path());
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("a PATH");
    let out = folder.path().join("out");

    // The plan shows the install step.
    let plan = support::cutover()
        .args(["package", "--dry-run", "--format", "json", "--arch", "arm64", "create-cluster", "--out-dir"])
        .arg(&out)
        .env("PATH", &path)
        .output()
        .expect("runs");
    let plan = support::json_stdout(&plan);
    assert_eq!(plan["target_install"], serde_json::json!(["rustup", "target", "add", "aarch64-unknown-linux-musl"]));
    assert!(!folder.path().join("rustup.log").exists(), "a plan installs nothing");

    // Run for real, it asks rustup before cargo, and says what to run by hand when rustup fails.
    let run = support::cutover()
        .args(["package", "--arch", "arm64", "create-cluster", "--out-dir"])
        .arg(&out)
        .env("PATH", &path)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("not installed; installing it: rustup target add aarch64-unknown-linux-musl"), "{stderr}");
    assert!(stderr.contains("`rustup target add aarch64-unknown-linux-musl` failed"), "{stderr}");
    assert!(!stderr.contains(" build --profile"), "cargo never ran: {stderr}");
    assert_eq!(
        std::fs::read_to_string(folder.path().join("rustup.log")).expect("rustup was asked"),
        "target add aarch64-unknown-linux-musl\n"
    );
    assert!(!out.exists());

    // An installed target (x86_64 here, as the fake says for the host only) is not planned
    // for when rustup lists it.
    let installed = support::cutover()
        .args(["package", "--dry-run", "--format", "json", "create-cluster", "--out-dir"])
        .arg(&out)
        .output()
        .expect("runs");
    let installed = support::json_stdout(&installed);
    let listed = std::process::Command::new("rustup").args(["target", "list", "--installed"]).output();
    if listed.is_ok_and(|listed| String::from_utf8_lossy(&listed.stdout).contains("x86_64-unknown-linux-musl")) {
        assert_eq!(installed["target_install"], serde_json::json!([]));
    }
}
