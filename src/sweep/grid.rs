//! The grid of a sweep: `--grid key=v1,v2,...` arguments, and their cross product as points.

use super::SweepError;
use serde::Serialize;

/// One `--grid` argument: a scenario key path and the values it takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GridAxis {
    /// Scenario key path, as for `--set` (e.g. `fl.tau`).
    pub key: String,
    /// Values, each written as a `--set` value (e.g. `8`, `"events"`, `[1, 7]`).
    pub values: Vec<String>,
}

/// One point of the grid: a value for every axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GridPoint {
    /// Position in the cross product (the first axis varies slowest).
    pub index: usize,
    /// `(key, value)` for every axis, in the order of the axes.
    pub values: Vec<(String, String)>,
}

impl GridAxis {
    /// Parses `key=v1,v2,...`. Commas inside brackets, braces or quotes do not split values, so
    /// `data.classes=[1,7],[0,1]` has two values.
    pub fn parse(arg: &str) -> Result<GridAxis, SweepError> {
        let bad = |why: &str| SweepError::BadGrid {
            arg: arg.to_string(),
            why: why.to_string(),
        };
        let (key, list) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected key.path=v1,v2,..."))?;
        let key = key.trim();
        let well_formed = !key.is_empty()
            && key
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "_.-[]".contains(ch));
        if !well_formed {
            return Err(bad("the key must be a key path such as fl.tau"));
        }
        let values = split_values(list).ok_or_else(|| bad("unbalanced brackets or quotes"))?;
        if values.iter().any(|v| v.is_empty()) {
            return Err(bad("empty value (expected key.path=v1,v2,...)"));
        }
        Ok(GridAxis {
            key: key.to_string(),
            values,
        })
    }
}

/// Splits at commas outside brackets, braces and quotes; `None` when they are unbalanced.
fn split_values(list: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut depth: i32 = 0;
    let mut quote: Option<char> = None;
    for ch in list.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            (None, ',') if depth == 0 => {
                values.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    if depth != 0 || quote.is_some() {
        return None;
    }
    values.push(current.trim().to_string());
    Some(values)
}

/// Checks the axes (at least one, no key twice) and returns their cross product, the first axis
/// varying slowest.
pub fn cross_product(axes: &[GridAxis]) -> Result<Vec<GridPoint>, SweepError> {
    if axes.is_empty() {
        return Err(SweepError::BadGrid {
            arg: String::new(),
            why: "at least one --grid key=v1,v2,... is needed".into(),
        });
    }
    for (i, axis) in axes.iter().enumerate() {
        if axes[..i].iter().any(|a| a.key == axis.key) {
            return Err(SweepError::BadGrid {
                arg: axis.key.clone(),
                why: "this key is given by two --grid arguments".into(),
            });
        }
    }
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        points = points
            .into_iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push((axis.key.clone(), v.clone()));
                    p
                })
            })
            .collect();
    }
    Ok(points
        .into_iter()
        .enumerate()
        .map(|(index, values)| GridPoint { index, values })
        .collect())
}

impl GridPoint {
    /// The `--set` arguments that select this point.
    pub fn sets(&self) -> Vec<String> {
        self.values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// A human label, e.g. `fl.tau=8 data.gain=0.1`.
    pub fn label(&self) -> String {
        self.sets().join(" ")
    }

    /// A folder name: `p<index>-` then the values with unsafe characters replaced by `_`,
    /// e.g. `p03-fl.tau=8`.
    pub fn dir_name(&self, points: usize) -> String {
        let width = points.saturating_sub(1).to_string().len();
        let values: String = self
            .sets()
            .join("-")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_=".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        format!("p{:0width$}-{values}", self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_outside_brackets_and_quotes() {
        let axis = GridAxis::parse("data.classes=[1,7], [0,1]").expect("valid");
        assert_eq!(axis.key, "data.classes");
        assert_eq!(axis.values, vec!["[1,7]", "[0,1]"]);
        let axis = GridAxis::parse("name=\"a,b\",c").expect("valid");
        assert_eq!(axis.values, vec!["\"a,b\"", "c"]);
    }

    #[test]
    fn bad_syntax_is_rejected() {
        for arg in [
            "fl.tau",
            "=1,2",
            "fl.tau=1,,2",
            "fl.tau=",
            "fl tau=1",
            "a=[1,2",
        ] {
            assert!(GridAxis::parse(arg).is_err(), "{arg} accepted");
        }
    }

    #[test]
    fn cross_product_first_axis_slowest() {
        let axes = [
            GridAxis::parse("a=1,2").expect("valid"),
            GridAxis::parse("b=x,y,z").expect("valid"),
        ];
        let points = cross_product(&axes).expect("valid");
        assert_eq!(points.len(), 6);
        assert_eq!(points[1].sets(), vec!["a=1", "b=y"]);
        assert_eq!(points[3].sets(), vec!["a=2", "b=x"]);
        assert_eq!(points[3].dir_name(6), "p3-a=2-b=x");
        assert_eq!(points[5].index, 5);
    }

    #[test]
    fn duplicate_or_missing_axes_are_rejected() {
        assert!(cross_product(&[]).is_err());
        let a = GridAxis::parse("a=1").expect("valid");
        assert!(cross_product(&[a.clone(), a]).is_err());
    }
}
