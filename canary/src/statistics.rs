//! The few statistics the gates need, written out so that each verdict can say what it
//! computed: Wilson score bounds for one proportion, the Agresti–Caffo interval and a
//! one-sided z test for the difference of two proportions, and binomial tails for the
//! sign test over periods.

/// Φ(z), the standard normal CDF, from erf (Abramowitz–Stegun 7.1.26, error < 1.5e-7).
pub(crate) fn normal_cdf(z: f64) -> f64 {
    0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
}

fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let polynomial =
        ((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t + 0.254_829_592;
    sign * (1.0 - polynomial * t * (-x * x).exp())
}

/// The z with Φ(z) = `probability` (Acklam's rational approximation, relative error < 1.2e-9).
pub(crate) fn normal_quantile(probability: f64) -> f64 {
    let p = probability.clamp(1e-12, 1.0 - 1e-12);
    const A: [f64; 6] = [
        -39.696_830_286_653_76,
        220.946_098_424_520_5,
        -275.928_510_446_968_7,
        138.357_751_867_269,
        -30.664_798_066_147_16,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -54.476_098_798_224_06,
        161.585_836_858_040_9,
        -155.698_979_859_886_6,
        66.801_311_887_719_72,
        -13.280_681_552_885_72,
    ];
    const C: [f64; 6] = [
        -0.007_784_894_002_430_293,
        -0.322_396_458_041_136_5,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [0.007_784_695_709_041_462, 0.322_467_129_070_039_8, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let low = 0.024_25;
    if p < low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// The two-sided Wilson score interval of `successes` out of `trials` at `confidence`:
/// unlike the normal approximation it stays inside [0, 1] and is honest at zero
/// successes (≈ the rule of three at 95 %).
pub(crate) fn wilson_interval(successes: u64, trials: u64, confidence: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let n = trials as f64;
    let p = successes as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * ((p * (1.0 - p) / n) + z * z / (4.0 * n * n)).sqrt() / denominator;
    // At 0 (or all) successes the bound is 0 (or 1) exactly: computed, it can come out a
    // rounding error inside, which a ceiling of 0 would read as a breach.
    let low = if successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if successes >= trials { 1.0 } else { (centre + half).min(1.0) };
    (low, high)
}

/// The difference of two proportions, candidate minus baseline, Agresti–Caffo style (one
/// success and one failure added to each side, so zero-error samples have a spread).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ProportionDifference {
    pub estimate: f64,
    pub standard_error: f64,
}

impl ProportionDifference {
    pub(crate) fn new(
        candidate_successes: u64,
        candidate_trials: u64,
        baseline_successes: u64,
        baseline_trials: u64,
    ) -> Self {
        let adjusted = |successes: u64, trials: u64| {
            let p = (successes as f64 + 1.0) / (trials as f64 + 2.0);
            (p, p * (1.0 - p) / (trials as f64 + 2.0))
        };
        let (candidate, candidate_variance) = adjusted(candidate_successes, candidate_trials);
        let (baseline, baseline_variance) = adjusted(baseline_successes, baseline_trials);
        ProportionDifference {
            estimate: candidate - baseline,
            standard_error: (candidate_variance + baseline_variance).sqrt(),
        }
    }

    /// One-sided p-value of H0 "difference ≤ margin" against H1 "difference > margin".
    pub(crate) fn p_value_above(&self, margin: f64) -> f64 {
        1.0 - normal_cdf((self.estimate - margin) / self.standard_error)
    }

    /// The one-sided upper confidence bound of the difference.
    pub(crate) fn upper_bound(&self, confidence: f64) -> f64 {
        self.estimate + normal_quantile(confidence) * self.standard_error
    }
}

/// P(X ≥ k) for X ~ Binomial(n, q): the sign test's p-value.
pub(crate) fn binomial_upper_tail(k: u64, n: u64, q: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    // Sum in log space term by term; n is a count of periods, small.
    let mut total = 0.0;
    for successes in k..=n {
        total += (ln_choose(n, successes) + successes as f64 * q.ln() + (n - successes) as f64 * (1.0 - q).ln()).exp();
    }
    total.min(1.0)
}

fn ln_choose(n: u64, k: u64) -> f64 {
    (1..=k).map(|i| ((n - k + i) as f64).ln() - (i as f64).ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_helpers_agree_with_tables() {
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_quantile(0.95) - 1.644_854).abs() < 1e-5);
        assert!((normal_quantile(0.01) + 2.326_348).abs() < 1e-5);
    }

    #[test]
    fn wilson_at_zero_errors_is_about_the_rule_of_three() {
        // 300 clean invocations bound the rate below 1 % at 95 % (one-sided ≈ two-sided 90 %).
        let (low, high) = wilson_interval(0, 300, 0.90);
        assert_eq!(low, 0.0);
        assert!(high < 0.01 && high > 0.008, "{high}");
        let (low, high) = wilson_interval(20, 100, 0.95);
        assert!(low > 0.13 && high < 0.29, "{low} {high}");
    }

    #[test]
    fn a_clear_increase_is_significant_and_equal_rates_are_not() {
        let worse = ProportionDifference::new(20, 100, 1, 1000);
        assert!(worse.p_value_above(0.01) < 1e-6);
        let same = ProportionDifference::new(1, 100, 10, 1000);
        assert!(same.p_value_above(0.01) > 0.5);
        assert!(same.upper_bound(0.95) > 0.01, "100 candidate invocations cannot prove a 1 pp margin");
        let many = ProportionDifference::new(10, 5000, 20, 10_000);
        assert!(many.upper_bound(0.95) < 0.01);
    }

    #[test]
    fn binomial_tails() {
        assert!((binomial_upper_tail(5, 5, 0.5) - 1.0 / 32.0).abs() < 1e-12);
        assert!((binomial_upper_tail(9, 10, 0.5) - 11.0 / 1024.0).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(0, 4, 0.5), 1.0);
    }

    fn assert_close(actual: f64, expected: f64, tolerance: f64) {
        assert!((actual - expected).abs() <= tolerance, "{actual} against {expected}");
    }

    #[test]
    fn the_normal_cdf_is_within_its_approximation_error_everywhere() {
        // Reference values of Φ to 16 digits; Abramowitz–Stegun 7.1.26 is good to 1.5e-7
        // in erf, so 7.5e-8 in Φ.
        for (z, expected) in [
            (-2.5, 0.006_209_665_325_776_159),
            (-1.0, 0.158_655_253_931_457_07),
            (-0.3, 0.382_088_577_811_047_4),
            (0.5, 0.691_462_461_274_013_1),
            (1.0, 0.841_344_746_068_542_9),
            (2.0, 0.977_249_868_051_820_8),
            (3.0, 0.998_650_101_968_369_9),
        ] {
            assert_close(normal_cdf(z), expected, 1e-7);
        }
    }

    #[test]
    fn the_normal_quantile_is_within_its_approximation_error_in_each_region() {
        // Acklam's tails below 0.02425 and above 0.97575, its central region between.
        for (probability, expected) in [
            (0.001, -3.090_232_306_167_813),
            (0.01, -2.326_347_874_040_840_8),
            (0.02, -2.053_748_910_631_822_5),
            (0.1, -1.281_551_565_544_600_8),
            (0.3, -0.524_400_512_708_040_7),
            (0.75, 0.674_489_750_196_081_7),
            (0.95, 1.644_853_626_951_471_5),
            (0.98, 2.053_748_910_631_822),
            (0.999, 3.090_232_306_167_813),
        ] {
            assert_close(normal_quantile(probability), expected, 1e-8 * expected.abs());
        }
        // Certainty is clamped to a finite z on either side.
        assert_close(normal_quantile(0.0), -7.034_483_825_301_132, 1e-7);
        assert_close(normal_quantile(1.0), 7.034_486_910_047_836, 1e-4);
    }

    #[test]
    fn wilson_bounds_match_the_formula_and_stay_in_the_unit_interval() {
        for ((successes, trials, confidence), (low, high)) in [
            ((20, 100, 0.95), (0.133_366_933_331_032_5, 0.288_829_165_593_158_85)),
            ((3, 40, 0.9), (0.030_370_252_611_739_007, 0.173_480_178_736_900_33)),
            ((0, 300, 0.9), (0.0, 0.008_937_872_175_128_17)),
            ((50, 50, 0.95), (0.928_652_400_866_641_4, 1.0)),
        ] {
            let (actual_low, actual_high) = wilson_interval(successes, trials, confidence);
            assert_close(actual_low, low, 1e-9);
            assert_close(actual_high, high, 1e-9);
        }
        assert_eq!(wilson_interval(0, 0, 0.95), (0.0, 1.0));
        // Computed, these bounds came out 5e-20 above 0 and 2e-16 under 1.
        assert_eq!(wilson_interval(0, 9000, 0.98).0, 0.0);
        assert_eq!(wilson_interval(50_000, 50_000, 0.98).1, 1.0);
    }

    #[test]
    fn the_difference_of_proportions_adds_one_success_and_one_failure_to_each_side() {
        let worse = ProportionDifference::new(20, 100, 1, 1000);
        assert_close(worse.estimate, 21.0 / 102.0 - 2.0 / 1002.0, 1e-15);
        assert_close(worse.standard_error, 0.040_060_932_826_196_17, 1e-15);
        assert_close(worse.p_value_above(0.01), 6.498_948_185_162_945e-7, 1e-8);
        assert_close(worse.upper_bound(0.95), 0.269_780_715_615_372_53, 1e-9);
        let close = ProportionDifference::new(3, 200, 2, 400);
        assert_close(close.estimate, 0.012_339_293_630_855_622, 1e-15);
        assert_close(close.standard_error, 0.010_701_111_392_458_405, 1e-15);
        assert_close(close.p_value_above(0.01), 0.413_479_709_623_298_16, 1e-7);
        assert_close(close.upper_bound(0.9), 0.026_053_319_688_927_854, 1e-9);
    }

    #[test]
    fn binomial_tails_match_the_sums_of_their_terms() {
        for ((k, n, q), expected) in [
            ((3, 10, 0.2), 0.322_200_473_600_000_15),
            ((1, 4, 0.3), 0.759_9),
            ((7, 12, 0.5), 0.387_207_031_25),
            ((2, 2, 0.25), 0.0625),
        ] {
            assert_close(binomial_upper_tail(k, n, q), expected, 1e-12);
        }
        assert_eq!(binomial_upper_tail(5, 4, 0.5), 0.0);
    }
}
