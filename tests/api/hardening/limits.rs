//! Lists and texts too long to be meant: refused naming the field, by the
//! API and the import alike, before the database is asked.

use serde_json::{Value, json};

use super::{fields_of, patch_own};
use crate::cli::{counterpart, run};
use crate::helpers::{fresh_database, spawn_app};
use crate::people::cast;

#[tokio::test]
async fn long_lists_and_long_texts_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let people = |n: usize| -> Value {
        (0..n)
            .map(|i| json!({"name": format!("Person {i}")}))
            .collect::<Vec<_>>()
            .into()
    };
    for (body, field) in [
        (json!({"contacts": people(5000)}), "contacts"),
        (json!({"contacts": people(51)}), "contacts"),
        (json!({"languages": vec!["fr"; 1000]}), "languages"),
        (json!({"channels": vec!["email"; 1000]}), "channels"),
        (
            json!({"designations": vec![json!({"article": 18}); 1000]}),
            "designations",
        ),
        (
            json!({"contacts": [{"name": "Ana", "languages": vec!["fr"; 1000]}]}),
            "contacts[0].languages",
        ),
        (
            json!({"designations": [{"article": 18, "functions": vec!["receives"; 1000]}]}),
            "designations[0].functions",
        ),
        (
            json!({"website": format!("https://justice.example/{}", "a".repeat(5000))}),
            "website",
        ),
        (json!({"name": "n".repeat(301)}), "name"),
    ] {
        let (s, answer) = patch_own(&app, &c, body).await;
        assert_eq!(s, 422, "{field}: {answer}");
        assert_eq!(fields_of(&answer), [field], "{answer}");
    }
    let (_, before) = app.authority_by_ref("FR-001").await;
    let (s, answer) = patch_own(&app, &c, json!({"contacts": people(50)})).await;
    assert_eq!(s, 200, "fifty contact persons are fine: {answer}");
    assert_eq!(answer["version"], before + 1);
}

#[test]
fn the_import_refuses_the_same_long_lists() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let contacts: Vec<Value> = (0..5000)
        .map(|i| json!({"name": format!("Person {i}")}))
        .collect();
    let file = dir.path().join("many.json");
    let record = json!([{
        "ref": "XX-MANY", "country_code": "FR", "name": "Many people",
        "languages": ["fr"], "channels": ["email"], "articles": [18], "contacts": contacts,
    }]);
    std::fs::write(&file, record.to_string()).unwrap();
    let (code, out, err) =
        run(counterpart(&db.url, dir.path()).args(["import", file.to_str().unwrap()]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("item 1, field contacts:"), "{err}");
    let (code, out, _) = run(counterpart(&db.url, dir.path()).args(["export", "--format", "json"]));
    assert_eq!((code, out.trim()), (0, "[]"), "nothing was imported");
}
