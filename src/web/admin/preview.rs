//! The secretariat's preview of the next bulletin, written as it is
//! compiled. At 50,000 authorities the full edition's HTML is 16 MB: held
//! whole and put into the page, it took the server from 114 to 180 MB.

use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use futures_util::{StreamExt, stream};
use serde_json::json;
use tokio::sync::mpsc;

use crate::bulletin::Compiler;
use crate::bulletin::archive::{self, Content};
use crate::bulletin::compile::Summary;
use crate::bulletin::parts::{Edition, Sink};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::AppState;
use crate::web::support::extract::AdminPage;
use crate::web::support::respond::HTML;
use crate::web::support::streamed::{Writing, around, sliced};

/// What the compiler hands the page, in order.
enum Piece {
    Heading { subject: String, summary: Summary },
    Html(String),
    Failed(AppError),
}

/// The full edition's HTML, handed on as it is rendered. The compiler waits
/// while two pieces are not yet sent, and stops when the reader has gone.
struct Channel {
    tx: mpsc::Sender<Piece>,
}

impl Channel {
    fn send(&self, piece: Piece) -> Result<(), AppError> {
        self.tx
            .blocking_send(piece)
            .map_err(|_| AppError::internal(anyhow::anyhow!("the preview's reader has gone")))
    }
}

impl Sink for Channel {
    fn heading(&mut self, subject: &str, summary: &Summary) -> Result<(), AppError> {
        self.send(Piece::Heading {
            subject: subject.to_string(),
            summary: summary.clone(),
        })
    }

    fn write(
        &mut self,
        _: &mut DbConnection,
        edition: Edition,
        text: &str,
    ) -> Result<(), AppError> {
        if edition != Edition::HtmlFull {
            return Ok(());
        }
        self.send(Piece::Html(text.to_string()))
    }
}

pub(crate) async fn preview(
    state: web::Data<AppState>,
    AdminPage(viewer): AdminPage,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    // One preview or bulletin read at a time, until its page is written.
    let turn = archive::turn().await;
    let (tx, mut rx) = mpsc::channel(2);
    let (s, pool) = (state.clone(), state.pool.clone());
    let compiling = actix_web::rt::spawn(async move {
        db::run(&pool, move |c| {
            let mut channel = Channel { tx };
            let compiler = Compiler {
                settings: &s.settings.bulletin,
                templates: s.mail.templates(),
                base_url: s.mail.base_url(),
            };
            if let Err(e) = compiler.preview(c, now, &mut channel) {
                // Lost only when the reader has gone.
                let _ = channel.tx.blocking_send(Piece::Failed(e));
            }
            Ok(())
        })
        .await
    });
    let (subject, summary) = match rx.recv().await {
        Some(Piece::Heading { subject, summary }) => (subject, summary),
        Some(Piece::Failed(e)) => return Err(e),
        // The database was not reached.
        _ => {
            return Err(match compiling.await {
                Ok(Err(e)) => e,
                _ => AppError::internal(anyhow::anyhow!("the preview ended before its start")),
            });
        }
    };
    let data = json!({
        "title": format!("Preview: {subject}"), "nav": "admin-bulletin",
        "summary": summary, "empty": summary.is_empty(),
    });
    let (before, after) = around(&state, &viewer, "pages/bulletin_preview", data)?;
    let writing = (turn, Writing::start());
    let start = Some((rx, Content::default(), after, writing));
    let rest = stream::unfold(start, |now| async move {
        let (mut rx, mut content, after, writing) = now?;
        match rx.recv().await {
            // An empty piece is not sent.
            Some(Piece::Html(text)) => {
                let text = Bytes::from(content.push(&text));
                Some((Ok(text), Some((rx, content, after, writing))))
            }
            // Told once per edition rendered: a preview renders one.
            Some(Piece::Heading { .. }) => {
                Some((Ok(Bytes::new()), Some((rx, content, after, writing))))
            }
            Some(Piece::Failed(e)) => Some((Err(e), None)),
            None => {
                let mut end = content.end();
                end.push_str(&after);
                Some((Ok(Bytes::from(end)), None))
            }
        }
    });
    let first = stream::once(std::future::ready(Ok(Bytes::from(before))));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HTML))
        .streaming(sliced(first.chain(rest))))
}
