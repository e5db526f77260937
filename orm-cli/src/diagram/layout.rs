//! A layered layout for the SVG diagram: referenced tables in the left column, the tables that
//! reference them to their right (a table's column is one past the furthest table it references),
//! each column ordered to keep related tables level (barycentre sweeps), boxes sized from their
//! text in a monospace font. Integer coordinates, so the output is the same on every machine.

use super::{Diagram, Entity};
use std::collections::{BTreeMap, BTreeSet};

/// Width of one character of the 12px monospace font, rounded up.
pub const CHAR_W: i64 = 8;
/// Height of a column's row.
pub const ROW_H: i64 = 20;
/// Height of a box's header (the table's name).
pub const HEADER_H: i64 = 28;
/// Space inside a box, left and right.
pub const PAD: i64 = 10;
const GAP_X: i64 = 110;
const GAP_Y: i64 = 36;
/// Space around the drawing.
pub const MARGIN: i64 = 20;

/// Where one entity's box goes, and where its text columns start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// Left edge.
    pub x: i64,
    /// Top edge.
    pub y: i64,
    /// Width.
    pub w: i64,
    /// Height.
    pub h: i64,
    /// Where column names start, from the box's left edge.
    pub name_x: i64,
}

impl Placed {
    /// The vertical centre of row `i` (0-based), in drawing coordinates.
    pub fn row_y(&self, i: usize) -> i64 {
        self.y + HEADER_H + ROW_H * i as i64 + ROW_H / 2
    }
}

/// One column of boxes: its left edge, its width, and each box's top and bottom edges.
pub type Band = (i64, i64, Vec<(i64, i64)>);

/// A whole drawing: its size and each entity's box, by entity name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Width of the drawing.
    pub width: i64,
    /// Height of the drawing.
    pub height: i64,
    /// The boxes.
    pub boxes: BTreeMap<String, Placed>,
    /// The columns, left to right.
    pub columns: Vec<Band>,
    /// Each entity's column.
    pub column_of: BTreeMap<String, usize>,
}

impl Layout {
    /// The height at which a line crossing column `index` passes between its boxes: the free band
    /// (between two boxes, above the first or below the last) nearest to `y`.
    pub fn free_y(&self, index: usize, y: i64) -> i64 {
        let (_, _, spans) = &self.columns[index];
        let mut bands = vec![MARGIN / 2];
        bands.extend(spans.windows(2).map(|w| (w[0].1 + w[1].0) / 2));
        if let Some(last) = spans.last() {
            bands.push(last.1 + GAP_Y / 2);
        }
        if let Some(first) = spans.first() {
            bands[0] = first.0 - GAP_Y / 2;
        }
        bands.into_iter().min_by_key(|b| (b - y).abs()).unwrap_or(y)
    }
}

/// The characters `text` takes in the monospace font.
pub fn chars(text: &str) -> i64 {
    text.chars().count() as i64
}

/// The type as a row shows it: `?` after a nullable column's type.
pub fn type_label(ty: &str, nullable: bool) -> String {
    if nullable { format!("{ty}?") } else { ty.to_string() }
}

/// The box width and the names' offset for `entity`.
fn measure(entity: &Entity) -> (i64, i64) {
    let marks = entity.attributes.iter().map(|a| chars(&a.marks().join(" "))).max().unwrap_or(0);
    let names = entity.attributes.iter().map(|a| chars(&a.name)).max().unwrap_or(0);
    let types = entity.attributes.iter().map(|a| chars(&type_label(&a.ty, a.nullable))).max().unwrap_or(0);
    let name_x = PAD + if marks > 0 { (marks + 1) * CHAR_W } else { 0 };
    let rows = name_x + (names + 2 + types) * CHAR_W + PAD;
    (rows.max(chars(&entity.name) * CHAR_W + 2 * PAD).max(120), name_x)
}

/// Column index of every entity: 0 for one that references no other, else one past the furthest
/// one it references (self references and cycles are ignored).
fn layers(diagram: &Diagram) -> BTreeMap<String, usize> {
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &diagram.edges {
        if e.from != e.to {
            parents.entry(e.from.as_str()).or_default().insert(e.to.as_str());
        }
    }
    fn depth<'a>(name: &'a str, parents: &BTreeMap<&'a str, BTreeSet<&'a str>>, done: &mut BTreeMap<&'a str, usize>, path: &mut BTreeSet<&'a str>) -> usize {
        if let Some(d) = done.get(name) {
            return *d;
        }
        if !path.insert(name) {
            return 0;
        }
        let mut d = 0;
        for parent in parents.get(name).into_iter().flatten() {
            if !path.contains(parent) {
                d = d.max(depth(parent, parents, done, path) + 1);
            }
        }
        path.remove(name);
        done.insert(name, d);
        d
    }
    let mut done = BTreeMap::new();
    diagram
        .entities
        .iter()
        .map(|e| (e.name.clone(), depth(&e.name, &parents, &mut done, &mut BTreeSet::new())))
        .collect()
}

/// Orders each column so that tables sit near the tables they are joined to: a few sweeps that
/// sort every column by the mean position of each table's neighbours in the other columns.
fn order(diagram: &Diagram, layer_of: &BTreeMap<String, usize>) -> Vec<Vec<String>> {
    let count = layer_of.values().max().map_or(0, |m| m + 1);
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); count];
    for e in &diagram.entities {
        columns[layer_of[&e.name]].push(e.name.clone());
    }
    let mut neighbours: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in diagram.edges.iter().filter(|e| e.from != e.to) {
        neighbours.entry(e.from.as_str()).or_default().push(e.to.as_str());
        neighbours.entry(e.to.as_str()).or_default().push(e.from.as_str());
    }
    for _ in 0..4 {
        let position: BTreeMap<String, f64> =
            columns.iter().flat_map(|c| c.iter().enumerate().map(|(i, n)| (n.clone(), i as f64 / c.len().max(1) as f64))).collect();
        for column in &mut columns {
            let mut keyed: Vec<(f64, usize, String)> = column
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let around: Vec<f64> = neighbours.get(name.as_str()).into_iter().flatten().map(|n| position[*n]).collect();
                    let key = if around.is_empty() { position[name] } else { around.iter().sum::<f64>() / around.len() as f64 };
                    (key, i, name.clone())
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *column = keyed.into_iter().map(|k| k.2).collect();
        }
    }
    columns
}

/// Lays `diagram` out.
pub fn layout(diagram: &Diagram) -> Layout {
    let layer_of = layers(diagram);
    let columns = order(diagram, &layer_of);
    let size: BTreeMap<&str, (i64, i64, i64)> = diagram
        .entities
        .iter()
        .map(|e| {
            let (w, name_x) = measure(e);
            (e.name.as_str(), (w, HEADER_H + ROW_H * e.attributes.len().max(1) as i64, name_x))
        })
        .collect();
    let heights: Vec<i64> = columns.iter().map(|c| c.iter().map(|n| size[n.as_str()].1).sum::<i64>() + GAP_Y * (c.len() as i64 - 1).max(0)).collect();
    let tallest = heights.iter().copied().max().unwrap_or(0);
    let mut boxes = BTreeMap::new();
    let mut spans = Vec::new();
    let mut x = MARGIN;
    for (column, height) in columns.iter().zip(&heights) {
        let mut y = MARGIN + (tallest - height) / 2;
        let widest = column.iter().map(|n| size[n.as_str()].0).max().unwrap_or(0);
        let mut edges = Vec::new();
        for name in column {
            let (w, h, name_x) = size[name.as_str()];
            boxes.insert(name.clone(), Placed { x, y, w, h, name_x });
            edges.push((y, y + h));
            y += h + GAP_Y;
        }
        spans.push((x, widest, edges));
        x += widest + GAP_X;
    }
    // Room on the right for the loops of tables that reference their own column.
    let loops = diagram.edges.iter().any(|e| layer_of.get(&e.from) == layer_of.get(&e.to));
    let width = if columns.is_empty() { 2 * MARGIN } else { x - GAP_X + MARGIN + if loops { 50 } else { 0 } };
    Layout { width, height: tallest + 2 * MARGIN, boxes, columns: spans, column_of: layer_of }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::tests::blog;

    #[test]
    fn referenced_tables_sit_left_of_their_referrers() {
        let d = Diagram::new(&blog());
        let l = layout(&d);
        let x = |n: &str| l.boxes[n].x;
        assert!(x("users") < x("posts") && x("posts") < x("comments") && x("posts") < x("post_tags"));
        assert_eq!(x("users"), x("tags"));
        for (a, pa) in &l.boxes {
            assert!(pa.x + pa.w <= l.width && pa.y + pa.h <= l.height, "{a} is outside the drawing");
            for (b, pb) in &l.boxes {
                let apart = pa.x + pa.w <= pb.x || pb.x + pb.w <= pa.x || pa.y + pa.h <= pb.y || pb.y + pb.h <= pa.y;
                assert!(a == b || apart, "{a} overlaps {b}");
            }
        }
    }

    #[test]
    fn cycles_and_an_empty_schema_lay_out() {
        let mut schema = blog();
        let users = schema.tables.get_mut("users").unwrap();
        users.columns.push(orm_schema::Column::new("best_post_id", orm_schema::ColumnType::I64).nullable());
        users.add_belongs_to("best_post_id", "posts", vec!["id".into()], Default::default(), Default::default());
        assert_eq!(layout(&Diagram::new(&schema)).boxes.len(), 6);
        let empty = layout(&Diagram::new(&orm_schema::Schema::new()));
        assert!(empty.boxes.is_empty() && empty.width > 0);
    }
}
