//! What Lambda's physics a run applied to the functions it measured, and whether the
//! emulator could enforce them: every figure is read in that light, so every rendering
//! states it.

use std::path::PathBuf;

use emulator::Config;
use serde::Serialize;

use crate::plan::RewritePlan;

/// The physics of the measured functions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhysicsApplied {
    /// Each sandbox got `memory_mb / 1769` of a vCPU (from its first invocation).
    pub cpu_share: bool,
    /// Each sandbox was limited to its `memory_mb`.
    pub memory_limit: bool,
    /// The AWS latency profile the calls waited on, if any.
    pub latency_profile: Option<AppliedProfile>,
    /// True under a latency profile: every duration includes simulated AWS latency, so
    /// each is a simulation, not a measurement of AWS.
    pub simulation: bool,
    /// False when the measured functions run under different physics (the config's own
    /// per-function tables); the flags above then say what any of them had.
    pub uniform: bool,
    /// Why the CPU share or memory limit asked for was not enforced (no writable cgroup),
    /// when an invocation said so: the figures then model neither.
    pub unthrottled: Option<String>,
}

/// A latency profile, by name and file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedProfile {
    /// The profile's `name`.
    pub name: String,
    /// Its file, or `default` for the shipped one.
    pub file: PathBuf,
}

impl PhysicsApplied {
    /// One line for a table's header.
    pub fn describe(&self) -> String {
        let on = |on: bool| if on { "on" } else { "off" };
        let mut text = format!(
            "physics{}: CPU share (memory ÷ 1769 vCPU) {}, memory limit {}, ",
            if self.uniform { "" } else { " (differs per function; any of them)" },
            on(self.cpu_share),
            on(self.memory_limit)
        );
        match &self.latency_profile {
            Some(profile) => text.push_str(&format!(
                "AWS latency profile \"{}\" ({}): a SIMULATION, every duration includes simulated AWS latency",
                profile.name,
                profile.file.display()
            )),
            None => text.push_str("no AWS latency profile (moto answers locally, in well under a millisecond)"),
        }
        if let Some(reason) = &self.unthrottled {
            text.push_str(&format!(
                "\nUNTHROTTLED: the CPU share and memory limit asked for were not enforced ({reason}); \
                 no figure here models Lambda's CPU or memory"
            ));
        }
        text
    }

    /// The marker every row of a rendering carries: `UNTHROTTLED`, `sim` or nothing.
    pub fn marker(&self) -> &'static str {
        if self.unthrottled.is_some() {
            "UNTHROTTLED"
        } else if self.simulation {
            "sim"
        } else {
            ""
        }
    }
}

impl RewritePlan {
    /// The physics `config` gives `functions` (the measured ones), with the first reason
    /// an invocation gave for running unthrottled.
    pub(crate) fn physics_applied(
        &self,
        config: &Config,
        functions: &[String],
        unthrottled: Option<String>,
    ) -> PhysicsApplied {
        let physics: Vec<&emulator::Physics> = config
            .functions
            .iter()
            .filter(|function| functions.contains(&function.name))
            .map(|function| &function.physics)
            .collect();
        let latency_profile =
            physics.iter().find_map(|physics| physics.latency_profile.as_ref()).map(|file| AppliedProfile {
                name: self.latency_profiles.get(file).cloned().unwrap_or_else(|| file.display().to_string()),
                file: file.clone(),
            });
        PhysicsApplied {
            cpu_share: physics.iter().any(|physics| physics.cpu_share),
            memory_limit: physics.iter().any(|physics| physics.memory_limit),
            simulation: latency_profile.is_some(),
            latency_profile,
            uniform: physics.windows(2).all(|pair| pair[0] == pair[1]),
            // Only a CPU share or memory limit can be unthrottled.
            unthrottled: unthrottled
                .filter(|_| physics.iter().any(|physics| physics.cpu_share || physics.memory_limit)),
        }
    }
}
