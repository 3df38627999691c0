use serde::{Serialize, Serializer};

/// The treaty under which a designation is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Instrument {
    /// The Convention itself (UNTOC).
    Convention,
    /// Protocol against the Smuggling of Migrants by Land, Sea and Air.
    MigrantsProtocol,
    /// Protocol against the Illicit Manufacturing of and Trafficking in Firearms.
    FirearmsProtocol,
}

impl Instrument {
    pub fn code(self) -> &'static str {
        match self {
            Self::Convention => "untoc",
            Self::MigrantsProtocol => "migrants_protocol",
            Self::FirearmsProtocol => "firearms_protocol",
        }
    }

    pub fn parse(code: &str) -> Result<Self, String> {
        match code {
            "untoc" => Ok(Self::Convention),
            "migrants_protocol" => Ok(Self::MigrantsProtocol),
            "firearms_protocol" => Ok(Self::FirearmsProtocol),
            _ => Err(format!(
                "unknown instrument {code:?}; use untoc, migrants_protocol or firearms_protocol"
            )),
        }
    }
}

/// An article under which a State designates an authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Article {
    instrument: Instrument,
    number: i32,
}

struct Known {
    article: Article,
    slug: &'static str,
    provision: &'static str,
    title: &'static str,
    summary: &'static str,
}

const fn art(instrument: Instrument, number: i32) -> Article {
    Article { instrument, number }
}

// Adding a Protocol's designation is one line here; storage and search
// already carry the instrument.
const KNOWN: &[Known] = &[
    Known {
        article: art(Instrument::Convention, 16),
        slug: "16",
        provision: "Art. 16",
        title: "Extradition",
        summary: "Requests for the surrender of a person sought for prosecution or to serve a sentence.",
    },
    Known {
        article: art(Instrument::Convention, 17),
        slug: "17",
        provision: "Art. 17",
        title: "Transfer of sentenced persons",
        summary: "Agreements and requests to transfer a sentenced person so that the sentence is served at home.",
    },
    Known {
        article: art(Instrument::Convention, 18),
        slug: "18",
        provision: "Art. 18(13)",
        title: "Mutual legal assistance",
        summary: "The central authority that receives, executes or transmits requests for evidence, searches, seizures, hearings and other assistance.",
    },
    Known {
        article: art(Instrument::Convention, 31),
        slug: "31",
        provision: "Art. 31(6)",
        title: "Prevention",
        summary: "The authority that can assist other States in developing measures to prevent transnational organized crime.",
    },
    Known {
        article: art(Instrument::MigrantsProtocol, 8),
        slug: "migrants-8",
        provision: "Migrants Protocol, art. 8(6)",
        title: "Smuggling of migrants by sea",
        summary: "The authority that receives and responds to requests about vessels suspected of smuggling migrants.",
    },
    Known {
        article: art(Instrument::FirearmsProtocol, 13),
        slug: "firearms-13",
        provision: "Firearms Protocol, art. 13(2)",
        title: "Firearms: point of contact",
        summary: "The national body or single point of contact for cooperation on firearms, their parts and ammunition.",
    },
];

impl Article {
    pub const EXTRADITION: Article = art(Instrument::Convention, 16);
    pub const TRANSFER: Article = art(Instrument::Convention, 17);
    pub const MUTUAL_LEGAL_ASSISTANCE: Article = art(Instrument::Convention, 18);
    pub const PREVENTION: Article = art(Instrument::Convention, 31);

    /// Every article known, Convention first.
    pub fn all() -> impl Iterator<Item = Article> {
        KNOWN.iter().map(|k| k.article)
    }

    /// The four articles of the Convention itself.
    pub fn convention() -> impl Iterator<Item = Article> {
        Self::all().filter(|a| a.instrument == Instrument::Convention)
    }

    /// Parses what people and programs write: `16`, `18`, `art. 18`, `migrants-8`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_ascii_lowercase();
        let s = s
            .strip_prefix("art.")
            .or_else(|| s.strip_prefix("art"))
            .unwrap_or(&s)
            .trim();
        KNOWN
            .iter()
            .find(|k| k.slug == s)
            .map(|k| k.article)
            .ok_or_else(|| {
                format!(
                    "unknown article {raw:?}; use 16 (extradition), 17 (transfer of sentenced persons), \
                     18 (mutual legal assistance), 31 (prevention), migrants-8 or firearms-13"
                )
            })
    }

    /// From the stored pair; `None` for a pair this version does not know.
    pub fn from_parts(instrument: Instrument, number: i32) -> Option<Self> {
        let a = art(instrument, number);
        KNOWN.iter().any(|k| k.article == a).then_some(a)
    }

    fn known(self) -> &'static Known {
        KNOWN
            .iter()
            .find(|k| k.article == self)
            .expect("an Article is always one of KNOWN")
    }

    pub fn instrument(self) -> Instrument {
        self.instrument
    }

    pub fn number(self) -> i32 {
        self.number
    }

    pub fn slug(self) -> &'static str {
        self.known().slug
    }

    pub fn provision(self) -> &'static str {
        self.known().provision
    }

    pub fn title(self) -> &'static str {
        self.known().title
    }

    pub fn summary(self) -> &'static str {
        self.known().summary
    }

    /// A bit per known article, for compact sets in the search index.
    pub fn bit(self) -> u8 {
        let i = KNOWN.iter().position(|k| k.article == self).unwrap_or(0);
        1 << i
    }
}

impl std::fmt::Display for Article {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

impl Serialize for Article {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.instrument == Instrument::Convention {
            s.serialize_i32(self.number)
        } else {
            s.serialize_str(self.slug())
        }
    }
}

/// An article as JSON writes it: a Convention article as its number, a
/// Protocol's provision as its slug; both lists come from the known table.
impl utoipa::PartialSchema for Article {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let numbers: Vec<i32> = Article::convention().map(Article::number).collect();
        let slugs: Vec<&str> = Article::all()
            .filter(|a| a.instrument != Instrument::Convention)
            .map(Article::slug)
            .collect();
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .enum_values(Some(numbers)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(slugs)),
            )
            .description(Some(
                "A Convention article as its number, a Protocol's provision as its slug",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Article {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ways_people_write_articles() {
        assert_eq!(
            Article::parse("18").unwrap(),
            Article::MUTUAL_LEGAL_ASSISTANCE
        );
        assert_eq!(Article::parse(" Art. 16 ").unwrap(), Article::EXTRADITION);
        assert_eq!(Article::parse("art31").unwrap(), Article::PREVENTION);
        assert_eq!(
            Article::parse("migrants-8").unwrap().provision(),
            "Migrants Protocol, art. 8(6)"
        );
        for bad in ["19", "", "eighteen", "-18", "18.0"] {
            assert!(
                Article::parse(bad).unwrap_err().contains("unknown article"),
                "{bad}"
            );
        }
    }

    #[test]
    fn convention_articles_serialise_as_integers() {
        assert_eq!(serde_json::to_string(&Article::TRANSFER).unwrap(), "17");
        let fp = Article::parse("firearms-13").unwrap();
        assert_eq!(serde_json::to_string(&fp).unwrap(), "\"firearms-13\"");
        assert_eq!(Article::convention().count(), 4);
    }

    #[test]
    fn stored_pairs_round_trip() {
        for a in Article::all() {
            assert_eq!(Article::from_parts(a.instrument(), a.number()), Some(a));
            assert_eq!(
                Instrument::parse(a.instrument().code()).unwrap(),
                a.instrument()
            );
        }
        assert_eq!(Article::from_parts(Instrument::Convention, 99), None);
        let bits: Vec<u8> = Article::all().map(Article::bit).collect();
        assert!(bits.windows(2).all(|w| w[0] != w[1]));
    }
}
