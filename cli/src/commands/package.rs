//! `cutover package`: builds each Rust function as a static musl binary with the
//! size-optimised `release-lambda` profile, copies it to `<out>/<function>/bootstrap` and
//! zips it as Lambda's provided.al2023 runtime expects (one executable `bootstrap` at the
//! root of the archive), then reports the sizes against the size budget (3 MB unless
//! `--max-zip-bytes` says otherwise). `--binaries DIR` zips binaries built elsewhere.
//! `--recorder-layer` zips the recorder's Python package (`recorder/cutover_recorder`) as
//! a Lambda layer instead, for the Python functions a team records.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;

use crate::args::{ArchArg, OutputFormat, PackageArgs};
use crate::exit::Failure;
use crate::output;

/// The Cargo profile of the root Cargo.toml tuned for size.
const PROFILE: &str = "release-lambda";

pub fn run(args: PackageArgs, format: OutputFormat) -> Result<(), Failure> {
    let workspace = Workspace::discover().map_err(Failure::Input)?;
    if args.recorder_layer {
        return run_recorder_layer(&workspace, &args, format);
    }
    let plan = plan(&workspace, &args).map_err(Failure::Input)?;
    if args.dry_run {
        match format {
            OutputFormat::Json => output::stdout_line(&to_json(&plan)?)?,
            OutputFormat::Table => output::stdout(&render_plan(&plan))?,
        }
        return Ok(());
    }
    let report = execute(&plan).map_err(Failure::Unexpected)?;
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&report)?)?,
        OutputFormat::Table => output::stdout(&render_report(&report))?,
    }
    if report.packages.iter().all(|package| package.within_target) { Ok(()) } else { Err(Failure::Checked) }
}

// ---- the workspace -----------------------------------------------------------------------

/// Where the Cargo workspace and its target directory are, and its packages that build
/// a binary, as Cargo itself says.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    pub binary_crates: Vec<BinaryCrate>,
}

/// A workspace member with a binary target: what `cutover package` can build.
#[derive(Debug, Clone)]
pub struct BinaryCrate {
    /// The package name, what `cargo build -p` takes.
    pub package: String,
    /// The binary's name, what cargo writes: the bin target named after the package, or
    /// the package's only one.
    pub binary: Option<String>,
    /// Whether it depends on `lambda_runtime` itself: a Lambda function.
    pub lambda_function: bool,
}

impl Workspace {
    pub fn discover() -> anyhow::Result<Workspace> {
        let output = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .stderr(Stdio::inherit())
            .output()
            .context("could not run `cargo metadata` (is cargo on PATH?)")?;
        if !output.status.success() {
            bail!("`cargo metadata` failed ({}); run cutover package inside a Cargo workspace", output.status);
        }
        let metadata: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("`cargo metadata` printed something that is not JSON")?;
        let path = |key: &str| {
            metadata[key].as_str().map(PathBuf::from).ok_or_else(|| anyhow!("`cargo metadata` has no {key}"))
        };
        let mut binary_crates: Vec<BinaryCrate> = metadata["packages"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(binary_crate)
            .collect();
        binary_crates.sort_by(|a, b| a.package.cmp(&b.package));
        Ok(Workspace { root: path("workspace_root")?, target_dir: path("target_directory")?, binary_crates })
    }

    /// The Lambda functions of the workspace, what `--all` packages: members with a
    /// binary that depend on `lambda_runtime`. Any workspace's functions, wherever they
    /// sit; here, the platform's crates under `functions/` and any crate `cutover new`
    /// added.
    pub fn function_crates(&self) -> Vec<&BinaryCrate> {
        self.binary_crates.iter().filter(|krate| krate.lambda_function).collect()
    }

    /// The member named `package`, when it builds a binary `cutover package` can zip.
    fn binary_crate(&self, package: &str) -> anyhow::Result<&BinaryCrate> {
        let Some(krate) = self.binary_crates.iter().find(|krate| krate.package == package) else {
            let functions: Vec<&str> = self.function_crates().iter().map(|krate| krate.package.as_str()).collect();
            bail!(
                "{package}: not a function crate (a package of the workspace with a binary); the functions here are {}",
                functions.join(", ")
            );
        };
        if krate.binary.is_none() {
            bail!("{package}: it has several binaries and none is named after the package; which one is the function?");
        }
        Ok(krate)
    }
}

/// A package of `cargo metadata` with a bin target, or `None`.
fn binary_crate(package: &serde_json::Value) -> Option<BinaryCrate> {
    let name = package["name"].as_str()?.to_string();
    let binaries: Vec<&str> = package["targets"]
        .as_array()?
        .iter()
        .filter(|target| target["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin")))
        .filter_map(|target| target["name"].as_str())
        .collect();
    let binary = match binaries.as_slice() {
        [] => return None,
        [only] => Some(only.to_string()),
        several => several.iter().find(|binary| **binary == name).map(|binary| binary.to_string()),
    };
    let lambda_function = package["dependencies"].as_array().is_some_and(|dependencies| {
        dependencies.iter().any(|dependency| dependency["name"] == "lambda_runtime" && dependency["kind"].is_null())
    });
    Some(BinaryCrate { package: name, binary, lambda_function })
}

/// The cargo that runs us when we run under cargo, else the one on PATH.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("cargo"))
}

// ---- the plan ----------------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct PackagePlan {
    pub arch: &'static str,
    pub target: &'static str,
    pub profile: &'static str,
    /// The rustup command that installs the target's standard library first, when rustup
    /// says it is missing; empty when it is installed (or there is no rustup to ask).
    pub target_install: Vec<String>,
    /// The whole cargo command line, program first; empty when `--binaries` names
    /// binaries built elsewhere.
    pub cargo_command: Vec<String>,
    /// Variables set for cargo (a musl C compiler when one is installed).
    pub cargo_environment: Vec<(String, String)>,
    pub packages: Vec<PlannedPackage>,
    /// The budget of one zip, in bytes.
    pub max_zip_bytes: u64,
    #[serde(skip)]
    workspace_root: PathBuf,
}

#[derive(Debug, Serialize)]
pub struct PlannedPackage {
    pub function: String,
    /// What cargo writes.
    pub binary: PathBuf,
    pub bootstrap: PathBuf,
    pub zip: PathBuf,
}

fn plan(workspace: &Workspace, args: &PackageArgs) -> anyhow::Result<PackagePlan> {
    let crates: Vec<&BinaryCrate> = if args.all {
        workspace.function_crates()
    } else {
        args.functions.iter().map(|name| workspace.binary_crate(name)).collect::<anyhow::Result<_>>()?
    };
    if crates.is_empty() {
        bail!(
            "--all: the workspace at {} has no function crate (a binary depending on lambda_runtime)",
            workspace.root.display()
        );
    }
    let (arch, target) = match args.arch {
        ArchArg::X86_64 => ("x86_64", "x86_64-unknown-linux-musl"),
        ArchArg::Arm64 => ("arm64", "aarch64-unknown-linux-musl"),
    };
    let out_dir = match (&args.out_dir, args.arch) {
        (Some(out_dir), _) => std::env::current_dir().unwrap_or_default().join(out_dir),
        (None, ArchArg::X86_64) => workspace.target_dir.join("lambda"),
        (None, ArchArg::Arm64) => workspace.target_dir.join("lambda/arm64"),
    };
    let mut cargo_command: Vec<String> = Vec::new();
    if args.binaries.is_none() {
        cargo_command.extend([cargo().display().to_string(), "build".into(), "--profile".into()]);
        cargo_command.extend([PROFILE.to_string(), "--target".into(), target.to_string()]);
        for krate in &crates {
            cargo_command.extend(["-p".to_string(), krate.package.clone()]);
        }
    }
    let binary_dir = match &args.binaries {
        Some(folder) => std::env::current_dir().unwrap_or_default().join(folder),
        None => workspace.target_dir.join(target).join(PROFILE),
    };
    if args.binaries.is_some() {
        for krate in &crates {
            let binary = binary_dir.join(&krate.package);
            if !binary.is_file() {
                bail!("--binaries: {} does not exist or is not a file", binary.display());
            }
        }
    }
    // Binaries built elsewhere are named after the function; cargo names them after the
    // bin target.
    let packages = crates
        .iter()
        .map(|krate| {
            let function = &krate.package;
            let binary = match &args.binaries {
                Some(_) => function,
                None => krate.binary.as_ref().unwrap_or(function),
            };
            PlannedPackage {
                function: function.clone(),
                binary: binary_dir.join(binary),
                bootstrap: out_dir.join(function).join("bootstrap"),
                zip: out_dir.join(format!("{function}.zip")),
            }
        })
        .collect();
    Ok(PackagePlan {
        arch,
        target,
        profile: PROFILE,
        target_install: if args.binaries.is_none() { target_install(target, &workspace.root) } else { Vec::new() },
        cargo_command,
        cargo_environment: if args.binaries.is_some() {
            Vec::new()
        } else {
            [c_compiler_environment(target), static_relocation_environment(target)].concat()
        },
        packages,
        max_zip_bytes: args.max_zip_bytes,
        workspace_root: workspace.root.clone(),
    })
}

/// `rustup target add <target>` when rustup manages this toolchain and the target is not
/// among its installed ones: a fresh machine has only the host's. Asked in the workspace
/// root, where a `rust-toolchain.toml` would pick the toolchain cargo builds with.
fn target_install(target: &str, workspace_root: &Path) -> Vec<String> {
    if !on_path("rustup") {
        return Vec::new();
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(workspace_root)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match installed {
        Ok(output) if output.status.success() => {
            if String::from_utf8_lossy(&output.stdout).lines().any(|line| line.trim() == target) {
                Vec::new()
            } else {
                ["rustup", "target", "add", target].map(String::from).to_vec()
            }
        }
        // A rustup that cannot list (no default toolchain): cargo's own error will say more.
        _ => Vec::new(),
    }
}

/// The functions' only C code is `ring` (rustls' crypto). cc-rs looks for a
/// `<arch>-linux-musl-gcc` and fails when there is none, although ring builds fine with
/// the host's own compiler for the host's architecture. So: a musl compiler when one is
/// installed (Debian's musl-tools), else the host `cc` for a native-architecture target;
/// an explicit `CC_<target>` always wins. Cross builds (arm64 on x86_64) need a real
/// cross compiler, set through `CC_<target>`.
fn c_compiler_environment(target: &str) -> Vec<(String, String)> {
    let variable = format!("CC_{}", target.replace('-', "_"));
    if std::env::var_os(&variable).is_some() {
        return Vec::new();
    }
    let arch = target.split('-').next().unwrap_or_default();
    let mut candidates = vec![format!("{arch}-linux-musl-gcc")];
    if arch == "x86_64" {
        candidates.push("musl-gcc".into());
    }
    if arch == std::env::consts::ARCH {
        candidates.extend(["cc".into(), "gcc".into()]);
    }
    candidates
        .into_iter()
        .find(|compiler| on_path(compiler))
        .map(|compiler| vec![(variable, compiler)])
        .unwrap_or_default()
}

/// A static, non-PIE executable carries no dynamic relocation table: about 7 % off the
/// binary and 3 % off the zip. Lambda runs one process per microVM, so the address-space
/// randomisation a position-independent executable buys is worth little there. Any
/// RUSTFLAGS the caller set win (Cargo prefers them to target flags); so does an explicit
/// `CARGO_TARGET_<TARGET>_RUSTFLAGS`.
fn static_relocation_environment(target: &str) -> Vec<(String, String)> {
    let variable = format!("CARGO_TARGET_{}_RUSTFLAGS", target.replace('-', "_").to_uppercase());
    if std::env::var_os(&variable).is_some() {
        return Vec::new();
    }
    vec![(variable, "-C relocation-model=static".to_string())]
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|folder| folder.join(program).is_file()))
        .unwrap_or(false)
}

fn render_plan(plan: &PackagePlan) -> String {
    let mut text = format!("package {} function(s) for {} ({})\n", plan.packages.len(), plan.arch, plan.target);
    let environment: Vec<String> =
        plan.cargo_environment.iter().map(|(key, value)| format!("{key}={value} ")).collect();
    if !plan.target_install.is_empty() {
        text.push_str(&format!("target   {} (not installed)\n", plan.target_install.join(" ")));
    }
    if plan.cargo_command.is_empty() {
        text.push_str("build    none: --binaries names binaries built elsewhere\n");
    } else {
        text.push_str(&format!("build    {}{}\n", environment.concat(), plan.cargo_command.join(" ")));
    }
    for package in &plan.packages {
        text.push_str(&format!(
            "{:<24} {} -> {} -> {}\n",
            package.function,
            package.binary.display(),
            package.bootstrap.display(),
            package.zip.display()
        ));
    }
    text
}

// ---- building and zipping ----------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct PackageReport {
    pub arch: &'static str,
    pub target: &'static str,
    pub target_zip_bytes: u64,
    pub packages: Vec<BuiltPackage>,
}

#[derive(Debug, Serialize)]
pub struct BuiltPackage {
    pub function: String,
    pub zip: PathBuf,
    pub zip_bytes: u64,
    pub bootstrap_bytes: u64,
    pub within_target: bool,
}

fn execute(plan: &PackagePlan) -> anyhow::Result<PackageReport> {
    if !plan.target_install.is_empty() {
        install_target(plan)?;
    }
    if let Some((program, arguments)) = plan.cargo_command.split_first() {
        build(plan, program, arguments)?;
    }
    let mut packages = Vec::new();
    for package in &plan.packages {
        stage_bootstrap(&package.binary, &package.bootstrap)?;
        write_zip(&package.bootstrap, &package.zip)?;
        let zip_bytes = file_size(&package.zip)?;
        packages.push(BuiltPackage {
            function: package.function.clone(),
            zip: package.zip.clone(),
            zip_bytes,
            bootstrap_bytes: file_size(&package.bootstrap)?,
            within_target: zip_bytes <= plan.max_zip_bytes,
        });
    }
    Ok(PackageReport { arch: plan.arch, target: plan.target, target_zip_bytes: plan.max_zip_bytes, packages })
}

/// Runs the planned `rustup target add`, saying so; a failure names the command to run by
/// hand (rustup needs its download server, which a sandbox may not reach).
fn install_target(plan: &PackagePlan) -> anyhow::Result<()> {
    let command = plan.target_install.join(" ");
    eprintln!("cutover package: the Rust target {} is not installed; installing it: {command}", plan.target);
    let (program, arguments) = plan.target_install.split_first().ok_or_else(|| anyhow!("no rustup command"))?;
    let status = Command::new(program)
        .args(arguments)
        .current_dir(&plan.workspace_root)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .with_context(|| format!("could not run `{command}`"))?;
    if !status.success() {
        bail!("`{command}` failed ({status}); run it where rustup can download, then package again");
    }
    Ok(())
}

fn build(plan: &PackagePlan, program: &str, arguments: &[String]) -> anyhow::Result<()> {
    eprintln!("cutover package: {}", plan.cargo_command.join(" "));
    let status = Command::new(program)
        .args(arguments)
        .envs(plan.cargo_environment.iter().map(|(key, value)| (key, value)))
        .current_dir(&plan.workspace_root)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .context("could not run cargo")?;
    if !status.success() {
        bail!(
            "cargo build failed ({status}); check that the target is installed (`rustup target add {}`) \
             and, for a cross build, that CC_{} names a C compiler for it (ring, the TLS crypto, has C code)",
            plan.target,
            plan.target.replace('-', "_")
        );
    }
    Ok(())
}

fn stage_bootstrap(binary: &Path, bootstrap: &Path) -> anyhow::Result<()> {
    if let Some(folder) = bootstrap.parent() {
        std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    }
    std::fs::copy(binary, bootstrap)
        .with_context(|| format!("cannot copy {} to {}", binary.display(), bootstrap.display()))?;
    set_executable(bootstrap)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

/// One entry `bootstrap`, mode 0755, deflated at zlib's best level, with the zip format's
/// fixed default timestamp so the same binary always gives the same archive. Written
/// beside the destination and renamed, so a reader never sees half an archive. (Zopfli
/// would take 3 % more off, at seven minutes per binary on this machine: not worth it.)
pub fn write_zip(bootstrap: &Path, zip_path: &Path) -> anyhow::Result<()> {
    let result = (|| -> anyhow::Result<()> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .unix_permissions(0o755);
        writer.start_file("bootstrap", options)?;
        let mut source = File::open(bootstrap)?;
        std::io::copy(&mut source, &mut writer)?;
        let archive = writer.finish()?.into_inner();
        atomic_file::write_atomically(zip_path, &archive)?;
        Ok(())
    })();
    result.with_context(|| format!("cannot write {}", zip_path.display()))
}

fn file_size(path: &Path) -> anyhow::Result<u64> {
    Ok(std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len())
}

pub fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

fn render_report(report: &PackageReport) -> String {
    let mut text = format!(
        "{:<24} {:>12} {:>10} {:>14}  ≤ {} bytes\n",
        "function", "zipped", "MiB", "bootstrap", report.target_zip_bytes
    );
    for package in &report.packages {
        text.push_str(&format!(
            "{:<24} {:>12} {:>10.2} {:>14}  {}   {}\n",
            package.function,
            package.zip_bytes,
            mebibytes(package.zip_bytes),
            package.bootstrap_bytes,
            if package.within_target { "ok" } else { "OVER" },
            package.zip.display()
        ));
    }
    text
}

// ---- the recorder layer ------------------------------------------------------------------

/// The recorder's Python package, from the workspace root.
const RECORDER_PACKAGE: &str = "recorder/cutover_recorder";
/// Where a layer's Python modules go: Lambda's Python runtimes put the layer's `python/`
/// folder (unzipped under /opt) on `sys.path`.
const LAYER_PACKAGE_PREFIX: &str = "python/cutover_recorder";
const LAYER_ZIP: &str = "cutover-recorder-layer.zip";

fn run_recorder_layer(workspace: &Workspace, args: &PackageArgs, format: OutputFormat) -> Result<(), Failure> {
    let plan = plan_recorder_layer(workspace, args).map_err(Failure::Input)?;
    if args.dry_run {
        return match format {
            OutputFormat::Json => output::stdout_line(&to_json(&plan)?),
            OutputFormat::Table => output::stdout(&render_layer_plan(&plan)),
        };
    }
    write_layer_zip(&plan).map_err(Failure::Unexpected)?;
    let report = LayerReport {
        zip_bytes: file_size(&plan.zip).map_err(Failure::Unexpected)?,
        zip: plan.zip,
        entries: plan.files.into_iter().map(|file| file.entry).collect(),
    };
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&report)?)?,
        OutputFormat::Table => output::stdout(&format!(
            "recorder layer  {} bytes ({:.2} MiB), {} files  {}\n",
            report.zip_bytes,
            mebibytes(report.zip_bytes),
            report.entries.len(),
            report.zip.display()
        ))?,
    }
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct LayerPlan {
    /// The package folder the modules come from.
    pub source: PathBuf,
    pub zip: PathBuf,
    pub files: Vec<LayerFile>,
}

#[derive(Debug, Serialize)]
pub struct LayerFile {
    pub source: PathBuf,
    /// Its path in the zip.
    pub entry: String,
}

#[derive(Debug, Serialize)]
pub struct LayerReport {
    pub zip: PathBuf,
    pub zip_bytes: u64,
    pub entries: Vec<String>,
}

fn plan_recorder_layer(workspace: &Workspace, args: &PackageArgs) -> anyhow::Result<LayerPlan> {
    let source = workspace.root.join(RECORDER_PACKAGE);
    let mut relative = Vec::new();
    python_modules(&source, Path::new(""), &mut relative)
        .with_context(|| format!("cannot read the recorder package at {}", source.display()))?;
    if !relative.iter().any(|path| path == Path::new("__init__.py")) {
        bail!("{}: no __init__.py, so not the recorder package", source.display());
    }
    relative.sort();
    let files = relative
        .into_iter()
        .map(|path| {
            let entry = format!("{LAYER_PACKAGE_PREFIX}/{}", path.to_string_lossy().replace('\\', "/"));
            LayerFile { source: source.join(&path), entry }
        })
        .collect();
    let out_dir = match &args.out_dir {
        Some(out_dir) => std::env::current_dir().unwrap_or_default().join(out_dir),
        None => workspace.target_dir.join("lambda"),
    };
    Ok(LayerPlan { source, zip: out_dir.join(LAYER_ZIP), files })
}

/// The `.py` files under `folder`, as paths relative to the package; byte code and
/// build leftovers stay out (Lambda compiles on import).
fn python_modules(folder: &Path, prefix: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let path = prefix.join(&name);
        if entry.file_type()?.is_dir() {
            if name != "__pycache__" {
                python_modules(&entry.path(), &path, found)?;
            }
        } else if path.extension().is_some_and(|extension| extension == "py") {
            found.push(path);
        }
    }
    Ok(())
}

fn render_layer_plan(plan: &LayerPlan) -> String {
    let mut text = format!("recorder layer  {} -> {}\n", plan.source.display(), plan.zip.display());
    for file in &plan.files {
        text.push_str(&format!("  {}\n", file.entry));
    }
    text
}

/// The modules in name order, mode 0644, deflated at level 9 with the zip format's fixed
/// default timestamp (the same sources give the same archive), written whole beside the
/// destination and renamed.
fn write_layer_zip(plan: &LayerPlan) -> anyhow::Result<()> {
    let result = (|| -> anyhow::Result<()> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .unix_permissions(0o644);
        for file in &plan.files {
            writer.start_file(file.entry.as_str(), options)?;
            let mut source =
                File::open(&file.source).with_context(|| format!("cannot read {}", file.source.display()))?;
            std::io::copy(&mut source, &mut writer)?;
        }
        let archive = writer.finish()?.into_inner();
        if let Some(folder) = plan.zip.parent() {
            std::fs::create_dir_all(folder)?;
        }
        atomic_file::write_atomically(&plan.zip, &archive)?;
        Ok(())
    })();
    result.with_context(|| format!("cannot write {}", plan.zip.display()))
}

fn to_json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|error| Failure::Unexpected(anyhow!(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zip_holds_one_executable_bootstrap_with_the_binary_bytes() {
        let folder = tempfile::tempdir().expect("a temp dir");
        let bootstrap = folder.path().join("bootstrap");
        let content: Vec<u8> = (0..100_000u32).map(|index| (index % 251) as u8).collect();
        std::fs::write(&bootstrap, &content).expect("write");
        let zip_path = folder.path().join("f.zip");
        write_zip(&bootstrap, &zip_path).expect("zip");
        let mut archive = zip::ZipArchive::new(File::open(&zip_path).expect("open")).expect("an archive");
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_index(0).expect("entry");
        assert_eq!(entry.name().ok().as_deref(), Some("bootstrap"));
        assert_eq!(entry.unix_mode().map(|mode| mode & 0o777), Some(0o755));
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut unzipped).expect("read");
        assert_eq!(unzipped, content);
        assert!(!folder.path().join("f.zip.partial").exists());
    }

    #[test]
    fn the_same_binary_gives_the_same_archive() {
        let folder = tempfile::tempdir().expect("a temp dir");
        let bootstrap = folder.path().join("bootstrap");
        std::fs::write(&bootstrap, b"\x7fELF not really").expect("write");
        write_zip(&bootstrap, &folder.path().join("a.zip")).expect("zip");
        write_zip(&bootstrap, &folder.path().join("b.zip")).expect("zip");
        let first = std::fs::read(folder.path().join("a.zip")).expect("read");
        let second = std::fs::read(folder.path().join("b.zip")).expect("read");
        assert_eq!(first, second);
    }
}
