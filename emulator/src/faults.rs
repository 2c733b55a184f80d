//! Faults a canary rehearsal injects into one function version at run time: a share of
//! invocations failing, added latency, or a crash after some invocations. They let a
//! rehearsal prove that its gates trip and its rollback runs, with the real functions and
//! the real CloudWatch adapter in the loop.
//!
//! An injected failure never reaches the sandbox: the invocation holds a concurrency slot,
//! waits out the added latency and answers the failure, as a function that failed that
//! fast would. Added latency on a successful invocation is waited after the runtime
//! answers, while the sandbox stays busy, and it counts in the invocation's duration in
//! the clock's time (so 30 s on a 60× clock is a real half second and a 30 s Duration).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::clock::Clock;

/// Decorrelates the fault draws from the alias draws when both come from one seed.
const SEED_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// The faults of one function version; the default injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// The share (0 to 1) of invocations that fail as an unhandled function error of type
    /// `InjectedFault`.
    pub error_share: f64,
    /// Added to every invocation's duration, in the emulator clock's time.
    pub added_latency: Duration,
    /// After this many invocations (counted from when the faults were set), every
    /// invocation fails as `Runtime.ExitError`.
    pub crash_after: Option<u64>,
}

/// Why [`Emulator::set_faults`](crate::Emulator::set_faults) refused; the faults in place
/// are unchanged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// The config declares no such function.
    #[error("function {function} is not configured")]
    UnknownFunction {
        /// The function asked for.
        function: String,
    },
    /// The function has no such version, or it was deleted.
    #[error("function {function} has no version {version}")]
    UnknownVersion {
        /// The function asked for.
        function: String,
        /// The version asked for.
        version: String,
    },
    /// [`Faults::error_share`] is not a share (NaN, below 0 or above 1).
    #[error("error_share must be between 0 and 1, got {share}")]
    InvalidErrorShare {
        /// The share given.
        share: f64,
    },
}

/// How a fault makes an invocation fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InjectedFailure {
    /// An unhandled function error, `InjectedFault`.
    Error,
    /// The runtime crashed: `Runtime.ExitError`.
    Crash,
}

/// What the faults decide for one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FaultPlan {
    /// Added to the duration, in the clock's time.
    pub added_latency: Duration,
    /// The real wait for `added_latency`.
    pub real_delay: Duration,
    pub failure: Option<InjectedFailure>,
    /// For the failure's message.
    pub error_share: f64,
}

#[derive(Debug)]
struct ActiveFaults {
    faults: Faults,
    invocations: u64,
}

/// The faults of every version, and the draws that decide them.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    active: Mutex<HashMap<(String, String), ActiveFaults>>,
    rng: Mutex<StdRng>,
}

impl FaultInjector {
    /// `seed` fixes the draws (the emulator passes its routing seed); `None` seeds from the OS.
    pub(crate) fn new(seed: Option<u64>) -> FaultInjector {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ SEED_SALT),
            None => StdRng::from_os_rng(),
        };
        FaultInjector { active: Mutex::new(HashMap::new()), rng: Mutex::new(rng) }
    }

    /// Replaces the faults of `function` `version` and restarts its invocation count.
    /// Checking that the version exists is the caller's job.
    pub(crate) fn set(&self, function: &str, version: &str, faults: Faults) -> Result<(), FaultError> {
        if !(0.0..=1.0).contains(&faults.error_share) {
            return Err(FaultError::InvalidErrorShare { share: faults.error_share });
        }
        let key = (function.to_string(), version.to_string());
        lock(&self.active).insert(key, ActiveFaults { faults, invocations: 0 });
        Ok(())
    }

    pub(crate) fn clear(&self, function: &str, version: &str) {
        lock(&self.active).remove(&(function.to_string(), version.to_string()));
    }

    pub(crate) fn get(&self, function: &str, version: &str) -> Option<Faults> {
        lock(&self.active).get(&(function.to_string(), version.to_string())).map(|active| active.faults.clone())
    }

    /// Counts one invocation of `version` and decides its faults.
    pub(crate) fn plan(&self, function: &str, version: &str, clock: &dyn Clock) -> FaultPlan {
        let mut active = lock(&self.active);
        let Some(active) = active.get_mut(&(function.to_string(), version.to_string())) else {
            return FaultPlan::default();
        };
        active.invocations += 1;
        let faults = &active.faults;
        let crashed = faults.crash_after.is_some_and(|after| active.invocations > after);
        // Draw only when a share is set, so a crash or latency fault leaves the sequence alone.
        let failed = faults.error_share > 0.0 && lock(&self.rng).random::<f64>() < faults.error_share;
        let failure = if crashed {
            Some(InjectedFailure::Crash)
        } else if failed {
            Some(InjectedFailure::Error)
        } else {
            None
        };
        FaultPlan {
            added_latency: faults.added_latency,
            real_delay: clock.real_duration(faults.added_latency),
            failure,
            error_share: faults.error_share,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::clock::{ScaledClock, SystemClock};

    #[test]
    fn a_crash_comes_after_the_counted_invocations_and_a_new_setting_restarts_the_count() {
        let injector = FaultInjector::new(Some(1));
        injector.set("f", "2", Faults { crash_after: Some(2), ..Faults::default() }).expect("valid");
        let failures: Vec<Option<InjectedFailure>> =
            (0..4).map(|_| injector.plan("f", "2", &SystemClock).failure).collect();
        assert_eq!(failures, [None, None, Some(InjectedFailure::Crash), Some(InjectedFailure::Crash)]);
        assert_eq!(injector.plan("f", "1", &SystemClock), FaultPlan::default(), "other versions are untouched");
        injector.set("f", "2", Faults { crash_after: Some(1), ..Faults::default() }).expect("valid");
        assert_eq!(injector.plan("f", "2", &SystemClock).failure, None);
        injector.clear("f", "2");
        assert_eq!(injector.get("f", "2"), None);
    }

    #[test]
    fn a_seeded_error_share_fails_about_that_share_and_repeats() {
        let draws = |seed| {
            let injector = FaultInjector::new(Some(seed));
            injector.set("f", "1", Faults { error_share: 0.2, ..Faults::default() }).expect("valid");
            (0..5000).map(|_| injector.plan("f", "1", &SystemClock).failure.is_some()).collect::<Vec<bool>>()
        };
        let first = draws(9);
        let share = first.iter().filter(|failed| **failed).count() as f64 / first.len() as f64;
        assert!((0.18..0.22).contains(&share), "share {share}");
        assert_eq!(first, draws(9), "one seed, one sequence");
    }

    #[test]
    fn added_latency_is_waited_in_real_time_on_a_scaled_clock() {
        let injector = FaultInjector::new(Some(1));
        injector.set("f", "1", Faults { added_latency: Duration::from_secs(30), ..Faults::default() }).expect("valid");
        let plan = injector.plan("f", "1", &ScaledClock::new(UNIX_EPOCH, 60.0));
        assert_eq!(plan.added_latency, Duration::from_secs(30));
        assert_eq!(plan.real_delay, Duration::from_millis(500));
        assert_eq!(plan.failure, None);
    }

    #[test]
    fn a_share_outside_zero_to_one_is_refused() {
        let injector = FaultInjector::new(None);
        for share in [-0.1, 1.5, f64::NAN] {
            let refused = injector.set("f", "1", Faults { error_share: share, ..Faults::default() });
            assert!(matches!(refused, Err(FaultError::InvalidErrorShare { .. })), "{share}: {refused:?}");
        }
    }
}
