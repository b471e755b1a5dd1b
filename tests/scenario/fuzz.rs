//! Property tests (issue 8): random bytes, mutated scenario files and random overrides into the
//! scenario loader give a scenario or an error, never a panic; every accepted scenario passes its
//! own name rule and loads back from its resolved form.

use flsnn::scenario::{load_str, DEFAULT_SCENARIO};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Values that have broken loaders: wrong types, extremes, non-finite numbers, paths.
const NASTY: [&str; 24] = [
    "inf",
    "-inf",
    "nan",
    "-1",
    "0",
    "4.7",
    "1e300",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "\"8\"",
    "\"\"",
    "\"../../x\"",
    "\"/abs\"",
    "\"a\\u0000b\"",
    "true",
    "[]",
    "[1, 1]",
    "[[1]]",
    "{}",
    "{ kind = \"constant\" }",
    "\"1e309ms\"",
    "\"-5Mbps\"",
    "1979-05-27T07:32:00Z",
];

/// Key paths of the schema, to aim overrides at real keys.
const KEYS: [&str; 24] = [
    "name",
    "seed",
    "data.classes",
    "data.steps_per_example",
    "data.gain",
    "data.test_examples",
    "partition.examples_per_device",
    "partition.scheme",
    "snn.hidden",
    "snn.delta_s",
    "snn.memory",
    "fl.tau",
    "fl.steps",
    "fl.devices",
    "fl.deadline",
    "fl.fraction",
    "channel.uplink.rate",
    "channel.uplink.latency",
    "channel.uplink.latency.value",
    "channel.uplink.loss.p",
    "availability.kind",
    "eval.every",
    "compression.kind",
    "device_class[0].share",
];

/// Cases per property: 2,000, or `FUZZ_CASES` for a long run (issue 8 asks for 10^6 once).
fn fuzz_cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn check_accepted(text: &str, sets: &[String]) -> Result<(), TestCaseError> {
    if let Ok(s) = load_str(text, "fuzz.toml", sets, &no_env()) {
        prop_assert!(
            flsnn::scenario::name::check(&s.name).is_ok(),
            "{:?}",
            s.name
        );
        let again = load_str(&s.to_resolved_toml(), "resolved.toml", &[], &no_env());
        prop_assert!(
            again.is_ok(),
            "resolved form does not load: {:?}",
            again.err()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        check_accepted(&text, &[])?;
    }

    #[test]
    fn mutated_quickstart_never_panics(line in 0usize..200, value in 0usize..NASTY.len()) {
        let lines: Vec<&str> = DEFAULT_SCENARIO.lines().collect();
        let at = line % lines.len();
        let mutated: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| match (i == at, l.split_once('=')) {
                (true, Some((key, _))) => format!("{key}= {}", NASTY[value]),
                _ => l.to_string(),
            })
            .collect();
        check_accepted(&mutated.join("\n"), &[])?;
    }

    #[test]
    fn random_overrides_never_panic(
        picks in proptest::collection::vec((0usize..KEYS.len(), 0usize..NASTY.len()), 1..4)
    ) {
        let sets: Vec<String> = picks
            .iter()
            .map(|&(k, v)| format!("{}={}", KEYS[k], NASTY[v]))
            .collect();
        check_accepted(DEFAULT_SCENARIO, &sets)?;
    }
}
