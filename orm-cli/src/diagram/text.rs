//! The diagram as text: a Mermaid `erDiagram` (GitHub and most docs sites draw it) and a
//! Graphviz DOT graph (`dot -Tsvg`), for docs and CI.

use super::{Attribute, Diagram, Edge};
use std::fmt::Write;

/// A name as Mermaid reads it: bare when it is a plain word, else a quoted string.
fn mermaid_name(name: &str) -> String {
    if plain_word(name) { name.to_string() } else { format!("\"{}\"", mermaid_text(name)) }
}

fn plain_word(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Text inside Mermaid's double quotes, which cannot hold a double quote or a line break.
fn mermaid_text(text: &str) -> String {
    text.chars().map(|c| if c == '"' { '\'' } else if c.is_control() { ' ' } else { c }).collect()
}

/// A type or attribute name as a Mermaid attribute word (letters, digits, `_ - ( ) [ ]`).
fn mermaid_word(text: &str) -> String {
    let word: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || "_-()[]".contains(c) { c } else { '_' }).collect();
    if word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') { word } else { format!("_{word}") }
}

fn mermaid_attribute(a: &Attribute) -> String {
    let name = mermaid_word(&a.name);
    let mut line = format!("{} {name}", mermaid_word(&a.ty.replace(", ", ",")));
    let keys: Vec<&str> = a.marks().into_iter().filter_map(|m| (m != "IX").then_some(if m == "UQ" { "UK" } else { m })).collect();
    if !keys.is_empty() {
        let _ = write!(line, " {}", keys.join(", "));
    }
    let mut notes = Vec::new();
    if name != a.name {
        notes.push(format!("column {}", a.name));
    }
    if a.nullable {
        notes.push("nullable".to_string());
    }
    if a.indexed {
        notes.push("indexed".to_string());
    }
    if !notes.is_empty() {
        let _ = write!(line, " \"{}\"", mermaid_text(&notes.join(", ")));
    }
    line
}

/// Mermaid's crow's-foot ends for a foreign key: the referenced side is one (zero or one when the
/// key is optional), the referencing side many (zero or one for a one-to-one).
fn cardinality(edge: &Edge) -> String {
    let parent = if edge.optional { "|o" } else { "||" };
    let child = if edge.one { "o|" } else { "o{" };
    format!("{parent}--{child}")
}

/// Renders `diagram` as a Mermaid `erDiagram`.
pub fn mermaid(diagram: &Diagram) -> String {
    let mut out = String::from("erDiagram\n");
    for entity in &diagram.entities {
        let _ = writeln!(out, "    {} {{", mermaid_name(&entity.name));
        for a in &entity.attributes {
            let _ = writeln!(out, "        {}", mermaid_attribute(a));
        }
        out.push_str("    }\n");
    }
    for edge in &diagram.edges {
        let _ = writeln!(
            out,
            "    {} {} {} : \"{}\"",
            mermaid_name(&edge.to),
            cardinality(edge),
            mermaid_name(&edge.from),
            mermaid_text(&edge.columns.join(", "))
        );
    }
    for m in &diagram.many_to_many {
        let _ = writeln!(out, "    {} }}o..o{{ {} : \"{}\"", mermaid_name(&m.left), mermaid_name(&m.right), mermaid_text(&format!("through {}", m.through)));
    }
    out
}

/// A double-quoted DOT identifier.
fn dot_id(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' | '\r' => vec![' '],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// Text inside a DOT HTML-like label.
fn dot_html(text: &str) -> String {
    super::svg::xml(text)
}

/// Renders `diagram` as a Graphviz DOT graph, one HTML-like table per entity (a port per column).
pub fn dot(diagram: &Diagram) -> String {
    let mut out = String::from("digraph schema {\n");
    out.push_str("    graph [rankdir=RL, fontname=\"monospace\", nodesep=0.5, ranksep=1.2];\n");
    out.push_str("    node [shape=plain, fontname=\"monospace\", fontsize=10];\n");
    out.push_str("    edge [fontname=\"monospace\", fontsize=9, arrowhead=normal];\n");
    for entity in &diagram.entities {
        let mut label = String::from("<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">");
        let _ = write!(label, "<tr><td colspan=\"3\" bgcolor=\"#dde6f3\"><b>{}</b></td></tr>", dot_html(&entity.name));
        for (i, a) in entity.attributes.iter().enumerate() {
            let ty = super::layout::type_label(&a.ty, a.nullable);
            let _ = write!(
                label,
                "<tr><td align=\"left\">{}</td><td align=\"left\" port=\"c{i}\">{}</td><td align=\"left\">{}</td></tr>",
                a.marks().join(" "),
                dot_html(&a.name),
                dot_html(&ty)
            );
        }
        label.push_str("</table>");
        let _ = writeln!(out, "    {} [label=<{label}>];", dot_id(&entity.name));
    }
    let port = |table: &str, columns: &[String]| {
        let index = diagram.entity(table).and_then(|e| columns.first().and_then(|c| e.attributes.iter().position(|a| &a.name == c)));
        match index {
            Some(i) => format!("{}:c{i}", dot_id(table)),
            None => dot_id(table),
        }
    };
    for edge in &diagram.edges {
        let style = if edge.optional { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "    {} -> {} [tooltip={}{style}];",
            port(&edge.from, &edge.columns),
            port(&edge.to, &edge.to_columns),
            dot_id(&format!("{} (on delete {})", edge.name, edge.on_delete.as_str()))
        );
    }
    for m in &diagram.many_to_many {
        let _ = writeln!(
            out,
            "    {} -> {} [dir=both, arrowhead=crow, arrowtail=crow, style=dotted, constraint=false, label={}];",
            dot_id(&m.left),
            dot_id(&m.right),
            dot_id(&format!("through {}", m.through))
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::tests::{blog, golden};
    use orm_schema::{Column, ColumnType, Schema, Table};

    #[test]
    fn blog_schema_matches_its_golden_mermaid_and_dot() {
        let d = Diagram::new(&blog());
        golden("blog.mmd", &mermaid(&d));
        golden("blog.dot", &dot(&d));
    }

    #[test]
    fn odd_names_are_quoted_not_interpreted() {
        let mut schema = Schema::new();
        let name = "order \"items\"\n}";
        schema.tables.insert(name.into(), Table::new(name).column(Column::new("unit price", ColumnType::Decimal { precision: Some(10), scale: Some(2) })));
        let d = Diagram::new(&schema);
        let m = mermaid(&d);
        assert!(m.contains("    \"order 'items' }\" {\n"), "{m}");
        assert!(m.contains("decimal(10_2) unit_price \"column unit price\""), "{m}");
        let g = dot(&d);
        assert!(g.contains(r#""order \"items\" }" [label=<"#), "{g}");
        assert!(g.contains("&quot;items&quot;"), "{g}");
    }
}
