//! An inverted index over folded word tokens, built in memory from the
//! directory. The same code serves SQLite and PostgreSQL, so both backends
//! find and rank exactly alike.

use std::collections::HashMap;

use super::model::Authority;
use crate::domain::text::{fold, tokens};

/// How much a match in each field counts.
#[derive(Clone, Copy)]
enum Field {
    Acronym = 12,
    Name = 10,
    CountryName = 6,
    CountryCode = 7,
    City = 5,
    Territory = 4,
    Person = 3,
}

#[derive(Clone, Copy)]
struct Posting {
    doc: u32,
    weight: u8,
}

pub struct SearchIndex {
    /// Sorted, so that the terms a prefix matches are one contiguous run.
    terms: Vec<Box<str>>,
    postings: Vec<Vec<Posting>>,
    /// Folded names (English and local) for whole-phrase bonuses.
    names: Vec<(Box<str>, Option<Box<str>>)>,
}

/// A document's score for one query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub doc: u32,
    pub matched: u8,
    pub score: u32,
}

impl SearchIndex {
    pub fn build(docs: &[std::sync::Arc<Authority>]) -> Self {
        let mut map: HashMap<String, HashMap<u32, u8>> = HashMap::new();
        let mut names = Vec::with_capacity(docs.len());
        for (i, a) in docs.iter().enumerate() {
            let doc = i as u32;
            let mut add = |text: &str, field: Field| {
                for t in tokens(text) {
                    let best = map.entry(t).or_default().entry(doc).or_insert(0);
                    *best = (*best).max(field as u8);
                }
            };
            add(&a.name, Field::Name);
            if let Some(local) = &a.name_local {
                add(local, Field::Name);
            }
            if let Some(acronym) = &a.acronym {
                add(acronym, Field::Acronym);
            }
            let state = a.country.state();
            add(&state.name, Field::CountryName);
            add(&state.alpha2, Field::CountryCode);
            if let Some(a3) = &state.alpha3 {
                add(a3, Field::CountryCode);
            }
            if let Some(city) = &a.city {
                add(city, Field::City);
            }
            if let Some(territory) = &a.territory {
                add(territory, Field::Territory);
            }
            for person in &a.contacts {
                add(&person.name, Field::Person);
            }
            names.push((
                fold(&a.name).into_boxed_str(),
                a.name_local.as_deref().map(|n| fold(n).into_boxed_str()),
            ));
        }
        let mut entries: Vec<(String, HashMap<u32, u8>)> = map.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut terms = Vec::with_capacity(entries.len());
        let mut postings = Vec::with_capacity(entries.len());
        for (term, docs) in entries {
            terms.push(term.into_boxed_str());
            let mut list: Vec<Posting> = docs
                .into_iter()
                .map(|(doc, weight)| Posting { doc, weight })
                .collect();
            list.sort_unstable_by_key(|p| p.doc);
            postings.push(list);
        }
        Self {
            terms,
            postings,
            names,
        }
    }

    /// Scores every document that matches at least one query token. Each
    /// token counts once per document, by its best field; a whole word
    /// counts more than a prefix.
    pub fn score(&self, query: &str, doc_count: usize, contacts: bool) -> (usize, Vec<Hit>) {
        let mut query_tokens = tokens(query);
        query_tokens.dedup();
        if query_tokens.is_empty() {
            return (0, Vec::new());
        }
        let mut total = vec![0u32; doc_count];
        let mut matched = vec![0u8; doc_count];
        let mut best = vec![0u32; doc_count];
        let mut touched: Vec<u32> = Vec::new();
        for token in &query_tokens {
            let start = self.terms.partition_point(|t| &**t < token.as_str());
            for (term, list) in self.terms[start..]
                .iter()
                .zip(&self.postings[start..])
                .take_while(|(t, _)| t.starts_with(token.as_str()))
            {
                let factor = if **term == **token { 3 } else { 2 };
                // A posting keeps its best field: a person's weight means the
                // word is only in a contact person's name.
                for p in list
                    .iter()
                    .filter(|p| contacts || p.weight != Field::Person as u8)
                {
                    let s = p.weight as u32 * factor;
                    let slot = &mut best[p.doc as usize];
                    if *slot == 0 {
                        touched.push(p.doc);
                    }
                    *slot = (*slot).max(s);
                }
            }
            for &doc in &touched {
                let d = doc as usize;
                total[d] += best[d];
                matched[d] += 1;
                best[d] = 0;
            }
            touched.clear();
        }
        let phrase = fold(query.trim());
        // A single word already counted as a word; a name merely starting
        // with it is no better a match, and must not outrank a central
        // authority that has the same word further in.
        let is_phrase = query_tokens.len() > 1;
        let hits = matched
            .iter()
            .enumerate()
            .filter(|(_, m)| **m > 0)
            .map(|(d, &m)| {
                let (name, local) = &self.names[d];
                // A name can start with the whole phrase only if it has every
                // word, so partial matches need no comparison.
                let every_word = m as usize == query_tokens.len();
                let bonus = [Some(name), local.as_ref()]
                    .into_iter()
                    .filter(|_| every_word)
                    .flatten()
                    .map(|n| {
                        if **n == *phrase {
                            20
                        } else if is_phrase && n.starts_with(phrase.as_str()) {
                            10
                        } else {
                            0
                        }
                    })
                    .max()
                    .unwrap_or(0);
                Hit {
                    doc: d as u32,
                    matched: m,
                    score: total[d] + bonus,
                }
            })
            .collect();
        (query_tokens.len(), hits)
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }
}
