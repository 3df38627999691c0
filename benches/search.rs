//! Search at 500 and 50,000 authorities, in process: the directory is loaded
//! from a real SQLite database exactly as the server loads it, then queried
//! and serialised the way `GET /api/v1/authorities` does.
//!
//! cargo bench --bench search

use std::hint::black_box;

use counterpart::db::{self, DatabaseUrl};
use counterpart::directory::demo::{self, DemoOptions};
use counterpart::directory::model;
use counterpart::directory::search::{SearchParams, Snapshot};
use counterpart::directory::write;
use counterpart::web::support::json::AuthorityJson;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn directory_of(size: usize) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("bench.db"));
    let mut conn = url.connect().unwrap();
    db::migrations::run_pending(&mut conn).unwrap();
    let records = demo::generate(DemoOptions {
        authorities: Some(size),
        seed: 1,
        today: chrono::Utc::now().date_naive(),
        history: false,
    });
    write::insert_many(&mut conn, &records, |_| {}).unwrap();
    let (generation, list) = model::load_all(&mut conn).unwrap();
    Snapshot::new(generation, list)
}

fn params(q: &str) -> SearchParams {
    actix_web::web::Query::<SearchParams>::from_query(q)
        .unwrap()
        .into_inner()
}

const QUERIES: &[(&str, &str)] = &[
    ("words", "q=ministry+justice"),
    ("accented", "q=ministere+de+la+justice"),
    ("prefix", "q=prosec+gen"),
    ("words_and_filters", "q=police&region=150&article=31"),
    ("filters_only", "country=FR&article=18"),
    ("short_prefix", "q=m"),
];

fn search(c: &mut Criterion) {
    for size in [500usize, 50_000] {
        let directory = directory_of(size);
        let mut group = c.benchmark_group(format!("search_{size}"));
        for (name, q) in QUERIES {
            let query = params(q).parse().unwrap();
            group.bench_with_input(BenchmarkId::from_parameter(name), &query, |b, query| {
                b.iter(|| {
                    let result = directory.search(black_box(query));
                    let items: Vec<AuthorityJson> = result
                        .items
                        .iter()
                        .map(|a| AuthorityJson::new(a, true))
                        .collect();
                    black_box(serde_json::to_vec(&items).unwrap())
                })
            });
        }
        group.finish();
    }
}

fn build(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("bench.db"));
    let mut conn = url.connect().unwrap();
    db::migrations::run_pending(&mut conn).unwrap();
    let records = demo::generate(DemoOptions {
        authorities: Some(50_000),
        seed: 1,
        today: chrono::Utc::now().date_naive(),
        history: false,
    });
    write::insert_many(&mut conn, &records, |_| {}).unwrap();
    let mut group = c.benchmark_group("reload_50000");
    group.sample_size(10);
    group.bench_function("load_and_index", |b| {
        b.iter(|| {
            let (generation, list) = model::load_all(&mut conn).unwrap();
            black_box(Snapshot::new(generation, list))
        })
    });
    group.finish();
}

criterion_group!(benches, search, build);
criterion_main!(benches);
