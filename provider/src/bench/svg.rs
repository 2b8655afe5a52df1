//! Small line charts as SVG, written by hand: the harness's per-block series (proofs accepted,
//! weight used, node CPU and memory) one panel each, over the block number. No plotting crate:
//! a polyline, two axes and a few labels are all a reader needs.

use std::fmt::Write;

/// One panel: a title, its unit, and the points `(x, y)`.
pub struct Panel<'a> {
	pub title: &'a str,
	pub unit: &'a str,
	pub points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 720.0;
const PANEL_HEIGHT: f64 = 160.0;
const MARGIN: f64 = 56.0;

/// The panels stacked in one SVG document, sharing the x axis's label.
pub fn chart(title: &str, x_label: &str, panels: &[Panel<'_>]) -> String {
	let height = 40.0 + PANEL_HEIGHT * panels.len() as f64 + 30.0;
	let mut svg = String::new();
	let _ = write!(
		svg,
		r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/><text x="{MARGIN}" y="22" font-size="14">{}</text>"#,
		escape(title)
	);
	for (i, panel) in panels.iter().enumerate() {
		let top = 40.0 + PANEL_HEIGHT * i as f64;
		draw_panel(&mut svg, panel, top);
	}
	let _ = write!(
		svg,
		r#"<text x="{}" y="{}" text-anchor="middle">{}</text></svg>"#,
		WIDTH / 2.0,
		height - 8.0,
		escape(x_label)
	);
	svg
}

fn draw_panel(svg: &mut String, panel: &Panel<'_>, top: f64) {
	let (left, right) = (MARGIN, WIDTH - 16.0);
	let (upper, lower) = (top + 18.0, top + PANEL_HEIGHT - 24.0);
	let range = |values: &mut dyn Iterator<Item = f64>| {
		values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
	};
	let (x_min, x_max) = range(&mut panel.points.iter().map(|p| p.0));
	let (_, y_max) = range(&mut panel.points.iter().map(|p| p.1));
	let (x_min, x_max) =
		if x_min.is_finite() { (x_min, x_max.max(x_min + 1.0)) } else { (0.0, 1.0) };
	let y_max = if y_max.is_finite() && y_max > 0.0 { y_max } else { 1.0 };
	let x = |v: f64| left + (v - x_min) / (x_max - x_min) * (right - left);
	let y = |v: f64| lower - v / y_max * (lower - upper);
	let _ = write!(
		svg,
		r##"<text x="{left}" y="{}" font-weight="bold">{} ({})</text><line x1="{left}" y1="{lower}" x2="{right}" y2="{lower}" stroke="#888"/><line x1="{left}" y1="{upper}" x2="{left}" y2="{lower}" stroke="#888"/><text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{lower}" text-anchor="end">0</text><text x="{left}" y="{}">{}</text><text x="{right}" y="{}" text-anchor="end">{}</text>"##,
		top + 10.0,
		escape(panel.title),
		escape(panel.unit),
		left - 4.0,
		upper + 4.0,
		number(y_max),
		left - 4.0,
		lower + 14.0,
		number(x_min),
		lower + 14.0,
		number(x_max),
	);
	if !panel.points.is_empty() {
		let points: Vec<String> =
			panel.points.iter().map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py))).collect();
		let _ = write!(
			svg,
			r##"<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{}"/>"##,
			points.join(" ")
		);
	}
}

/// A number as a label: whole numbers without decimals.
fn number(v: f64) -> String {
	if v.fract() == 0.0 && v.abs() < 1e15 {
		format!("{v:.0}")
	} else {
		format!("{v:.2}")
	}
}

fn escape(text: &str) -> String {
	text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_chart_has_a_polyline_per_panel_with_a_point_per_block() {
		let panels = [
			Panel {
				title: "proofs",
				unit: "per block",
				points: vec![(1.0, 0.0), (2.0, 10.0), (3.0, 5.0)],
			},
			Panel { title: "weight <normal>", unit: "%", points: vec![(1.0, 20.0), (2.0, 40.0)] },
			Panel { title: "empty", unit: "", points: vec![] },
		];
		let svg = chart("load & blocks", "block", &panels);
		assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
		assert_eq!(svg.matches("<polyline").count(), 2);
		assert!(svg.contains("weight &lt;normal&gt;") && svg.contains("load &amp; blocks"));
		// The highest point of the first panel is at its top, the lowest on its axis.
		let first = svg.split("<polyline").nth(1).expect("a polyline");
		assert!(first.contains(r#"points="56.0,176.0 380.0,58.0 704.0,117.0""#), "{first}");
	}
}
