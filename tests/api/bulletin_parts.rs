//! A bulletin's editions are stored in parts as they are rendered (at
//! 50,000 authorities they are 51 MB): read back, each is what was rendered
//! whole.

use counterpart::bulletin::compile::{self, Out};
use counterpart::bulletin::parts::{self, Edition, InMemory, Stored};
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
