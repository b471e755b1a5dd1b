//! Scenario errors: every message names the file, the key path and what is allowed.

/// Why a scenario could not be loaded or validated.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario file: {source}")]
    Read {
        /// The file name.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{file}: TOML syntax error: {message}")]
    Syntax {
        /// The file name.
        file: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A key that the schema does not know.
    #[error("{file}: {key}: unknown key; allowed here: {allowed}")]
    UnknownKey {
        /// The file name.
        file: String,
        /// Full key path of the unknown key, e.g. `channel.uplink.rat`.
        key: String,
        /// The keys allowed at that place.
        allowed: String,
    },
    /// A value of the wrong type, an unknown enum value or a missing required key.
    #[error("{file}: {key}: {message}")]
    WrongType {
        /// The file name.
        file: String,
        /// Full key path.
        key: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A value of the right type but outside what is allowed.
    #[error("{file}: {key}: expected {expected}, got {got}")]
    Invalid {
        /// The file name.
        file: String,
        /// Full key path, e.g. `channel.uplink.rate`.
        key: String,
        /// What is allowed.
        expected: String,
        /// What was found.
        got: String,
    },
    /// A `--set` argument that is not `key.path=value`.
    #[error("{file}: --set {arg:?}: expected key.path=value (e.g. fl.tau=8)")]
    BadOverride {
        /// The file name.
        file: String,
        /// The offending argument.
        arg: String,
    },
}

impl ScenarioError {
    /// The key path the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::UnknownKey { key, .. }
            | ScenarioError::WrongType { key, .. }
            | ScenarioError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }
}
