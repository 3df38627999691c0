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
    assert!(anonymous.starts_with("ref,"), "the import format's header");
    assert!(anonymous.lines().count() > 500);
    let fr = app
        .state
        .directory
        .snapshot()
        .authorities()
        .iter()
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
