//! Data-driven check of `tests/bad_scenarios/*.toml`: every file must fail to load, and the error
//! message must contain the file name and every fragment listed in its leading `# expect:` lines.
//! Adding a bad file needs no code change.

use flsnn::scenario::load_with_env;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn expectations(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("# expect:"))
        .map(|f| f.trim().to_string())
        .collect()
}

#[test]
fn every_bad_scenario_is_rejected_with_file_key_and_reason() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad_scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad_scenarios exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "need at least 12 bad scenarios, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable file");
        let expected = expectations(&text);
        assert!(
            !expected.is_empty(),
            "{}: no `# expect:` line",
            path.display()
        );
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        match load_with_env(Some(path), &[], &BTreeMap::new()) {
            Ok(_) => failures.push(format!("{name}: loaded, expected an error")),
            Err(e) => {
                let msg = e.to_string();
                println!("{msg}");
                if !msg.contains(name) {
                    failures.push(format!("{name}: message lacks the file name: {msg}"));
                }
                for fragment in &expected {
                    if !msg.contains(fragment.as_str()) {
                        failures.push(format!("{name}: message lacks {fragment:?}: {msg}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
