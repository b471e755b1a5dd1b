//! Layering without coercion: the scenario file parsed as a TOML table, then each `FLSNN_*`
//! variable and `--set` argument merged into it at its key path, then the merged table
//! deserialised into [`RawScenario`] strictly (serde over `toml::Value`: an integer key takes only
//! a TOML integer, a string key only a string, and so on).
//!
//! Override values are TOML value literals (`8` is an integer, `2.5` a float, `true` a boolean,
//! `[1, 7]` an array, `{ kind = "constant" }` a table, `"8"` a string); text that is not a TOML
//! literal (`5Mbps`, `fifo`, `my run`) is taken as a string. Nothing is converted afterwards, so
//! `FLSNN_FL__TAU=2.5` or `--set fl.tau=inf` is an error naming the key and its origin.

use super::error::ScenarioError;
use super::raw::RawScenario;
use toml::{Table, Value};

/// Where a value of the merged table came from, for error messages.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    /// Key path the source set, e.g. `fl.tau` or `device_class[0].share`.
    pub path: String,
    /// The source, e.g. `environment variable FLSNN_FL__TAU` or `--set fl.tau=8`.
    pub what: String,
}

/// One step of a key path: a table key or an array index.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Longest quoted excerpt of a user's value in an error message \[chars\].
const EXCERPT: usize = 60;

/// `s` cut to [`EXCERPT`] characters, marked with `...` when cut.
pub(crate) fn excerpt(s: &str) -> String {
    if s.chars().count() <= EXCERPT {
        s.to_string()
    } else {
        let head: String = s.chars().take(EXCERPT).collect();
        format!("{head}...")
    }
}

/// Parses the file's text into a table.
pub(crate) fn parse_file(text: &str, file: &str) -> Result<Table, ScenarioError> {
    text.parse::<Table>().map_err(|e| ScenarioError::Syntax {
        file: file.to_string(),
        message: e.to_string().trim().to_string(),
    })
}

/// An override value: a TOML value literal where the text is one, else the text as a string.
pub(crate) fn parse_value(text: &str) -> Value {
    match format!("v = {text}").parse::<Table>() {
        Ok(mut table) => table
            .remove("v")
            .unwrap_or_else(|| Value::String(text.to_string())),
        Err(_) => Value::String(text.to_string()),
    }
}

/// Splits `fl.tau` or `device_class[0].share` into steps; `None` if malformed.
fn steps(path: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if !plain(name) {
            return None;
        }
        out.push(Step::Key(name.to_string()));
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[')?;
            let close = inner.find(']')?;
            out.push(Step::Index(inner[..close].parse().ok()?));
            rest = &inner[close + 1..];
        }
    }
    Some(out)
}

/// Sets `value` at `path` in `table`, creating tables on the way. An index may name an existing
/// element or the next one (appending). `Err` holds why the path cannot be followed.
fn set_path(table: &mut Table, path: &[Step], value: Value) -> Result<(), String> {
    let Some((Step::Key(first), rest)) = path.split_first() else {
        return Err("a key path starts with a key".into());
    };
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return Ok(());
    }
    let slot = table
        .entry(first.clone())
        .or_insert_with(|| empty_for(&rest[0]));
    set_in(slot, first, rest, value)
}

fn empty_for(next: &Step) -> Value {
    match next {
        Step::Key(_) => Value::Table(Table::new()),
        Step::Index(_) => Value::Array(Vec::new()),
    }
}

fn set_in(slot: &mut Value, at: &str, path: &[Step], value: Value) -> Result<(), String> {
    match (&path[0], slot) {
        (Step::Key(_), Value::Table(t)) => set_path(t, path, value),
        (Step::Index(i), Value::Array(a)) => {
            let i = *i;
            if i > a.len() {
                return Err(format!(
                    "{at} has {} element(s); index {i} is past the next one",
                    a.len()
                ));
            }
            let rest = &path[1..];
            if i == a.len() {
                a.push(rest.first().map_or(Value::Boolean(false), empty_for));
            }
            match rest.first() {
                None => {
                    a[i] = value;
                    Ok(())
                }
                Some(_) => set_in(&mut a[i], &format!("{at}[{i}]"), rest, value),
            }
        }
        (Step::Key(_), other) => Err(format!("{at} is a {}, not a table", other.type_str())),
        (Step::Index(_), other) => Err(format!("{at} is a {}, not an array", other.type_str())),
    }
}

/// Merges one override from the source `what` into `table`; `bad_key` is the error for a
/// malformed key path.
pub(crate) fn merge(
    table: &mut Table,
    key: &str,
    value: Value,
    file: &str,
    what: &str,
    bad_key: impl FnOnce() -> ScenarioError,
) -> Result<(), ScenarioError> {
    let path = steps(key).ok_or_else(bad_key)?;
    set_path(table, &path, value).map_err(|why| ScenarioError::WrongType {
        file: format!("{file} ({what})"),
        key: key.to_string(),
        message: why,
    })
}

/// Deserialises the merged table strictly; errors name the key path and, when an override set
/// that key (or a table above it), the override.
pub(crate) fn to_raw(
    table: Table,
    file: &str,
    origins: &[Origin],
) -> Result<RawScenario, ScenarioError> {
    serde_path_to_error::deserialize(Value::Table(table)).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        // toml's message ends with a line naming the key; the key is named by the path instead.
        let text = e.inner().to_string();
        let message = text.lines().next().unwrap_or_default().trim().to_string();
        let file = match origin_of(&key, origins) {
            Some(o) => format!("{file} ({})", o.what),
            None => file.to_string(),
        };
        from_serde(file, key, message)
    })
}

/// The last override that set `key` or a table or array above it.
fn origin_of<'a>(key: &str, origins: &'a [Origin]) -> Option<&'a Origin> {
    origins.iter().rev().find(|o| {
        key == o.path
            || key.starts_with(&format!("{}.", o.path))
            || key.starts_with(&format!("{}[", o.path))
    })
}

fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}

/// serde's messages, reworded into the scenario's error kinds.
pub(crate) fn from_serde(file: String, key: String, message: String) -> ScenarioError {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (name, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed = tail
            .trim_start_matches(", ")
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ");
        let key = if key.ends_with(name) {
            key
        } else {
            join(&key, name)
        };
        return ScenarioError::UnknownKey {
            file,
            key: excerpt(&key),
            allowed: allowed.to_string(),
        };
    }
    let mut message = match message.split_once("expected struct ") {
        Some((head, _)) => format!("{head}expected a table"),
        None => message,
    };
    for (rust, words) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
    ] {
        if let Some(head) = message.strip_suffix(rust) {
            message = format!("{head}{words}");
        }
    }
    let plain_string = ["name", "path", "dir"]
        .iter()
        .any(|k| key == *k || key.ends_with(&format!(".{k}")));
    let number = message.starts_with("invalid type: integer")
        || message.starts_with("invalid type: floating point");
    if number && message.ends_with("expected a string") && !plain_string {
        message.push_str(
            " (quantities are quoted and a unit suffix is required, e.g. \"10ms\", \"5Mbps\")",
        );
    }
    ScenarioError::WrongType {
        file,
        key: excerpt(&key),
        message: shorten_quotes(&message),
    }
}

/// Cuts every backquoted or double-quoted span of `message` to [`EXCERPT`] characters, so an
/// error never echoes a whole (possibly huge) value.
fn shorten_quotes(message: &str) -> String {
    let mut out = String::new();
    let mut span = String::new();
    let mut open: Option<char> = None;
    for ch in message.chars() {
        match open {
            Some(q) if ch == q => {
                out.push_str(&excerpt(&span));
                out.push(ch);
                span.clear();
                open = None;
            }
            Some(_) => span.push(ch),
            None => {
                out.push(ch);
                if ch == '`' || ch == '"' {
                    open = Some(ch);
                }
            }
        }
    }
    out.push_str(&excerpt(&span));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_values_are_toml_literals_or_strings() {
        assert_eq!(parse_value("8"), Value::Integer(8));
        assert_eq!(parse_value("2.5"), Value::Float(2.5));
        assert_eq!(parse_value("\"8\""), Value::String("8".into()));
        assert_eq!(parse_value("5Mbps"), Value::String("5Mbps".into()));
        assert!(matches!(parse_value("inf"), Value::Float(f) if f.is_infinite()));
    }

    #[test]
    fn key_paths_with_indices() {
        assert_eq!(
            steps("device_class[1].share"),
            Some(vec![
                Step::Key("device_class".into()),
                Step::Index(1),
                Step::Key("share".into())
            ])
        );
        for bad in ["", "fl..tau", "fl.tau[", "fl.tau[x]", "fl tau", "a.[0]"] {
            assert_eq!(steps(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn set_path_creates_tables_and_refuses_gaps() {
        let mut t = Table::new();
        set_path(&mut t, &steps("a.b").expect("path"), Value::Integer(1)).expect("set");
        assert_eq!(t["a"]["b"], Value::Integer(1));
        assert!(set_path(&mut t, &steps("a.b.c").expect("path"), Value::Integer(1)).is_err());
        assert!(set_path(&mut t, &steps("l[1]").expect("path"), Value::Integer(1)).is_err());
        set_path(&mut t, &steps("l[0].x").expect("path"), Value::Integer(2)).expect("append");
        assert_eq!(t["l"][0]["x"], Value::Integer(2));
    }

    #[test]
    fn quoted_values_are_cut() {
        let long = "x".repeat(500);
        let m = shorten_quotes(&format!("invalid type: string \"{long}\", expected i64"));
        assert!(m.len() < 120, "{m}");
        assert!(m.ends_with("expected i64"), "{m}");
    }
}
