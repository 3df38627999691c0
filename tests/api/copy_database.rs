//! `counterpart copy-database`: a SQLite installation moved into PostgreSQL
//! serves the same directory, accounts, measures, bulletins and mail, and a
//! copy that cannot finish leaves the target untouched. PostgreSQL pass only.

use std::collections::BTreeMap;

use counterpart::auth::Role;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::{counterpart, run};
use crate::helpers::{TestApp, fresh_database, spawn_demo_on, spawn_instance_on};
use crate::people::api;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every table's row count, the tables read from the backend's catalog.
fn counts(url: &str) -> BTreeMap<String, i64> {
    fn each<C>(c: &mut C, tables: &str) -> BTreeMap<String, i64>
    where
        C: Connection,
        diesel::query_builder::SqlQuery: for<'a> diesel::query_dsl::LoadQuery<'a, C, Name>
            + for<'a> diesel::query_dsl::LoadQuery<'a, C, Count>,
    {
        let names: Vec<Name> = diesel::sql_query(tables).load(c).unwrap();
        names
            .into_iter()
            .map(|t| {
                let n: Vec<Count> =
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{}\"", t.name))
                        .load(c)
                        .unwrap();
                (t.name, n[0].n)
            })
            .collect()
    }
    match url.strip_prefix("sqlite://") {
        Some(path) => each(
            &mut diesel::SqliteConnection::establish(path).unwrap(),
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ),
        None => each(
            &mut diesel::PgConnection::establish(url).unwrap(),
            "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = current_schema()",
        ),
    }
}

/// Where two JSON values first differ, as a path, with both values.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<_> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    format!("{at}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, format!("{at}[{i}]"))),
        _ if a == b => None,
        // PostgreSQL keeps microseconds, SQLite what it was given.
        (Value::String(x), Value::String(y)) if same_time(x, y) => None,
        _ => Some(format!("{at}: {a} then {b}")),
    }
}

fn same_time(a: &str, b: &str) -> bool {
    let read = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f");
    match (read(a), read(b)) {
        (Ok(x), Ok(y)) => (x - y).abs() < chrono::Duration::microseconds(1),
        _ => false,
    }
}

fn in_postgres_pass() -> bool {
    let on = std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty());
    if !on {
        eprintln!("skipped: copies into PostgreSQL, in the PostgreSQL pass (TEST_DATABASE_URL)");
    }
    on
}

/// What a reader, the secretariat and a program see of an installation.
async fn seen(app: &TestApp, token: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in [
        "/api/v1/authorities?per_page=100",
        "/api/v1/authorities?q=justice&page=2",
        "/api/v1/countries/FR",
        "/api/v1/bulletins",
        "/api/v1/bulletins/1",
        "/api/v1/updates?per_page=100",
        "/api/v1/changes?per_page=100",
    ] {
        let (status, body) = api(app, Method::GET, path, Some(token), None, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        seen.push(body);
    }
    // Mail is sent meanwhile by each instance: its ids and recipients are
    // the fact, its state moves.
    let (status, mail) = api(
        app,
        Method::GET,
        "/api/v1/mail?per_page=100",
        Some(token),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{mail}");
    seen.push(json!(
        mail["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| json!([m["id"], m["recipient"], m["template"]]))
            .collect::<Vec<_>>()
    ));
    seen
}

#[tokio::test]
async fn a_sqlite_installation_copied_into_postgres_serves_the_same() {
    if !in_postgres_pass() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("counterpart.db").display());
    let demo = Some(counterpart::directory::demo::DemoOptions {
        history: true,
        ..crate::helpers::demo().unwrap()
    });
    let source = spawn_demo_on(&sqlite, &[], demo).await;
    let admin = source
        .add_user("copy.admin@secretariat.example", Role::Admin, None)
        .await;
    let token = source.token_for(admin).await;
    let (s, update) = api(
        &source,
        Method::POST,
        "/api/v1/updates",
        Some(&token),
        None,
        Some(
            json!({"authority_id": source.authority_by_ref("FR-001").await.0,
                    "operations": "remote", "remarks": "Copied with the rest."}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{update}");
    source.mail_settled().await;
    let before = seen(&source, &token).await;
    let source_counts = counts(&sqlite);
    assert!(source_counts["authorities"] > 500, "{source_counts:?}");
    assert!(source_counts["bulletins"] > 0, "{source_counts:?}");
    assert!(source_counts["mail_outbox"] > 0, "{source_counts:?}");

    let target = fresh_database(dir.path());
    let (code, out, err) =
        run(counterpart(&sqlite, dir.path()).args(["copy-database", "--to", &target.url]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("copied "), "{out}");
    assert!(out.contains("secret_key"), "the next step is said: {out}");

    // Every table, the same rows (the migrations' bookkeeping aside).
    let mut target_counts = counts(&target.url);
    let mut expected = source_counts.clone();
    for c in [&mut target_counts, &mut expected] {
        c.remove("__diesel_schema_migrations");
    }
    assert_eq!(target_counts, expected);
    for (table, rows) in &expected {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>()
                    == [table.as_str(), &rows.to_string()]),
            "{table} {rows} in\n{out}"
        );
    }

    let copy = spawn_instance_on(&target.url, &[]).await;
    let after = seen(&copy, &token).await;
    for (a, b) in before.iter().zip(&after) {
        if let Some(at) = first_difference(a, b, String::new()) {
            panic!("the copy serves the same: differs at {at}");
        }
    }
    // The same password signs in, and ids go on after the copied ones.
    copy.sign_in("copy.admin@secretariat.example").await;
    let (s, next) = api(
        &copy,
        Method::POST,
        "/api/v1/updates",
        Some(&token),
        None,
        Some(
            json!({"authority_id": copy.authority_by_ref("DE-001").await.0,
                    "operations": "normal"}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{next}");
    assert!(
        next["id"].as_i64() > update["id"].as_i64(),
        "{next} after {update}"
    );

    // A second copy into a database in use is refused and changes nothing.
    let in_use = counts(&target.url);
    let (code, _, err) =
        run(counterpart(&sqlite, dir.path()).args(["copy-database", "--to", &target.url]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not new"), "{err}");
    assert_eq!(counts(&target.url), in_use);
}

#[tokio::test]
async fn a_copy_that_cannot_finish_leaves_postgres_as_it_was() {
    if !in_postgres_pass() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("counterpart.db").display());
    let (code, _, err) =
        run(counterpart(&sqlite, dir.path()).args(["demo-data", "--authorities", "800"]));
    assert_eq!(code, 0, "{err}");
    // A record PostgreSQL cannot hold (a NUL, accepted before input was
    // checked at the edge), in the last rows of the table.
    let mut c =
        diesel::SqliteConnection::establish(dir.path().join("counterpart.db").to_str().unwrap())
            .unwrap();
    let last: Name = diesel::sql_query("SELECT name FROM authorities ORDER BY id DESC LIMIT 1")
        .get_result(&mut c)
        .unwrap();
    diesel::sql_query("UPDATE authorities SET name = name || char(0) WHERE id = (SELECT MAX(id) FROM authorities)")
        .execute(&mut c)
        .unwrap();
    let target = fresh_database(dir.path());
    let (code, out, err) =
        run(counterpart(&sqlite, dir.path()).args(["copy-database", "--to", &target.url]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("authorities"), "the table is named: {err}");
    assert!(err.contains("nothing was copied"), "{err}");
    let mut after = counts(&target.url);
    after.remove("__diesel_schema_migrations");
    assert_eq!(after["authorities"], 0, "{after:?}");
    assert!(
        after.values().all(|n| *n <= 1),
        "only the seeded rows: {after:?}"
    );
    // Fixed, the same copy then goes through.
    diesel::sql_query(
        "UPDATE authorities SET name = $1 WHERE id = (SELECT MAX(id) FROM authorities)",
    )
    .bind::<Text, _>(&last.name)
    .execute(&mut c)
    .unwrap();
    let (code, out, err) =
        run(counterpart(&sqlite, dir.path()).args(["copy-database", "--to", &target.url]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(counts(&target.url)["authorities"], 800);
}
