//! The diagram as a standalone SVG document. Every entity is a `<g class="entity">` carrying its
//! name in `data-table` (the studio makes them clickable), every foreign key a `<path class="edge">`
//! from the referencing column's row to the referenced column's row, with a `<title>` saying the
//! constraint and its `on delete` action. Optional (nullable) keys are dashed.

use super::layout::{chars, layout, type_label, Layout, Placed, CHAR_W, HEADER_H, PAD, ROW_H};
use super::{Diagram, Edge, Entity};
use std::fmt::Write;

const STYLE: &str = "\
.entity .box{fill:#fff;stroke:#5b6b82;stroke-width:1}\
.entity .header{fill:#dde6f3;stroke:#5b6b82;stroke-width:1}\
.entity.join .header{fill:#efe6f6}\
.entity .name{font-weight:bold;fill:#1d2633}\
.entity .marks{fill:#8a5a00;font-size:10px}\
.entity .column{fill:#1d2633}\
.entity .type{fill:#5b6b82}\
.edge{fill:none;stroke:#51627a;stroke-width:1.3}\
.edge.optional{stroke-dasharray:5 4}\
#arrow path{fill:#51627a}";

/// Text safe inside an XML element or a double-quoted attribute.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push_str(&format!("&#{};", if c == '\t' || c == '\n' { c as u32 } else { 0xfffd })),
            c => out.push(c),
        }
    }
    out
}

/// Renders `diagram` as SVG.
pub fn svg(diagram: &Diagram) -> String {
    let layout = layout(diagram);
    let mut out = String::new();
    let (w, h) = (layout.width, layout.height);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="orm-diagram" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="12">"#
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str(r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>"#);
    out.push('\n');
    out.push_str("<g class=\"edges\">\n");
    for edge in &diagram.edges {
        let (Some(from), Some(to)) = (layout.boxes.get(&edge.from), layout.boxes.get(&edge.to)) else { continue };
        let (Some(from_entity), Some(to_entity)) = (diagram.entity(&edge.from), diagram.entity(&edge.to)) else { continue };
        let via = crossed(&layout, &edge.from, &edge.to);
        edge_path(&mut out, edge, (from, row(from_entity, &edge.columns)), (to, row(to_entity, &edge.to_columns)), &layout, &via);
    }
    out.push_str("</g>\n");
    let joins: Vec<&str> = diagram.many_to_many.iter().map(|m| m.through.as_str()).collect();
    for (index, entity) in diagram.entities.iter().enumerate() {
        let placed = layout.boxes[&entity.name];
        let many = diagram.many_to_many.iter().find(|m| m.through == entity.name);
        entity_box(&mut out, index, entity, placed, joins.contains(&entity.name.as_str()), many.map(|m| (m.left.as_str(), m.right.as_str())));
    }
    out.push_str("</svg>\n");
    out
}

/// The row of the first of `columns` in `entity` (0 when it has none of them).
fn row(entity: &Entity, columns: &[String]) -> usize {
    columns.first().and_then(|c| entity.attributes.iter().position(|a| &a.name == c)).unwrap_or(0)
}

/// The columns strictly between the two entities' columns, in the order a line from `from` to
/// `to` crosses them.
fn crossed(layout: &Layout, from: &str, to: &str) -> Vec<usize> {
    let (a, b) = (layout.column_of[from], layout.column_of[to]);
    if a > b { (b + 1..a).rev().collect() } else { (a + 1..b).collect() }
}

/// A path through `points`, each joined to the next by a curve that leaves and arrives level.
fn through(points: &[(i64, i64)]) -> String {
    let mut d = format!("M{},{}", points[0].0, points[0].1);
    for pair in points.windows(2) {
        let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
        if y1 == y2 {
            let _ = write!(d, " L{x2},{y2}");
        } else {
            let bend = (x2 - x1) / 2;
            let _ = write!(d, " C{},{y1} {},{y2} {x2},{y2}", x1 + bend, x2 - bend);
        }
    }
    d
}

fn edge_path(out: &mut String, edge: &Edge, (from, from_row): (&Placed, usize), (to, to_row): (&Placed, usize), layout: &Layout, via: &[usize]) {
    let (y1, y2) = (from.row_y(from_row), to.row_y(to_row));
    // A line that crosses other columns passes between their boxes, never under one.
    let mut waypoints = Vec::new();
    let mut y = y1;
    for &index in via {
        let (left, width, _) = layout.columns[index];
        let target = y + (y2 - y) / 2;
        y = layout.free_y(index, target);
        let (enter, leave) = if from.x > to.x { (left + width, left) } else { (left, left + width) };
        waypoints.extend([(enter, y), (leave, y)]);
    }
    let d = if from.x >= to.x + to.w {
        let mut points = vec![(from.x, y1)];
        points.extend(waypoints);
        points.push((to.x + to.w, y2));
        through(&points)
    } else if from.x + from.w <= to.x {
        let mut points = vec![(from.x + from.w, y1)];
        points.extend(waypoints);
        points.push((to.x, y2));
        through(&points)
    } else {
        // Same column (a self reference, or a cycle): a loop out to the right.
        let (x1, x2) = (from.x + from.w, to.x + to.w);
        let out_x = x1.max(x2) + 40;
        format!("M{x1},{y1} C{out_x},{y1} {out_x},{y2} {x2},{y2}")
    };
    let class = if edge.optional { "edge optional" } else { "edge" };
    let title = format!(
        "{}.{} → {}.{} ({}, on delete {})",
        edge.from,
        edge.columns.join(", "),
        edge.to,
        edge.to_columns.join(", "),
        edge.name,
        edge.on_delete.as_str()
    );
    let _ = writeln!(
        out,
        r#"<path class="{class}" data-from="{}" data-to="{}" d="{d}" marker-end="url(#arrow)"><title>{}</title></path>"#,
        xml(&edge.from),
        xml(&edge.to),
        xml(&title)
    );
}

fn entity_box(out: &mut String, index: usize, entity: &Entity, p: Placed, join: bool, many: Option<(&str, &str)>) {
    let class = if join { "entity join" } else { "entity" };
    let _ = writeln!(out, r#"<g class="{class}" id="table-{index}" data-table="{}" transform="translate({},{})">"#, xml(&entity.name), p.x, p.y);
    let title = match many {
        Some((left, right)) => format!("{} (many-to-many: {left} and {right})", entity.name),
        None => entity.name.clone(),
    };
    let _ = writeln!(out, "<title>{}</title>", xml(&title));
    let _ = writeln!(out, r#"<rect class="box" width="{}" height="{}" rx="4"/>"#, p.w, p.h);
    let _ = writeln!(out, r#"<rect class="header" width="{}" height="{HEADER_H}" rx="4"/>"#, p.w);
    let _ = writeln!(out, r#"<text class="name" x="{PAD}" y="{}">{}</text>"#, HEADER_H / 2 + 4, xml(&entity.name));
    for (i, a) in entity.attributes.iter().enumerate() {
        let y = HEADER_H + ROW_H * i as i64 + ROW_H / 2 + 4;
        let _ = write!(out, r#"<g class="attribute" data-column="{}">"#, xml(&a.name));
        let marks = a.marks().join(" ");
        if !marks.is_empty() {
            let _ = write!(out, r#"<text class="marks" x="{PAD}" y="{y}">{marks}</text>"#);
        }
        let _ = write!(out, r#"<text class="column" x="{}" y="{y}">{}</text>"#, p.name_x, xml(&a.name));
        let ty = type_label(&a.ty, a.nullable);
        let _ = writeln!(out, r#"<text class="type" x="{}" y="{y}">{}</text></g>"#, p.w - PAD - chars(&ty) * CHAR_W, xml(&ty));
    }
    out.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::tests::{blog, golden};
    use orm_schema::{Column, ColumnType, Schema, Table};

    #[test]
    fn blog_schema_matches_its_golden_svg() {
        golden("blog.svg", &svg(&Diagram::new(&blog())));
    }

    #[test]
    fn names_stay_text() {
        let mut schema = Schema::new();
        let name = r#"<script>alert("x")</script>&"#;
        schema.tables.insert(name.into(), Table::new(name).column(Column::new("a'b", ColumnType::Text)));
        let out = svg(&Diagram::new(&schema));
        assert!(!out.contains("<script>") && out.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"));
        assert!(out.contains("a&#39;b"));
    }
}
