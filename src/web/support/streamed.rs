//! Answers written as a bulletin's stored parts are read, one part at a
//! time: at 50,000 authorities an edition is 10 to 20 MB, and an answer
//! made whole held it two or three times over for each reader.

use actix_web::web::Bytes;
use futures_util::Stream;
use futures_util::stream;

use crate::bulletin::parts::{self, Edition};
use crate::db::{self, Pool};
use crate::error::AppError;

/// What an answer makes of the parts it is written from.
pub trait Writer: Send + 'static {
    /// The text for the next stored part of edition `at` (of those read).
    fn part(&mut self, at: usize, text: &str) -> String;
    /// The text after the last part of edition `at`.
    fn end(&mut self, at: usize) -> String;
}

/// `first`, then the parts of each of `editions` of bulletin `bulletin_id`
/// as `writer` writes them. The database is asked for one part at a time;
/// a failure after the first cuts the answer short, which no reader takes
/// for the whole of it.
pub fn body<W: Writer>(
    pool: Pool,
    bulletin_id: i64,
    editions: Vec<Edition>,
    first: String,
    writer: W,
) -> impl Stream<Item = Result<Bytes, AppError>> {
    struct At<W> {
        writer: W,
        edition: usize,
        seq: i32,
        first: Option<String>,
    }
    let start = Some(At {
        writer,
        edition: 0,
        seq: 0,
        first: Some(first),
    });
    stream::unfold(start, move |now| {
        let (pool, editions) = (pool.clone(), editions.clone());
        async move {
            let mut at = now?;
            if let Some(first) = at.first.take() {
                return Some((Ok(Bytes::from(first)), Some(at)));
            }
            let edition = *editions.get(at.edition)?;
            let seq = at.seq;
            let part = db::run(&pool, move |c| {
                Ok(parts::part(c, bulletin_id, edition, seq)?)
            })
            .await;
            let text = match part {
                Ok(Some(text)) => {
                    at.seq += 1;
                    at.writer.part(at.edition, &text)
                }
                Ok(None) => {
                    let end = at.writer.end(at.edition);
                    (at.edition, at.seq) = (at.edition + 1, 0);
                    end
                }
                Err(e) => return Some((Err(e), None)),
            };
            Some((Ok(Bytes::from(text)), Some(at)))
        }
    })
}
