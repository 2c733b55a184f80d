//! The targets of a rewrite, as Rust ÷ Python ratios: defaults, then the `[bench]` table of
//! `cutover.toml`. The table is read strictly (unknown keys are errors) from the same file
//! text the emulator reads, and every error names the key and its line.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// What the rewrite should reach, each as the largest acceptable Rust ÷ Python ratio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchTargets {
    /// The Rust zip against the Python one.
    pub package_ratio: f64,
    /// Cold start (Init Duration + the first Duration), median against median.
    pub cold_start_ratio: f64,
    /// Peak Max Memory Used against peak.
    pub peak_rss_ratio: f64,
    /// Warm duration p50 against p50.
    pub warm_p50_ratio: f64,
    /// The functions the warm-p50 target applies to; `None`: every measured function.
    pub warm_p50_functions: Option<Vec<String>>,
}

impl Default for BenchTargets {
    /// Ten times smaller packages and cold starts, four times less memory, five times
    /// faster warm invocations, for every function.
    fn default() -> Self {
        BenchTargets {
            package_ratio: 0.1,
            cold_start_ratio: 0.1,
            peak_rss_ratio: 0.25,
            warm_p50_ratio: 0.2,
            warm_p50_functions: None,
        }
    }
}

impl BenchTargets {
    /// Whether the warm-p50 target applies to `function`.
    pub fn warm_p50_applies_to(&self, function: &str) -> bool {
        self.warm_p50_functions.as_ref().is_none_or(|functions| functions.iter().any(|name| name == function))
    }

    /// Reads the `[bench]` table of the config file at `path`; `functions` are the
    /// functions the config declares (a target for another one is a typo).
    pub fn load(path: &Path, functions: &[&str]) -> Result<BenchTargets, TargetsError> {
        let text = std::fs::read_to_string(path).map_err(|error| TargetsError {
            path: path.to_path_buf(),
            line: None,
            key: None,
            message: format!("cannot read the file: {error}"),
        })?;
        Self::from_toml(&text, path, functions)
    }

    /// Defaults overlaid with the `[bench]` table of `text` (the file at `path`).
    pub fn from_toml(text: &str, path: &Path, functions: &[&str]) -> Result<BenchTargets, TargetsError> {
        let error = |offset: Option<usize>, key: Option<String>, message: String| TargetsError {
            path: path.to_path_buf(),
            line: offset.map(|offset| line_of(text, offset)),
            key,
            message,
        };
        let file: ConfigFile = toml::from_str(text)
            .map_err(|toml_error| error(toml_error.span().map(|span| span.start), None, toml_error.message().into()))?;
        let mut targets = BenchTargets::default();
        let Some(table) = file.bench else { return Ok(targets) };
        for (value, key, slot) in [
            (&table.package_ratio, "package_ratio", &mut targets.package_ratio),
            (&table.cold_start_ratio, "cold_start_ratio", &mut targets.cold_start_ratio),
            (&table.peak_rss_ratio, "peak_rss_ratio", &mut targets.peak_rss_ratio),
            (&table.warm_p50_ratio, "warm_p50_ratio", &mut targets.warm_p50_ratio),
        ] {
            if let Some(value) = value {
                let ratio = *value.get_ref();
                if !(ratio.is_finite() && ratio > 0.0) {
                    return Err(error(
                        Some(value.span().start),
                        Some(format!("bench.{key}")),
                        format!("{ratio} is not a ratio above 0 (Rust ÷ Python)"),
                    ));
                }
                *slot = ratio;
            }
        }
        if let Some(names) = &table.warm_p50_functions {
            let mut listed = Vec::new();
            for name in names.get_ref() {
                if !functions.contains(&name.get_ref().as_str()) {
                    return Err(error(
                        Some(name.span().start),
                        Some("bench.warm_p50_functions".into()),
                        format!("{:?} is not a function of this file", name.get_ref()),
                    ));
                }
                listed.push(name.get_ref().clone());
            }
            targets.warm_p50_functions = Some(listed);
        }
        Ok(targets)
    }
}

/// A bad `[bench]` setting: the file, the line, the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {}{}", .path.display(), .line.map(|line| format!(":{line}")).unwrap_or_default(), .key.as_ref().map(|key| format!("`{key}`: ")).unwrap_or_default(), .message)]
pub struct TargetsError {
    /// The config file.
    pub path: PathBuf,
    /// The line of the bad value, when known.
    pub line: Option<usize>,
    /// The key, e.g. `bench.warm_p50_ratio`, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    bench: Option<RawBench>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBench {
    package_ratio: Option<Spanned<f64>>,
    cold_start_ratio: Option<Spanned<f64>>,
    peak_rss_ratio: Option<Spanned<f64>>,
    warm_p50_ratio: Option<Spanned<f64>>,
    warm_p50_functions: Option<Spanned<Vec<Spanned<String>>>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTIONS: &[&str] = &["create-cluster", "get-cluster"];

    fn parse(text: &str) -> Result<BenchTargets, TargetsError> {
        BenchTargets::from_toml(text, Path::new("cutover.toml"), FUNCTIONS)
    }

    #[test]
    fn without_a_table_the_defaults_apply_to_every_function() {
        let targets = parse("[local]\nregion = \"eu-west-1\"\n").expect("defaults");
        assert_eq!(targets, BenchTargets::default());
        assert!(targets.warm_p50_applies_to("get-cluster"));
    }

    #[test]
    fn the_table_overrides_the_defaults_and_names_the_warm_functions() {
        let text = "[bench]\npackage_ratio = 0.05\nwarm_p50_ratio = 1\nwarm_p50_functions = [\"create-cluster\"]\n";
        let targets = parse(text).expect("targets");
        assert_eq!(targets.package_ratio, 0.05);
        assert_eq!(targets.warm_p50_ratio, 1.0, "an integer is a ratio too");
        assert_eq!(targets.cold_start_ratio, 0.1);
        assert!(targets.warm_p50_applies_to("create-cluster"));
        assert!(!targets.warm_p50_applies_to("get-cluster"));
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_key() {
        let unknown = parse("[local]\n\n[bench]\nwarm_p50_function = \"create-cluster\"\n").expect_err("unknown key");
        assert_eq!(unknown.line, Some(4));
        assert!(unknown.to_string().starts_with("cutover.toml:4: unknown field `warm_p50_function`"), "{unknown}");

        let negative = parse("[bench]\ncold_start_ratio = -0.1\n").expect_err("negative");
        assert_eq!(
            negative.to_string(),
            "cutover.toml:2: `bench.cold_start_ratio`: -0.1 is not a ratio above 0 (Rust ÷ Python)"
        );

        let typo = parse("[bench]\nwarm_p50_functions = [\n  \"create-cluster\",\n  \"create-clusters\",\n]\n")
            .expect_err("unknown function");
        assert_eq!(
            typo.to_string(),
            "cutover.toml:4: `bench.warm_p50_functions`: \"create-clusters\" is not a function of this file"
        );

        let wrong_type = parse("[bench]\npeak_rss_ratio = \"a quarter\"\n").expect_err("a string");
        assert_eq!(wrong_type.line, Some(2));
    }
}
