//! Compressed answers kept: pages that anonymous readers share, kept
//! compressed beside their bodies ([`Zipped`]), and the parts that pages
//! share, compressed once and put into each page's answer as they are
//! ([`Segments`]).

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;
use flate2::FlushCompress;

use super::gzip::{COMPRESSOR, HEADER, SMALLEST, deflated, ended, gzip, stored};
use super::templates::Frame;
use crate::splice::Part;

/// Pages as anonymous readers get them, kept compressed: each made of a
/// kept body, the layout's frame around it and the address asked (the
/// "Sign in" link comes back to it). An entry holds its body and frame, so
/// they cannot be freed and their addresses taken by others while it
/// stands: the same addresses mean the same page.
///
/// Pages for clients that do not take gzip are kept too, whole, apart
/// ([`Zipped::get_or_make`]): made anew, each request looked the kept body
/// through for the sign-in link and copied it into its frame, which held
/// pages of 30 to 60 KB 5 to 15 points of `/healthz` lower.
#[derive(Default)]
pub struct Zipped {
    kept: Mutex<ZipMap>,
    plain: Mutex<ZipMap>,
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
    /// The page as sent: compressed, or whole.
    bytes: Bytes,
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
/// Whole pages kept at most, and their bytes at most: four to eight times
/// their compressed size, so fewer; a page longer than [`PLAIN_PAGE_MAX`]
/// (a large directory's) is made for each request.
const PLAIN_PAGES: usize = 1_000;
const PLAIN_BYTES: usize = 8 << 20;
const PLAIN_PAGE_MAX: usize = 512 << 10;

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
        self.get_or_make((body, frame), (here, title), true, page)
    }

    /// [`Zipped::get_or_zip`] when `compressed`; otherwise the page whole, as
    /// kept or made by `page` now.
    pub fn get_or_make(
        &self,
        (body, frame): (&Arc<str>, Option<&Arc<Frame>>),
        (here, title): (&str, &str),
        compressed: bool,
        page: impl FnOnce() -> Bytes,
    ) -> Answer {
        let key = rustc_hash::FxBuildHasher.hash_one((
            Arc::as_ptr(body) as *const u8 as usize,
            frame.map(|f| Arc::as_ptr(f) as usize),
            here,
            title,
        ));
        let (map, budget, answer): (_, _, fn(Bytes) -> Answer) = if compressed {
            (&self.kept, (ZIPPED_PAGES, ZIPPED_BYTES), Answer::Zipped)
        } else {
            (&self.plain, (PLAIN_PAGES, PLAIN_BYTES), Answer::Plain)
        };
        if let Some(zip) = map.lock().expect("not poisoned").pages.get(&key)
            && zip.is(body, frame, here, title)
        {
            return answer(zip.bytes.clone());
        }
        let whole = page();
        let made = if compressed {
            (whole.len() >= SMALLEST)
                .then(|| gzip(&whole).map(Bytes::from))
                .flatten()
        } else {
            (whole.len() <= PLAIN_PAGE_MAX).then(|| whole.clone())
        };
        let Some(made) = made else {
            return Answer::Plain(whole);
        };
        let zip = Zip {
            body: body.clone(),
            frame: frame.cloned(),
            here: here.into(),
            title: title.into(),
            bytes: made.clone(),
        };
        map.lock().expect("not poisoned").keep(key, zip, budget);
        answer(made)
    }
}

impl ZipMap {
    /// Keeps `zip` under `key`, within `(pages, bytes)` at most.
    fn keep(&mut self, key: u64, zip: Zip, (pages, bytes): (usize, usize)) {
        // A page is made anew when its body was made anew (after an edit,
        // mostly): the pages of bodies no longer kept go then, not when the
        // budget is spent, so that they do not hold those bodies. A few
        // thousand entries looked at: less than compressing a page.
        self.forget_stale();
        if self.pages.len() >= pages || self.bytes + zip.bytes.len() > bytes {
            self.pages.clear();
            self.bytes = 0;
        }
        self.bytes += zip.bytes.len();
        if let Some(old) = self.pages.insert(key, zip) {
            self.bytes -= old.bytes.len();
        }
    }

    /// Drops the pages whose body nothing else holds: no longer kept, it
    /// will not be asked for again.
    fn forget_stale(&mut self) {
        self.pages.retain(|_, zip| Arc::strong_count(&zip.body) > 1);
        self.bytes = self.pages.values().map(|z| z.bytes.len()).sum();
    }
}

/// Where `part` is in `page`: found by its first bytes, then compared
/// whole (a searcher for the whole part, kilobytes long, took longer to
/// set up than compressing the page).
fn find(page: &[u8], part: &[u8]) -> Option<usize> {
    let start = &part[..part.len().min(32)];
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&page[from..], start) {
        let at = from + found;
        if page[at..].starts_with(part) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Text between parts shorter than this is stored, not compressed: each
/// start of the compressor costs about as much as compressing 1.5 KB
/// (zlib-rs at level 1, measured on this machine).
const STORED_UNDER: usize = 1024;

/// Parts shared between pages (the option lists), compressed once each:
/// a page made of them is compressed around them, and their compressed
/// blocks are put in between. Each is held while kept, so that its
/// address stays its own.
#[derive(Default)]
pub struct Segments {
    kept: Mutex<HashMap<usize, (Part, Bytes)>>,
}

/// Shared parts kept compressed at most: the option lists of a few
/// snapshots.
const SEGMENTS: usize = 64;

impl Segments {
    /// The blocks of `part` (whose text is `text`), compressed now if they
    /// were not yet.
    fn of(&self, part: &Part, text: &str) -> Option<Bytes> {
        let key = text.as_ptr() as usize;
        if let Some((_, blocks)) = self.kept.lock().expect("not poisoned").get(&key) {
            return Some(blocks.clone());
        }
        let mut blocks = Vec::with_capacity(text.len() / 4 + 64);
        COMPRESSOR.with_borrow_mut(|deflate| {
            deflated(deflate, text.as_bytes(), &mut blocks, FlushCompress::Sync)
        })?;
        let blocks = Bytes::from(blocks);
        let mut kept = self.kept.lock().expect("not poisoned");
        if kept.len() >= SEGMENTS {
            // Those of older snapshots: nothing else holds them.
            kept.retain(
                |_, (part, _)| !matches!(part, Part::Shared(t) if Arc::strong_count(t) == 1),
            );
            if kept.len() >= SEGMENTS {
                kept.clear();
            }
        }
        kept.insert(key, (part.clone(), blocks.clone()));
        Some(blocks)
    }

    /// `page` compressed, with the `shared` parts found in it put in as
    /// compressed once; what is between them compressed now (or stored,
    /// when short).
    pub fn gzip_around(&self, page: &str, shared: &[Part]) -> Answer {
        let mut found: Vec<(usize, usize, Bytes)> = shared
            .iter()
            .filter_map(|part| {
                let text = part.lasting()?;
                let at = find(page.as_bytes(), text.as_bytes())?;
                Some((at, text.len(), self.of(part, text)?))
            })
            .collect();
        found.sort_by_key(|(at, _, _)| *at);
        let mut out = Vec::with_capacity(page.len() / 4 + 256);
        out.extend_from_slice(&HEADER);
        let made = COMPRESSOR.with_borrow_mut(|deflate| {
            let mut between = |text: &[u8], out: &mut Vec<u8>| {
                if text.len() < STORED_UNDER {
                    stored(text, out);
                    Some(())
                } else {
                    deflated(deflate, text, out, FlushCompress::Sync)
                }
            };
            let mut from = 0;
            for (at, len, blocks) in found {
                if at < from {
                    // Overlaps the one before: left in the text.
                    continue;
                }
                between(&page.as_bytes()[from..at], &mut out)?;
                out.extend_from_slice(&blocks);
                from = at + len;
            }
            between(&page.as_bytes()[from..], &mut out)?;
            // The last block: stored, empty.
            out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
            Some(())
        });
        match made {
            Some(()) => Answer::Zipped(ended(out, page.as_bytes()).into()),
            None => Answer::Plain(Bytes::copy_from_slice(page.as_bytes())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::gzip::tests::gunzip;
    use super::*;

    #[test]
    fn a_page_compressed_around_shared_parts_reads_back_whole() {
        let segments = Segments::default();
        let list: String = (0..300)
            .map(|i| format!("<option value=\"{i}\">State {i}</option>"))
            .collect();
        let list: &'static str = Box::leak(list.into_boxed_str());
        let shared: Arc<str> = "<li>a language</li>".repeat(100).into();
        let parts = [
            Part::Static(list),
            Part::Shared(shared.clone()),
            Part::Static("absent".repeat(300).leak()),
        ];
        let long = "<p>text between</p>".repeat(60);
        let pages = [
            format!("<head>{long}<select>{list}</select> <ul>{shared}</ul>{long}"),
            // Short text around (stored), a part first and last.
            format!("{list}<br>{shared}"),
            format!("{shared}{list}"),
            // One part twice: the second stays in the text.
            format!("{long}{list}{long}{list}"),
            long.clone(),
            String::new(),
        ];
        for page in &pages {
            for _ in 0..2 {
                let Answer::Zipped(zipped) = segments.gzip_around(page, &parts) else {
                    panic!("not compressed");
                };
                assert!(gunzip(&zipped) == page.as_bytes(), "{} bytes", page.len());
            }
        }
        // The parts found were compressed once, and are kept.
        assert_eq!(segments.kept.lock().unwrap().len(), 2);
        let Answer::Zipped(small) = segments.gzip_around(&pages[0], &parts) else {
            panic!("not compressed");
        };
        assert!(
            small.len() < pages[0].len() / 4,
            "{} of {}",
            small.len(),
            pages[0].len()
        );
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
        // Nothing holds `other` but its compressed page: it goes when the
        // next page is compressed.
        let weak = Arc::downgrade(&other);
        drop(other);
        zip(&body, "/c", "C");
        assert_eq!(weak.upgrade(), None, "a body no longer kept is held");
        let kept = zipped.kept.lock().unwrap();
        assert_eq!(kept.pages.len(), 4);
        assert_eq!(
            kept.bytes,
            kept.pages.values().map(|z| z.bytes.len()).sum::<usize>()
        );
        drop(kept);
        // Too short to pay.
        let short: Arc<str> = "<p>hi</p>".into();
        let answer = zipped.get_or_zip((&short, None), ("/s", "S"), || Bytes::from("<p>hi</p>"));
        assert!(matches!(answer, Answer::Plain(b) if b == "<p>hi</p>"));
    }
}
