//! A bulletin's page too long to keep (a directory of tens of thousands,
//! where a bulletin is 10 to 20 MB): written as its stored parts are read.
//! Made whole, the page held its content three times over (read, cut out,
//! put in the layout), and took the server to 147 MB for one reader.

use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::json;

use crate::bulletin::archive::{Content, Head};
use crate::bulletin::parts::Edition;
use crate::bulletin::web::ForWeb;
use crate::error::AppError;
use crate::web::support::respond::HTML;
use crate::web::support::streamed::{self, Writer};
use crate::web::{AppState, Viewer};

/// Bulletin `head`'s page in the reader's layout, its content written from
/// the stored parts of its HTML edition.
pub(crate) fn page(
    state: &AppState,
    viewer: &Viewer,
    head: Head,
) -> Result<HttpResponse, AppError> {
    let n = head.listed.number;
    let data = json!({
        "title": head.listed.subject, "nav": "bulletins",
        "bulletin": {"compiled_at": head.listed.compiled_at, "full_edition": head.full_edition},
        "prev": (n > 1).then(|| n - 1),
    });
    let (before, after) = streamed::around(state, viewer, "pages/bulletin", data)?;
    let writer = Around {
        content: Content::default(),
        web: ForWeb::new(Some(state.mail.base_url())),
        after,
    };
    let edition = vec![Edition::of(head.full_edition, true)];
    let pieces = streamed::body(
        state.pool.clone(),
        head.bulletin_id,
        edition,
        before,
        writer,
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HTML))
        .streaming(pieces))
}

/// The content cut out of the stored parts as the site shows it, then the
/// rest of the page.
struct Around {
    content: Content,
    web: ForWeb,
    after: String,
}

impl Writer for Around {
    fn part(&mut self, _: usize, text: &str) -> String {
        self.web.push(&self.content.push(text))
    }

    fn end(&mut self, _: usize) -> String {
        let mut end = self.web.push(&self.content.end());
        end.push_str(&self.web.end());
        end.push_str(&self.after);
        end
    }
}
