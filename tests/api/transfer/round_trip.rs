//! Export, import into an empty database, export again: the same bytes.

use std::path::Path;

use super::Setup;

/// Names and notes a spreadsheet or a careless writer would mangle.
fn tricky_file() -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "ref",
        "country_code",
        "name",
        "name_local",
        "notes",
        "phone",
        "art_18",
        "art_18_note",
        "contact1_name",
        "contact1_phone",
        "contact2_name",
    ])
    .unwrap();
    let rows: [[&str; 11]; 7] = [
        [
            "T-1",
            "FR",
            "Ministère \"de la Justice\", Paris",
            "",
            "first line\nsecond, with comma\nthird; with semicolon",
            "+33 1 44 77 60 60",
            "receives",
            "Only \"urgent\" ones",
            "Zoé \"Z\" Dupont",
            "+33 1 44 77 60 61",
            "",
        ],
        [
            "T-2",
            "EG",
            "وزارة العدل",
            "إدارة التعاون الدولي",
            "",
            "",
            "x",
            "",
            "",
            "",
            "",
        ],
        [
            "T-3",
            "CN",
            "中华人民共和国司法部",
            "司法协助交流中心",
            "",
            "",
            "x",
            "",
            "张伟",
            "",
            "李娜",
        ],
        [
            "T-4",
            "RU",
            "Генеральная прокуратура",
            "",
            "",
            "",
            "x",
            "",
            "",
            "",
            "",
        ],
        [
            "T-5",
            "GB",
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+SUM(1,2)",
            "@cmd",
            "",
            "x",
            "-1",
            "",
            "",
            "",
        ],
        [
            "T-6",
            "GB",
            "+Plus Office",
            "'=already quoted",
            "'plain quote",
            "",
            "x",
            "",
            "@Desk",
            "",
            "",
        ],
        [
            "T-7",
            "GB",
            "@Mention Office",
            "",
            "-minus first",
            "",
            "x",
            "",
            "",
            "",
            "",
        ],
    ];
    for row in rows {
        w.write_record(row).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn tricky_cells_survive_a_round_trip() {
    let a = Setup::new();
    assert_eq!(
        a.import(&a.file("tricky.csv", &tricky_file()), &[]),
        "added 7, changed 0, unchanged 0"
    );
    let first = a.export("csv");
    // Nothing a spreadsheet would run as a formula.
    let mut reader = csv::Reader::from_reader(first.as_bytes());
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    assert!(
        first.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
        "{first}"
    );
    assert!(first.contains(",'+33144776060,"), "{first}");
    // A quote before a formula character in the file is the neutralising
    // one, taken off on import.
    assert!(first.contains(",'=already quoted,"), "{first}");

    let b = Setup::new();
    let path = b.file("exported.csv", &first);
    assert_eq!(b.import(&path, &[]), "added 7, changed 0, unchanged 0");
    assert_eq!(
        b.export("csv"),
        first,
        "export, import, export must be lossless"
    );
    assert_eq!(b.import(&path, &[]), "added 0, changed 0, unchanged 7");

    let json: serde_json::Value = serde_json::from_str(&b.export("json")).unwrap();
    let field = |i: usize, f: &str| json[i][f].as_str().unwrap_or_default().to_string();
    assert_eq!(field(0, "name"), "Ministère \"de la Justice\", Paris");
    assert_eq!(
        field(0, "notes"),
        "first line\nsecond, with comma\nthird; with semicolon"
    );
    assert_eq!(field(1, "name"), "وزارة العدل");
    assert_eq!(field(2, "name"), "中华人民共和国司法部");
    assert_eq!(json[2]["contacts"][1]["name"], "李娜");
    assert_eq!(field(3, "name"), "Генеральная прокуратура");
    assert_eq!(
        field(4, "name"),
        "=HYPERLINK(\"http://evil.example\",\"click\")"
    );
    assert_eq!(field(4, "name_local"), "+SUM(1,2)");
    assert_eq!(json[4]["designations"][0]["note"], "-1");
    assert_eq!(field(5, "name"), "+Plus Office");
    assert_eq!(field(5, "name_local"), "=already quoted");
    assert_eq!(field(5, "notes"), "'plain quote");
    assert_eq!(field(6, "name"), "@Mention Office");
}

pub(super) const JSON_FILE: &str = r#"{"authorities": [
  {"ref": "NL-1", "country_code": "NLD", "name": "Ministerie van Justitie en Veiligheid",
   "acronym": "JenV", "kind": "central_authority", "languages": ["nl", "en"],
   "channels": ["email", "secure platform"], "website": "https://www.justitie.nl.example",
   "time_zone": "Europe/Amsterdam", "office_hours": "Mon–Fri 09:00–17:00",
   "designations": [
     {"article": 18, "functions": ["receives", "executes"], "note": "Also for art. 17"},
     {"article": "migrants-8"},
     {"article": "firearms-13", "functions": ["receives"]}
   ],
   "contacts": [
     {"name": "Jan de Vries", "position": "Head", "email": "jan@justitie.nl.example", "phone": "+31 70 370 79 11", "languages": ["nl"]},
     {"name": "Eva Jansen"}, {"name": "Piet Bakker"}
   ]},
  {"ref": "BE-1", "country_code": "be", "name": "SPF Justice", "articles": [31, 16]}
]}"#;

#[test]
fn json_round_trips_and_agrees_with_csv() {
    let a = Setup::new();
    assert_eq!(
        a.import(&a.file("list.json", JSON_FILE), &[]),
        "added 2, changed 0, unchanged 0"
    );
    assert_eq!(
        a.import(&a.file("list.json", JSON_FILE), &[]),
        "added 0, changed 0, unchanged 2"
    );
    let first = a.export("json");
    assert!(
        first.starts_with("[\n  {\n    \"ref\": \"BE-1\""),
        "ordered by ref: {first}"
    );
    let b = Setup::new();
    b.import(&b.file("exported.json", &first), &[]);
    assert_eq!(b.export("json"), first);
    // Through CSV, with three contacts, the same directory.
    let csv = a.export("csv");
    assert!(
        csv.lines().next().unwrap().ends_with("contact3_languages"),
        "{csv}"
    );
    let c = Setup::new();
    c.import(&c.file("exported.csv", &csv), &[]);
    assert_eq!(c.export("json"), first);
    assert_eq!(c.export("csv"), csv);
}

#[test]
fn the_documented_samples_import_and_agree() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let from_json = Setup::new();
    let out = from_json.import(&docs.join("sample-import.json"), &[]);
    assert_eq!(out, "added 3, changed 0, unchanged 0");
    let from_csv = Setup::new();
    let out = from_csv.import(&docs.join("sample-import.csv"), &[]);
    assert_eq!(out, "added 3, changed 0, unchanged 0");
    assert_eq!(from_csv.export("json"), from_json.export("json"));
    let sample = std::fs::read_to_string(docs.join("sample-import.csv")).unwrap();
    assert_eq!(from_json.export("csv"), sample);
}
