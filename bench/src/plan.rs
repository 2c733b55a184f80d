//! What a run replays and measures, resolved and checked before anything starts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use emulator::{Config, LatencyProfile, LatencyProfileError, RuntimeConfig};
use parity::{Corpus, CorpusError, CorpusFilter, ParityRules};

use crate::targets::BenchTargets;

/// The choices of one `bench rewrite` run.
#[derive(Debug, Clone)]
pub struct RewriteOptions {
    /// The recorded events: files or folders of `cutover.record/v1` records.
    pub events: PathBuf,
    /// How many times each side replays the events, each time on a fresh local stack.
    pub iterations: u32,
    /// The config's version that runs the Python original.
    pub python_version: String,
    /// The config's version that runs the Rust rewrite.
    pub rust_version: String,
    /// The functions to measure; empty: every function of the config with records.
    pub functions: Vec<String>,
    /// Where the Rust zips of `cutover package` are (`<function>.zip`).
    pub zip_dir: PathBuf,
    /// Lambda's physics for every replayed function, over what the config sets; `None`
    /// keeps the config's.
    pub physics: Option<emulator::Physics>,
}

/// A run, resolved: the config cut down to the replayed functions, the corpus checked.
#[derive(Debug, Clone)]
pub struct RewritePlan {
    pub(crate) config: Config,
    pub(crate) corpus: Corpus,
    pub(crate) events: PathBuf,
    pub(crate) iterations: u32,
    pub(crate) python_version: String,
    pub(crate) rust_version: String,
    /// The measured functions, in the config's order (or the order asked for).
    pub(crate) measured: Vec<String>,
    /// Every configured function with records: all their records are replayed, in
    /// recorded order, so the state the measured functions read exists.
    pub(crate) replayed: BTreeSet<String>,
    pub(crate) events_per_iteration: usize,
    /// Records of functions the config does not declare.
    pub(crate) events_skipped: usize,
    pub(crate) zip_dir: PathBuf,
    pub(crate) targets: BenchTargets,
    pub(crate) rules: ParityRules,
    /// The name of each latency profile a replayed function runs under, by its file.
    pub(crate) latency_profiles: BTreeMap<PathBuf, String>,
}

/// The names of the flags a plan's errors point at: `bench rewrite`'s or `bench sweep`'s.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flags {
    /// What names the measured functions.
    pub(crate) function: &'static str,
    /// What names the version measured (the Rust one of a rewrite).
    pub(crate) version: &'static str,
    /// Whether the Python side must be a Python handler (a rewrite compares the two).
    pub(crate) python_side: bool,
}

impl Flags {
    const REWRITE: Flags = Flags { function: "--function", version: "--rust-version", python_side: true };
}

/// Why a run cannot start. Each names the flag, file or function at fault.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `--iterations 0`.
    #[error("--iterations must be at least 1")]
    NoIterations,
    /// A sweep with no memory size.
    #[error("--memory: give at least one memory size, e.g. --memory 128,256,512,1024,1769")]
    NoMemorySizes,
    /// A memory size Lambda does not offer.
    #[error("--memory {memory_mb}: outside Lambda's 128..=10240 MB")]
    MemorySize {
        /// The size given.
        memory_mb: u32,
    },
    /// The config's region has no price a sweep needs.
    #[error("pricing the sweep")]
    Price(#[source] reports::PriceError),
    /// A corpus file is missing or holds a bad record (named with its file and line).
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// A function to measure that the config does not declare.
    #[error("{flag} {function}: not a function of the config")]
    UnknownFunction {
        /// The flag or argument that named it.
        flag: &'static str,
        /// The name given.
        function: String,
    },
    /// A function to measure that the corpus has no records of.
    #[error("{flag} {function}: {} has no records of it", events.display())]
    NoRecordsOf {
        /// The flag or argument that named it.
        flag: &'static str,
        /// The name given.
        function: String,
        /// The corpus.
        events: PathBuf,
    },
    /// The corpus has no records of any configured function.
    #[error("{}: no records of any function of the config", events.display())]
    NothingToReplay {
        /// The corpus.
        events: PathBuf,
    },
    /// The Python side of a replayed function is not a Python handler.
    #[error("{function}: version {version} of the config is not a Python handler (--python-version)")]
    NotPython {
        /// The function.
        function: String,
        /// The version asked for.
        version: String,
    },
    /// A replayed function lacks the version measured.
    #[error("{function}: the config has no version {version} ({flag})")]
    NoVersion {
        /// The function.
        function: String,
        /// The version asked for.
        version: String,
        /// The flag that named it.
        flag: &'static str,
    },
    /// A latency profile (`--latency-profile`, or a function's in the config) is unreadable
    /// or invalid.
    #[error("the latency profile of {function} ({})", path.display())]
    LatencyProfile {
        /// The function it applies to.
        function: String,
        /// The file.
        path: PathBuf,
        /// What is wrong, with the file and line.
        #[source]
        source: LatencyProfileError,
    },
    /// A replayed function has no binary in the bootstrap folder.
    #[error("{}: no such bootstrap (build it, or point --bootstrap-dir at the binaries)", path.display())]
    MissingBootstrap {
        /// The binary looked for.
        path: PathBuf,
    },
    /// A binary's path could not be made absolute.
    #[error("cannot resolve {}", path.display())]
    Bootstrap {
        /// The binary.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl RewritePlan {
    /// Checks the options against the config and the corpus (read once through, so a bad
    /// record fails here naming its file and line) and cuts the config down to the
    /// replayed functions, served in process only.
    pub fn new(
        config: Config,
        targets: BenchTargets,
        rules: ParityRules,
        options: RewriteOptions,
    ) -> Result<RewritePlan, PlanError> {
        RewritePlan::resolve(config, targets, rules, options, Flags::REWRITE)
    }

    pub(crate) fn resolve(
        mut config: Config,
        targets: BenchTargets,
        rules: ParityRules,
        options: RewriteOptions,
        flags: Flags,
    ) -> Result<RewritePlan, PlanError> {
        if options.iterations == 0 {
            return Err(PlanError::NoIterations);
        }
        let corpus = Corpus::open(std::slice::from_ref(&options.events))?;
        let mut recorded: BTreeMap<String, usize> = BTreeMap::new();
        for record in corpus.records(CorpusFilter::default()) {
            *recorded.entry(record?.function).or_default() += 1;
        }
        let replayed: BTreeSet<String> = config
            .functions
            .iter()
            .map(|function| function.name.clone())
            .filter(|name| recorded.contains_key(name))
            .collect();
        let measured: Vec<String> = if options.functions.is_empty() {
            config
                .functions
                .iter()
                .map(|function| function.name.clone())
                .filter(|name| replayed.contains(name))
                .collect()
        } else {
            let mut measured: Vec<String> = Vec::new();
            for function in &options.functions {
                if config.function(function).is_none() {
                    return Err(PlanError::UnknownFunction { flag: flags.function, function: function.clone() });
                }
                if !recorded.contains_key(function) {
                    return Err(PlanError::NoRecordsOf {
                        flag: flags.function,
                        function: function.clone(),
                        events: options.events.clone(),
                    });
                }
                if !measured.contains(function) {
                    measured.push(function.clone());
                }
            }
            measured
        };
        if measured.is_empty() {
            return Err(PlanError::NothingToReplay { events: options.events.clone() });
        }
        for name in &replayed {
            let Some(function) = config.function(name) else { continue };
            if flags.python_side
                && !matches!(
                    function.version(&options.python_version).map(|version| &version.runtime),
                    Some(RuntimeConfig::Python { .. })
                )
            {
                return Err(PlanError::NotPython { function: name.clone(), version: options.python_version.clone() });
            }
            if function.version(&options.rust_version).is_none() {
                return Err(PlanError::NoVersion {
                    function: name.clone(),
                    version: options.rust_version.clone(),
                    flag: flags.version,
                });
            }
        }
        config.functions.retain(|function| replayed.contains(&function.name));
        if let Some(physics) = &options.physics {
            for function in &mut config.functions {
                function.physics = physics.clone();
            }
        }
        let mut latency_profiles = BTreeMap::new();
        for function in &config.functions {
            let Some(path) = &function.physics.latency_profile else { continue };
            if !latency_profiles.contains_key(path) {
                let profile = LatencyProfile::load(path).map_err(|source| PlanError::LatencyProfile {
                    function: function.name.clone(),
                    path: path.clone(),
                    source,
                })?;
                latency_profiles.insert(path.clone(), profile.name);
            }
        }
        // Nothing is served over HTTP; the emulator is only called in process.
        config.routes.clear();
        config.local.api_gateway = None;
        // Shipping logs to moto's CloudWatch Logs would share the two cores with what is
        // measured; the REPORT figures are read in process.
        if let Some(moto) = config.local.moto.as_mut() {
            moto.ship_logs = false;
        }
        let events_per_iteration = replayed.iter().map(|name| recorded[name]).sum();
        let events_skipped = recorded.values().sum::<usize>() - events_per_iteration;
        Ok(RewritePlan {
            config,
            corpus,
            events: options.events,
            iterations: options.iterations,
            python_version: options.python_version,
            rust_version: options.rust_version,
            measured,
            replayed,
            events_per_iteration,
            events_skipped,
            zip_dir: options.zip_dir,
            targets,
            rules,
            latency_profiles,
        })
    }

    /// The functions whose records are replayed: each needs its Rust side built.
    pub fn replayed_functions(&self) -> impl Iterator<Item = &str> {
        self.replayed.iter().map(String::as_str)
    }

    /// The functions measured, in the order of the result.
    pub fn measured_functions(&self) -> &[String] {
        &self.measured
    }

    /// Records replayed per side and iteration.
    pub fn events_per_iteration(&self) -> usize {
        self.events_per_iteration
    }

    /// Runs the Rust version of every replayed function from `folder/<function>` (native
    /// release binaries, or the deployed musl ones) instead of the config's bootstrap.
    pub fn run_rust_from(&mut self, folder: &Path) -> Result<(), PlanError> {
        self.run_rust_from_where(folder, |_| true)
    }

    /// As [`Self::run_rust_from`], for the functions whose measured version's runtime
    /// passes `replace` only.
    pub(crate) fn run_rust_from_where(
        &mut self,
        folder: &Path,
        replace: impl Fn(&RuntimeConfig) -> bool,
    ) -> Result<(), PlanError> {
        let rust_version = self.rust_version.clone();
        for function in self.config.functions.iter_mut() {
            if !function.version(&rust_version).is_some_and(|version| replace(&version.runtime)) {
                continue;
            }
            let path = folder.join(&function.name);
            if !path.is_file() {
                return Err(PlanError::MissingBootstrap { path });
            }
            // The sandbox runs in the bootstrap's folder, so a relative path would not resolve.
            let path = std::fs::canonicalize(&path).map_err(|source| PlanError::Bootstrap { path, source })?;
            for version in function.versions.iter_mut().filter(|version| version.version == self.rust_version) {
                version.runtime = RuntimeConfig::Bootstrap { path: path.clone() };
            }
        }
        Ok(())
    }
}
