//! Charts drawn on the server as SVG: no script, no CDN, printable. Each chart carries a
//! `<title>` for screen readers, and every page shows the same numbers in a table beside it.
//! Every text that goes into the SVG is escaped here, so templates may insert the result as
//! markup (`|safe`) although labels come from the database.

use std::fmt::Write;

/// Escapes text for SVG/XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Shortens a label to `max` characters for the chart (the table keeps the whole text).
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

const WIDTH: i64 = 640;
const LABEL_WIDTH: i64 = 250;
const BAR_AREA: i64 = 330;
const ROW: i64 = 26;

/// A horizontal bar per `(label, value)`, bars scaled to the largest value.
pub fn bars(id: &str, title: &str, rows: &[(String, i64)]) -> String {
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * i64::try_from(rows.len()).unwrap_or(0).max(1) + 8;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {height}" width="100%"><title id="{id}-title">{}</title>"#,
        escape(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = ROW * i64::try_from(i).unwrap_or(0) + 4;
        let width = BAR_AREA * (*value).max(0) / max;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text><rect x="{}" y="{y}" width="{width}" height="{}" class="chart-bar"/><text x="{}" y="{}" class="chart-value">{value}</text>"#,
            LABEL_WIDTH - 8,
            y + 16,
            escape(&short(label, 34)),
            LABEL_WIDTH,
            ROW - 8,
            LABEL_WIDTH + width + 6,
            y + 16,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Two columns per period (e.g. registered and closed per week), with a legend.
pub fn column_pairs(
    id: &str,
    title: &str,
    legend: [&str; 2],
    rows: &[(String, i64, i64)],
) -> String {
    let max = rows
        .iter()
        .map(|(_, a, b)| (*a).max(*b))
        .max()
        .unwrap_or(0)
        .max(1);
    let (top, plot, bottom) = (28, 160, 40);
    let n = i64::try_from(rows.len()).unwrap_or(0).max(1);
    let slot = (WIDTH - 20) / n;
    let column = (slot / 3).max(2);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {}" width="100%"><title id="{id}-title">{}</title>"#,
        top + plot + bottom,
        escape(title)
    );
    let _ = write!(
        svg,
        r#"<rect x="10" y="6" width="12" height="12" class="chart-bar"/><text x="28" y="17" class="chart-label">{}</text><rect x="200" y="6" width="12" height="12" class="chart-bar-2"/><text x="218" y="17" class="chart-label">{}</text>"#,
        escape(legend[0]),
        escape(legend[1])
    );
    for (i, (label, a, b)) in rows.iter().enumerate() {
        let x = 10 + slot * i64::try_from(i).unwrap_or(0);
        for (k, (value, class)) in [(*a, "chart-bar"), (*b, "chart-bar-2")]
            .into_iter()
            .enumerate()
        {
            let h = plot * value.max(0) / max;
            let _ = write!(
                svg,
                r#"<rect x="{}" y="{}" width="{column}" height="{h}" class="{class}"><title>{}: {value}</title></rect>"#,
                x + column * i64::try_from(k).unwrap_or(0),
                top + plot - h,
                escape(label),
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>"#,
            x + column,
            top + plot + 16,
            escape(&short(label, 8)),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = bars(
            "x",
            "Kasus <per> status",
            &[
                ("A & B".into(), 10),
                ("<script>".into(), 5),
                ("Nol".into(), 0),
            ],
        );
        assert!(svg.contains(r#"<title id="x-title">Kasus &lt;per&gt; status</title>"#));
        assert!(svg.contains(r#"width="330""#), "{svg}");
        assert!(svg.contains(r#"width="165""#), "{svg}");
        assert!(svg.contains(r#"width="0""#), "{svg}");
        assert!(svg.contains("A &amp; B"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
    }

    #[test]
    fn empty_charts_are_still_valid() {
        assert!(bars("e", "Kosong", &[]).ends_with("</svg>"));
        let svg = column_pairs("w", "Mingguan", ["Masuk", "Selesai"], &[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn column_pairs_draw_both_series() {
        let svg = column_pairs(
            "w",
            "Per minggu",
            ["Terdaftar", "Selesai"],
            &[("30-11".into(), 4, 2), ("07-12".into(), 0, 1)],
        );
        assert_eq!(svg.matches(r#"class="chart-bar""#).count(), 3, "{svg}");
        assert_eq!(svg.matches(r#"class="chart-bar-2""#).count(), 3, "{svg}");
        assert!(svg.contains("<title>30-11: 4</title>"));
        assert!(
            svg.contains(r#"height="160""#),
            "the largest column fills the plot: {svg}"
        );
    }
}
