//! A list that snapshots share in chunks. A snapshot that follows an edit
//! starts as a copy of the pointers to its predecessor's chunks; changing
//! an element copies that element's chunk alone. At 50,000 authorities the
//! lists by slot and in reading order were copied whole for each edit, about
//! 2 MB, which ten editors at once left scattered in the allocator's arenas
//! (the server 15 MB larger until it had been quiet for a second).

use std::ops::Index;
use std::sync::Arc;

/// Elements in a chunk: a copy of a few kilobytes per change, and a list
/// of 50,000 in 49 chunks.
const CHUNK: usize = 1024;

#[derive(Clone)]
pub(super) struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Chunked<T> {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Replaces the element at `i`, copying its chunk if another list
    /// shares it.
    pub(super) fn set(&mut self, i: usize, value: T) {
        assert!(i < self.len, "index {i} out of a list of {}", self.len);
        Arc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK] = value;
    }

    pub(super) fn push(&mut self, value: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = self.chunks.last_mut().expect("a chunk was just made");
        Arc::make_mut(last).push(value);
        self.len += 1;
    }

    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut list = Chunked::default();
        for item in items {
            list.push(item);
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_copies_one_chunk_and_leaves_the_shared_list_alone() {
        let before: Chunked<usize> = (0..3 * CHUNK + 5).collect();
        let mut after = before.clone();
        after.set(CHUNK + 7, 0);
        after.push(99);
        assert_eq!(before.len(), 3 * CHUNK + 5);
        assert_eq!(before[CHUNK + 7], CHUNK + 7);
        assert_eq!(after[CHUNK + 7], 0);
        assert_eq!(after[3 * CHUNK + 5], 99);
        assert_eq!(after.len(), 3 * CHUNK + 6);
        let shared = |i: usize| Arc::ptr_eq(&before.chunks[i], &after.chunks[i]);
        assert!(shared(0) && shared(2), "untouched chunks are shared");
        assert!(!shared(1) && !shared(3), "changed chunks are copies");
        let read: Vec<usize> = after.iter().copied().collect();
        let mut expected: Vec<usize> = (0..3 * CHUNK + 5).collect();
        expected[CHUNK + 7] = 0;
        expected.push(99);
        assert_eq!(read, expected);
    }

    #[test]
    #[should_panic(expected = "out of a list")]
    fn setting_past_the_end_is_refused() {
        let mut list: Chunked<u8> = (0..3).collect();
        list.set(3, 1);
    }
}
