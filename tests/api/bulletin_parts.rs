//! A bulletin's editions are stored in parts as they are rendered (at
//! 50,000 authorities they are 51 MB): read back, each is what was rendered
//! whole.

use counterpart::bulletin::compile::{self, Out};
use counterpart::bulletin::parts::{self, Edition, InMemory, Stored};
use counterpart::bulletin::web::for_web;
use counterpart::db::schema::{bulletin_parts, bulletins};
use counterpart::directory::demo::DemoOptions;
use diesel::prelude::*;

use crate::helpers::{demo, spawn_app_with};

#[tokio::test]
async fn an_edition_stored_in_parts_reads_back_as_rendered_whole() {
    // The demo's history: measures in force in many States.
    let history = DemoOptions {
        history: true,
        ..demo().unwrap()
    };
    let app = spawn_app_with(&[], Some(history)).await;
    let state = app.state.clone();
    tokio::task::spawn_blocking(move || {
        let conn = &mut *state.pool.get().unwrap();
        let now = state.clock.now();
        let (templates, base_url) = (state.mail.templates(), state.mail.base_url());
        let since = now - chrono::Duration::days(14);
        let mut whole = InMemory::default();
        let out = Out {
            sink: &mut whole,
            public: true,
            unless_empty: false,
            part: usize::MAX,
        };
        compile::compile(conn, templates, 99, now, now, since, base_url, out).unwrap();
        // Each State its own part, a few States a part, and one part each.
        for (years, part, least) in [(10, 1, 50), (11, 4096, 3), (12, usize::MAX / 2, 1)] {
            // A row of its own to store the parts under.
            let slot = now + chrono::Duration::days(365 * years);
            diesel::insert_into(bulletins::table)
                .values((
                    bulletins::slot_at.eq(slot),
                    bulletins::status.eq("skipped"),
                    bulletins::cause.eq("test"),
                    bulletins::compiled_at.eq(now),
                    bulletins::subject.eq(""),
                    bulletins::summary.eq(""),
                    bulletins::entries.eq(""),
                ))
                .execute(conn)
                .unwrap();
            let id: i64 = bulletins::table
                .filter(bulletins::slot_at.eq(slot))
                .select(bulletins::id)
                .first(conn)
                .unwrap();
            let out = Out {
                sink: &mut Stored::new(id),
                public: true,
                unless_empty: false,
                part,
            };
            compile::compile(conn, templates, 99, now, now, since, base_url, out).unwrap();
            for edition in [
                Edition::HtmlFull,
                Edition::TextFull,
                Edition::HtmlPublic,
                Edition::TextPublic,
            ] {
                let rendered = whole.get(edition);
                let stored: i64 = bulletin_parts::table
                    .filter(bulletin_parts::bulletin_id.eq(id))
                    .filter(bulletin_parts::edition.eq(edition.name()))
                    .count()
                    .get_result(conn)
                    .unwrap();
                assert!(
                    stored >= least,
                    "{edition:?}, parts of {part}: {} bytes in {stored} parts",
                    rendered.len()
                );
                let read = parts::read(conn, id, edition).unwrap();
                assert!(
                    read == rendered,
                    "{edition:?}, parts of {part}: differs once stored"
                );
                assert_eq!(
                    parts::size(conn, id, &[edition]).unwrap(),
                    rendered.len() as i64
                );
            }
        }
        // The full edition holds contact details the public one does not.
        assert!(whole.get(Edition::HtmlFull).len() > whole.get(Edition::HtmlPublic).len());
    })
    .await
    .unwrap();
}

/// Sent bulletin `number`'s id.
fn id_of(conn: &mut counterpart::db::DbConnection, number: i32) -> i64 {
    bulletins::table
        .filter(bulletins::number.eq(number))
        .select(bulletins::id)
        .first(conn)
        .unwrap()
}

/// `whole` stored as an edition of bulletin `id` in its stead, in parts of
/// about `size` bytes cut anywhere (within a character's bytes never); the
/// number of parts.
fn store(
    conn: &mut counterpart::db::DbConnection,
    id: i64,
    edition: Edition,
    whole: &str,
    size: usize,
) -> usize {
    diesel::delete(
        bulletin_parts::table
            .filter(bulletin_parts::bulletin_id.eq(id))
            .filter(bulletin_parts::edition.eq(edition.name())),
    )
    .execute(conn)
    .unwrap();
    let (mut at, mut seq) = (0, 0);
    while at < whole.len() {
        let mut end = (at + size).min(whole.len());
        while !whole.is_char_boundary(end) {
            end += 1;
        }
        diesel::insert_into(bulletin_parts::table)
            .values((
                bulletin_parts::bulletin_id.eq(id),
                bulletin_parts::edition.eq(edition.name()),
                bulletin_parts::seq.eq(seq),
                bulletin_parts::body.eq(&whole[at..end]),
            ))
            .execute(conn)
            .unwrap();
        (seq, at) = (seq + 1, end);
    }
    assert!(parts::read(conn, id, edition).unwrap() == whole);
    seq as usize
}

/// Each edition of sent bulletin `number` stored again in parts of about
/// `size` bytes; the number of parts.
fn cut_again(conn: &mut counterpart::db::DbConnection, number: i32, size: usize) -> usize {
    let id = id_of(conn, number);
    let mut count = 0;
    for edition in [
        Edition::HtmlFull,
        Edition::TextFull,
        Edition::HtmlPublic,
        Edition::TextPublic,
    ] {
        let whole = parts::read(conn, id, edition).unwrap();
        count += store(conn, id, edition, &whole, size);
    }
    count
}

/// GET `path` with `Accept-Encoding: gzip`, unpacked.
async fn unzipped(app: &crate::helpers::TestApp, path: &str) -> String {
    let zipped = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.status(), 200, "{path}");
    assert_eq!(zipped.headers()["content-encoding"], "gzip", "{path}");
    let raw = zipped.bytes().await.unwrap();
    let mut unpacked = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&raw[..]), &mut unpacked)
        .unwrap();
    assert!(
        raw.len() < unpacked.len() / 3,
        "{path}: {} zipped",
        raw.len()
    );
    unpacked
}

#[tokio::test]
async fn the_api_answer_is_the_same_however_its_bulletin_was_cut() {
    // The API writes a bulletin as its parts are read, putting the
    // subscription link in place of each recipient's unsubscribe line: an
    // address cut between two parts must be replaced all the same.
    let history = DemoOptions {
        history: true,
        ..demo().unwrap()
    };
    let app = spawn_app_with(&[], Some(history)).await;
    let read = || async {
        let r = app.get("/api/v1/bulletins/1").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        r.text().await.unwrap()
    };
    let whole = read().await;
    let answer: serde_json::Value = serde_json::from_str(&whole).unwrap();
    assert_eq!(answer["number"], 1);
    assert_eq!(answer["full_edition"], false);
    for (edition, title) in [
        ("html", "Counterpart bulletin no. 1"),
        ("text", "COUNTERPART BULLETIN NO. 1"),
    ] {
        let body = answer[edition].as_str().unwrap();
        assert!(body.contains(title), "{edition}");
        assert!(
            body.contains(&format!("{}/subscribe", app.state.mail.base_url())),
            "{edition}: the subscription link"
        );
    }
    assert!(!whole.contains(compile::UNSUBSCRIBE_PLACEHOLDER));
    for size in [29, 4096] {
        let state = app.state.clone();
        let count =
            tokio::task::spawn_blocking(move || cut_again(&mut state.pool.get().unwrap(), 1, size))
                .await
                .unwrap();
        assert!(count >= 4, "parts of {size}: {count}");
        assert!(read().await == whole, "parts of {size}: the answer differs");
        // Compressed as it is written, for a client that takes gzip.
        let unpacked = unzipped(&app, "/api/v1/bulletins/1").await;
        assert!(unpacked == whole, "parts of {size}: compressed, it differs");
    }
    let (s, _) = app.get_json("/api/v1/bulletins/99").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_bulletin_page_too_long_to_keep_is_written_as_it_is_read() {
    // At 50,000 authorities a bulletin is over 1 MB and its page is written
    // from the stored parts; here, the demo's bulletin is made that long.
    let history = DemoOptions {
        history: true,
        ..demo().unwrap()
    };
    let refresh = [("COUNTERPART_DIRECTORY__REFRESH_INTERVAL", "200ms")];
    let app = spawn_app_with(&refresh, Some(history)).await;
    let (status, short) = app.get_html("/bulletins/1").await;
    assert_eq!(status, 200);
    let state = app.state.clone();
    let base = state.mail.base_url().to_string();
    let (content, padding) = tokio::task::spawn_blocking(move || {
        let conn = &mut *state.pool.get().unwrap();
        let id = id_of(conn, 1);
        let html = parts::read(conn, id, Edition::HtmlPublic).unwrap();
        let content = counterpart::bulletin::archive::into_content(html.clone());
        // A measure's paragraph, many times over, with letters of two bytes,
        // styled and linked as the mail does it: parts cut its tags anywhere.
        let paragraph = format!(
            "<p style=\"margin:0\"><a href=\"{}/authorities/1\" style=\"color:#0b4f8a\">Requests by email — ü</a></p>\n",
            state.mail.base_url()
        );
        let padding = paragraph.repeat(20_000);
        let start = "<!--bulletin:start-->";
        let long = html.replacen(start, &format!("{start}{padding}"), 1);
        // Cut in the middle of the content's end marker.
        let cut = long.find("<!--bulletin:end-->").unwrap() + 5;
        assert!(store(conn, id, Edition::HtmlPublic, &long, cut) >= 2);
        (content, padding)
    })
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The site shows the content without the mail's styles, its links
    // relative: the short page did, and the long one must.
    let (content, padding) = (
        for_web(&content, Some(&base)),
        for_web(&padding, Some(&base)),
    );
    assert!(short.contains(&content) && !content.contains(" style=\""));
    assert!(padding.starts_with("<p><a href=\"/authorities/1\">Requests"));
    let want = short.replacen(&content, &format!("{padding}{content}"), 1);
    assert!(want.len() > short.len() + 1_000_000);
    let (status, long) = app.get_html("/bulletins/1").await;
    assert_eq!(status, 200);
    assert!(
        long == want,
        "the long page differs from the page made whole"
    );
    assert!(unzipped(&app, "/bulletins/1").await == want);
    let (status, _) = app.get_html("/bulletins/99").await;
    assert_eq!(status, 404);
}
