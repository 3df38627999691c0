//! Measures in force as pages show them: plain sentences per field, the same
//! everywhere a practitioner meets them (finder, authority, State, list).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use serde_json::{Value, json};

use crate::db;
use crate::db::ids::AuthorityId;
use crate::error::AppError;
use crate::measures::compact::Compact;
use crate::measures::{Described, Update, store};
use crate::web::AppState;

pub use crate::measures::describe as view;

/// Every measure in force, kept in memory beside the directory: for the day
/// it was read on, and for as long as the measures' generation in the
/// database stays (checked at most every
/// `directory.refresh_interval`, for changes made by other instances).
/// Handlers that change a measure here call [`InForce::forget`].
#[derive(Default)]
pub struct InForce {
    kept: Mutex<Option<Kept>>,
    /// One reader of the database at a time; the others wait for its answer.
    reading: tokio::sync::Mutex<()>,
    /// Moves whenever what is kept is dropped or read again, so that pages
    /// made from it can be kept as long as it stays.
    version: AtomicU64,
}

struct Kept {
    day: NaiveDate,
    /// The measures' generation in the database when read.
    measures: i64,
    checked_at: Instant,
    /// The value of `InForce::version` this was read under.
    version: u64,
    by_authority: ByAuthority,
}

impl Kept {
    /// Whether it holds the measures of this day. Edits of the directory do
    /// not matter: archived authorities' measures are read too, and the
    /// directory snapshot decides whose are shown.
    fn serves(&self, day: NaiveDate) -> bool {
        self.day == day
    }
}

/// The measure in force of each authority that has one.
pub type ByAuthority = Arc<Measures>;

/// Measures in force ordered by authority, at most one each: at 50,000
/// authorities there are tens of thousands, and a map kept a third of its
/// room empty. Each is kept compact (`measures::compact`).
pub struct Measures(Box<[Compact]>);

impl Measures {
    /// From `store::in_force`, which gives one per authority.
    fn new(list: Vec<Update>) -> Self {
        let mut list: Vec<Compact> = list.into_iter().map(Compact::from).collect();
        list.sort_by_key(|u| u.authority_id);
        Measures(list.into_boxed_slice())
    }

    /// The measure in force of this authority.
    pub fn get(&self, id: &AuthorityId) -> Option<Update> {
        let at = self.0.binary_search_by_key(id, |u| u.authority_id).ok()?;
        Some(self.0[at].update())
    }

    pub fn values(&self) -> impl Iterator<Item = &Compact> {
        self.0.iter()
    }
}

impl InForce {
    /// After a measure was submitted, decided or withdrawn here.
    pub fn forget(&self) {
        let mut kept = self.kept.lock().expect("not poisoned");
        *kept = None;
        self.version.fetch_add(1, Ordering::SeqCst);
    }

    /// What is kept, if it is for this day and was checked
    /// against the database recently enough.
    fn fresh(&self, day: NaiveDate, fresh: Duration) -> Option<(ByAuthority, u64)> {
        let kept = self.kept.lock().expect("not poisoned");
        kept.as_ref()
            .filter(|k| k.serves(day) && k.checked_at.elapsed() < fresh)
            .map(|k| (k.by_authority.clone(), k.version))
    }

    /// Every measure in force, and the version it was read under: a page
    /// made from one stays right for as long as the version does.
    pub async fn current(&self, state: &AppState) -> Result<(ByAuthority, u64), AppError> {
        let day = state.clock.today();
        let fresh = state.settings.directory.refresh_interval;
        if let Some(found) = self.fresh(day, fresh) {
            return Ok(found);
        }
        let _reading = self.reading.lock().await;
        // Whoever held the lock before may have done the work.
        if let Some(found) = self.fresh(day, fresh) {
            return Ok(found);
        }
        let began = self.version.load(Ordering::SeqCst);
        let measures = db::run(&state.pool, |c| Ok(store::generation(c)?)).await?;
        // Unchanged in the database: what is kept stays, with its version,
        // and so do the pages made from it.
        {
            let mut kept = self.kept.lock().expect("not poisoned");
            if let Some(k) = kept.as_mut()
                && k.serves(day)
                && k.measures == measures
            {
                k.checked_at = Instant::now();
                return Ok((k.by_authority.clone(), k.version));
            }
        }
        let (measures, by_authority) = db::run(&state.pool, move |c| {
            // The rows read are many (22,000 at 50,000 authorities) and freed
            // at once: their memory goes back to the system, not to the heap.
            let _give_back = crate::memory::GiveBack;
            let (measures, list) = store::all_in_force(c, day)?;
            let by_authority: ByAuthority = Arc::new(Measures::new(list));
            Ok((measures, by_authority))
        })
        .await?;
        let mut kept = self.kept.lock().expect("not poisoned");
        // A new version for what was just read. If a measure was decided
        // here while it was being read, it may predate the decision: it is
        // used once and not kept.
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        if version == began + 1 {
            *kept = Some(Kept {
                day,
                measures,
                checked_at: Instant::now(),
                version,
                by_authority: by_authority.clone(),
            });
        }
        Ok((by_authority, version))
    }
}

/// The measures in force of these authorities from what
/// [`InForce::current`] gave, as this reader may see them, by authority id.
pub fn picked(all: &ByAuthority, ids: &[AuthorityId], sees_contacts: bool) -> Vec<Update> {
    let mut list: Vec<Update> = ids.iter().filter_map(|id| all.get(id)).collect();
    list.sort_by_key(|u| u.authority_id);
    list.into_iter()
        .map(|u| u.for_reader(sees_contacts))
        .collect()
}

/// The measures in force of these authorities as this reader may see them,
/// from what [`InForce::current`] gave.
pub fn described(
    all: &ByAuthority,
    ids: &[AuthorityId],
    sees_contacts: bool,
) -> HashMap<AuthorityId, Vec<Described>> {
    ids.iter()
        .filter_map(|id| all.get(id))
        .map(|u| {
            let u = u.for_reader(sees_contacts);
            (u.authority_id, vec![view(&u)])
        })
        .collect()
}

/// The measures in force of some authorities, by authority id.
pub async fn in_force_by_authority(
    state: &AppState,
    ids: Vec<AuthorityId>,
    sees_contacts: bool,
) -> Result<HashMap<AuthorityId, Vec<Described>>, AppError> {
    let (all, _) = state.in_force.current(state).await?;
    Ok(described(&all, &ids, sees_contacts))
}

/// An authority as the finder lists it: its JSON and its measures in force.
#[derive(serde::Serialize)]
pub struct WithMeasures<'a> {
    #[serde(flatten)]
    pub authority: crate::web::support::json::AuthorityJson<'a>,
    pub measures: Vec<Described>,
    /// The territory whose group this authority opens, in the finder's
    /// order (national authorities first, then each territory's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'a str>,
    /// How recently its record was verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freshness: Option<crate::web::pages::directory::views::Freshness>,
}

#[derive(serde::Deserialize)]
pub struct MeasureFilters {
    country: Option<String>,
    region: Option<String>,
    electronic: Option<String>,
    video: Option<String>,
    page: Option<String>,
}

/// Rows of the table of measures on one page: a large directory has tens
/// of thousands of measures in force.
const ROWS_PER_PAGE: usize = 250;

/// Every measure in force, filtered, as a table comparing States at a glance.
pub(crate) async fn list_page(
    state: actix_web::web::Data<AppState>,
    viewer: crate::web::Viewer,
    params: actix_web::web::Query<MeasureFilters>,
) -> Result<actix_web::HttpResponse, AppError> {
    use crate::measures::{YesNo, YesNoPartly};
    use crate::web::support::filters::{PlaceFilter, pager};
    let f = params.into_inner();
    let filter = PlaceFilter::parse(&f.country, &f.region, &f.page)?;
    let blank = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let electronic = blank(&f.electronic);
    let video = blank(&f.video);
    // The table depends on the filters (as understood, not as typed), the
    // snapshot and the measures in force: kept for those. It shows no
    // contact detail, so it is the same for every reader.
    let (all, version) = state.in_force.current(&state).await?;
    let directory = state.directory.snapshot();
    let key = format!(
        "measures|{}|{}|{electronic}|{video}|{}",
        filter.country.map(|c| c.as_str()).unwrap_or_default(),
        filter
            .region
            .as_ref()
            .map(|r| r.code.as_str())
            .unwrap_or_default(),
        filter.page,
    );
    crate::web::support::respond::kept_page(
        &state,
        &viewer,
        ("pages/measures", &key),
        (directory.generation, version),
        ("Measures in force", "measures"),
        || {
            // The table shows no contact detail: the measures need not be
            // copied for this reader, only ordered as before (by State,
            // then authority).
            let mut found = Vec::new();
            for u in all.values() {
                let Some(a) = directory.get(u.authority_id) else {
                    continue;
                };
                let s = a.country.state();
                if !filter.admits(a.country)
                    || (electronic
                        && !matches!(
                            u.electronic_requests,
                            Some(YesNoPartly::Yes | YesNoPartly::Partly)
                        ))
                    || (video && u.video_hearings != Some(YesNo::Yes))
                {
                    continue;
                }
                found.push((s.sort_key.as_str(), a, u));
            }
            found.sort_by_key(|(state, _, u)| (*state, u.authority_id));
            let count = found.len();
            // The same filters on another page.
            let link = |n: usize| {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                filter.pairs(&mut q);
                if electronic {
                    q.append_pair("electronic", "yes");
                }
                if video {
                    q.append_pair("video", "yes");
                }
                q.append_pair("page", &n.to_string());
                format!("/measures?{}", q.finish())
            };
            let (page_no, pager) = pager(filter.page, count, ROWS_PER_PAGE, link);
            let label = |v: Option<&'static str>| v.unwrap_or("–");
            let rows: Vec<Value> = found
                .iter()
                .skip((page_no - 1) * ROWS_PER_PAGE)
                .take(ROWS_PER_PAGE)
                .map(|(_, a, u)| {
                    let s = a.country.state();
                    json!({
                        "authority_id": a.id, "authority": a.name(), "country": s.name,
                        "country_code": s.alpha2,
                        "operations": label(u.operations.map(|v| v.label())),
                        "electronic": label(u.electronic_requests.map(|v| v.label())),
                        "originals": label(u.originals_required.map(|v| v.label())),
                        "video": label(u.video_hearings.map(|v| v.label())),
                        "surrenders": label(u.surrenders.map(|v| v.label())),
                        "transfers": label(u.transfers.map(|v| v.label())),
                        "since": u.effective_from,
                    })
                })
                .collect();
            let (states_list, regions) = filter.choices();
            Ok(json!({
                "title": "Measures in force", "nav": "measures", "rows": rows, "count": count,
                "pager": pager,
                "states": states_list, "regions": regions, "electronic": electronic, "video": video,
            }))
        },
    )
}
