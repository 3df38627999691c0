//! Downloads of the directory and vCards, honouring who may see contacts.

use counterpart::auth::Role;
use counterpart::domain::Article;

use crate::helpers::{record, spawn_app};

#[tokio::test]
async fn downloads_leave_out_contacts_for_anonymous_readers() {
    let app = spawn_app().await;
    let mut tricky = record(
        "ZZ-FORMULA",
        "FR",
        "=HYPERLINK(\"http://evil.example\")",
        &[Article::EXTRADITION],
    );
    tricky.name_local = Some("@SUM(1+1)".into());
    app.insert(vec![tricky]).await;
    app.add_user("reader@it.example", Role::Reader, None).await;

    let r = app.get("/authorities.csv").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("authorities.csv")
    );
    let anonymous = r.text().await.unwrap();
    assert!(
        anonymous.starts_with("\u{feff}ref,country_code,state_name,"),
        "a byte order mark for spreadsheets, then the import format's header"
    );
    assert!(anonymous.lines().count() > 500);
    let fr = app
        .state
        .directory
        .snapshot()
        .authorities()
        .find(|a| a.ref_() == "FR-001")
        .unwrap()
        .clone();
    let fr_email = fr.email().expect("the demo gives FR-001 an email");
    for secret in [fr_email, "zz-formula@test.example", "1 Test Street"] {
        assert!(
            !anonymous.contains(secret),
            "{secret} is for signed-in readers"
        );
    }
    assert!(
        anonymous.contains("'=HYPERLINK") && anonymous.contains("'@SUM"),
        "formulas neutralised"
    );
    let json_anon = app.get("/authorities.json").await.text().await.unwrap();
    assert!(!json_anon.contains(fr_email) && !json_anon.contains("zz-formula@test.example"));

    let browser = app.sign_in("reader@it.example").await;
    let signed = browser.get("/authorities.csv").await.text().await.unwrap();
    assert!(
        signed.contains("zz-formula@test.example") && signed.contains(fr_email),
        "contacts for signed-in readers"
    );
    let json_signed = browser.get("/authorities.json").await.text().await.unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json_signed).unwrap();
    assert!(
        parsed
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["email"] == "zz-formula@test.example")
    );

    let (id, _) = app.authority_by_ref("FR-001").await;
    assert_eq!(
        app.get(&format!("/authorities/{id}.vcf")).await.status(),
        401
    );
    let card = browser.get(&format!("/authorities/{id}.vcf")).await;
    assert_eq!(card.status(), 200);
    assert!(
        card.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/vcard")
    );
    let card = card.text().await.unwrap();
    assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"), "{card}");
    assert!(card.contains("\r\nEMAIL") && card.trim_end().ends_with("END:VCARD"));
}

#[tokio::test]
async fn downloads_hold_what_the_search_found_with_state_names() {
    let app = spawn_app().await;
    app.add_user("reader@it.example", Role::Reader, None).await;
    let mut french: Vec<String> = app
        .state
        .directory
        .snapshot()
        .authorities()
        .filter(|a| a.country.as_str() == "FR")
        .map(|a| a.ref_().to_string())
        .collect();
    french.sort();
    assert!(french.len() >= 2);

    let csv = app
        .get("/authorities.csv?country=FR")
        .await
        .text()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[2], "state_name");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let refs: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(refs, french, "every French authority and no other, by ref");
    assert!(rows.iter().all(|r| &r[2] == "France"));

    // Words narrow it as on the search page.
    let csv = app
        .get("/authorities.csv?q=prosecutor&country=FR")
        .await
        .text()
        .await
        .unwrap();
    let lines = csv.lines().count() - 1;
    assert!(lines >= 1 && lines < french.len(), "{csv}");
    // A filter the page would refuse is refused here too.
    assert_eq!(app.get("/authorities.csv?country=ZZ").await.status(), 400);
    assert_eq!(app.get("/authorities.json?article=99").await.status(), 400);
    let json: serde_json::Value = app
        .get("/authorities.json?country=FR")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json.as_array().unwrap().len(), french.len());

    // vCards of the results: for signed-in readers, one per authority.
    assert_eq!(app.get("/authorities.vcf?country=FR").await.status(), 401);
    let browser = app.sign_in("reader@it.example").await;
    let cards = browser.get("/authorities.vcf?country=FR").await;
    assert_eq!(cards.status(), 200);
    let cards = cards.text().await.unwrap();
    assert_eq!(cards.matches("BEGIN:VCARD\r\n").count(), french.len());
    assert_eq!(cards.matches("END:VCARD\r\n").count(), french.len());

    // The search page links to the downloads of what it found, and each
    // result to its card for those who may have it.
    let (_, page) = app.get_html("/authorities?country=FR&q=prosecutor").await;
    assert!(
        page.contains("What was found as a file: <a href=\"/authorities.csv?q&#x3D;prosecutor&amp;country&#x3D;FR\""),
        "{page}"
    );
    assert!(!page.contains(".vcf"), "no cards for anonymous readers");
    let page = browser.text("/authorities?country=FR").await;
    assert!(page.contains("/authorities.vcf?country&#x3D;FR"), "{page}");
    assert!(page.matches(".vcf\" download>Add to address book").count() >= 2);
}
