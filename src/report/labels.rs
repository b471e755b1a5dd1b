//! Legend text a reader wants: `tau = 1` for the sweep point `p0-fl.tau=1`, `separate training`
//! for `fl.mode=separate`, and the sweep's folder only where two points would read the same.

use super::load::RunGroup;

/// The `key=value` pairs of a point name without its sweep index (`p03-`), keys as written
/// (`fl.tau`). A value runs to the next `-key.path=`; a name with no pair gives none.
pub fn pairs(point: &str) -> Vec<(String, String)> {
    let body = match point.split_once('-') {
        Some((index, rest))
            if index.len() > 1
                && index.starts_with('p')
                && index[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            rest
        }
        _ => point,
    };
    // Every '=' ends a key: the longest run of [a-z0-9_.] before it, starting the body or
    // following a '-'.
    let key_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let mut keys: Vec<(usize, usize)> = Vec::new();
    for (eq, _) in body.match_indices('=') {
        let start = body[..eq]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| key_char(c))
            .last()
            .map_or(eq, |(i, _)| i);
        if start < eq && (start == 0 || body[..start].ends_with('-')) {
            keys.push((start, eq));
        }
    }
    keys.iter()
        .enumerate()
        .map(|(i, &(start, eq))| {
            let end = keys.get(i + 1).map_or(body.len(), |&(next, _)| next - 1);
            (body[start..eq].to_string(), body[eq + 1..end].to_string())
        })
        .collect()
}

/// A point's legend text: its pairs as `name = value` (the key's last part), `separate
/// training` for `fl.mode=separate`; the name without its index when it has no pair.
pub fn point_label(point: &str) -> String {
    let point = point.rsplit_once('/').map_or(point, |(_, p)| p);
    let pairs = pairs(point);
    if pairs.is_empty() {
        return match point.split_once('-') {
            Some((index, rest)) if index.starts_with('p') && !rest.is_empty() => rest.into(),
            _ => point.into(),
        };
    }
    pairs
        .iter()
        .map(|(key, value)| match (key.as_str(), value.as_str()) {
            ("fl.mode", "separate") => "separate training".to_string(),
            _ => {
                let name = key.rsplit('.').next().unwrap_or(key);
                format!("{name} = {value}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Legend text for each group: [`point_label`], prefixed by its sweep's folder (`top-k: tau =
/// 10`) when two groups of different sweeps would otherwise read the same.
pub fn legend_labels(groups: &[RunGroup]) -> Vec<String> {
    let short: Vec<String> = groups.iter().map(|g| point_label(&g.point)).collect();
    let unique = short
        .iter()
        .enumerate()
        .all(|(i, a)| short[..i].iter().all(|b| b != a));
    match unique {
        true => short,
        false => groups
            .iter()
            .zip(&short)
            .map(|(g, label)| match g.point.split_once('/') {
                Some((family, _)) => format!("{family}: {label}"),
                None => label.clone(),
            })
            .collect(),
    }
}

/// The number of trials every group has, when they all have the same (else the largest).
pub fn trials(groups: &[RunGroup]) -> usize {
    groups.iter().map(|g| g.runs.len()).max().unwrap_or(0)
}

/// What the shaded bands are, for a chart's caption: empty for single runs.
pub fn band_note(groups: &[RunGroup]) -> String {
    match trials(groups) {
        0 | 1 => String::new(),
        n => format!(" (bands: ± 1 std over {n} trials)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_points_read_as_settings() {
        assert_eq!(point_label("p0-fl.tau=1"), "tau = 1");
        assert_eq!(point_label("fl/p3-fl.tau=400"), "tau = 400");
        assert_eq!(point_label("p0-fl.mode=separate"), "separate training");
        assert_eq!(
            point_label("p4-compression.aggregation=keep-local-fl.tau=4"),
            "aggregation = keep-local, tau = 4"
        );
        assert_eq!(
            point_label("p1-snn.delta_s=80-snn.eta=0.000625"),
            "delta_s = 80, eta = 0.000625"
        );
        assert_eq!(
            point_label("quickstart-s42"),
            "quickstart-s42",
            "a plain run"
        );
    }

    #[test]
    fn sweep_folders_only_where_labels_would_clash() {
        let group = |point: &str| RunGroup {
            point: point.into(),
            runs: Vec::new(),
        };
        let fig4 = [
            group("fl/p0-fl.tau=1"),
            group("separate/p0-fl.mode=separate"),
        ];
        assert_eq!(legend_labels(&fig4), ["tau = 1", "separate training"]);
        let budget = [group("full/p0-fl.tau=10"), group("top-k/p0-fl.tau=10")];
        assert_eq!(
            legend_labels(&budget),
            ["full: tau = 10", "top-k: tau = 10"]
        );
    }
}
