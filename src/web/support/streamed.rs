//! Answers written as a bulletin's stored parts are read, one part at a
//! time: at 50,000 authorities an edition is 10 to 20 MB, and an answer
//! made whole held it two or three times over for each reader.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::web::Bytes;
use futures_util::stream;
use futures_util::{Stream, StreamExt};

use crate::bulletin::parts::{self, Edition};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::web::support::respond::in_layout;
use crate::web::support::templates::render;
use crate::web::{AppState, Viewer};

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
        pool: Pool,
        editions: Vec<Edition>,
        writer: W,
        edition: usize,
        seq: i32,
        first: Option<String>,
        _writing: Writing,
    }
    let start = Some(At {
        pool,
        editions,
        writer,
        edition: 0,
        seq: 0,
        first: Some(first),
        _writing: Writing::start(),
    });
    let parts = stream::unfold(start, move |now| async move {
        let mut at = now?;
        if let Some(first) = at.first.take() {
            return Some((Ok(Bytes::from(first)), Some(at)));
        }
        let (edition, seq) = (*at.editions.get(at.edition)?, at.seq);
        let reading = READS.acquire().await.expect("never closed");
        let part = db::run(&at.pool, move |c| {
            Ok(parts::part(c, bulletin_id, edition, seq)?)
        })
        .await;
        drop(reading);
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
    });
    sliced(parts)
}

/// Parts read at once, by all answers. Each read takes tens of
/// microseconds; read by every reader at once, they spread over as many
/// threads, each growing an arena of glibc's of its own.
static READS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Answers being written in pieces. When the last of them ends, sent or
/// given up, the heap they used is given back: the parts are read on many
/// threads, each with an arena of glibc's that keeps what it freed (after
/// 32 readers of a bulletin of 50,000 authorities at once, 32 MB). At most
/// once a second: answers that follow each other are given back together.
pub struct Writing;

static WRITING: AtomicUsize = AtomicUsize::new(0);
/// A thread is giving the heap back, or waiting to.
static GIVING: AtomicBool = AtomicBool::new(false);
/// An answer ended while it was.
static AGAIN: AtomicBool = AtomicBool::new(false);

impl Writing {
    pub fn start() -> Self {
        WRITING.fetch_add(1, Ordering::SeqCst);
        Writing
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        if WRITING.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        if GIVING.swap(true, Ordering::SeqCst) {
            AGAIN.store(true, Ordering::SeqCst);
        } else {
            // It walks the whole heap: not on a thread that serves requests.
            std::thread::spawn(give_back);
        }
    }
}

fn give_back() {
    loop {
        AGAIN.store(false, Ordering::SeqCst);
        if WRITING.load(Ordering::SeqCst) == 0 {
            crate::memory::release_unused();
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        if AGAIN.load(Ordering::SeqCst) {
            continue;
        }
        GIVING.store(false, Ordering::SeqCst);
        // An answer that ended between the two lines above found this
        // thread still giving: it goes on for that one, unless another has
        // started since.
        if !AGAIN.load(Ordering::SeqCst) || GIVING.swap(true, Ordering::SeqCst) {
            return;
        }
    }
}

/// Where the content goes in a page written in pieces, until it is cut
/// there.
const CONTENT: &str = "\u{1}bulletin-content\u{1}";

/// Page `name` in the reader's layout, made with `data` whose `content` is
/// left out: the page before the content and after it.
pub fn around(
    state: &AppState,
    viewer: &Viewer,
    name: &str,
    mut data: serde_json::Value,
) -> Result<(String, String), AppError> {
    data["content"] = CONTENT.into();
    let text = |key: &str| data[key].as_str().unwrap_or_default().to_string();
    let (title, nav) = (text("title"), text("nav"));
    let body = render(&state.templates, name, &data)?;
    let page = in_layout(state, viewer, (&title, &nav), &body)?;
    page.split_once(CONTENT)
        .map(|(before, after)| (before.to_string(), after.to_string()))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("{name} has no place for its content")))
}

/// The longest chunk an answer written in pieces hands on.
const SLICE: usize = 64 * 1024;

/// `pieces` in chunks of at most [`SLICE`] bytes, cut without a copy:
/// actix copies each chunk whole into the connection's write buffer, so a
/// part of 1 MB was held twice for each reader.
pub fn sliced<E>(
    pieces: impl Stream<Item = Result<Bytes, E>>,
) -> impl Stream<Item = Result<Bytes, E>> {
    pieces.flat_map(|piece| {
        let chunks: Vec<Result<Bytes, E>> = match piece {
            Ok(bytes) => (0..bytes.len())
                .step_by(SLICE)
                .map(|at| Ok(bytes.slice(at..(at + SLICE).min(bytes.len()))))
                .collect(),
            Err(e) => vec![Err(e)],
        };
        stream::iter(chunks)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn long_pieces_are_cut_into_slices_in_order_and_errors_kept() {
        let long: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        let pieces = vec![
            Ok(Bytes::from(long.clone())),
            Ok(Bytes::from_static(b"end")),
            Err("cut"),
        ];
        let out: Vec<Result<Bytes, &str>> = sliced(stream::iter(pieces)).collect().await;
        let sizes: Vec<usize> = out
            .iter()
            .map(|c| c.as_ref().map_or(0, Bytes::len))
            .collect();
        assert_eq!(sizes, [SLICE, SLICE, 150_000 - 2 * SLICE, 3, 0]);
        let joined: Vec<u8> = out[..3].iter().flat_map(|c| c.clone().unwrap()).collect();
        assert!(joined == long);
        assert_eq!(out[4], Err("cut"));
    }
}
