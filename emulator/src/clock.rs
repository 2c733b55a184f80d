//! The emulator's idea of "now". Metrics buckets, log stream dates and API Gateway request
//! times read it, never the wall clock directly, so a canary rehearsal can run the
//! emulator and its controller on one accelerated clock (a metric minute per real second)
//! and tests can step time by hand.
//!
//! What stays on real time: sandbox timeouts and the deadline handed to the runtime (the
//! runtime compares it with its own wall clock), and measured durations (a function runs
//! at the machine's speed whatever the clock says).

use std::fmt::Debug;
use std::time::{Duration, SystemTime};

/// A source of the current time, shared by everything that stamps metrics or logs.
pub trait Clock: Send + Sync + Debug {
    /// The current time on this clock.
    fn now(&self) -> SystemTime;

    /// How long to really wait for `virtual_duration` to pass on this clock.
    fn real_duration(&self, virtual_duration: Duration) -> Duration {
        virtual_duration
    }
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that starts at `origin` and runs `factor` times faster than real time.
///
/// Elapsed time is measured with `tokio::time::Instant`, so under
/// `#[tokio::test(start_paused = true)]` it follows tokio's virtual time and a test that
/// sleeps one second sees `factor` seconds pass without waiting.
#[derive(Debug, Clone)]
pub struct ScaledClock {
    origin: SystemTime,
    factor: f64,
    started: tokio::time::Instant,
}

impl ScaledClock {
    /// # Panics
    ///
    /// When `factor` is not a finite number above zero: such a clock cannot map virtual
    /// waits back to real ones.
    pub fn new(origin: SystemTime, factor: f64) -> ScaledClock {
        assert!(
            factor.is_finite() && factor > 0.0,
            "a clock's speed factor must be finite and above zero, got {factor}"
        );
        ScaledClock { origin, factor, started: tokio::time::Instant::now() }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> SystemTime {
        self.origin + self.started.elapsed().mul_f64(self.factor)
    }

    fn real_duration(&self, virtual_duration: Duration) -> Duration {
        virtual_duration.div_f64(self.factor)
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_scaled_clock_runs_factor_times_faster_in_tokio_time() {
        let origin = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = ScaledClock::new(origin, 60.0);
        assert_eq!(clock.now(), origin);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(clock.now(), origin + Duration::from_secs(120), "two real seconds are two metric minutes");
        assert_eq!(clock.real_duration(Duration::from_secs(60)), Duration::from_secs(1));
    }

    #[test]
    fn the_system_clock_waits_what_it_is_asked() {
        let before = SystemTime::now();
        assert!(SystemClock.now() >= before);
        assert_eq!(SystemClock.real_duration(Duration::from_millis(250)), Duration::from_millis(250));
    }

    #[test]
    #[should_panic(expected = "finite and above zero")]
    fn a_clock_that_stands_still_is_refused() {
        let _ = ScaledClock::new(UNIX_EPOCH, 0.0);
    }
}
