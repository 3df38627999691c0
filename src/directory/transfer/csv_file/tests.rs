use super::*;
use crate::directory::edit::input::{ContactInput, DesignationInput};
use crate::directory::transfer::{Entry, Place};

fn read_text(text: &str) -> (Vec<Entry>, Vec<String>) {
    let (entries, problems) = read(text.as_bytes());
    (entries, problems.iter().map(ToString::to_string).collect())
}

#[test]
fn neutralising_is_undone_exactly() {
    for cell in [
        "=1+1",
        "+41584621111",
        "-x",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "'=x",
        "''+x",
        "'plain",
        "plain",
        "",
        "'",
        "a=b",
        "Ministry of Justice",
    ] {
        let out = neutralise(cell);
        assert_eq!(restore(&out), cell, "{cell:?} became {out:?}");
        let dangerous = out.starts_with(is_trigger);
        assert!(!dangerous, "{cell:?} still starts a formula: {out:?}");
    }
    assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(neutralise("'=x"), "''=x");
    assert_eq!(neutralise("Justice"), "Justice");
    // A quote typed in a spreadsheet before something harmless stays.
    assert_eq!(restore("'007"), "'007");
}

#[test]
fn the_header_names_every_wrong_column() {
    let (_, problems) = read_text(
        "ref,Name,country_code,nmae,art_18,ART_18,contact01_name,contact1_age,\nA,B,FR,,x,,,,\n",
    );
    assert_eq!(
        problems,
        [
            "line 1, field nmae: unknown column (see docs/import-format.md for the columns)",
            "line 1, field ART_18: the column appears twice",
            "line 1, field contact01_name: unknown column (see docs/import-format.md for the columns)",
            "line 1, field contact1_age: unknown column (see docs/import-format.md for the columns)",
            "line 1: column 9 has no name",
        ]
    );
    let (_, problems) = read_text("name,art_16\nX,x\n");
    assert_eq!(
        problems,
        [
            "line 1: the column ref is missing",
            "line 1: the column country_code is missing"
        ]
    );
    let (_, problems) = read_text("");
    assert_eq!(
        problems,
        ["line 1: the file is empty; its first line must name the columns"]
    );
}

#[test]
fn lines_count_those_inside_quoted_cells() {
    let text = "\u{feff}ref,country_code,name,notes,art_18\n\
                A-1,FR,\"Ministère, \"\"Justice\"\"\",\"one\ntwo\nthree\",x\n\
                \n\
                ,,,,\n\
                A-2,DE,Bundesamt,,receives\n\
                A-3,DE\n";
    let (entries, problems) = read_text(text);
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].place, Place::Line(2));
    assert_eq!(
        entries[0].input.text("name"),
        Some("Ministère, \"Justice\"")
    );
    assert_eq!(entries[0].input.text("notes"), Some("one\ntwo\nthree"));
    assert_eq!(entries[1].place, Place::Line(7));
    assert_eq!(problems, ["line 8: has 2 cells where the header has 5"]);
}

#[test]
fn designation_cells_hold_x_or_functions() {
    let text = "ref,country_code,name,art_16,art_16_note,art_18,art_migrants_8,art_31_note\n\
                A,FR,X,x,Only for EU,receives; transmits,Receives,Ignored?\n";
    let (entries, problems) = read_text(text);
    assert_eq!(
        problems,
        [
            "line 2, field art_31_note: a note for an article not designated; write x or the functions in art_31"
        ]
    );
    let d = entries[0].input.designations.as_ref().unwrap();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0].article, serde_json::json!(16));
    assert_eq!(d[0].functions, None);
    assert_eq!(d[0].note.as_deref(), Some("Only for EU"));
    assert_eq!(
        d[1].functions,
        Some(vec!["receives".into(), "transmits".into()])
    );
    assert_eq!(d[2].article, serde_json::json!("migrants-8"));
}

#[test]
fn problems_name_the_columns_they_come_from() {
    let text = "ref,country_code,name,art_31,art_firearms_13,contact3_name,contact3_email,contact5_name\n\
                A,FR,X,sends,x,Ann,not-an-email,\n\
                B,FR,Y,,,,,\n";
    let (entries, problems) = read_text(text);
    assert!(problems.is_empty(), "{problems:?}");
    let now = crate::clock::Clock::system().now();
    let found: Vec<String> = super::super::validate(&entries, now, |_| {})
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].starts_with("line 2, field art_31: unknown function \"sends\""),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("line 2, field contact3_email: \"not-an-email\""),
        "{found:?}"
    );
    assert_eq!(
        found[2],
        "line 3, field art_*: an authority needs at least one designation (an article)"
    );
}

#[test]
fn a_written_row_reads_back_as_it_was() {
    let mut input = AuthorityInput::default();
    input.designations = Some(vec![DesignationInput {
        article: serde_json::json!("firearms-13"),
        functions: Some(vec!["executes".into()]),
        note: Some("@night".into()),
    }]);
    input.contacts = Some(vec![ContactInput {
        name: Some("-Anna".into()),
        languages: Some(vec!["ru".into()]),
        ..Default::default()
    }]);
    input.set_text("ref", Some("RU-1".into()));
    input.set_text("country_code", Some("RU".into()));
    input.set_text(
        "name",
        Some("=Генеральная прокуратура; \"отдел\", №1".into()),
    );
    input.set_text("name_local", Some("+司法部\nشعبة".into()));
    input.set_text("phone", Some("+74951234567".into()));
    input.set_list("languages", Some(vec!["ru".into(), "en".into()]));
    input.set_list("channels", Some(vec![]));
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header(true, 2)).unwrap();
    w.write_record(row(&input, true, 2)).unwrap();
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    assert!(text.contains(",\"'=Генеральная"), "{text}");
    assert!(text.contains(",'+74951234567,"), "{text}");
    let (entries, problems) = read_text(&text);
    assert!(problems.is_empty(), "{problems:?}");
    let back = &entries[0].input;
    for f in ["name", "name_local", "phone"] {
        assert_eq!(back.text(f), input.text(f), "{f}");
    }
    assert_eq!(back.list("languages"), input.list("languages"));
    assert_eq!(back.value("channels"), None);
    assert_eq!(back.designations, input.designations);
    assert_eq!(
        back.contacts.as_ref().unwrap()[0].name,
        input.contacts.as_ref().unwrap()[0].name
    );
}

#[test]
fn the_anonymous_header_has_no_contact_columns() {
    let h = header(false, 2);
    let private = [
        "address",
        "postal_code",
        "phone",
        "fax",
        "email",
        "website",
        "urgent_contact",
    ];
    for p in private {
        assert!(!h.iter().any(|c| c == p), "{p}");
    }
    assert!(!h.iter().any(|c| c.starts_with("contact")));
    assert_eq!(
        h.len(),
        FIELDS.len() - private.len() + 1 + 2 * Article::all().count()
    );
    assert_eq!(row(&AuthorityInput::default(), false, 2).len(), h.len());
    assert_eq!(
        header(true, 3).len(),
        FIELDS.len() + 1 + 2 * Article::all().count() + 3 * CONTACT_PARTS.len()
    );
}
