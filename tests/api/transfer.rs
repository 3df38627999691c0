//! `counterpart import` and `export`, run as the operator would, against a
//! fresh database (SQLite, or PostgreSQL with TEST_DATABASE_URL).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use counterpart::audit;
use counterpart::db::{DatabaseUrl, DbConnection};
use counterpart::directory::edit;

use crate::cli::{counterpart, run};
use crate::helpers::{TestDatabase, fresh_database};

mod round_trip;

struct Setup {
    dir: tempfile::TempDir,
    db: TestDatabase,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh_database(dir.path());
        Self { dir, db }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        run(counterpart(&self.db.url, self.dir.path()).args(args))
    }

    /// Imports and expects success; returns the summary line.
    fn import(&self, path: &Path, extra: &[&str]) -> String {
        let mut args = vec!["import", path.to_str().unwrap()];
        args.extend(extra);
        let (code, out, err) = self.run(&args);
        assert_eq!(code, 0, "{out}{err}");
        out.trim().to_string()
    }

    fn export(&self, format: &str) -> String {
        let (code, out, err) = self.run(&["export", "--format", format]);
        assert_eq!(code, 0, "{err}");
        out
    }

    fn conn(&self) -> DbConnection {
        DatabaseUrl::parse(&self.db.url).unwrap().connect().unwrap()
    }

    fn history(&self) -> Vec<audit::Change> {
        audit::list(&mut self.conn(), None, 1000, 0).unwrap().1
    }
}

fn today() -> String {
    crate::helpers::today().to_string()
}

const HEADER: &str = "ref,country_code,name,email,phone,languages,verified_at,art_16,art_18,art_18_note,contact1_name,contact1_email";

fn good_file() -> String {
    let t = today();
    format!(
        "{HEADER}\n\
         FR-1,FR,Bureau de l'entraide pénale,bepi@justice.fr.example,+33 1 44 77 60 60,fr;en,{t},x,receives;transmits,Via email,Anne Martin,anne@justice.fr.example\n\
         DE-1,DE,Bundesamt für Justiz,,+49 228 99 410 40,de,,receives,,,,\n\
         JP-1,JP,Ministry of Justice,mla@moj.jp.example,,ja;en,,,x,,,\n"
    )
}

#[test]
fn a_file_is_added_then_left_alone_then_changed() {
    let s = Setup::new();
    let path = s.file("list.csv", &good_file());
    assert_eq!(s.import(&path, &[]), "added 3, changed 0, unchanged 0");
    assert_eq!(s.import(&path, &[]), "added 0, changed 0, unchanged 3");
    let changed = good_file()
        .replace("Bundesamt für Justiz", "Bundesamt für Justiz (BfJ)")
        .replace("mla@moj.jp.example", "icd@moj.jp.example");
    let path = s.file("list.csv", &changed);
    assert_eq!(s.import(&path, &[]), "added 0, changed 2, unchanged 1");

    let log = s.history();
    assert_eq!(log.len(), 5, "{log:?}");
    assert!(
        log.iter()
            .all(|c| c.actor == "import" && c.action == "import")
    );
    let de = log
        .iter()
        .find(|c| c.authority_name.starts_with("Bundesamt"))
        .unwrap();
    assert_eq!(de.fields.len(), 1, "{de:?}");
    assert_eq!(de.fields[0].field, "name");
    assert_eq!(de.fields[0].old.as_deref(), Some("Bundesamt für Justiz"));
    let (_, list) = counterpart::directory::model::load_all(&mut s.conn()).unwrap();
    let version = |r: &str| list.iter().find(|a| a.ref_() == r).unwrap().version;
    assert_eq!(
        (version("FR-1"), version("DE-1"), version("JP-1")),
        (1, 2, 2)
    );
}

#[test]
fn a_bad_file_changes_nothing_and_names_every_problem() {
    let s = Setup::new();
    s.import(&s.file("good.csv", &good_file()), &[]);
    let before = s.export("csv");
    let history_before = s.history().len();
    let bad = format!(
        "{HEADER}\n\
         FR-1,FR,Bureau renamed,,,,,x,,,,\n\
         XX-1,FR,Bad email,not-an-email,,,,x,,,,\n\
         XX-2,FR,Good new one,,,,,x,,,,\n\
         XX-3,ZZ,Unknown country,,,,,x,,,,\n\
         XX-2,FR,Same ref again,,,,,x,,,,\n\
         XX-4,FR,,,,,,x,,,,\n"
    );
    let (code, out, err) = s.run(&["import", s.file("bad.csv", &bad).to_str().unwrap()]);
    assert_ne!(code, 0, "{out}{err}");
    for expected in [
        "line 3, field email: \"not-an-email\" is not an email address",
        "line 5, field country_code: no State party with code \"ZZ\"",
        "line 6, field ref: \"XX-2\" is already the ref of line 4",
        "line 7, field name: is required",
        "4 problem(s) in the file; nothing was imported",
    ] {
        assert!(err.contains(expected), "{expected:?} missing from:\n{err}");
    }
    assert_eq!(s.export("csv"), before);
    assert_eq!(s.history().len(), history_before);

    // JSON problems are numbered by item, from 1.
    let json = r#"[{"ref": "J-1", "country_code": "FR", "name": "x", "articles": [18]},
                   {"ref": "J-2", "country_code": "FR", "articles": [19], "languages": ["xx"]}]"#;
    let (code, _, err) = s.run(&["import", s.file("bad.json", json).to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("item 2, field name: is required"), "{err}");
    assert!(err.contains("item 2, field languages: \"xx\""), "{err}");
    assert!(
        err.contains("item 2, field designations[0].article: unknown article"),
        "{err}"
    );
    assert!(!err.contains("item 1"), "{err}");
    assert_eq!(s.export("csv"), before);
}

#[test]
fn wrong_columns_and_unknown_formats_are_refused() {
    let s = Setup::new();
    let path = s.file("x.csv", "ref,country_code,name,art_18,colour\nA,FR,X,x,\n");
    let (code, _, err) = s.run(&["import", path.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(
        err.contains("line 1, field colour: unknown column"),
        "{err}"
    );
    let path = s.file("x.txt", &good_file());
    let (code, _, err) = s.run(&["import", path.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("add --format csv or --format json"), "{err}");
    let out = s.import(&path, &["--format", "csv"]);
    assert_eq!(out, "added 3, changed 0, unchanged 0");
}

#[test]
fn a_dry_run_counts_and_changes_nothing() {
    let s = Setup::new();
    let first_row: String = good_file().lines().take(2).collect::<Vec<_>>().join("\n");
    s.import(&s.file("one.csv", &first_row), &[]);
    let before = s.export("json");
    let changed = good_file().replace("Bureau de l'entraide pénale", "BEPI");
    let path = s.file("all.csv", &changed);
    assert_eq!(
        s.import(&path, &["--dry-run"]),
        "would add 2, change 1, leave 0 unchanged"
    );
    assert_eq!(s.export("json"), before);
    assert_eq!(s.history().len(), 1);
    assert_eq!(s.import(&path, &[]), "added 2, changed 1, unchanged 0");
}

#[test]
fn an_archived_authority_named_in_the_file_comes_back() {
    let s = Setup::new();
    let path = s.file("list.csv", &good_file());
    s.import(&path, &[]);
    let mut conn = s.conn();
    let (_, list) = counterpart::directory::model::load_all(&mut conn).unwrap();
    let de = list.iter().find(|a| a.ref_() == "DE-1").unwrap();
    let now = counterpart::clock::Clock::system().now();
    edit::archive(&mut conn, de.id, None, &audit::Actor::command("test"), now).unwrap();
    assert!(!s.export("csv").contains("DE-1"));
    let out = s.import(&path, &[]);
    assert!(out.starts_with("added 0, changed 1, unchanged 2"), "{out}");
    assert!(out.contains("back in service"), "{out}");
    assert!(s.export("csv").contains("DE-1"));
    let restored = &s.history()[0];
    assert_eq!(restored.action, "import");
    assert!(
        restored
            .fields
            .iter()
            .any(|f| f.field == "archived" && f.new.is_none())
    );
}

#[test]
fn export_writes_a_file_and_reads_from_standard_input() {
    let s = Setup::new();
    s.import(&s.file("list.json", round_trip::JSON_FILE), &[]);
    let out = s.dir.path().join("out.csv");
    let (code, stdout, err) = s.run(&["export", "--output", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty());
    assert!(err.contains("exported 2 authorities"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), s.export("csv"));
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());

    let mut child = counterpart(&s.db.url, s.dir.path())
        .args(["import", "-", "--format", "csv", "--dry-run"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(good_file().as_bytes()).unwrap();
    drop(stdin);
    let done = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(stdout.trim(), "would add 3, change 0, leave 0 unchanged");
}

#[test]
fn a_generated_directory_exports_and_imports_back_unchanged() {
    let source = Setup::new();
    let (code, _, err) = source.run(&["demo-data", "--authorities", "3000", "--seed", "5"]);
    assert_eq!(code, 0, "{err}");
    let csv = source.export("csv");
    let target = Setup::new();
    let path = target.file("all.csv", &csv);
    let summary = target.import(&path, &[]);
    assert!(summary.contains("added 3000"), "{summary}");
    assert_eq!(
        target.export("csv"),
        csv,
        "export, import, export: the same bytes"
    );
    let again = target.import(&path, &[]);
    assert!(
        again.contains("unchanged 3000") || again.contains("3000 unchanged"),
        "{again}"
    );
}
