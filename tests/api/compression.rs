//! Compressed answers: what a client that takes gzip reads, unpacked, is
//! byte for byte what one that does not take it reads; pages kept, whole
//! or compressed, follow the directory and never cross from one reader to
//! another.

use std::io::Read;

use counterpart::domain::Article;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};

use crate::helpers::{TestApp, record, spawn_app};

struct Answer {
    status: u16,
    encoding: Option<String>,
    vary: Option<String>,
    /// Unpacked when it came compressed.
    body: String,
}

async fn fetch(client: &reqwest::Client, url: &str, accept: Option<&str>) -> Answer {
    let mut request = client.get(url);
    if let Some(accept) = accept {
        request = request.header(ACCEPT_ENCODING, accept);
    }
    let r = request.send().await.expect("request sent");
    let header = |name| {
        r.headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string())
    };
    let (status, encoding, vary) = (r.status().as_u16(), header(CONTENT_ENCODING), header(VARY));
    let raw = r.bytes().await.unwrap();
    let body = match encoding.as_deref() {
        Some("gzip") => {
            let mut text = String::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_string(&mut text)
                .unwrap_or_else(|e| panic!("{url}: not gzip: {e}"));
            text
        }
        None => String::from_utf8(raw.to_vec()).unwrap(),
        Some(other) => panic!("{url}: encoded as {other}"),
    };
    Answer {
        status,
        encoding,
        vary,
        body,
    }
}

async fn zipped(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let answer = fetch(
        client,
        &format!("{}{path}", app.address),
        Some("gzip, deflate, br"),
    )
    .await;
    assert_eq!(answer.status, 200, "{path}");
    // Short answers (an empty result) are not worth compressing.
    let expected = (answer.body.len() >= 1024).then_some("gzip");
    assert_eq!(answer.encoding.as_deref(), expected, "{path}");
    answer.body
}

#[tokio::test]
async fn a_compressed_answer_unpacks_to_the_plain_one() {
    let app = spawn_app().await;
    let paths = [
        "/",
        "/countries",
        "/countries/FR",
        "/counterpart?country=FR&article=18",
        "/about",
        "/measures",
        "/bulletins",
        // One kept body under two addresses: each its own "Sign in" link.
        "/authorities?q=ministry&page=1",
        "/authorities?page=1&q=ministry",
        "/api/v1/authorities?q=ministry",
        "/api/v1/countries",
    ];
    for path in paths {
        let url = format!("{}{path}", app.address);
        let plain = fetch(&app.client, &url, None).await;
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(plain.encoding, None, "{path}: compressed unasked");
        assert_eq!(plain.vary.as_deref(), Some("accept-encoding"), "{path}");
        assert!(
            plain.body.len() > 1024,
            "{path}: {} bytes",
            plain.body.len()
        );
        // Made, kept on the second asking, then kept compressed.
        for asking in 1..=3 {
            let answer = fetch(&app.client, &url, Some("gzip, deflate, br, zstd")).await;
            assert_eq!(answer.status, 200, "{path}");
            assert_eq!(answer.encoding.as_deref(), Some("gzip"), "{path}");
            assert_eq!(answer.vary.as_deref(), Some("accept-encoding"), "{path}");
            assert!(
                answer.body == plain.body,
                "{path}, asked {asking} times: the unpacked answer differs"
            );
        }
        // Refused by weight: plain.
        let refused = fetch(&app.client, &url, Some("gzip;q=0, br")).await;
        assert_eq!(refused.encoding, None, "{path}");
        assert!(refused.body == plain.body, "{path}");
    }
    // Pages made for a question asked the first time, compressed around
    // option lists compressed once (a chosen filter changes its list).
    for path in [
        "/authorities?q=justice",
        "/authorities?q=zzqx+nothing",
        "/authorities?q=police&country=FR",
        "/authorities?q=prosecutor&language=fr&article=18",
        "/authorities?q=justice&page=2",
    ] {
        let url = format!("{}{path}", app.address);
        let first = fetch(&app.client, &url, Some("gzip")).await;
        assert_eq!(first.encoding.as_deref(), Some("gzip"), "{path}");
        let plain = fetch(&app.client, &url, None).await;
        assert_eq!((first.status, plain.status), (200, 200), "{path}");
        assert!(
            first.body == plain.body,
            "{path}: the unpacked page differs"
        );
    }
    // A few bytes are not worth it.
    let health = fetch(
        &app.client,
        &format!("{}/healthz", app.address),
        Some("gzip"),
    )
    .await;
    assert_eq!((health.status, health.encoding), (200, None));
}

/// The page at `path` as a client that takes gzip reads it and as one that
/// does not: each is kept apart, and both must say the same.
async fn both(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let unpacked = zipped(app, client, path).await;
    let plain = fetch(client, &format!("{}{path}", app.address), None).await;
    assert_eq!((plain.status, plain.encoding), (200, None), "{path}");
    assert!(
        plain.body == unpacked,
        "{path}: the plain page differs from the compressed one"
    );
    plain.body
}

#[tokio::test]
async fn pages_kept_follow_the_directory_and_the_reader() {
    let app = spawn_app().await;
    let search = "/authorities?q=quolliq+tuvalu";
    for _ in 0..3 {
        assert!(
            both(&app, &app.client, search)
                .await
                .contains("No authority found")
        );
        assert!(
            !both(&app, &app.client, "/countries/TV")
                .await
                .contains("Quolliq")
        );
        let json = both(&app, &app.client, "/api/v1/authorities?q=quolliq+tuvalu").await;
        assert!(json.contains("\"total\":0"), "{json}");
    }
    app.insert(vec![record(
        "TV-901",
        "TV",
        "Quolliq Office of Tuvalu",
        &[Article::EXTRADITION],
    )])
    .await;
    let found = both(&app, &app.client, search).await;
    assert!(found.contains("Quolliq Office of Tuvalu"));
    assert!(
        !found.contains("tv-901@test.example"),
        "contacts shown to anyone"
    );
    assert!(
        both(&app, &app.client, "/countries/TV")
            .await
            .contains("Quolliq Office")
    );
    let json = both(&app, &app.client, "/api/v1/authorities?q=quolliq+tuvalu").await;
    assert!(json.contains("\"total\":1") && !json.contains("tv-901@test.example"));

    // A signed-in reader: their own layout and the contacts, compressed
    // too; the anonymous reader after them gets neither.
    app.add_user("zipped@test.example", counterpart::auth::Role::Admin, None)
        .await;
    let signed = app.sign_in("zipped@test.example").await;
    for _ in 0..2 {
        let html = both(&app, &signed.client, search).await;
        assert!(html.contains("tv-901@test.example") && html.contains(&signed.csrf));
        let html = both(&app, &signed.client, "/countries/TV").await;
        assert!(html.contains("Sign out") && html.contains(&signed.csrf));
        let anonymous = both(&app, &app.client, search).await;
        assert!(!anonymous.contains("tv-901@test.example"));
        assert!(!anonymous.contains(&signed.csrf) && !anonymous.contains("Sign out"));
        let anonymous = both(&app, &app.client, "/countries/TV").await;
        assert!(!anonymous.contains(&signed.csrf) && !anonymous.contains("Sign out"));
    }
}
