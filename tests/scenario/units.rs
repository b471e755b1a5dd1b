//! Strict unit strings: examples from the schema, rejections, and property tests.

use flsnn::scenario::units::*;
use proptest::prelude::*;

#[test]
fn durations() {
    assert_eq!(parse_duration_ns("25ms"), Ok(25_000_000));
    assert_eq!(parse_duration_ns("10us"), Ok(10_000));
    assert_eq!(parse_duration_ns("2s"), Ok(2_000_000_000));
    assert_eq!(parse_duration_ns("1.5s"), Ok(1_500_000_000));
    assert_eq!(parse_duration_ns("100ns"), Ok(100));
    assert_eq!(parse_duration_ns("2min"), Ok(120_000_000_000));
}

#[test]
fn rates_sizes_power_energy() {
    assert_eq!(parse_rate_bps("10Mbps"), Ok(10_000_000));
    assert_eq!(parse_rate_bps("2.5kbps"), Ok(2_500));
    assert_eq!(parse_rate_bps("1Gbps"), Ok(1_000_000_000));
    assert_eq!(parse_rate_bps("500bps"), Ok(500));
    assert_eq!(parse_size_bytes("2.5kB"), Ok(2_500));
    assert_eq!(parse_size_bytes("1500B"), Ok(1_500));
    assert_eq!(parse_size_bytes("1MB"), Ok(1_000_000));
    assert_eq!(parse_size_bytes("1KiB"), Ok(1_024));
    assert_eq!(parse_size_bytes("1MiB"), Ok(1_048_576));
    assert_eq!(parse_power_w("200mW"), Ok(0.2));
    assert_eq!(parse_power_w("1.2W"), Ok(1.2));
    assert_eq!(parse_energy_j("5pJ"), Ok(5e-12));
    assert_eq!(parse_energy_j("1nJ"), Ok(1e-9));
    assert_eq!(parse_energy_j("2uJ"), Ok(2e-6));
    assert_eq!(parse_energy_j("1mJ"), Ok(1e-3));
    assert_eq!(parse_energy_j("1J"), Ok(1.0));
}

#[test]
fn rejections_say_why() {
    let cases: [(&str, Result<u64, UnitError>, &str); 10] = [
        ("bare number", parse_duration_ns("25"), "suffix is required"),
        ("negative", parse_duration_ns("-5ms"), "negative"),
        (
            "unknown suffix",
            parse_duration_ns("5days"),
            "unknown unit suffix",
        ),
        ("NaN", parse_duration_ns("NaNms"), "no number"),
        ("inf", parse_rate_bps("infbps"), "no number"),
        (
            "overflow",
            parse_duration_ns("99999999999999min"),
            "too large",
        ),
        (
            "too many digits",
            parse_size_bytes("1000000000000000000000000000000000B"),
            "too many digits",
        ),
        ("two dots", parse_size_bytes("1.2.3kB"), "malformed"),
        ("exponent", parse_rate_bps("1e6bps"), "unknown unit suffix"),
        (
            "wrong case",
            parse_rate_bps("10mbps"),
            "unknown unit suffix",
        ),
    ];
    for (what, result, reason) in cases {
        let err = result.expect_err(what);
        assert!(err.reason.contains(reason), "{what}: {err}");
        assert!(err.to_string().contains("expected a"), "{what}: {err}");
    }
    assert!(parse_power_w("-1W").is_err());
    assert!(parse_energy_j("5").is_err());
    assert!(parse_energy_j("5pW").is_err());
}

proptest! {
    #[test]
    fn durations_round_trip(ns in any::<u64>()) {
        prop_assert_eq!(parse_duration_ns(&format_duration_ns(ns)), Ok(ns));
    }

    #[test]
    fn rates_and_sizes_round_trip(v in any::<u64>()) {
        prop_assert_eq!(parse_rate_bps(&format_rate_bps(v)), Ok(v));
        prop_assert_eq!(parse_size_bytes(&format_size_bytes(v)), Ok(v));
    }

    #[test]
    fn power_and_energy_round_trip(x in 0.0f64..1e6) {
        prop_assert_eq!(parse_power_w(&format_power_w(x)), Ok(x));
        prop_assert_eq!(parse_energy_j(&format_energy_j(x * 1e-12)), Ok(x * 1e-12));
    }

    #[test]
    fn random_strings_never_panic(s in any::<String>(), t in "[0-9.\\-]{0,12}[a-zA-Z]{0,5}") {
        for input in [s.as_str(), t.as_str()] {
            let _ = parse_duration_ns(input);
            let _ = parse_rate_bps(input);
            let _ = parse_size_bytes(input);
            let _ = parse_power_w(input);
            let _ = parse_energy_j(input);
        }
    }
}
