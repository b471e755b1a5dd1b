//! Stage one: read the file and layer sources, in this order (later wins): the scenario file, then
//! environment variables `FLSNN_SECTION__KEY=value` (nested keys joined by `__`, e.g.
//! `FLSNN_FL__TAU=8`; `FLSNN_DATA__CLASSES=1,7` may be written as a comma list), then
//! `--set key.path=value` arguments. Override values are TOML literals, else strings, and are never
//! converted: a value of the wrong type is an error naming the key and its origin (see
//! `layer.rs`). Every `FLSNN_` variable is taken as a scenario key, so an unknown one is an
//! error.

use super::error::ScenarioError;
use super::layer::{excerpt, merge, parse_file, parse_value, to_raw, Origin};
use super::raw::RawScenario;
use super::spec::Scenario;
use super::validate::validate;
use std::collections::BTreeMap;
use std::path::Path;

/// The embedded default scenario (`scenarios/quickstart.toml`).
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/quickstart.toml");

/// The `source` name of the embedded default scenario.
pub const EMBEDDED_NAME: &str = "<embedded default>";

/// Prefix of the environment variables that override scenario keys.
pub const ENV_PREFIX: &str = "FLSNN_";

/// Loads a scenario file (or the embedded default when `path` is `None`), layers the process
/// environment's `FLSNN_*` variables and the `--set` arguments `sets` on top, and validates it.
pub fn load(path: Option<&Path>, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let env: BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| k.to_ascii_uppercase().starts_with(ENV_PREFIX))
        .collect();
    load_with_env(path, sets, &env)
}

/// Like [`load`], with the environment given explicitly (variables without the `FLSNN_` prefix are
/// ignored).
pub fn load_with_env(
    path: Option<&Path>,
    sets: &[String],
    env: &BTreeMap<String, String>,
) -> Result<Scenario, ScenarioError> {
    match path {
        None => load_str(DEFAULT_SCENARIO, EMBEDDED_NAME, sets, env),
        Some(p) => {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|source| ScenarioError::Read {
                file: file.clone(),
                source,
            })?;
            load_str(&text, &file, sets, env)
        }
    }
}

/// Layers and validates scenario text `text`; `file` names it in error messages.
pub fn load_str(
    text: &str,
    file: &str,
    sets: &[String],
    env: &BTreeMap<String, String>,
) -> Result<Scenario, ScenarioError> {
    let raw = layer(text, file, sets, env)?;
    validate(&raw, file)
}

/// Stage one only: the layered raw scenario, checked for syntax, unknown keys and types.
pub fn layer(
    text: &str,
    file: &str,
    sets: &[String],
    env: &BTreeMap<String, String>,
) -> Result<RawScenario, ScenarioError> {
    let mut table = parse_file(text, file)?;
    let mut origins = Vec::new();
    for (var, value) in env
        .iter()
        .filter(|(k, _)| k.to_ascii_uppercase().starts_with(ENV_PREFIX))
    {
        let key = env_key_path(var);
        let what = format!("environment variable {var}");
        let value = if key == "data.classes" {
            parse_list(value)
        } else {
            parse_value(value)
        };
        let bad = || ScenarioError::WrongType {
            file: file.to_string(),
            key: excerpt(var),
            message: "expected FLSNN_SECTION__KEY naming a scenario key (e.g. FLSNN_FL__TAU)"
                .to_string(),
        };
        merge(&mut table, &key, value, file, &what, bad)?;
        origins.push(Origin { path: key, what });
    }
    for arg in sets {
        let bad = || ScenarioError::BadOverride {
            file: file.to_string(),
            arg: excerpt(arg),
        };
        let (key, value) = arg.split_once('=').ok_or_else(bad)?;
        let key = key.trim();
        let what = format!("--set {}", excerpt(arg));
        merge(&mut table, key, parse_value(value.trim()), file, &what, bad)?;
        origins.push(Origin {
            path: key.to_string(),
            what,
        });
    }
    to_raw(table, file, &origins)
}

/// `FLSNN_FL__TAU` -> `fl.tau`.
fn env_key_path(var: &str) -> String {
    var[ENV_PREFIX.len()..].to_lowercase().replace("__", ".")
}

/// `FLSNN_DATA__CLASSES` may also be written `1,7`: each item a TOML literal.
fn parse_list(value: &str) -> toml::Value {
    match parse_value(value) {
        toml::Value::String(s) => {
            toml::Value::Array(s.split(',').map(|x| parse_value(x.trim())).collect())
        }
        other => other,
    }
}
