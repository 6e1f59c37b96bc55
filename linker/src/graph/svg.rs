//! The graph drawn as SVG by compose itself: components in layers (the root on top, each
//! library below everything that imports it), ordered in each layer by where their
//! importers are, an arrow per link labelled with its interface, and the host's interfaces
//! in one box at the bottom edge. Compositions are small trees and DAGs: a longest-path
//! layering and one barycentre pass draw them without crossings in the common cases, and
//! with no layout engine or Graphviz to install.

use std::fmt::Write;

use super::dot::label_lines;
use super::{by_package, Edge, Graph, Node};

const FONT: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
/// The advance of one character at 12px in a monospace font, for sizing boxes.
const CHAR_WIDTH: f64 = 7.3;
const LINE_HEIGHT: f64 = 16.0;
const PAD: f64 = 12.0;
const LAYER_GAP: f64 = 96.0;
const NODE_GAP: f64 = 48.0;
const MARGIN: f64 = 24.0;
/// The gutter on the right where the lines to the host run down.
const BUS_GAP: f64 = 40.0;

/// The lines of a component's box: name, language and world, size, and the packages it
/// takes from the host.
fn box_lines(node: &Node) -> Vec<String> {
    let mut lines = label_lines(node);
    let packages: Vec<String> = node
        .host_groups()
        .into_iter()
        .map(|(package, _)| package)
        .collect();
    if !packages.is_empty() {
        lines.push(format!("host: {}", packages.join(", ")));
    }
    lines
}

/// Text escaped for XML.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_WIDTH
}

/// The fill of a component of `language`.
fn fill(language: Option<&str>) -> &'static str {
    match language {
        Some("rust") => "#f6dccb",
        Some("go") => "#cdeefa",
        Some("c") => "#dfe4f1",
        Some("python") => "#fdf1b8",
        _ => "#eeeeee",
    }
}

/// A placed box.
#[derive(Debug, Clone, Copy)]
struct Placed {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Placed {
    fn bottom(&self, share: f64) -> (f64, f64) {
        (self.x + self.w * share, self.y + self.h)
    }
    fn top(&self, share: f64) -> (f64, f64) {
        (self.x + self.w * share, self.y)
    }
}

/// Where along its box's side a link ends (0 to 1): the links at that side ordered by where
/// their other end is, so that they do not cross, and spread evenly.
fn end_share<'a>(
    at_side: impl Iterator<Item = &'a Edge>,
    edge: &Edge,
    other_end: impl Fn(&Edge) -> f64,
) -> f64 {
    let mut links: Vec<&Edge> = at_side.collect();
    links.sort_by(|a, b| other_end(a).total_cmp(&other_end(b)));
    let k = links.iter().position(|x| *x == edge).unwrap_or(0);
    (k + 1) as f64 / (links.len() + 1) as f64
}

/// Each node's layer: 0 for the root (and anything nobody imports from), else one below
/// the lowest of its importers.
fn layers(graph: &Graph) -> Vec<usize> {
    let index = |name: &str| graph.position(name);
    let mut layer = vec![0usize; graph.nodes.len()];
    // A longest path is at most as long as there are nodes; the bound also ends a cycle,
    // which a component graph cannot have.
    for _ in 0..graph.nodes.len() {
        let mut changed = false;
        for edge in &graph.edges {
            if let (Some(i), Some(e)) = (index(&edge.importer), index(&edge.exporter)) {
                if layer[e] < layer[i] + 1 {
                    layer[e] = layer[i] + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    layer
}

impl Graph {
    /// The graph as a standalone SVG document titled `title`.
    pub fn svg(&self, title: &str) -> String {
        let layer = layers(self);
        let depth = layer.iter().copied().max().map_or(0, |d| d + 1);
        let sizes: Vec<(f64, f64)> = self
            .nodes
            .iter()
            .map(|n| {
                let lines = box_lines(n);
                let w = lines.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 2.0 * PAD;
                (w.max(120.0), lines.len() as f64 * LINE_HEIGHT + PAD)
            })
            .collect();
        let row_height = sizes.iter().map(|s| s.1).fold(0.0, f64::max);

        // Order each layer: the root first, then by the mean position of importers above.
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
        for (i, l) in layer.iter().enumerate() {
            rows[*l].push(i);
        }
        let mut position = vec![0.0f64; self.nodes.len()];
        for row in &mut rows {
            let key = |i: usize| -> f64 {
                let above: Vec<f64> = self
                    .edges
                    .iter()
                    .filter(|e| e.exporter == self.nodes[i].name)
                    .filter_map(|e| self.position(&e.importer))
                    .map(|j| position[j])
                    .collect();
                if above.is_empty() {
                    if self.nodes[i].root {
                        -1.0
                    } else {
                        f64::MAX
                    }
                } else {
                    above.iter().sum::<f64>() / above.len() as f64
                }
            };
            let mut keyed: Vec<(f64, usize)> = row.iter().map(|&i| (key(i), i)).collect();
            keyed.sort_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then_with(|| self.nodes[a.1].name.cmp(&self.nodes[b.1].name))
            });
            *row = keyed.into_iter().map(|(_, i)| i).collect();
            for (k, &i) in row.iter().enumerate() {
                position[i] = k as f64 / row.len().max(1) as f64;
            }
        }

        // The host box: every package the components take from the host, with its items.
        let mut host_lines: Vec<String> = Vec::new();
        let every_host_import: Vec<String> =
            self.nodes.iter().flat_map(|n| n.host.clone()).collect();
        for (package, items) in by_package(&every_host_import) {
            host_lines.push(if items.is_empty() {
                package
            } else {
                format!("{package}: {}", items.join(", "))
            });
        }
        let host_width = host_lines
            .iter()
            .map(|l| text_width(l))
            .fold(text_width("host"), f64::max)
            + 2.0 * PAD;

        let row_widths: Vec<f64> = rows
            .iter()
            .map(|row| {
                row.iter().map(|&i| sizes[i].0).sum::<f64>()
                    + NODE_GAP * row.len().saturating_sub(1) as f64
            })
            .collect();
        let title_height = 28.0;
        let content_width = row_widths
            .iter()
            .copied()
            .fold(
                if host_lines.is_empty() {
                    0.0
                } else {
                    host_width
                },
                f64::max,
            )
            .max(text_width(title));
        let takers: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| !self.nodes[i].host.is_empty())
            .collect();
        let bus_x = MARGIN + content_width + BUS_GAP / 2.0;
        let width = content_width + 2.0 * MARGIN + if takers.is_empty() { 0.0 } else { BUS_GAP };
        let mut placed = vec![
            Placed {
                x: 0.0,
                y: 0.0,
                w: 0.0,
                h: 0.0
            };
            self.nodes.len()
        ];
        for (l, row) in rows.iter().enumerate() {
            let mut x = MARGIN + (content_width - row_widths[l]) / 2.0;
            let y = MARGIN + title_height + l as f64 * (row_height + LAYER_GAP);
            for &i in row {
                placed[i] = Placed {
                    x,
                    y,
                    w: sizes[i].0,
                    h: sizes[i].1,
                };
                x += sizes[i].0 + NODE_GAP;
            }
        }
        let host_y = MARGIN + title_height + depth as f64 * (row_height + LAYER_GAP);
        // The host box spans the drawing, up to the bus on the right.
        let host_box = Placed {
            x: MARGIN,
            y: host_y,
            w: (bus_x + 8.0 - MARGIN).max(host_width),
            h: (host_lines.len() + 1) as f64 * LINE_HEIGHT + PAD,
        };
        let height = if host_lines.is_empty() {
            // The last row's bottom (or, with no component at all, the title's).
            (host_y - LAYER_GAP).max(MARGIN + title_height) + MARGIN
        } else {
            host_y + host_box.h + MARGIN
        };

        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{FONT}" font-size="12">"#
        );
        let _ = writeln!(out, "<title>{}</title>", xml(title));
        out.push_str(concat!(
            r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">"#,
            r##"<path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>"##,
            "\n"
        ));
        let _ = writeln!(
            out,
            r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{MARGIN}" y="{:.1}" font-size="14" font-weight="bold">{}</text>"##,
            MARGIN + 14.0,
            xml(title)
        );

        // Links: from the importer's bottom to the exporter's top, spread along both edges.
        let centre = |name: &str| {
            self.position(name)
                .map_or(0.0, |j| placed[j].x + placed[j].w / 2.0)
        };
        for edge in &self.edges {
            let (Some(i), Some(e)) = (self.position(&edge.importer), self.position(&edge.exporter))
            else {
                continue;
            };
            let leaving = self.edges.iter().filter(|x| x.importer == edge.importer);
            let arriving = self.edges.iter().filter(|x| x.exporter == edge.exporter);
            let (x1, y1) = placed[i].bottom(end_share(leaving, edge, |x| centre(&x.exporter)));
            let (x2, y2) = placed[e].top(end_share(arriving, edge, |x| centre(&x.importer)));
            let bend = (y2 - y1).abs().max(40.0) / 2.0;
            // The label sits three quarters of the way down the curve, near its exporter,
            // where links that leave one component have spread apart.
            let t: f64 = 0.75;
            let u = 1.0 - t;
            let mx = u * u * u * x1 + 3.0 * u * u * t * x1 + 3.0 * u * t * t * x2 + t * t * t * x2;
            let my = u * u * u * y1
                + 3.0 * u * u * t * (y1 + bend)
                + 3.0 * u * t * t * (y2 - bend)
                + t * t * t * y2;
            let label = &edge.interface;
            let lw = text_width(label) + 8.0;
            let _ = writeln!(
                out,
                r##"<g class="link" data-importer="{}" data-exporter="{}" data-interface="{}"><path d="M {x1:.1} {y1:.1} C {x1:.1} {:.1}, {x2:.1} {:.1}, {x2:.1} {y2:.1}" fill="none" stroke="#444" stroke-width="1.4" marker-end="url(#arrow)"/><rect x="{:.1}" y="{:.1}" width="{lw:.1}" height="16" rx="3" fill="#ffffff" fill-opacity="0.9"/><text x="{mx:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="#333">{}</text></g>"##,
                xml(&edge.importer),
                xml(&edge.exporter),
                xml(label),
                y1 + bend,
                y2 - bend,
                mx - lw / 2.0,
                my - 11.0,
                my + 1.0,
                xml(label)
            );
        }

        // What each component takes from the host: a dashed line from its right side to the
        // bus in the right gutter, down into the host box (no line crosses a box).
        for &i in &takers {
            let packages: Vec<String> = self.nodes[i]
                .host_groups()
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            // Down from the box's right end into the corridor below its row, along it to the
            // bus, and down the bus: no line crosses a box.
            let p = placed[i];
            let (x1, y1) = (p.x + p.w - PAD, p.y + p.h);
            let corridor = p.y + row_height + 12.0;
            let y2 = host_box.y;
            let _ = writeln!(
                out,
                r##"<g class="host-link" data-component="{}" data-packages="{}"><path d="M {x1:.1} {y1:.1} V {corridor:.1} H {bus_x:.1} V {y2:.1}" fill="none" stroke="#999" stroke-width="1" stroke-dasharray="5 4" marker-end="url(#arrow)"/></g>"##,
                xml(&self.nodes[i].name),
                xml(&packages.join(" "))
            );
        }

        for (i, node) in self.nodes.iter().enumerate() {
            let p = placed[i];
            let _ = write!(
                out,
                r##"<g class="component" data-name="{}" data-language="{}" data-size="{}"{}><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="8" fill="{}" stroke="#333" stroke-width="{}"/>"##,
                xml(&node.name),
                xml(node.language.as_deref().unwrap_or("")),
                node.size,
                if node.root {
                    r#" data-root="true""#
                } else {
                    ""
                },
                p.x,
                p.y,
                p.w,
                p.h,
                fill(node.language.as_deref()),
                if node.root { "2.5" } else { "1.2" }
            );
            let lines = box_lines(node);
            let named = label_lines(node).len();
            for (k, line) in lines.iter().enumerate() {
                let style = match k {
                    0 => r#" font-weight="bold""#,
                    k if k >= named => r##" fill="#666" font-size="11""##,
                    _ => "",
                };
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle"{style}>{}</text>"#,
                    p.x + p.w / 2.0,
                    p.y + PAD / 2.0 + LINE_HEIGHT * (k as f64 + 0.8),
                    xml(line)
                );
            }
            out.push_str("</g>\n");
        }

        if !host_lines.is_empty() {
            let b = host_box;
            let _ = write!(
                out,
                r##"<g class="host"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="4" fill="#f7f7f7" stroke="#999" stroke-dasharray="5 4"/><text x="{:.1}" y="{:.1}" font-weight="bold">host</text>"##,
                b.x,
                b.y,
                b.w,
                b.h,
                b.x + PAD,
                b.y + PAD / 2.0 + LINE_HEIGHT * 0.8
            );
            for (k, line) in host_lines.iter().enumerate() {
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
                    b.x + PAD,
                    b.y + PAD / 2.0 + LINE_HEIGHT * (k as f64 + 1.8),
                    xml(line)
                );
            }
            out.push_str("</g>\n");
        }
        out.push_str("</svg>\n");
        out
    }
}
