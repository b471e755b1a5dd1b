//! A scenario's `name` becomes part of a folder name (`<output.dir>/<name>-s<seed>`), so it must
//! be a plain name: it can never climb out of `output.dir`, hide itself, or carry control
//! characters into a terminal.

/// Longest accepted name \[chars\].
pub const MAX_NAME_CHARS: usize = 100;

/// What a plain name is, for error messages.
pub const PLAIN_NAME: &str = "a plain name: 1 to 100 characters, no '/' or '\\', no control \
                              characters, not starting with '.'";

/// `Ok` if `name` is a plain name, else [`PLAIN_NAME`].
pub fn check(name: &str) -> Result<(), &'static str> {
    let plain = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if plain {
        Ok(())
    } else {
        Err(PLAIN_NAME)
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn names_are_names() {
        for good in ["quickstart", "my run", "tau-8_v2", "é"] {
            assert!(check(good).is_ok(), "{good:?}");
        }
        let long = "x".repeat(101);
        for bad in [
            "",
            ".",
            "..",
            "../../x",
            "/abs",
            "a/b",
            "a\\b",
            ".hidden",
            "a\nb",
            "a\u{1b}[31m",
            &long,
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
    }
}
