//! Lists filtered by State or region and shown a page at a time: the
//! measures in force and the records to verify.

use serde_json::{Value, json};

use crate::domain::CountryCode;
use crate::domain::states::{self, Region};
use crate::error::AppError;

/// The State, region and page asked for, as understood.
pub struct PlaceFilter {
    pub country: Option<CountryCode>,
    pub region: Option<Region>,
    pub page: usize,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl PlaceFilter {
    /// Reads the parameters; a bad one is refused, naming it.
    pub fn parse(
        country: &Option<String>,
        region: &Option<String>,
        page: &Option<String>,
    ) -> Result<Self, AppError> {
        let country = given(country)
            .map(super::params::country_param)
            .transpose()?;
        let region = given(region)
            .map(|r| {
                states::find_region(r)
                    .ok_or_else(|| AppError::bad_param("region", format!("unknown region {r:?}")))
            })
            .transpose()?;
        let page = super::extract::page_param(page)? as usize;
        Ok(PlaceFilter {
            country,
            region,
            page,
        })
    }

    /// Whether an authority of this State is in the list.
    pub fn admits(&self, country: CountryCode) -> bool {
        self.country.is_none_or(|c| c == country)
            && self
                .region
                .as_ref()
                .is_none_or(|r| country.state().in_region(&r.code))
    }

    /// The State and region as they go in a link.
    pub fn pairs(&self, q: &mut url::form_urlencoded::Serializer<'_, String>) {
        if let Some(c) = self.country {
            q.append_pair("country", c.as_str());
        }
        if let Some(r) = &self.region {
            q.append_pair("region", &r.code);
        }
    }

    /// The choices of State and region for the filter form, the chosen
    /// ones marked.
    pub fn choices(&self) -> (Vec<Value>, Vec<Value>) {
        let states = states::all()
            .iter()
            .map(|s| {
                let selected = self.country.is_some_and(|c| c.as_str() == s.alpha2);
                json!({"code": s.alpha2, "name": s.name, "selected": selected})
            })
            .collect();
        let regions = states::regions()
            .into_iter()
            .map(|(r, _)| {
                let selected = self.region.as_ref().is_some_and(|x| x.code == r.code);
                json!({"code": r.code, "name": r.name, "selected": selected})
            })
            .collect();
        (states, regions)
    }
}

/// The page of `count` rows, `per_page` at a time, that `asked` names (the
/// last when past it), and the pager to show (none for one page); `link`
/// makes the address of another page.
pub fn pager(
    asked: usize,
    count: usize,
    per_page: usize,
    link: impl Fn(usize) -> String,
) -> (usize, Option<Value>) {
    let pages = count.div_ceil(per_page).max(1);
    let page = asked.min(pages);
    let shown = per_page.min(count.saturating_sub((page - 1) * per_page));
    let pager = (pages > 1).then(|| {
        json!({
            "page": page, "pages": pages,
            "first": (page - 1) * per_page + 1,
            "last": (page - 1) * per_page + shown,
            "prev": (page > 1).then(|| link(page - 1)),
            "next": (page < pages).then(|| link(page + 1)),
        })
    });
    (page, pager)
}
