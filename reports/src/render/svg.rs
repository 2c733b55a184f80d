//! Inline SVG charts, drawn by hand: no script, no font, no external reference, so the
//! HTML report is one file that renders the same offline.

use std::fmt::Write as _;

use crate::bill::Line;

use super::money;

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub(crate) fn line_colour(line: Line) -> &'static str {
    match line {
        Line::Duration => "#2f6db3",
        Line::Init => "#e08a1e",
        Line::EphemeralStorage => "#8c6bb1",
        Line::ProvisionedConcurrency => "#b5485d",
        Line::Requests => "#6c757d",
        Line::Logs => "#3a9d7a",
        Line::ApiGateway => "#a3a3a3",
        Line::FreeTier => "#ffffff",
    }
}

const BEFORE_COLOUR: &str = "#c0392b";
const AFTER_COLOUR: &str = "#1e8449";

fn open(chart: &str, width: u32, height: u32, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-chart=\"{chart}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{label}\"><title>{label}</title>",
        label = escape(label)
    )
}

/// A round upper bound for an axis.
fn nice_max(value: f64) -> f64 {
    if value <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if value <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

/// An axis tick: `$0`, then as many decimals as the step between ticks needs, so an axis
/// of cents does not print `$0.0000` and one of thousands does not print cents.
fn axis_money(value: f64, step: f64) -> String {
    if value <= 0.0 {
        return "$0".to_string();
    }
    let decimals = (0..=6).find(|&decimals| {
        let scaled = step * 10f64.powi(decimals);
        (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0)
    });
    let decimals = decimals.unwrap_or(6) as usize;
    if value >= 1.0 && decimals <= 2 && value.fract() == 0.0 {
        // Whole dollars: money() groups thousands; drop its cents.
        return money(value).trim_end_matches(".00").to_string();
    }
    format!("${value:.decimals$}")
}

/// A label broken after its hyphens (or spaces) into lines of at most `width` characters;
/// past `max_lines` the last line ends with an ellipsis. The full name stays in a tooltip.
fn wrap_label(label: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(4);
    let mut pieces: Vec<String> = Vec::new();
    let mut piece = String::new();
    for character in label.chars() {
        piece.push(character);
        if character == '-' || character == ' ' {
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    let mut lines: Vec<String> = Vec::new();
    for piece in pieces {
        match lines.last_mut() {
            Some(line) if line.chars().count() + piece.chars().count() <= width => line.push_str(&piece),
            _ => lines.push(piece),
        }
    }
    let mut lines: Vec<String> = lines.into_iter().map(|line| line.trim_end_matches(' ').to_string()).collect();
    for line in &mut lines {
        if line.chars().count() > width {
            *line = line.chars().take(width - 1).collect::<String>() + "…";
        }
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = &mut lines[max_lines - 1];
        *last = last.chars().take(width - 1).collect::<String>() + "…";
    }
    lines
}

pub(crate) fn legend(lines: &[Line]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for line in lines {
        let _ = write!(out, "<span><i style=\"background:{}\"></i>{}</span>", line_colour(*line), escape(line.label()));
    }
    out.push_str("</div>");
    out
}

/// A function's two bars (label, segments per cost line).
pub(crate) type BarGroup = (String, [(String, Vec<(Line, f64)>); 2]);

/// One group per function, two stacked bars (before, after), a segment per cost line.
/// Only positive lines stack; the free tier credit is in the tables.
pub(crate) fn stacked_bars(chart: &str, label: &str, groups: &[BarGroup]) -> String {
    let bar = 34.0;
    let gap = 10.0;
    let group_width = 2.0 * bar + gap + 40.0;
    let left = 70.0;
    let top = 16.0;
    let plot_height = 220.0;
    let width = (left + group_width * groups.len() as f64 + 20.0).max(360.0);
    // Function names wrap at their hyphens onto up to three lines under their group.
    let label_chars = (group_width / 7.0) as usize;
    let height = top + plot_height + 34.0 + 16.0 * 3.0;
    let max: f64 = groups
        .iter()
        .flat_map(|(_, bars)| {
            bars.iter().map(|(_, segments)| segments.iter().map(|(_, usd)| usd.max(0.0)).sum::<f64>())
        })
        .fold(0.0, f64::max);
    let axis_max = nice_max(max);
    let y = |usd: f64| top + plot_height - usd / axis_max * plot_height;
    let mut out = open(chart, width as u32, height as u32, label);
    for step in 0..=4 {
        let value = axis_max * f64::from(step) / 4.0;
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e3e3e3\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            width - 10.0,
            y(value),
            y(value),
            left - 6.0,
            y(value) + 4.0,
            escape(&axis_money(value, axis_max / 4.0))
        );
    }
    for (index, (function, bars)) in groups.iter().enumerate() {
        let group_left = left + 20.0 + group_width * index as f64;
        for (bar_index, (bar_label, segments)) in bars.iter().enumerate() {
            let x = group_left + (bar + gap) * bar_index as f64;
            let mut base = 0.0;
            for (line, usd) in segments.iter().filter(|(_, usd)| *usd > 0.0) {
                let _ = write!(
                    out,
                    "<rect class=\"segment\" data-line=\"{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar}\" height=\"{:.2}\" fill=\"{}\"><title>{} {} {}: {}</title></rect>",
                    line.name(),
                    y(base + usd),
                    (usd / axis_max * plot_height).max(0.0),
                    line_colour(*line),
                    escape(function),
                    escape(bar_label),
                    escape(line.label()),
                    escape(&money(*usd))
                );
                base += usd;
            }
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"value\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                top + plot_height + 14.0,
                escape(bar_label),
                x + bar / 2.0,
                y(base) - 4.0,
                escape(&if base > 0.0 { money(base) } else { "$0".to_string() })
            );
        }
        let centre = group_left + bar + gap / 2.0;
        let _ = write!(
            out,
            "<text x=\"{centre:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\"><title>{}</title>",
            top + plot_height + 34.0,
            escape(function)
        );
        for (line_index, line) in wrap_label(function, label_chars, 3).iter().enumerate() {
            let _ = write!(
                out,
                "<tspan x=\"{centre:.1}\" dy=\"{}\">{}</tspan>",
                if line_index == 0 { "0" } else { "1.2em" },
                escape(line)
            );
        }
        out.push_str("</text>");
    }
    out.push_str("</svg>");
    out
}

/// One horizontal stacked bar per row.
pub(crate) fn horizontal_bars(chart: &str, label: &str, rows: &[(String, Vec<(Line, f64)>)]) -> String {
    let left = 230.0;
    let row_height = 26.0;
    let plot_width = 430.0;
    let width = left + plot_width + 90.0;
    let height = 20.0 + row_height * rows.len() as f64 + 24.0;
    let max =
        rows.iter().map(|(_, segments)| segments.iter().map(|(_, usd)| usd.max(0.0)).sum::<f64>()).fold(0.0, f64::max);
    let axis_max = nice_max(max);
    let x = |usd: f64| left + usd / axis_max * plot_width;
    let mut out = open(chart, width as u32, height as u32, label);
    for (index, (row_label, segments)) in rows.iter().enumerate() {
        let y = 14.0 + row_height * index as f64;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 14.0,
            escape(row_label)
        );
        let mut base = 0.0;
        for (line, usd) in segments.iter().filter(|(_, usd)| *usd > 0.0) {
            let _ = write!(
                out,
                "<rect class=\"segment\" data-line=\"{}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.2}\" height=\"18\" fill=\"{}\"><title>{}: {}</title></rect>",
                line.name(),
                x(base),
                usd / axis_max * plot_width,
                line_colour(*line),
                escape(line.label()),
                escape(&money(*usd))
            );
            base += usd;
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{}</text>",
            x(base) + 6.0,
            y + 14.0,
            escape(&money(base))
        );
    }
    let axis_y = 14.0 + row_height * rows.len() as f64 + 4.0;
    let _ = write!(
        out,
        "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\" stroke=\"#999\"/><text x=\"{left}\" y=\"{:.1}\" class=\"tick\">$0</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
        left + plot_width,
        axis_y + 14.0,
        left + plot_width,
        axis_y + 14.0,
        escape(&money(axis_max))
    );
    out.push_str("</svg>");
    out
}

/// Cumulative distributions of billed milliseconds, before and after, on a log axis.
pub(crate) fn latency_cdf(chart: &str, label: &str, before: &[(u64, f64)], after: &[(u64, f64)]) -> String {
    let (width, height) = (340.0, 200.0);
    let (left, right, top, bottom) = (40.0, 12.0, 12.0, 34.0);
    let max_ms = before.iter().chain(after).map(|(ms, _)| *ms).max().unwrap_or(1).max(2) as f64;
    let min_ms = before.iter().chain(after).map(|(ms, _)| *ms).min().unwrap_or(1).max(1) as f64;
    let (log_min, log_max) = (min_ms.log10().floor(), max_ms.log10().ceil().max(min_ms.log10().floor() + 1.0));
    let x = |ms: f64| left + (ms.max(1.0).log10() - log_min) / (log_max - log_min) * (width - left - right);
    let y = |share: f64| top + (1.0 - share) * (height - top - bottom);
    let mut out = open(chart, width as u32, height as u32, label);
    for decade in (log_min as i32)..=(log_max as i32) {
        let ms = 10f64.powi(decade);
        let _ = write!(
            out,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{top}\" y2=\"{:.1}\" stroke=\"#e3e3e3\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{} ms</text>",
            x(ms),
            x(ms),
            height - bottom,
            x(ms),
            height - bottom + 14.0,
            ms
        );
    }
    for share in [0.0, 0.5, 1.0] {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{:.0}%</text>",
            left - 4.0,
            y(share) + 4.0,
            share * 100.0
        );
    }
    for (name, points, colour) in [("before", before, BEFORE_COLOUR), ("after", after, AFTER_COLOUR)] {
        if points.is_empty() {
            continue;
        }
        let mut path = format!("{:.1},{:.1}", x(points[0].0 as f64), y(0.0));
        for (ms, share) in points {
            let _ = write!(path, " {:.1},{:.1}", x(*ms as f64), y(*share));
        }
        let _ = write!(
            out,
            "<polyline class=\"cdf\" data-version=\"{name}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{path}\"/>"
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" fill=\"{BEFORE_COLOUR}\">— before</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" fill=\"{AFTER_COLOUR}\">— after</text>",
        left,
        height - 6.0,
        left + 80.0,
        height - 6.0
    );
    out.push_str("</svg>");
    out
}

/// Memory against compute cost per 1M, one point per sweep size (evenly spaced, in
/// order), labelled with its p99; the recommended size is drawn larger, in green.
pub(crate) fn frontier(chart: &str, label: &str, points: &[(u32, f64, f64)], recommended: Option<u32>) -> String {
    let (width, height) = (460.0, 230.0);
    let (left, right, top, bottom) = (64.0, 40.0, 24.0, 40.0);
    let max_cost = nice_max(points.iter().map(|(_, cost, _)| *cost).fold(0.0, f64::max));
    let step = (width - left - right) / (points.len().max(2) - 1) as f64;
    let x = |index: usize| left + step * index as f64;
    let y = |cost: f64| top + (1.0 - cost / max_cost) * (height - top - bottom);
    let mut out = open(chart, width as u32, height as u32, label);
    for fraction in [0.0, 0.5, 1.0] {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e3e3e3\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            width - right,
            y(max_cost * fraction),
            y(max_cost * fraction),
            left - 4.0,
            y(max_cost * fraction) + 4.0,
            escape(&money(max_cost * fraction))
        );
    }
    let path: Vec<String> =
        points.iter().enumerate().map(|(index, (_, cost, _))| format!("{:.1},{:.1}", x(index), y(*cost))).collect();
    let _ =
        write!(out, "<polyline fill=\"none\" stroke=\"#999\" stroke-dasharray=\"3 3\" points=\"{}\"/>", path.join(" "));
    for (index, (memory, cost, p99)) in points.iter().enumerate() {
        let chosen = recommended == Some(*memory);
        let _ = write!(
            out,
            "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"{}\" fill=\"{}\"><title>{memory} MB: {} per 1M, p99 {p99:.0} ms</title></circle><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{} · p99 {p99:.0} ms</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"middle\">{memory} MB</text>",
            x(index),
            y(*cost),
            if chosen { 7 } else { 4 },
            if chosen { AFTER_COLOUR } else { "#2f6db3" },
            escape(&money(*cost)),
            x(index),
            y(*cost) - 10.0,
            escape(&money(*cost)),
            x(index),
            height - bottom + 18.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_wrap_at_hyphens_and_axis_ticks_carry_the_decimals_their_step_needs() {
        assert_eq!(wrap_label("decommission-cluster", 16, 3), vec!["decommission-", "cluster"]);
        assert_eq!(wrap_label("get-cluster", 16, 3), vec!["get-cluster"]);
        assert_eq!(wrap_label("a-very-long-function-name-that-goes-on", 10, 2), vec!["a-very-", "long-…"]);
        assert_eq!(wrap_label("supercalifragilistic", 10, 3), vec!["supercali…"]);
        assert_eq!(axis_money(0.0, 0.0025), "$0");
        assert_eq!(axis_money(0.005, 0.0025), "$0.0050", "every tick of an axis has the same decimals");
        assert_eq!(axis_money(0.0075, 0.0025), "$0.0075");
        assert_eq!(axis_money(62.5, 62.5), "$62.5");
        assert_eq!(axis_money(2500.0, 1250.0), "$2,500");
        assert_eq!(axis_money(0.5, 0.25), "$0.50");
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_max(3.2), 5.0);
        assert_eq!(nice_max(0.0123), 0.02);
        assert_eq!(nice_max(240.0), 250.0);
    }

    #[test]
    fn bars_stack_positive_lines_and_escape_names() {
        let svg = stacked_bars(
            "monthly",
            "m",
            &[(
                "<f>".to_string(),
                [
                    ("before".to_string(), vec![(Line::Duration, 3.0), (Line::FreeTier, -1.0)]),
                    ("after".to_string(), vec![(Line::Duration, 1.0)]),
                ],
            )],
        );
        assert_eq!(svg.matches("<rect").count(), 2, "the negative free tier is not drawn");
        assert!(svg.contains("&lt;f&gt;") && !svg.contains("<f>"));
    }
}
