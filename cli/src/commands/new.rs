//! `cutover new`: scaffolds the Rust rewrite of a Python function in two moves.
//!
//! 1. A function crate written the way the platform's are: `src/lib.rs` with a handler
//!    generic over a small port trait and its in-memory fake, a thin `src/main.rs` that
//!    runs it with `lambda_runtime`, and `tests/handler.rs` fed a recorded invocation
//!    (`--event`). The main does not use the platform's own glue (`cluster-lambda`):
//!    that crate carries the cluster platform's Python error conventions, and a team's
//!    crate must build in the team's repository, so the scaffold depends on the runtime
//!    only. Inside a Cargo workspace the crate takes the workspace's dependencies and
//!    settings and joins its `members`; elsewhere it is its own workspace and builds
//!    where it stands.
//! 2. A `[[function]]` block appended to `cutover.toml`: version "1" the Python
//!    original, "2" the Rust bootstrap that `cutover package` builds, alias `live` on
//!    "1". The user's text is never rewritten, only extended, and the result is checked
//!    with the emulator's own strict parser before anything is written.
//!
//! Everything is validated and planned first (`--dry-run` prints the plan), so a refusal
//! writes nothing; a failure while writing removes what was written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use serde_json::Value;

use crate::args::{NewArgs, OutputFormat};
use crate::exit::Failure;
use crate::output;

const CARGO_TOML: &str = include_str!("../../templates/new/Cargo.toml");
const LIB_RS: &str = include_str!("../../templates/new/lib.rs");
const MAIN_RS: &str = include_str!("../../templates/new/main.rs");
const HANDLER_TEST: &str = include_str!("../../templates/new/handler.rs");
const HANDLER_TEST_PLACEHOLDER: &str = include_str!("../../templates/new/handler-placeholder.rs");
const CONFIG_BLOCK: &str = include_str!("../../templates/new/cutover.toml");

const RECORD_SCHEMA: &str = "cutover.record/v1";

pub fn run(args: NewArgs, format: OutputFormat) -> Result<(), Failure> {
    let settings = NewSettings::resolve(&args).map_err(Failure::Input)?;
    let plan = plan(&settings).map_err(Failure::Input)?;
    if args.dry_run {
        return match format {
            OutputFormat::Json => output::stdout_line(&to_json(&plan)?),
            OutputFormat::Table => output::stdout(&render_plan(&plan)),
        };
    }
    execute(&plan).map_err(Failure::Unexpected)?;
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&plan.summary())?),
        OutputFormat::Table => output::stdout(&render_summary(&plan)),
    }
}

// ---- the settings ------------------------------------------------------------------------

/// Every argument checked and resolved: nothing below this point can be refused.
#[derive(Debug)]
struct NewSettings {
    function: String,
    python_handler: String,
    /// The code folder as the config writes it: relative to the config's folder when
    /// inside it.
    code_in_config: String,
    config_path: PathBuf,
    /// The config's text; empty when the file does not exist yet.
    config_text: String,
    crate_dir: PathBuf,
    record: Option<Value>,
    workspace: Option<CargoWorkspace>,
}

impl NewSettings {
    fn resolve(args: &NewArgs) -> anyhow::Result<NewSettings> {
        let function = args.function.clone();
        check_function_name(&function)?;
        let module_path = check_python_handler(&args.python_handler)?;
        let code_dir = absolute(&args.code)?;
        if !code_dir.is_dir() {
            bail!("--code {}: no such folder", args.code.display());
        }
        let module_files =
            [code_dir.join(format!("{module_path}.py")), code_dir.join(&module_path).join("__init__.py")];
        if !module_files.iter().any(|file| file.is_file()) {
            bail!(
                "--code {}: the handler's module {module_path}.py is not in it (--python-handler {})",
                args.code.display(),
                args.python_handler
            );
        }

        let config_path = absolute(&args.config.config)?;
        let config_dir = config_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let config_text = match std::fs::read_to_string(&config_path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(anyhow!(error).context(format!("cannot read {}", config_path.display()))),
        };
        let existing = emulator::Config::parse(&config_text, &config_path, &config_dir).with_context(|| {
            format!("{}: fix the file first, `cutover new` only appends to it", config_path.display())
        })?;
        if existing.function(&function).is_some() {
            bail!("function {function:?} is already in {}", config_path.display());
        }

        let crate_dir = match &args.crate_dir {
            Some(crate_dir) => absolute(crate_dir)?,
            None => config_dir.join("functions").join(&function),
        };
        if crate_dir.exists() {
            bail!("--crate-dir {}: it exists already; `cutover new` writes a new crate", crate_dir.display());
        }
        let record = match &args.event {
            Some(event) => Some(read_record(event, &function)?),
            None => None,
        };
        Ok(NewSettings {
            function,
            python_handler: args.python_handler.clone(),
            code_in_config: path_in_config(&code_dir, &config_dir),
            config_path,
            config_text,
            workspace: CargoWorkspace::enclosing(&crate_dir)?,
            crate_dir,
            record,
        })
    }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("{}: cannot make it absolute", path.display()))
}

/// Lambda's rule for a function name (1 to 64 of `A-Z a-z 0-9 - _`), and Cargo's for a
/// package name on top: the first character a letter or `_`, not a name Rust reserves.
fn check_function_name(name: &str) -> anyhow::Result<()> {
    if name.is_empty() || name.len() > 64 {
        bail!("function name {name:?}: Lambda takes 1 to 64 characters");
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
        bail!("function name {name:?}: Lambda takes letters, digits, `-` and `_` only, not {bad:?}");
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        bail!("function name {name:?}: it is the crate's name too, which must start with a letter or `_`");
    }
    const RESERVED: &[&str] = &[
        "alloc",
        "core",
        "proc_macro",
        "std",
        "test",
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
    ];
    if RESERVED.contains(&name.replace('-', "_").as_str()) {
        bail!("function name {name:?}: it is the crate's name too, and Rust reserves it");
    }
    Ok(())
}

/// `module.function` with Python identifiers, the module dotted inside packages; returns
/// the module's path (`orders/app`).
fn check_python_handler(handler: &str) -> anyhow::Result<String> {
    let parts: Vec<&str> = handler.split('.').collect();
    let identifier = |part: &&str| {
        part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if parts.len() < 2 || !parts.iter().all(identifier) {
        bail!("--python-handler {handler:?}: not `module.function` (e.g. `app.handler` or `orders.app.handler`)");
    }
    Ok(parts[..parts.len() - 1].join("/"))
}

/// Relative to the config's folder when the code is inside it, as the rest of the file
/// writes its paths; absolute otherwise. Symbolic links are resolved on both sides first,
/// so a temp folder behind a link still compares equal.
fn path_in_config(code_dir: &Path, config_dir: &Path) -> String {
    let code = code_dir.canonicalize().unwrap_or_else(|_| code_dir.to_path_buf());
    let base = config_dir.canonicalize().unwrap_or_else(|_| config_dir.to_path_buf());
    match code.strip_prefix(&base) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Ok(relative) => relative.to_string_lossy().replace('\\', "/"),
        Err(_) => code.to_string_lossy().into_owned(),
    }
}

/// `target` as the config writes it: relative to the config's folder, with `..` steps
/// when it lies outside (a config in `examples/orders/` names the workspace's
/// `../../target/...`), so the file holds no machine path.
fn relative_to(target: &Path, config_dir: &Path) -> String {
    use std::path::Component;
    let base = config_dir.canonicalize().unwrap_or_else(|_| config_dir.to_path_buf());
    let target_parent = target.parent().and_then(|parent| {
        // The target folder may not exist yet: canonicalise the deepest existing ancestor.
        parent.ancestors().find(|ancestor| ancestor.exists()).map(|existing| {
            let rest = parent.strip_prefix(existing).unwrap_or(Path::new(""));
            existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf()).join(rest)
        })
    });
    let target = match (target_parent, target.file_name()) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => target.to_path_buf(),
    };
    let from: Vec<Component<'_>> = base.components().collect();
    let to: Vec<Component<'_>> = target.components().collect();
    let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), from.len() - shared).collect();
    parts.extend(to[shared..].iter().map(|part| part.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

/// `FILE` or `FILE:ID`: the record `ID`, or the file's first record of `function`. A
/// record that still holds a secret, or that was truncated, is refused: it becomes a
/// fixture in the repository, and it must replay whole.
fn read_record(argument: &str, function: &str) -> anyhow::Result<Value> {
    let (path, id) = match argument.rsplit_once(':') {
        Some((path, id)) if !Path::new(argument).is_file() && !id.is_empty() => (path, Some(id)),
        _ => (argument, None),
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("--event: cannot read {path}"))?;
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let record: Value = serde_json::from_str(line)
            .with_context(|| format!("--event {path}: line {} is not a JSON record", index + 1))?;
        records.push(record);
    }
    let record = match id {
        Some(id) => records.into_iter().find(|record| record["id"] == id),
        None => records.into_iter().find(|record| record["function"] == function),
    };
    let Some(record) = record else {
        return Err(match id {
            Some(id) => anyhow!("--event {path}: no record with id {id:?}"),
            None => anyhow!("--event {path}: no record of function {function:?}; name one as {path}:ID"),
        });
    };
    let name = record["id"].as_str().unwrap_or("?").to_string();
    if record["schema"] != RECORD_SCHEMA {
        bail!("--event {path}: record {name:?} is not a {RECORD_SCHEMA} record (schema {})", record["schema"]);
    }
    if !record["event"].is_object() && record.get("event").is_none() {
        bail!("--event {path}: record {name:?} has no event");
    }
    if record.get("truncated").is_some_and(|truncated| !truncated.is_null() && *truncated != false) {
        bail!("--event {path}: record {name:?} was truncated by the recorder and cannot be replayed whole");
    }
    let secrets = parity::find_secrets(&record);
    if !secrets.is_empty() {
        let found: Vec<String> = secrets.iter().map(|secret| format!("{} at {}", secret.kind, secret.path)).collect();
        bail!("--event {path}: record {name:?} holds secrets in the clear ({}); redact it first", found.join(", "));
    }
    Ok(record)
}

// ---- the Cargo workspace around the crate ---------------------------------------------

/// The Cargo workspace the new crate lands in: the nearest folder above it whose
/// `Cargo.toml` has a `[workspace]` table, as Cargo looks for it.
#[derive(Debug)]
struct CargoWorkspace {
    manifest: PathBuf,
    text: String,
    /// The crate's path from the root, `/`-separated, as `members` lists it.
    member: String,
    /// Whether `members` already covers it (listed, or matched by a glob).
    member_listed: bool,
    /// The names under `[workspace.dependencies]`.
    dependencies: BTreeSet<String>,
    /// The keys under `[workspace.package]`.
    package_keys: BTreeSet<String>,
    has_lints: bool,
    has_lambda_profile: bool,
}

impl CargoWorkspace {
    fn enclosing(crate_dir: &Path) -> anyhow::Result<Option<CargoWorkspace>> {
        for folder in crate_dir.ancestors().skip(1) {
            let manifest = folder.join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
            let sections = toml_sections(&text);
            if !sections.iter().any(|(header, _)| header == "workspace") {
                continue;
            }
            let relative = crate_dir.strip_prefix(folder).unwrap_or(crate_dir);
            let member = relative.to_string_lossy().replace('\\', "/");
            let keys = |name: &str| -> BTreeSet<String> {
                sections.iter().filter(|(header, _)| header == name).flat_map(|(_, keys)| keys.clone()).collect()
            };
            let mut dependencies = keys("workspace.dependencies");
            // `[workspace.dependencies.tokio]` tables declare one each.
            for (header, _) in &sections {
                if let Some(name) = header.strip_prefix("workspace.dependencies.") {
                    dependencies.insert(name.to_string());
                }
            }
            return Ok(Some(CargoWorkspace {
                member_listed: workspace_members(&text).iter().any(|pattern| glob_matches(pattern, &member)),
                member,
                dependencies,
                package_keys: keys("workspace.package"),
                has_lints: sections.iter().any(|(header, _)| header.starts_with("workspace.lints")),
                has_lambda_profile: sections.iter().any(|(header, _)| header == "profile.release-lambda"),
                manifest,
                text,
            }));
        }
        Ok(None)
    }
}

/// The tables of a TOML text and the keys each sets directly, by line: enough to see
/// what a Cargo.toml declares, without a TOML library in the CLI. Cargo itself checks the
/// result (`cargo metadata` after writing).
fn toml_sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    for line in text.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|rest| rest.split(']').next()) {
            let header = header.trim_start_matches('[').trim().replace(['"', ' '], "");
            sections.push((header, Vec::new()));
        } else if let Some((key, _)) = line.split_once('=')
            && !line.starts_with('#')
        {
            let key = key.trim().split('.').next().unwrap_or_default().trim_matches('"').to_string();
            if let Some((_, keys)) = sections.last_mut() {
                keys.push(key);
            }
        }
    }
    sections
}

/// The strings of `members = [...]` in the `[workspace]` table.
fn workspace_members(text: &str) -> Vec<String> {
    let Some((start, end)) = members_array(text) else { return Vec::new() };
    text[start..end]
        .split(',')
        .filter_map(|item| {
            let item = item.lines().map(|line| line.split('#').next().unwrap_or_default()).collect::<String>();
            let item = item.trim();
            item.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).map(str::to_string)
        })
        .collect()
}

/// The byte range inside the brackets of `members = [ ... ]` under `[workspace]`.
fn members_array(text: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut in_workspace = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_workspace = trimmed.trim_end_matches(|c: char| c != ']') == "[workspace]";
        } else if in_workspace
            && let Some(rest) = trimmed.strip_prefix("members")
            && rest.trim_start().starts_with('=')
        {
            let open = offset + line.find('[')? + 1;
            let close = open + text[open..].find(']')?;
            return Some((open, close));
        }
        offset += line.len();
    }
    None
}

/// Cargo's `members` globs, as far as workspaces use them: `*` within one path segment.
fn glob_matches(pattern: &str, path: &str) -> bool {
    fn segment(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((prefix, rest)) => {
                text.starts_with(prefix)
                    && (0..=text.len() - prefix.len()).any(|skip| {
                        text.is_char_boundary(prefix.len() + skip) && segment(rest, &text[prefix.len() + skip..])
                    })
            }
        }
    }
    let patterns: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let segments: Vec<&str> = path.split('/').collect();
    patterns.len() == segments.len() && patterns.iter().zip(&segments).all(|(pattern, text)| segment(pattern, text))
}

/// The manifest with `member` added to `members`, its other text untouched: a line of
/// its own in a multi-line array (at the indent of the others), else appended inside the
/// brackets; a `members` line under `[workspace]` when there is none.
fn add_member(text: &str, member: &str) -> String {
    let quoted = format!("\"{member}\"");
    let Some((open, close)) = members_array(text) else {
        let header = text.find("[workspace]").map(|at| at + "[workspace]".len()).unwrap_or(text.len());
        return format!("{}\nmembers = [{quoted}]{}", &text[..header], &text[header..]);
    };
    let inside = &text[open..close];
    if !inside.contains('\n') {
        let separator = if inside.trim().is_empty() { "" } else { ", " };
        let kept = inside.trim_end().trim_end_matches(',');
        return format!("{}{kept}{separator}{quoted}{}", &text[..open], &text[close..]);
    }
    // Multi-line: after the last item, before the line holding `]`.
    let line_start = text[..close].rfind('\n').map(|at| at + 1).unwrap_or(close);
    let before = &text[open..line_start];
    let last_item = before.lines().rev().find(|line| {
        let line = line.split('#').next().unwrap_or_default().trim();
        !line.is_empty()
    });
    let indent: String =
        last_item.map(|line| line.chars().take_while(|c| c.is_whitespace()).collect()).unwrap_or_else(|| "    ".into());
    let mut head = text[..line_start].to_string();
    if let Some(last) = last_item
        && !last.split('#').next().unwrap_or_default().trim_end().ends_with(',')
    {
        // The last item had no trailing comma: give it one, at its code's end.
        let at = open + before.rfind(last).unwrap_or(0) + last.split('#').next().unwrap_or_default().trim_end().len();
        head.insert(at, ',');
    }
    format!("{head}{indent}{quoted},\n{}", &text[line_start..])
}

// ---- the plan ----------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct NewPlan {
    function: String,
    crate_dir: PathBuf,
    files: Vec<PlannedFile>,
    config: ConfigEdit,
    /// Present when the crate joins an enclosing Cargo workspace.
    workspace: Option<WorkspaceEdit>,
    /// What the user should know: settings the workspace lacks for `cutover package`.
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PlannedFile {
    path: PathBuf,
    contents: String,
}

#[derive(Debug, Serialize)]
struct ConfigEdit {
    path: PathBuf,
    created: bool,
    /// The text appended, byte for byte.
    appended: String,
    #[serde(skip)]
    new_text: String,
}

#[derive(Debug, Serialize)]
struct WorkspaceEdit {
    manifest: PathBuf,
    /// The line added to `members`, or `None` when a glob there covers the crate already.
    member_added: Option<String>,
    #[serde(skip)]
    new_text: Option<String>,
}

#[derive(Debug, Serialize)]
struct NewSummary<'a> {
    function: &'a str,
    crate_dir: &'a Path,
    files: Vec<&'a Path>,
    config: &'a Path,
    workspace_manifest: Option<&'a Path>,
    notes: &'a [String],
}

impl NewPlan {
    fn summary(&self) -> NewSummary<'_> {
        NewSummary {
            function: &self.function,
            crate_dir: &self.crate_dir,
            files: self.files.iter().map(|file| file.path.as_path()).collect(),
            config: &self.config.path,
            workspace_manifest: self.workspace.as_ref().map(|workspace| workspace.manifest.as_path()),
            notes: &self.notes,
        }
    }
}

fn plan(settings: &NewSettings) -> anyhow::Result<NewPlan> {
    let crate_name = settings.function.replace('-', "_");
    let (fixture, record_id) = match &settings.record {
        Some(record) => {
            let id = record["id"].as_str().unwrap_or("record").to_string();
            let file: String =
                id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
            (Some(format!("{file}.json")), id)
        }
        None => (None, String::new()),
    };
    let values = [
        ("function", settings.function.as_str()),
        ("crate_name", crate_name.as_str()),
        ("python_handler", settings.python_handler.as_str()),
        ("fixture", fixture.as_deref().unwrap_or_default()),
        ("record_id", record_id.as_str()),
    ];
    let (package_settings, workspace_settings, dependencies) = manifest_parts(settings.workspace.as_ref());
    let manifest_values = [
        ("package_settings", package_settings.as_str()),
        ("dependencies", dependencies.as_str()),
        ("workspace_settings", workspace_settings.as_str()),
    ];
    let manifest_values: Vec<(&str, &str)> = values.iter().chain(&manifest_values).copied().collect();

    let crate_dir = &settings.crate_dir;
    let mut files = vec![
        PlannedFile { path: crate_dir.join("Cargo.toml"), contents: fill(CARGO_TOML, &manifest_values) },
        PlannedFile { path: crate_dir.join("src/lib.rs"), contents: fill(LIB_RS, &values) },
        PlannedFile { path: crate_dir.join("src/main.rs"), contents: fill(MAIN_RS, &values) },
    ];
    match (&settings.record, &fixture) {
        (Some(record), Some(fixture)) => {
            files.push(PlannedFile { path: crate_dir.join("tests/handler.rs"), contents: fill(HANDLER_TEST, &values) });
            let mut contents = serde_json::to_string_pretty(record)?;
            contents.push('\n');
            files.push(PlannedFile { path: crate_dir.join("tests/fixtures").join(fixture), contents });
        }
        _ => files.push(PlannedFile {
            path: crate_dir.join("tests/handler.rs"),
            contents: fill(HANDLER_TEST_PLACEHOLDER, &values),
        }),
    }

    let config = config_edit(settings)?;
    let mut notes = Vec::new();
    let workspace = settings.workspace.as_ref().map(|workspace| {
        if !workspace.has_lambda_profile {
            notes.push(format!(
                "{} has no [profile.release-lambda], which `cutover package` builds with: copy it from cutover's \
                 docs/own-functions.md",
                workspace.manifest.display()
            ));
        }
        let new_text = (!workspace.member_listed).then(|| add_member(&workspace.text, &workspace.member));
        WorkspaceEdit {
            manifest: workspace.manifest.clone(),
            member_added: (!workspace.member_listed).then(|| workspace.member.clone()),
            new_text,
        }
    });
    Ok(NewPlan { function: settings.function.clone(), crate_dir: crate_dir.clone(), files, config, workspace, notes })
}

/// The appended block, checked: the whole new text must pass the emulator's parser,
/// which `cutover local`, `canary` and `report` read the file with.
fn config_edit(settings: &NewSettings) -> anyhow::Result<ConfigEdit> {
    let code = toml_string(&settings.code_in_config);
    let config_dir = settings.config_path.parent().unwrap_or(Path::new("."));
    // Cargo's target folder: the workspace's, else the crate's own.
    let cargo_root = settings
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.manifest.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| settings.crate_dir.clone());
    let bootstrap = cargo_root.join("target/lambda").join(&settings.function).join("bootstrap");
    let bootstrap = toml_string(&relative_to(&bootstrap, config_dir));
    let block = fill(
        CONFIG_BLOCK,
        &[
            ("function", &settings.function),
            ("python_handler", &settings.python_handler),
            ("code", &code),
            ("bootstrap", &bootstrap),
        ],
    );
    let mut appended = String::new();
    if !settings.config_text.is_empty() && !settings.config_text.ends_with('\n') {
        appended.push('\n');
    }
    let block = if settings.config_text.is_empty() { block.trim_start_matches('\n').to_string() } else { block };
    appended.push_str(&block);
    let new_text = format!("{}{appended}", settings.config_text);
    let parsed = emulator::Config::parse(&new_text, &settings.config_path, config_dir)
        .context("the config with the new function added does not parse; nothing written")?;
    if parsed.function(&settings.function).is_none() {
        bail!("the new block did not declare {:?}; nothing written", settings.function);
    }
    Ok(ConfigEdit { path: settings.config_path.clone(), created: settings.config_text.is_empty(), appended, new_text })
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The crate's dependencies and Cargo settings: the workspace's own where it declares
/// them (with the features the scaffold needs added), pinned major versions otherwise.
fn manifest_parts(workspace: Option<&CargoWorkspace>) -> (String, String, String) {
    // (name, the pinned form, the features the scaffold needs on top of a workspace's)
    const DEPENDENCIES: &[(&str, &str, Option<&str>)] = &[
        (
            "lambda_runtime",
            r#"{ version = "1", default-features = false, features = ["tracing"] }"#,
            Some(r#"["tracing"]"#),
        ),
        ("serde_json", r#""1""#, None),
        ("thiserror", r#""2""#, None),
        (
            "tokio",
            r#"{ version = "1", features = ["macros", "rt-multi-thread"] }"#,
            Some(r#"["macros", "rt-multi-thread"]"#),
        ),
    ];
    let dependencies: Vec<String> = DEPENDENCIES
        .iter()
        .map(|(name, pinned, features)| {
            let from_workspace = workspace.is_some_and(|workspace| workspace.dependencies.contains(*name));
            match (from_workspace, features) {
                (true, None) => format!("{name}.workspace = true"),
                (true, Some(features)) => format!("{name} = {{ workspace = true, features = {features} }}"),
                (false, _) => format!("{name} = {pinned}"),
            }
        })
        .collect();
    let (package_settings, workspace_settings) = match workspace {
        Some(workspace) => {
            let inherited: Vec<String> = ["edition", "rust-version", "license", "publish"]
                .iter()
                .filter(|key| workspace.package_keys.contains(**key))
                .map(|key| format!("{key}.workspace = true"))
                .collect();
            let mut package = inherited;
            if !workspace.package_keys.contains("edition") {
                package.insert(0, "edition = \"2024\"".into());
            }
            let lints = if workspace.has_lints { "\n[lints]\nworkspace = true" } else { "" };
            (package.join("\n"), lints.to_string())
        }
        None => (
            "edition = \"2024\"\npublish = false".to_string(),
            "\n# Its own workspace, so the crate builds where it stands. When it joins a workspace, move\n\
             # the profile to the workspace's root Cargo.toml and drop both tables.\n\
             [workspace]\n\n\
             # What `cutover package` builds with: small and static, as a Lambda zip should be.\n\
             [profile.release-lambda]\ninherits = \"release\"\nopt-level = \"z\"\nlto = \"fat\"\ncodegen-units = 1\n\
             panic = \"abort\"\nstrip = \"symbols\""
                .to_string(),
        ),
    };
    (package_settings, workspace_settings, dependencies.join("\n"))
}

/// The template with each `{{name}}` replaced.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |text, (name, value)| text.replace(&format!("{{{{{name}}}}}"), value))
}

// ---- writing -----------------------------------------------------------------------------

/// Writes the crate, then the workspace's `members`, then the config, each file
/// atomically; if a step fails, what the earlier steps wrote is removed or restored.
fn execute(plan: &NewPlan) -> anyhow::Result<()> {
    if let Some(parent) = plan.crate_dir.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    // `create_dir`, not `create_dir_all`: a folder that appeared since the check is not ours.
    std::fs::create_dir(&plan.crate_dir).with_context(|| format!("cannot create {}", plan.crate_dir.display()))?;
    let remove_crate = || {
        let _ = std::fs::remove_dir_all(&plan.crate_dir);
    };
    let written = (|| -> anyhow::Result<()> {
        for file in &plan.files {
            if let Some(folder) = file.path.parent() {
                std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
            }
            output::write_atomically(&file.path, file.contents.as_bytes())?;
        }
        Ok(())
    })();
    if let Err(error) = written {
        remove_crate();
        return Err(error);
    }
    format_like_the_project(plan);
    let workspace_edit = plan
        .workspace
        .as_ref()
        .and_then(|workspace| workspace.new_text.as_ref().map(|new_text| (workspace.manifest.as_path(), new_text)));
    let mut old_manifest = None;
    if let Some((manifest, new_text)) = workspace_edit {
        let result = (|| -> anyhow::Result<()> {
            old_manifest =
                Some(std::fs::read(manifest).with_context(|| format!("cannot read {}", manifest.display()))?);
            output::write_atomically(manifest, new_text.as_bytes())?;
            check_workspace_with_cargo(manifest, &plan.function)
        })();
        if let Err(error) = result {
            if let Some(old) = &old_manifest {
                let _ = output::write_atomically(manifest, old);
            }
            remove_crate();
            return Err(error.context(format!(
                "{} restored; add \"{}\" to its members by hand, then run `cutover new` again",
                manifest.display(),
                plan.workspace.as_ref().and_then(|workspace| workspace.member_added.as_deref()).unwrap_or_default()
            )));
        }
    }
    if let Some(folder) = plan.config.path.parent() {
        std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    }
    if let Err(error) = output::write_atomically(&plan.config.path, plan.config.new_text.as_bytes()) {
        if let (Some((manifest, _)), Some(old)) = (workspace_edit, &old_manifest) {
            let _ = output::write_atomically(manifest, old);
        }
        remove_crate();
        return Err(error);
    }
    Ok(())
}

/// The templates follow rustfmt's defaults; a project with its own `rustfmt.toml` (as
/// this one) gets the crate in its own style, so its format check passes from the start.
/// Best effort: without rustfmt the crate is as the templates wrote it.
fn format_like_the_project(plan: &NewPlan) {
    let sources: Vec<&Path> = plan
        .files
        .iter()
        .map(|file| file.path.as_path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    let _ = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .args(sources)
        .current_dir(&plan.crate_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Cargo reads the edited workspace and finds the new package in it.
fn check_workspace_with_cargo(manifest: &Path, function: &str) -> anyhow::Result<()> {
    let output = Command::new(super::package::cargo())
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline", "--manifest-path"])
        .arg(manifest)
        .stdin(Stdio::null())
        .output()
        .context("could not run `cargo metadata` (is cargo on PATH?)")?;
    if !output.status.success() {
        bail!(
            "cargo cannot read the workspace with the new member: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let metadata: Value = serde_json::from_slice(&output.stdout).context("`cargo metadata` printed no JSON")?;
    let found = metadata["packages"]
        .as_array()
        .is_some_and(|packages| packages.iter().any(|package| package["name"] == function));
    if !found {
        bail!("cargo does not list {function} among the workspace's packages");
    }
    Ok(())
}

// ---- rendering ---------------------------------------------------------------------------

fn render_plan(plan: &NewPlan) -> String {
    let mut text = format!("new function {} (dry run: nothing written)\n", plan.function);
    for file in &plan.files {
        text.push_str(&format!("\n===== {} =====\n{}", file.path.display(), file.contents));
    }
    let action = if plan.config.created { "created" } else { "appended" };
    text.push_str(&format!("\n===== {} ({action}) =====\n{}", plan.config.path.display(), plan.config.appended));
    if let Some(workspace) = &plan.workspace {
        match &workspace.member_added {
            Some(member) => {
                text.push_str(&format!("\n===== {} (members) =====\n+ \"{member}\",\n", workspace.manifest.display()))
            }
            None => text.push_str(&format!("\n===== {} (members cover it) =====\n", workspace.manifest.display())),
        }
    }
    for note in &plan.notes {
        text.push_str(&format!("\nnote: {note}\n"));
    }
    text
}

fn render_summary(plan: &NewPlan) -> String {
    let mut text = format!("created {} ({} files)\n", plan.crate_dir.display(), plan.files.len());
    text.push_str(&format!(
        "added function {} to {}: version 1 Python, 2 Rust, alias live -> 1\n",
        plan.function,
        plan.config.path.display()
    ));
    if let Some(workspace) = &plan.workspace
        && let Some(member) = &workspace.member_added
    {
        text.push_str(&format!("added \"{member}\" to the members of {}\n", workspace.manifest.display()));
    }
    for note in &plan.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text.push_str(&format!(
        "next: port the handler in src/lib.rs, then `cutover package {}` and `cutover parity run`\n",
        plan.function
    ));
    text
}

fn to_json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|error| Failure::Unexpected(anyhow!(error)))
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_bootstrap_is_named_relative_to_the_config_with_steps_up_when_outside_it() {
        let root = tempfile::tempdir().expect("tempdir");
        let config_dir = root.path().join("examples/orders");
        std::fs::create_dir_all(&config_dir).expect("mkdir");
        let bootstrap = root.path().join("target/lambda/orders/bootstrap");
        assert_eq!(relative_to(&bootstrap, &config_dir), "../../target/lambda/orders/bootstrap");
        assert_eq!(relative_to(&bootstrap, root.path()), "target/lambda/orders/bootstrap");
    }
    use super::*;

    #[test]
    fn a_member_joins_a_multi_line_array_at_its_indent_and_nothing_else_moves() {
        let text = "[workspace]\nresolver = \"3\"\nmembers = [\n    \"cli\",\n    \"functions/a\"\n]\n\n[workspace.dependencies]\nx = \"1\"\n";
        assert_eq!(
            add_member(text, "functions/b"),
            "[workspace]\nresolver = \"3\"\nmembers = [\n    \"cli\",\n    \"functions/a\",\n    \"functions/b\",\n]\n\n[workspace.dependencies]\nx = \"1\"\n"
        );
        assert_eq!(add_member("[workspace]\nmembers = [\"a\"]\n", "b"), "[workspace]\nmembers = [\"a\", \"b\"]\n");
        assert_eq!(add_member("[workspace]\nmembers = []\n", "b"), "[workspace]\nmembers = [\"b\"]\n");
        assert_eq!(
            add_member("[workspace]\nresolver = \"3\"\n", "b"),
            "[workspace]\nmembers = [\"b\"]\nresolver = \"3\"\n"
        );
    }

    #[test]
    fn members_and_their_globs_are_read_from_the_workspace_table_only() {
        let text =
            "[package]\nmembers = [\"no\"]\n[workspace]\nmembers = [\n  \"cli\", # the CLI\n  \"functions/*\",\n]\n";
        assert_eq!(workspace_members(text), ["cli", "functions/*"]);
        assert!(glob_matches("functions/*", "functions/orders"));
        assert!(!glob_matches("functions/*", "functions/orders/inner"));
        assert!(glob_matches("fn-*-x", "fn-a-x") && !glob_matches("fn-*-x", "fn-a-y"));
    }

    #[test]
    fn names_follow_lambda_and_cargo() {
        assert!(check_function_name("orders-api_2").is_ok());
        for bad in ["", "9lives", "a.b", "with space", "test", &"x".repeat(65)] {
            assert!(check_function_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_python_handler("orders.app.handler").expect("valid"), "orders/app");
        for bad in ["handler", "app.", ".handler", "app.handler-1", "1app.handler", "src/app.handler"] {
            assert!(check_python_handler(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_path_becomes_a_toml_string() {
        assert_eq!(toml_string(r#"C:\code "x""#), r#""C:\\code \"x\"""#);
    }
}
