//! `orm migrate generate` over 200 models: scanning the sources with the derive's own attribute
//! parser, replaying the migrations, diffing and writing the file, through the CLI's entry point.
//! No raw-driver counterpart exists, so `BENCHMARKS.md` reports the time alone.
//!
//! `cargo bench -p orm-cli --bench generate`.
#![allow(missing_docs)]

use clap::Parser;
use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;
use std::time::{Duration, Instant};

const MODELS: usize = 200;

/// Model `i`: five fields, an index, a unique column, and (after the first) a `belongs_to` on model `i - 1`.
fn model(i: usize) -> String {
    let parent = if i == 0 {
        String::new()
    } else {
        format!("    #[orm(belongs_to = Model{}, index)]\n    pub parent_id: i64,\n", i - 1)
    };
    format!(
        r#"use orm_core::Model;

#[derive(Model, Debug, Clone)]
#[orm(table = "model_{i}")]
pub struct Model{i} {{
    #[orm(primary_key, auto_increment)]
    pub id: i64,
{parent}    #[orm(unique, length = 120)]
    pub name: String,
    #[orm(index)]
    pub rank: i32,
    pub note: Option<String>,
    #[orm(default = true)]
    pub active: bool,
}}
"#
    )
}

fn generate(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let migrations = dir.path().join("migrations");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&migrations).unwrap();
    for i in 0..MODELS {
        std::fs::write(src.join(format!("model_{i}.rs")), model(i)).unwrap();
    }
    let args = |src: &Path, migrations: &Path| {
        orm_cli::Cli::parse_from([
            "orm".as_ref(),
            "--migrations-dir".as_ref(),
            migrations.as_os_str(),
            "migrate".as_ref(),
            "generate".as_ref(),
            "create_models".as_ref(),
            "--models".as_ref(),
            src.as_os_str(),
        ])
    };
    let mut g = c.benchmark_group("cli");
    g.sample_size(10).measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_millis(500));
    g.bench_function("generate_200_models", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let cli = args(&src, &migrations);
                let (mut out, mut err) = (Vec::new(), Vec::new());
                let start = Instant::now();
                orm_cli::run(cli, &mut out, &mut err).unwrap();
                total += start.elapsed();
                let written: Vec<_> = std::fs::read_dir(&migrations).unwrap().map(|e| e.unwrap().path()).collect();
                assert_eq!(written.len(), 1, "{}", String::from_utf8_lossy(&out));
                for path in written {
                    std::fs::remove_file(path).unwrap();
                }
            }
            total
        })
    });
    g.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
