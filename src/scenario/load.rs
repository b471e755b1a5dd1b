//! Stage one: read the file and layer sources with the `config` crate, in this order (later wins):
//! the scenario file, then environment variables `FLSNN_SECTION__KEY=value` (nested keys joined by
//! `__`, e.g. `FLSNN_FL__TAU=8`; values parsed as bool, integer or float where possible, and
//! `FLSNN_DATA__CLASSES=1,7` as a list), then `--set key.path=value` arguments (values parsed as TOML
//! scalars, arrays or inline tables where possible, else taken as strings). Every `FLSNN_` variable
//! is taken as a scenario key, so an unknown one is an error.

use super::error::ScenarioError;
use super::raw::RawScenario;
use super::spec::Scenario;
use super::validate::validate;
use config::{Config, ConfigError, Environment, File, FileFormat, Map, Value, ValueKind};
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
    let env: Map<String, String> = env
        .iter()
        .filter(|(k, _)| k.to_ascii_uppercase().starts_with(ENV_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // Where each overridden key path came from, to point errors at the right place.
    let mut origins: Vec<(String, String)> = env
        .keys()
        .map(|k| (env_key_path(k), format!("environment variable {k}")))
        .collect();
    let mut builder = Config::builder()
        .add_source(File::from_str(text, FileFormat::Toml))
        .add_source(
            Environment::with_prefix(ENV_PREFIX.trim_end_matches('_'))
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("data.classes")
                .source(Some(env)),
        );
    for arg in sets {
        let bad = || ScenarioError::BadOverride {
            file: file.to_string(),
            arg: arg.clone(),
        };
        let (key, value) = arg.split_once('=').ok_or_else(bad)?;
        let key = key.trim();
        let well_formed = !key.is_empty()
            && key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "_.-[]".contains(ch));
        if !well_formed {
            return Err(bad());
        }
        builder = builder
            .set_override(key, Value::new(None, parse_set_value(value.trim())))
            .map_err(|_| bad())?;
        origins.push((key.to_string(), format!("--set {arg}")));
    }
    let cfg = builder.build().map_err(|e| map_config_error(e, file))?;
    cfg.try_deserialize::<RawScenario>().map_err(|e| {
        let err = map_config_error(e, file);
        annotate_origin(err, &origins)
    })
}

/// `FLSNN_FL__TAU` -> `fl.tau`.
fn env_key_path(var: &str) -> String {
    var[ENV_PREFIX.len()..].to_lowercase().replace("__", ".")
}

/// A `--set` value: a TOML value where it parses as one, else the raw string.
fn parse_set_value(value: &str) -> ValueKind {
    match toml::from_str::<toml::Table>(&format!("v = {value}")) {
        Ok(mut table) => table
            .remove("v")
            .map_or_else(|| ValueKind::String(value.to_string()), toml_to_config),
        Err(_) => ValueKind::String(value.to_string()),
    }
}

fn toml_to_config(v: toml::Value) -> ValueKind {
    match v {
        toml::Value::String(s) => ValueKind::String(s),
        toml::Value::Integer(i) => ValueKind::I64(i),
        toml::Value::Float(f) => ValueKind::Float(f),
        toml::Value::Boolean(b) => ValueKind::Boolean(b),
        toml::Value::Datetime(d) => ValueKind::String(d.to_string()),
        toml::Value::Array(a) => ValueKind::Array(
            a.into_iter()
                .map(|x| Value::new(None, toml_to_config(x)))
                .collect(),
        ),
        toml::Value::Table(t) => ValueKind::Table(
            t.into_iter()
                .map(|(k, x)| (k, Value::new(None, toml_to_config(x))))
                .collect(),
        ),
    }
}

/// Points an error whose key was set by an override at that override.
fn annotate_origin(err: ScenarioError, origins: &[(String, String)]) -> ScenarioError {
    let Some(key) = err.key().map(str::to_string) else {
        return err;
    };
    let Some((_, origin)) = origins.iter().rev().find(|(path, _)| {
        key == *path || key.starts_with(&format!("{path}.")) || key.starts_with(&format!("{path}["))
    }) else {
        return err;
    };
    let with = |file: String| format!("{file} ({origin})");
    match err {
        ScenarioError::UnknownKey { file, key, allowed } => ScenarioError::UnknownKey {
            file: with(file),
            key,
            allowed,
        },
        ScenarioError::WrongType { file, key, message } => ScenarioError::WrongType {
            file: with(file),
            key,
            message,
        },
        other => other,
    }
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// Rewrites a `config`/serde error into one naming the file and the full key path.
fn map_config_error(e: ConfigError, file: &str) -> ScenarioError {
    match e {
        ConfigError::FileParse { cause, .. } => ScenarioError::Syntax {
            file: file.to_string(),
            message: cause.to_string().trim().to_string(),
        },
        ConfigError::At { error, key, .. } => from_message(*error, &key.unwrap_or_default(), file),
        other => from_message(other, "", file),
    }
}

fn from_message(e: ConfigError, key: &str, file: &str) -> ScenarioError {
    let file = file.to_string();
    match e {
        ConfigError::Type {
            unexpected,
            expected,
            key: inner,
            ..
        } => ScenarioError::WrongType {
            file,
            key: inner.unwrap_or_else(|| key.to_string()),
            message: format!("expected {expected}, got {unexpected}"),
        },
        ConfigError::Message(m) => {
            if let Some(rest) = m.strip_prefix("unknown field `") {
                let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
                let allowed = tail
                    .trim_start_matches(", ")
                    .trim_start_matches("expected one of ")
                    .trim_start_matches("expected ");
                ScenarioError::UnknownKey {
                    file,
                    key: join(key, name),
                    allowed: allowed.to_string(),
                }
            } else if let Some(rest) = m.strip_prefix("missing field `") {
                let name = rest.split('`').next().unwrap_or(rest);
                ScenarioError::WrongType {
                    file,
                    key: join(key, name),
                    message: "missing required key".to_string(),
                }
            } else if let Some(message) = rewrite_unknown_variant(&m) {
                ScenarioError::WrongType {
                    file,
                    key: key.to_string(),
                    message,
                }
            } else if key.is_empty() {
                ScenarioError::Layering { file, message: m }
            } else {
                ScenarioError::WrongType {
                    file,
                    key: key.to_string(),
                    message: match m.split_once("expected struct ") {
                        Some((head, _)) => format!("{head}expected a table"),
                        None => m,
                    },
                }
            }
        }
        ConfigError::NotFound(k) => ScenarioError::WrongType {
            file,
            key: join(key, &k),
            message: "missing required key".to_string(),
        },
        other if key.is_empty() => ScenarioError::Layering {
            file,
            message: other.to_string(),
        },
        other => ScenarioError::WrongType {
            file,
            key: key.to_string(),
            message: other.to_string(),
        },
    }
}

/// `enum RawX does not have variant constructor y` -> serde's message listing the allowed values.
fn rewrite_unknown_variant(m: &str) -> Option<String> {
    let rest = m.strip_prefix("enum ")?;
    let (name, value) = rest.split_once(" does not have variant constructor ")?;
    super::raw::unknown_variant_message(name, value)
        .or_else(|| super::raw_cell::unknown_variant_message(name, value))
}
