//! What people search with that is not a word of a record: a State by any
//! of its names in the six UN languages or a common alias ("Allemagne",
//! "Германия", "德国", "Turkey", "UK", "Holland"; `state_names.tsv`,
//! generated from CLDR), an article by its title or acronym ("MLA",
//! "extradition", "art. 18"), a channel by its name ("INTERPOL"). The index
//! gives each authority a tag for its State, each article it is designated
//! under and each channel it takes; a phrase of the query that names one
//! of them is looked up as that tag.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::text::tokens;
use crate::domain::{Article, Channel, states};

const STATE_NAMES: &str = include_str!("../domain/data/state_names.tsv");

/// Starts every tag: never in a token of text, so no word typed matches a
/// tag, and tags sort before every word.
pub const TAG: char = '\u{1}';

pub fn state_tag(alpha2: &str) -> String {
    format!("{TAG}s{}", alpha2.to_ascii_lowercase())
}

pub fn article_tag(article: Article) -> String {
    format!("{TAG}a{}", article.slug())
}

pub fn channel_tag(channel: Channel) -> String {
    format!("{TAG}c{}", channel.code())
}

/// A run of query words that names something tagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    pub start: usize,
    pub len: usize,
    pub tag: &'static str,
}

struct Vocabulary {
    /// Words of a name joined by a space, as `tokens` splits them.
    phrases: HashMap<String, String>,
    longest: usize,
}

/// Words that name an article besides its title, in the languages its
/// practitioners write in.
fn article_words(article: Article) -> &'static [&'static str] {
    match article.slug() {
        "16" => &[
            "extradition",
            "extradicion",
            "экстрадиция",
            "تسليم المجرمين",
            "引渡",
        ],
        "17" => &[
            "transfer of prisoners",
            "transfer of sentenced persons",
            "transferement",
            "traslado de personas condenadas",
        ],
        "18" => &[
            "mla",
            "mlat",
            "legal assistance",
            "mutual assistance",
            "entraide judiciaire",
            "asistencia judicial",
            "правовая помощь",
            "المساعدة القانونية",
            "司法协助",
        ],
        "31" => &["prevention", "prevencion"],
        _ => &[],
    }
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut phrases: HashMap<String, String> = HashMap::new();
    let mut add = |name: &str, tag: String| {
        let words = tokens(name).join(" ");
        if !words.is_empty() {
            phrases.entry(words).or_insert(tag);
        }
    };
    for state in states::all() {
        add(&state.name, state_tag(&state.alpha2));
    }
    for line in STATE_NAMES.lines().filter(|l| !l.starts_with('#')) {
        if let Some((code, name)) = line.split_once('\t') {
            add(name, state_tag(code));
        }
    }
    for article in Article::all() {
        let tag = || article_tag(article);
        add(article.title(), tag());
        for prefix in ["art", "article", "articulo", "статья", "المادة"] {
            add(&format!("{prefix} {}", article.slug()), tag());
        }
        for words in article_words(article) {
            add(words, tag());
        }
    }
    for channel in Channel::ALL {
        add(channel.label(), channel_tag(*channel));
        add(channel.code(), channel_tag(*channel));
    }
    let longest = phrases
        .keys()
        .map(|k| k.split(' ').count())
        .max()
        .unwrap_or(1);
    Vocabulary { phrases, longest }
});

/// The phrases among `words` (a query's tokens), longest first from left
/// to right; a word belongs to one phrase at most.
pub fn phrases(words: &[String]) -> Vec<Phrase> {
    let v = &*VOCABULARY;
    let mut found = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let longest = v.longest.min(words.len() - i);
        let hit = (1..=longest).rev().find_map(|len| {
            let key = words[i..i + len].join(" ");
            v.phrases.get(&key).map(|tag| Phrase {
                start: i,
                len,
                tag: tag.as_str(),
            })
        });
        match hit {
            Some(p) => {
                i += p.len;
                found.push(p);
            }
            None => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag_of(query: &str) -> Vec<&'static str> {
        phrases(&tokens(query)).into_iter().map(|p| p.tag).collect()
    }

    #[test]
    fn states_are_found_by_their_names_in_the_six_languages_and_their_aliases() {
        let de = state_tag("DE");
        for name in [
            "Allemagne",
            "Alemania",
            "Германия",
            "ألمانيا",
            "德国",
            "germany",
        ] {
            assert_eq!(tag_of(name), [de.as_str()], "{name}");
        }
        for (name, code) in [
            ("Turkey", "TR"),
            ("Ivory Coast", "CI"),
            ("UK", "GB"),
            ("Holland", "NL"),
            ("United Kingdom", "GB"),
        ] {
            assert_eq!(tag_of(name), [state_tag(code).as_str()], "{name}");
        }
        // A name two States share names neither.
        assert!(tag_of("Korea").is_empty());
    }

    #[test]
    fn articles_and_channels_by_their_names_within_a_query() {
        let found = phrases(&tokens("MLA ministry INTERPOL Ivory Coast"));
        let tags: Vec<_> = found.iter().map(|p| (p.start, p.len, p.tag)).collect();
        assert_eq!(
            tags,
            [
                (
                    0,
                    1,
                    article_tag(Article::MUTUAL_LEGAL_ASSISTANCE).leak() as &str
                ),
                (2, 1, channel_tag(Channel::Interpol).leak()),
                (3, 2, state_tag("CI").leak()),
            ]
        );
        assert_eq!(
            tag_of("art. 16"),
            [article_tag(Article::EXTRADITION).as_str()]
        );
    }
}
