//! The demo must be complete, fictional, deterministic and valid.

use super::*;
use std::collections::HashSet;

fn options(authorities: Option<usize>) -> DemoOptions {
    DemoOptions {
        authorities,
        seed: 1,
        today: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        history: false,
    }
}

#[test]
fn the_vocabulary_is_complete() {
    let v = &*VOCABULARY;
    let roles: Vec<&String> = v.english.keys().collect();
    assert!(roles.len() >= 12);
    for (lang, words) in &v.languages {
        assert!(crate::domain::LanguageCode::parse(lang).is_ok(), "{lang}");
        for r in &roles {
            assert!(words.authorities.contains_key(*r), "{lang} lacks {r}");
        }
        assert!(
            words.given_names.len() >= 12 && words.family_names.len() >= 12,
            "{lang}"
        );
    }
}

#[test]
fn the_demo_covers_every_member_state_plausibly() {
    let list = generate(options(None));
    assert!(list.len() >= 500, "{}", list.len());
    let covered: HashSet<&str> = list.iter().map(|r| r.country_code.as_str()).collect();
    for s in states::all() {
        assert!(
            covered.contains(s.alpha2.as_str()),
            "{} has no authority",
            s.name
        );
    }
    let designated = |article| {
        list.iter()
            .filter(|r| r.designations.iter().any(|d| d.article == article))
            .map(|r| r.country_code.as_str())
            .collect::<HashSet<_>>()
            .len()
    };
    let (a16, a17, a18, a31) = (
        designated(Article::EXTRADITION),
        designated(Article::TRANSFER),
        designated(Article::MUTUAL_LEGAL_ASSISTANCE),
        designated(Article::PREVENTION),
    );
    assert!(
        a18 > a17 && a16 > a17 && a17 > 0 && a31 > 0 && a18 > a31,
        "{a16} {a17} {a18} {a31}"
    );
    assert!(a18 as f64 > 0.85 * 196.0);
}

#[test]
fn the_demo_is_fictional_and_deterministic() {
    let a = generate(options(None));
    let b = generate(options(None));
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| x.name == y.name && x.email == y.email)
    );
    for r in &a {
        for address in r
            .email
            .as_deref()
            .into_iter()
            .chain(r.contacts.iter().filter_map(|c| c.email.as_deref()))
        {
            assert!(address.ends_with(".example"), "{address}");
            assert!(crate::domain::Email::parse(address).is_ok(), "{address}");
        }
        assert!(r.website.as_deref().unwrap().contains(".example/"));
    }
    let scripts = |pred: fn(char) -> bool| {
        a.iter()
            .any(|r| r.name_local.as_deref().unwrap_or("").chars().any(pred))
    };
    assert!(
        scripts(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "Arabic"
    );
    assert!(
        scripts(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
        "Cyrillic"
    );
    assert!(
        scripts(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
        "Chinese"
    );
    assert!(
        a.iter()
            .any(|r| r.name_local.as_deref().is_some_and(|n| n.contains('è'))),
        "French accents"
    );
}

#[test]
fn large_directories_are_made_to_size() {
    let list = generate(options(Some(5_000)));
    assert_eq!(list.len(), 5_000);
    let refs: HashSet<&str> = list.iter().map(|r| r.ref_.as_str()).collect();
    assert_eq!(refs.len(), 5_000);
}

#[test]
fn demo_phones_pass_validation_unchanged() {
    let records = generate(DemoOptions {
        authorities: None,
        seed: 3,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
        history: false,
    });
    let mut bad = Vec::new();
    for r in &records {
        for phone in [&r.phone, &r.fax].into_iter().flatten() {
            let ok = crate::domain::Phone::parse(phone, Some(&r.country_code))
                .is_ok_and(|p| p.as_str() == phone);
            if !ok {
                bad.push(format!("{} {phone}", r.ref_));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:?}");
}
