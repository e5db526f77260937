//! The crate's layers, checked: every module names only modules of its own layer or below, so the
//! layers only point down and no import cycle runs between them.
//!
//! | layer | modules | what they hold |
//! |---|---|---|
//! | 0 | `schema`, `error` | the neutral schema, errors |
//! | 1 | `value`, `field`, `row`, `capability`, `lifecycle` | values, field types, rows, what each backend can do, hooks and validation rules |
//! | 2 | `query` | the model trait (`query/model.rs`) and its query IR |
//! | 3 | `sql`, `mongo` | the IR lowered to statements and documents (queries and migrations) |
//! | 4 | `driver`, `cache`, `options` | the backend seam: executing what layer 3 built; the Redis query cache; connection options |
//! | 5 | `db`, `relation` | `Database`, `Transaction`, CRUD, eager loading |
//! | 6 | `migrate`, `introspect` | the migration engine, schema introspection |
//!
//! No two of these modules name each other: each layer holds one module or modules that do not
//! refer to one another, so the graph between them has no cycle (the test checks the layers; the
//! model trait and its builders, which do refer to each other, are one module tree, `query`).

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    const LAYERS: &[&[&str]] = &[
        &["schema", "error"],
        &["value", "field", "row", "capability", "lifecycle"],
        &["query"],
        &["sql", "mongo"],
        &["driver", "cache", "options"],
        &["db", "relation"],
        &["migrate", "introspect"],
    ];

    fn layer(module: &str) -> Option<usize> {
        LAYERS.iter().position(|l| l.contains(&module))
    }

    /// The crate-root names that re-export a module's items (`crate::Model` is `model`'s).
    fn root_aliases(lib: &str) -> BTreeMap<String, String> {
        let re = regex_lite::Regex::new(r"(?m)^pub use (\w+)::\{?([\w, ]+)\}?;").unwrap();
        let mut out = BTreeMap::new();
        for c in re.captures_iter(lib) {
            for name in c[2].split(',') {
                out.insert(name.trim().to_string(), c[1].to_string());
            }
        }
        out
    }

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// `text` without its test-only items: each item after a `#[cfg(test)]` line (a `mod tests`
    /// block, a `use`, a function, a field) is left out up to where it ends.
    fn without_tests(text: &str) -> String {
        let mut out = String::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[cfg(test)]" {
                out.push_str(line);
                out.push('\n');
                continue;
            }
            let mut depth = 0i32;
            for item in lines.by_ref() {
                let code = item.split("//").next().unwrap_or_default();
                depth += code.matches('{').count() as i32 - code.matches('}').count() as i32;
                // An item ends with `;`, its closing brace, or `,` (a field or an argument); a
                // brace closing around it ends the item too.
                let ends = [';', '}', ','].iter().any(|c| code.trim_end().ends_with(*c));
                if depth < 0 || (depth == 0 && ends && !code.trim_start().starts_with("#[")) {
                    break;
                }
            }
        }
        out
    }

    /// Every reference from one top-level module to another, outside tests: (file, from, to).
    fn references() -> Vec<(String, String, String)> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let aliases = root_aliases(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
        let reference = regex_lite::Regex::new(r"crate::(\w+)").unwrap();
        let mut paths = Vec::new();
        files(&src, &mut paths);
        let mut out = Vec::new();
        for path in paths {
            let rel = path.strip_prefix(&src).unwrap();
            let module = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
            let code = without_tests(&std::fs::read_to_string(&path).unwrap());
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for c in reference.captures_iter(line) {
                    let target = aliases.get(&c[1]).cloned().unwrap_or_else(|| c[1].to_string());
                    if target != module && layer(&target).is_some() {
                        out.push((rel.display().to_string(), module.clone(), target));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn test_items_are_left_out() {
        let text = "use a;\n#[cfg(test)]\nuse crate::db;\nfn f() {}\n#[cfg(test)]\n#[allow(x)]\nmod tests {\n    fn g() { crate::db::x(); }\n}\nfn h() { crate::sql::y(); }\n";
        assert_eq!(without_tests(text), "use a;\nfn f() {}\nfn h() { crate::sql::y(); }\n");
    }

    #[test]
    fn no_import_cycle_between_modules() {
        let mut graph: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for (_, from, to) in references() {
            graph.entry(from).or_default().insert(to);
        }
        // Depth-first search: a module met again while still on the path closes a cycle.
        fn visit<'a>(m: &'a str, graph: &'a BTreeMap<String, std::collections::BTreeSet<String>>, path: &mut Vec<&'a str>, done: &mut Vec<&'a str>) {
            if done.contains(&m) {
                return;
            }
            if let Some(i) = path.iter().position(|p| *p == m) {
                panic!("an import cycle: {} -> {m}", path[i..].join(" -> "));
            }
            path.push(m);
            for next in graph.get(m).into_iter().flatten() {
                visit(next, graph, path, done);
            }
            path.pop();
            done.push(m);
        }
        let mut done = Vec::new();
        for m in graph.keys() {
            visit(m, &graph, &mut Vec::new(), &mut done);
        }
    }

    #[test]
    fn layers_only_point_down() {
        let mut wrong = Vec::new();
        for (file, from, to) in references() {
            if let (Some(own), Some(theirs)) = (layer(&from), layer(&to))
                && theirs > own
            {
                wrong.push(format!("{file}: `{from}` (layer {own}) names `{to}` (layer {theirs})"));
            }
        }
        assert!(wrong.is_empty(), "modules naming a higher layer:\n{}", wrong.join("\n"));
    }

    #[test]
    fn every_module_has_a_layer() {
        let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
        let re = regex_lite::Regex::new(r"(?m)^(?:pub )?mod (\w+);").unwrap();
        for c in re.captures_iter(&lib) {
            let m = &c[1];
            assert!(m == "layers" || layer(m).is_some(), "module `{m}` is in no layer");
        }
    }
}
