//! The States parties known to the directory: all UN Member States, the two
//! observer States and the European Union, with ISO 3166-1 codes and UN M49
//! regions. The table is data (`data/states.csv`), compiled into the binary.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

const STATES_CSV: &str = include_str!("data/states.csv");

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash, utoipa::ToSchema)]
pub struct Region {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateStatus {
    Member,
    Observer,
    Organization,
}

#[derive(Debug, Serialize)]
pub struct State {
    pub alpha2: String,
    pub alpha3: Option<String>,
    pub numeric: Option<String>,
    pub name: String,
    pub status: StateStatus,
    pub region: Region,
    pub subregion: Option<Region>,
    /// Official languages, ISO 639-1, most used first.
    pub languages: Vec<String>,
    pub capital: String,
    pub time_zone: String,
    pub calling_code: String,
    #[serde(skip)]
    pub sort_key: String,
}

struct Table {
    /// Sorted by name as people read it.
    states: Vec<State>,
    by_code: HashMap<String, usize>,
}

#[derive(serde::Deserialize)]
struct Row {
    alpha2: String,
    alpha3: String,
    numeric: String,
    name: String,
    status: String,
    region_code: String,
    region: String,
    subregion_code: String,
    subregion: String,
    languages: String,
    capital: String,
    time_zone: String,
    calling_code: String,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut reader = csv::Reader::from_reader(STATES_CSV.as_bytes());
    let mut states: Vec<State> = reader
        .deserialize::<Row>()
        .map(|row| {
            let r = row.expect("states.csv is well-formed (checked by its unit test)");
            let opt = |s: String| (!s.is_empty()).then_some(s);
            State {
                sort_key: super::text::sort_key(&r.name),
                alpha2: r.alpha2,
                alpha3: opt(r.alpha3),
                numeric: opt(r.numeric),
                name: r.name,
                status: match r.status.as_str() {
                    "member" => StateStatus::Member,
                    "observer" => StateStatus::Observer,
                    _ => StateStatus::Organization,
                },
                region: Region {
                    code: r.region_code,
                    name: r.region,
                },
                subregion: opt(r.subregion_code).map(|code| Region {
                    code,
                    name: r.subregion,
                }),
                languages: r.languages.split(';').map(str::to_string).collect(),
                capital: r.capital,
                time_zone: r.time_zone,
                calling_code: r.calling_code,
            }
        })
        .collect();
    states.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
    let mut by_code = HashMap::new();
    for (i, s) in states.iter().enumerate() {
        by_code.insert(s.alpha2.clone(), i);
        if let Some(a3) = &s.alpha3 {
            by_code.insert(a3.clone(), i);
        }
    }
    Table { states, by_code }
});

/// Every State, sorted by name.
pub fn all() -> &'static [State] {
    &TABLE.states
}

/// By ISO alpha-2 or alpha-3 code, in any case.
pub fn find(code: &str) -> Option<&'static State> {
    let table = &*TABLE;
    table
        .by_code
        .get(&code.trim().to_ascii_uppercase())
        .map(|&i| &table.states[i])
}

/// Regions with their sub-regions, in M49 code order.
pub fn regions() -> Vec<(Region, Vec<Region>)> {
    let mut out: Vec<(Region, Vec<Region>)> = Vec::new();
    for s in all() {
        let entry = match out.iter_mut().position(|(r, _)| r == &s.region) {
            Some(i) => &mut out[i],
            None => {
                out.push((s.region.clone(), Vec::new()));
                out.last_mut().expect("just pushed")
            }
        };
        if let Some(sub) = s.subregion.as_ref().filter(|sub| !entry.1.contains(sub)) {
            entry.1.push(sub.clone());
        }
    }
    out.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    for (_, subs) in &mut out {
        subs.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

/// A region or sub-region named by its M49 code ("150") or its name
/// ("Western Africa", in any case).
pub fn find_region(raw: &str) -> Option<Region> {
    let wanted = super::text::fold(raw.trim());
    all().iter().find_map(|s| {
        std::iter::once(&s.region)
            .chain(s.subregion.as_ref())
            .find(|r| r.code == raw.trim() || super::text::fold(&r.name) == wanted)
            .cloned()
    })
}

impl State {
    /// True when the State lies in the region or sub-region with this code.
    pub fn in_region(&self, code: &str) -> bool {
        self.region.code == code || self.subregion.as_ref().is_some_and(|r| r.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{LanguageCode, TimeZone};

    #[test]
    fn the_table_has_every_state_party() {
        let states = all();
        assert_eq!(states.len(), 196);
        let count = |st| states.iter().filter(|s| s.status == st).count();
        assert_eq!(count(StateStatus::Member), 193);
        assert_eq!(count(StateStatus::Observer), 2);
        assert_eq!(count(StateStatus::Organization), 1);
        for code in ["VA", "PS", "EU", "FR", "CN", "BO", "TV", "SS"] {
            assert!(find(code).is_some(), "{code}");
        }
        assert_eq!(find("bol").unwrap().alpha2, "BO");
    }

    #[test]
    fn every_row_is_valid() {
        let mut seen = std::collections::HashSet::new();
        for s in all() {
            assert!(seen.insert(&s.alpha2), "duplicate {}", s.alpha2);
            assert_eq!(s.alpha2.len(), 2);
            assert!(!s.name.is_empty() && !s.capital.is_empty());
            assert!(s.region.code.len() == 3, "{}", s.alpha2);
            for l in &s.languages {
                assert!(LanguageCode::parse(l).is_ok(), "{}: {l}", s.alpha2);
            }
            assert!(
                TimeZone::parse(&s.time_zone).is_ok(),
                "{}: {}",
                s.alpha2,
                s.time_zone
            );
            assert!(s.calling_code.starts_with('+'), "{}", s.alpha2);
        }
    }

    #[test]
    fn regions_are_m49() {
        let regions = regions();
        let names: Vec<&str> = regions.iter().map(|(r, _)| r.name.as_str()).collect();
        assert_eq!(names, ["Africa", "Oceania", "Americas", "Asia", "Europe"]);
        assert_eq!(find_region("western africa").unwrap().code, "011");
        assert_eq!(find_region("150").unwrap().name, "Europe");
        assert!(find("FR").unwrap().in_region("155"));
        assert!(find_region("Atlantis").is_none());
    }
}
