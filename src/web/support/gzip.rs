//! Compressed answers. Every answer worth it is compressed on the worker
//! that made it, by a compressor each thread keeps (actix's middleware made
//! a new one per answer, some hundreds of KB set up, and handed bodies over
//! 1 KB to a blocking thread). What is kept compressed is in `super::zipped`.

use std::cell::RefCell;

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

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
    pub(super) static COMPRESSOR: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// The start of a gzip member: no name, no time, fastest level (XFL 4),
/// unknown system (RFC 1952).
pub(super) const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];

/// `data` as a gzip member; `None` if the compressor failed.
pub fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 4 + 256);
    out.extend_from_slice(&HEADER);
    COMPRESSOR
        .with_borrow_mut(|deflate| deflated(deflate, data, &mut out, FlushCompress::Finish))?;
    Some(ended(out, data))
}

/// The member's end: the CRC and length of what it holds.
pub(super) fn ended(mut out: Vec<u8>, data: &[u8]) -> Vec<u8> {
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// Appends `data` as deflate blocks of their own: made by a compressor
/// started afresh, so that they refer to nothing before them, and ended by
/// `flush` (`Sync`: on a byte boundary, the stream open for more blocks;
/// `Finish`: the last block).
pub(super) fn deflated(
    deflate: &mut Compress,
    data: &[u8],
    out: &mut Vec<u8>,
    flush: FlushCompress,
) -> Option<()> {
    deflate.reset();
    loop {
        let read = deflate.total_in() as usize;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(1024));
        }
        let status = deflate.compress_vec(&data[read..], out, flush).ok()?;
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            // All read, and room left over: everything is written.
            _ => deflate.total_in() as usize == data.len() && out.len() < out.capacity(),
        };
        if done {
            return Some(());
        }
    }
}

/// Appends `data` as stored (uncompressed) blocks.
pub(super) fn stored(data: &[u8], out: &mut Vec<u8>) {
    for chunk in data.chunks(u16::MAX as usize) {
        let len = chunk.len() as u16;
        // Not the last block, stored; the length and its complement.
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// Whether a textual answer is still to be compressed.
fn compressible(res: &actix_web::HttpResponse<impl MessageBody>) -> bool {
    let status = res.status();
    !(status == StatusCode::NO_CONTENT
        || status == StatusCode::PARTIAL_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || status == StatusCode::SWITCHING_PROTOCOLS
        || res.headers().contains_key(header::CONTENT_ENCODING))
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
    // Kept compressed pages say it already: read without allocating.
    const NAME: &[u8] = b"accept-encoding";
    let said = headers.get_all(header::VARY).any(|v| {
        v.as_bytes()
            .windows(NAME.len())
            .any(|w| w.eq_ignore_ascii_case(NAME))
    });
    if !said {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

/// The middleware: compresses every textual answer of at least
/// [`SMALLEST`] bytes for a client that takes gzip, unless the handler
/// already did.
pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
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
        // A stream: compressed as it comes.
        Err(stream) => {
            mark(res.headers_mut());
            let zipping = Zipping::new(stream).boxed();
            return Ok(ServiceResponse::new(req, res.set_body(zipping)).map_into_right_body());
        }
    };
    let body = match (body.len() >= SMALLEST).then(|| gzip(&body)).flatten() {
        Some(zipped) => {
            mark(res.headers_mut());
            Bytes::from(zipped)
        }
        None => body,
    };
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(body))).map_into_right_body())
}

/// A body sent as it is made (a bulletin read part by part), as one gzip
/// member: compressed as it comes, in blocks of its own of at least
/// [`BATCH`] bytes of text (each block starts afresh: short ones would
/// compress nothing).
struct Zipping<B> {
    inner: Pin<Box<B>>,
    /// Text not yet compressed, shorter than [`BATCH`].
    pending: Vec<u8>,
    crc: Crc,
    started: bool,
    ended: bool,
}

const BATCH: usize = 32 * 1024;

impl<B> Zipping<B> {
    fn new(inner: B) -> Self {
        Self {
            inner: Box::pin(inner),
            pending: Vec::new(),
            crc: Crc::new(),
            started: false,
            ended: false,
        }
    }

    /// `data` compressed, after the member's header if it is the first.
    fn blocks(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() / 4 + 64);
        if !self.started {
            out.extend_from_slice(&HEADER);
            self.started = true;
        }
        self.crc.update(data);
        let at = out.len();
        let made = COMPRESSOR
            .with_borrow_mut(|deflate| deflated(deflate, data, &mut out, FlushCompress::Sync));
        if made.is_none() {
            out.truncate(at);
            stored(data, &mut out);
        }
        out
    }
}

impl<B: MessageBody> MessageBody for Zipping<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = &mut *self;
        loop {
            if this.ended {
                return Poll::Ready(None);
            }
            let out = match std::task::ready!(this.inner.as_mut().poll_next(cx)) {
                Some(Ok(data)) if this.pending.is_empty() && data.len() >= BATCH => {
                    this.blocks(&data)
                }
                // Kept until there is enough; an empty chunk would also end
                // a chunked answer.
                Some(Ok(data)) => {
                    this.pending.extend_from_slice(&data);
                    if this.pending.len() < BATCH {
                        continue;
                    }
                    let pending = std::mem::take(&mut this.pending);
                    this.blocks(&pending)
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    this.ended = true;
                    let pending = std::mem::take(&mut this.pending);
                    let mut out = this.blocks(&pending);
                    // The last block: stored, empty; then what it held.
                    out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
                    out.extend_from_slice(&this.crc.sum().to_le_bytes());
                    out.extend_from_slice(&this.crc.amount().to_le_bytes());
                    out
                }
            };
            return Poll::Ready(Some(Ok(Bytes::from(out))));
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use std::io::Read;

    /// A gzip member unpacked, by a decoder of its own.
    pub fn gunzip(data: &[u8]) -> Vec<u8> {
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

    #[actix_web::test]
    async fn a_stream_is_compressed_as_one_member_whatever_its_pieces() {
        use actix_web::body::{BodyStream, to_bytes};
        let page: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("<li>{}</li>", i % 977).into_bytes())
            .collect();
        // One byte, nothing, then pieces of 7 bytes, a long one, the rest.
        let mut pieces = vec![Bytes::copy_from_slice(&page[..1]), Bytes::new()];
        pieces.extend(page[1..20_001].chunks(7).map(Bytes::copy_from_slice));
        pieces.push(Bytes::copy_from_slice(&page[20_001..170_000]));
        pieces.push(Bytes::copy_from_slice(&page[170_000..]));
        let stream = futures_util::stream::iter(pieces.into_iter().map(Ok::<_, std::io::Error>));
        let zipped = to_bytes(Zipping::new(BodyStream::new(stream)))
            .await
            .unwrap();
        assert!(zipped.len() < page.len() / 4, "{}", zipped.len());
        assert!(gunzip(&zipped) == page);
        // Nothing at all is still a member.
        let none = futures_util::stream::iter(Vec::<Result<Bytes, std::io::Error>>::new());
        let zipped = to_bytes(Zipping::new(BodyStream::new(none))).await.unwrap();
        assert_eq!(gunzip(&zipped), b"");
    }

    #[test]
    fn vary_names_accept_encoding_once_beside_what_a_handler_said() {
        let said = |values: &[&str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(header::VARY, HeaderValue::from_str(v).unwrap());
            }
            vary(&mut h);
            h.get_all(header::VARY)
                .map(|v| v.to_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(said(&[]), ["accept-encoding"]);
        assert_eq!(said(&["Cookie"]), ["Cookie", "accept-encoding"]);
        assert_eq!(
            said(&["Origin, Accept-Encoding"]),
            ["Origin, Accept-Encoding"]
        );
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
}
