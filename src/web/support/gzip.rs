//! Compressed answers. Every answer worth it is compressed on the worker
//! that made it, by a compressor each thread keeps (actix's middleware made
//! a new one per answer, some hundreds of KB set up, and handed bodies over
//! 1 KB to a blocking thread). Pages that anonymous readers share are kept
//! compressed beside their bodies ([`Zipped`]), so a page asked again is not
//! compressed again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use super::templates::Frame;

/// Answers shorter than this are sent as they are: gzip's own 18 bytes of
/// frame and the work of compressing cost more than they save.
pub const SMALLEST: usize = 1024;

/// Whether the request's `Accept-Encoding` takes gzip (RFC 9110, 12.5.3):
/// named with a weight above zero, or not named and `*` is.
pub fn accepted(headers: &HeaderMap) -> bool {
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(text) = value.to_str() else { continue };
        for item in text.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let weight = parts
                .filter_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .or_else(|| p.trim().strip_prefix("Q="))
                })
                .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                .next()
                .unwrap_or(1.0);
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                return weight > 0.0;
            }
            if coding == "*" {
                any = Some(weight > 0.0);
            }
        }
    }
    any.unwrap_or(false)
}

thread_local! {
    /// Raw deflate at gzip's fastest level, as actix's middleware used.
    static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// `data` as a gzip member (RFC 1952); `None` if the compressor failed.
pub fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    // No name, no time, fastest level (XFL 4), unknown system.
    const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];
    let mut out = Vec::with_capacity(data.len() / 4 + 256);
    out.extend_from_slice(&HEADER);
    COMPRESSOR.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            let read = deflate.total_in() as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity());
            }
            match deflate.compress_vec(&data[read..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return Some(()),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    })?;
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    Some(out)
}

/// Whether an answer of this kind is worth compressing at all.
fn compressible(res: &actix_web::HttpResponse<impl MessageBody>) -> bool {
    let status = res.status();
    if status == StatusCode::NO_CONTENT
        || status == StatusCode::PARTIAL_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || status == StatusCode::SWITCHING_PROTOCOLS
        || res.headers().contains_key(header::CONTENT_ENCODING)
    {
        return false;
    }
    textual(res.headers())
}

/// Text of some kind: what compresses several times over.
fn textual(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("text/")
                || t.contains("json")
                || t.contains("xml")
                || t.contains("javascript")
        })
}

/// Marks an answer as compressed, for caches too.
pub fn mark(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.remove(header::CONTENT_LENGTH);
    vary(headers);
}

fn vary(headers: &mut HeaderMap) {
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
}

/// The middleware: compresses every textual answer of at least
/// [`SMALLEST`] bytes for a client that takes gzip, unless the handler
/// already did.
pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, Bytes>>, actix_web::Error> {
    let wanted = accepted(req.headers());
    let mut res = next.call(req).await?;
    if !textual(res.headers()) {
        return Ok(res.map_into_left_body());
    }
    // The same address answers differently by what the client takes.
    vary(res.headers_mut());
    if !wanted || !compressible(res.response()) {
        return Ok(res.map_into_left_body());
    }
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let body = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        // A stream: sent as it comes.
        Err(stream) => {
            return Ok(ServiceResponse::new(req, res.set_body(stream)).map_into_left_body());
        }
    };
    let body = match (body.len() >= SMALLEST).then(|| gzip(&body)).flatten() {
        Some(zipped) => {
            mark(res.headers_mut());
            Bytes::from(zipped)
        }
        None => body,
    };
    Ok(ServiceResponse::new(req, res.set_body(body)).map_into_right_body())
}

/// Pages as anonymous readers get them, kept compressed: each made of a
/// kept body, the layout's frame around it and the address asked (the
/// "Sign in" link comes back to it). An entry holds its body and frame, so
/// they cannot be freed and their addresses taken by others while it
/// stands: the same addresses mean the same page.
#[derive(Default)]
pub struct Zipped {
    kept: Mutex<ZipMap>,
}

#[derive(Default)]
struct ZipMap {
    pages: HashMap<u64, Zip>,
    bytes: usize,
}

struct Zip {
    body: Arc<str>,
    frame: Option<Arc<Frame>>,
    here: Box<str>,
    title: Box<str>,
    zipped: Bytes,
}

impl Zip {
    fn is(&self, body: &Arc<str>, frame: Option<&Arc<Frame>>, here: &str, title: &str) -> bool {
        Arc::ptr_eq(&self.body, body)
            && match (&self.frame, frame) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
            && &*self.here == here
            && &*self.title == title
    }
}

/// A page compressed, or as made.
pub enum Answer {
    Zipped(Bytes),
    Plain(Bytes),
}

/// Compressed pages kept at most, and their bytes at most.
const ZIPPED_PAGES: usize = 4_000;
const ZIPPED_BYTES: usize = 16 << 20;

impl Zipped {
    /// The page made of `body` (kept), in `frame` for `here` under `title`,
    /// compressed: as kept, or made by `page` and compressed now; as made
    /// when it is too short to pay or the compressor failed.
    pub fn get_or_zip(
        &self,
        (body, frame): (&Arc<str>, Option<&Arc<Frame>>),
        (here, title): (&str, &str),
        page: impl FnOnce() -> Bytes,
    ) -> Answer {
        let key = rustc_hash::FxBuildHasher.hash_one((
            Arc::as_ptr(body) as *const u8 as usize,
            frame.map(|f| Arc::as_ptr(f) as usize),
            here,
            title,
        ));
        if let Some(zip) = self.kept.lock().expect("not poisoned").pages.get(&key)
            && zip.is(body, frame, here, title)
        {
            return Answer::Zipped(zip.zipped.clone());
        }
        let whole = page();
        let Some(zipped) = (whole.len() >= SMALLEST).then(|| gzip(&whole)).flatten() else {
            return Answer::Plain(whole);
        };
        let zipped = Bytes::from(zipped);
        let mut kept = self.kept.lock().expect("not poisoned");
        if kept.pages.len() >= ZIPPED_PAGES || kept.bytes + zipped.len() > ZIPPED_BYTES {
            // Those whose body is no longer kept will not be asked again.
            kept.pages.retain(|_, zip| Arc::strong_count(&zip.body) > 1);
            if kept.pages.len() >= ZIPPED_PAGES || kept.bytes + zipped.len() > ZIPPED_BYTES {
                kept.pages.clear();
            }
            kept.bytes = kept.pages.values().map(|z| z.zipped.len()).sum();
        }
        kept.bytes += zipped.len();
        let zip = Zip {
            body: body.clone(),
            frame: frame.cloned(),
            here: here.into(),
            title: title.into(),
            zipped: zipped.clone(),
        };
        if let Some(old) = kept.pages.insert(key, zip) {
            kept.bytes -= old.zipped.len();
        }
        Answer::Zipped(zipped)
    }

    /// Drops the pages whose body is no longer kept, so that an edit's
    /// stale pages do not stay in memory until the budget is spent.
    pub fn forget_stale(&self) {
        let mut kept = self.kept.lock().expect("not poisoned");
        kept.pages.retain(|_, zip| Arc::strong_count(&zip.body) > 1);
        kept.bytes = kept.pages.values().map(|z| z.zipped.len()).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn a_gzip_member_reads_back_whole_and_a_reused_compressor_starts_afresh() {
        let page: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("<li>{}</li>", i % 977).into_bytes())
            .collect();
        let first = gzip(&page).unwrap();
        assert!(
            first.len() < page.len() / 4,
            "{} of {}",
            first.len(),
            page.len()
        );
        assert_eq!(gunzip(&first), page);
        // The same compressor again, on other text: nothing of the first.
        assert_eq!(gunzip(&gzip(b"short").unwrap()), b"short");
        assert_eq!(gzip(&page).unwrap(), first);
        assert_eq!(gunzip(&gzip(b"").unwrap()), b"");
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        let takes = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            accepted(&h)
        };
        assert!(takes("gzip, deflate, br, zstd"));
        assert!(takes("GZIP"));
        assert!(takes("br;q=1.0, gzip;q=0.8"));
        assert!(takes("*"));
        assert!(!takes("gzip;q=0"));
        assert!(!takes("br, zstd"));
        assert!(!takes("identity"));
        assert!(!takes("x-gzip-like"));
        assert!(!takes("*;q=1, gzip;q=0"));
        assert!(!takes("*;q=0"));
        assert!(takes("x-gzip"));
        assert!(!accepted(&HeaderMap::new()));
    }

    #[test]
    fn a_kept_page_is_compressed_once_per_body_frame_and_address() {
        let zipped = Zipped::default();
        let body: Arc<str> = "<p>body</p>".repeat(200).into();
        let made = std::cell::Cell::new(0);
        let page = || {
            made.set(made.get() + 1);
            Bytes::from(body.to_string())
        };
        let zip = |body: &Arc<str>, here, title| match zipped.get_or_zip(
            (body, None),
            (here, title),
            page,
        ) {
            Answer::Zipped(bytes) => bytes,
            Answer::Plain(_) => panic!("not compressed"),
        };
        let one = zip(&body, "/a", "A");
        let again = zip(&body, "/a", "A");
        assert_eq!((one.clone(), made.get()), (again, 1));
        assert_eq!(gunzip(&one), body.as_bytes());
        zip(&body, "/b", "A");
        zip(&body, "/a", "B");
        assert_eq!(made.get(), 3);
        // Another body with the same text is another page.
        let other: Arc<str> = body.to_string().into();
        zip(&other, "/a", "A");
        assert_eq!(made.get(), 4);
        // Nothing holds `other` but the kept page: it goes.
        drop(other);
        zipped.forget_stale();
        assert_eq!(zipped.kept.lock().unwrap().pages.len(), 3);
        // Too short to pay.
        let short: Arc<str> = "<p>hi</p>".into();
        let answer = zipped.get_or_zip((&short, None), ("/s", "S"), || Bytes::from("<p>hi</p>"));
        assert!(matches!(answer, Answer::Plain(b) if b == "<p>hi</p>"));
    }
}
