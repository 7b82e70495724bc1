//! The sync order of an environment drawn as SVG: one column per sync wave, the
//! components of a wave stacked in the environment's order, an arrow from each
//! component to every component waiting for it (with why, as the arrow's title).
//!
//! Invariant: positions depend only on the waves and the order of the components, and
//! every name is escaped: the same environment gives the same picture, and no name can
//! inject markup.

use super::Node;
use std::fmt::Write;

const COLUMN: usize = 230;
const ROW: usize = 46;
const WIDTH: usize = 190;
const HEIGHT: usize = 30;
const MARGIN: usize = 20;

/// The SVG document of the graph of `nodes`.
pub(crate) fn svg(nodes: &[Node]) -> String {
    let mut rows_in_wave: Vec<usize> = Vec::new();
    let mut at: Vec<(usize, usize)> = Vec::with_capacity(nodes.len());
    for n in nodes {
        let wave = n.wave as usize;
        if rows_in_wave.len() <= wave {
            rows_in_wave.resize(wave + 1, 0);
        }
        let row = rows_in_wave[wave];
        rows_in_wave[wave] += 1;
        at.push((MARGIN + wave * COLUMN, MARGIN + 24 + row * ROW));
    }
    let width = MARGIN * 2 + rows_in_wave.len().max(1) * COLUMN;
    let height = MARGIN * 2 + 24 + rows_in_wave.iter().copied().max().unwrap_or(0).max(1) * ROW;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="sync-graph" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>Sync order</title><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#0969da"/></marker></defs>"##
    );
    for wave in 0..rows_in_wave.len() {
        let x = MARGIN + wave * COLUMN;
        let _ = write!(out, r#"<text class="wave" x="{x}" y="{}">wave {wave}</text>"#, MARGIN + 12);
    }
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    for (i, n) in nodes.iter().enumerate() {
        for (on, why) in &n.waits {
            let Some(j) = index(on) else { continue };
            let (x1, y1) = (at[j].0 + WIDTH, at[j].1 + HEIGHT / 2);
            let (x2, y2) = (at[i].0, at[i].1 + HEIGHT / 2);
            let mid = (x1 + x2) / 2;
            let _ = write!(
                out,
                r##"<path class="edge" d="M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}" fill="none" stroke="#0969da" stroke-width="2" marker-end="url(#arrow)"><title>{} waits for {}: {}</title></path>"##,
                escape(&n.name),
                escape(on),
                escape(why)
            );
        }
    }
    for (n, (x, y)) in nodes.iter().zip(&at) {
        let _ = write!(
            out,
            r##"<g class="node"><rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="6" fill="#ddf4ff" stroke="#0969da" stroke-width="1.5"/><text x="{}" y="{}">{}</text></g>"##,
            x + 10,
            y + 20,
            escape(&n.name)
        );
    }
    out.push_str("</svg>");
    out
}

/// Text for SVG (XML) content and attributes.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_become_arrows_and_names_are_escaped() {
        let nodes = vec![
            Node { name: "crds".into(), wave: 0, waits: Vec::new() },
            Node { name: "<app>".into(), wave: 1, waits: vec![("crds".into(), "uses a kind it installs".into())] },
        ];
        let svg = svg(&nodes);
        assert_eq!(svg.matches(r#"class="edge""#).count(), 1);
        assert_eq!(svg.matches(r#"class="node""#).count(), 2);
        assert!(svg.contains("&lt;app&gt;") && !svg.contains("<app>"));
        assert!(svg.contains("wave 1"));
        assert_eq!(svg, super::svg(&nodes), "deterministic");
    }
}
