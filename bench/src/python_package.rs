//! The Python functions' deployment zips, built the way a team ships them by
//! `python/package_sizes.py` (embedded, so the binary needs no file beside it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Stdio;

use emulator::RuntimeConfig;
use serde::{Deserialize, Serialize};

use crate::BenchError;
use crate::plan::RewritePlan;

const PACKAGE_SIZES_SCRIPT: &str = include_str!("../python/package_sizes.py");

/// What the sizing script prints.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct PythonSizes {
    pub(crate) distributions: Vec<String>,
    pub(crate) dependencies_zip_bytes: u64,
    pub(crate) dependencies_unzipped_bytes: u64,
    pub(crate) functions: BTreeMap<String, u64>,
}

/// Where the Python code is and what ships with each measured function: its handler's
/// package plus the code folder's shared packages (those that are no function's handler).
pub(crate) struct PythonCode {
    pub(crate) folder: PathBuf,
    pub(crate) requirements: PathBuf,
    functions: BTreeMap<String, Vec<String>>,
}

impl PythonCode {
    pub(crate) fn of(plan: &RewritePlan) -> Result<PythonCode, BenchError> {
        let mut folder: Option<PathBuf> = None;
        let mut handler_packages = BTreeMap::new();
        for function in &plan.config.functions {
            if let Some(RuntimeConfig::Python { handler, code }) =
                function.version(&plan.python_version).map(|version| &version.runtime)
            {
                let package = handler.split('.').next().unwrap_or_default().to_string();
                handler_packages.insert(function.name.clone(), package);
                folder.get_or_insert_with(|| code.clone());
            }
        }
        // The plan checked that every replayed function's Python version is a handler.
        let folder = folder.unwrap_or_default();
        let handlers: BTreeSet<&String> = handler_packages.values().collect();
        let entries = std::fs::read_dir(&folder).map_err(|source| BenchError::Read { path: folder.clone(), source })?;
        let mut shared: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().join("__init__.py").is_file())
            .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
            .filter(|name| !handlers.contains(name) && name != "tests" && name != "tools")
            .collect();
        shared.sort();
        let functions = plan
            .measured
            .iter()
            .filter_map(|function| handler_packages.get(function).map(|package| (function, package)))
            .map(|(function, package)| {
                (function.clone(), std::iter::once(package.clone()).chain(shared.iter().cloned()).collect())
            })
            .collect();
        Ok(PythonCode { requirements: folder.join("requirements.txt"), folder, functions })
    }

    /// Runs the sizing script with the config's interpreter (the venv, whose installed
    /// distributions are the ones a deploy would ship).
    pub(crate) async fn sizes(&self, python: &std::path::Path) -> Result<PythonSizes, BenchError> {
        let out_dir = tempfile::tempdir().map_err(|source| BenchError::Read { path: std::env::temp_dir(), source })?;
        let spec = serde_json::json!({
            "requirements": self.requirements,
            "code": self.folder,
            "out_dir": out_dir.path(),
            "functions": self.functions,
        });
        let output = tokio::process::Command::new(python)
            .arg("-c")
            .arg(PACKAGE_SIZES_SCRIPT)
            .arg(spec.to_string())
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|source| BenchError::Run { program: python.to_path_buf(), source })?;
        if !output.status.success() {
            return Err(BenchError::PythonSizing {
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        serde_json::from_slice(&output.stdout).map_err(|error| BenchError::PythonSizing {
            message: format!("the script printed something unexpected: {error}"),
        })
    }
}
