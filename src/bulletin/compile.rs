//! Compiling a bulletin: every measure in force on the slot's day, grouped by
//! region, State and authority, each marked NEW or UPDATED against the
//! previous bulletin; the measures withdrawn or expired since; the changes
//! to the directory in the period; a summary. Rendered once, in the two
//! editions of the visibility rule (with contact details, for authorities
//! and officials; without, for everyone else), and stored as sent.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::changes::{Changed, directory_changes};
use super::parts::{Edition, Sink};
use crate::db::DbConnection;
use crate::db::ids::{AuthorityId, UpdateId};
use crate::db::schema::{authorities, bulletins};
use crate::domain::states;
use crate::error::AppError;
use crate::mail::message::{Template, Templates};
use crate::measures::Described;
use crate::measures::{Status, Update, describe, store};
use crate::splice::Spliced;

/// Stands for a recipient's own unsubscribe address in a stored body; each
/// message replaces it (it sits on a line of its own, see `mime`).
pub const UNSUBSCRIBE_PLACEHOLDER: &str = "https://unsubscribe.placeholder.invalid/";

/// The counts at the top of a bulletin, also kept for lists and the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Summary {
    pub states: usize,
    pub authorities: usize,
    pub new: usize,
    pub updated: usize,
    pub ended: usize,
    pub directory_changes: usize,
}

impl Summary {
    /// Nothing new since the previous bulletin.
    pub fn is_empty(&self) -> bool {
        self.new + self.updated + self.ended + self.directory_changes == 0
    }
}

#[derive(Serialize)]
struct Contact {
    email: Option<String>,
    phone: Option<String>,
    urgent_contact: Option<String>,
}

#[derive(Serialize)]
struct Entry {
    authority_id: AuthorityId,
    name: String,
    #[serde(rename = "ref")]
    ref_: String,
    link: String,
    mark: Option<&'static str>,
    update_id: UpdateId,
    measure: Described,
    contact: Option<Contact>,
}

/// One State's entries, rendered on their own (`bulletin/state`), so that
/// a bulletin of thousands of measures is never one tree of JSON.
#[derive(Serialize)]
struct StateBlock<'a> {
    /// The region's name, at the first State of a region.
    region: Option<&'a str>,
    name: String,
    code: &'a str,
    entries: Vec<Entry>,
}

#[derive(Serialize)]
struct Ended {
    name: String,
    #[serde(rename = "ref")]
    ref_: String,
    state: String,
    link: String,
    update_id: UpdateId,
    how: &'static str,
}

#[derive(Serialize)]
struct Context<'a> {
    number: i32,
    date: String,
    since: Option<String>,
    full: bool,
    summary: &'a Summary,
    has_measures: bool,
    /// Markers of the rendered States (see [`Spliced`]).
    measures_html: String,
    measures_text: String,
    ended: &'a [Ended],
    changes: &'a [Changed],
    base_url: &'a str,
    unsubscribe_url: &'a str,
}

/// A bulletin as compiled: its two editions, rendered, and what the next
/// one compares itself with.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub number: i32,
    pub slot_at: NaiveDateTime,
    pub since: Option<NaiveDateTime>,
    pub subject: String,
    pub summary: Summary,
    /// (authority, update) of every entry.
    pub entries: Vec<(AuthorityId, UpdateId)>,
    /// Whether the editions were rendered (see [`Out::unless_empty`]).
    pub rendered: bool,
}

/// Where a bulletin's editions go, and which.
pub struct Out<'a> {
    pub sink: &'a mut dyn Sink,
    /// The public edition too (a preview shows the full one only;
    /// rendering both held both, tens of MB at 50,000).
    pub public: bool,
    /// Nothing is rendered when nothing is new (a slot to be skipped).
    pub unless_empty: bool,
    /// Rendered text is handed to the sink once it is this long
    /// ([`super::parts::PART`]).
    pub part: usize,
}

/// (authority, update) of each entry of a bulletin.
type Entries = Vec<(AuthorityId, UpdateId)>;

/// An entry on its way to the page: the measure, its authority, its mark.
type Placed<'a> = (&'a Update, &'a Named, Option<&'static str>);

/// The newest bulletin sent before `slot`: its slot and its entries.
fn previous(
    conn: &mut DbConnection,
    slot: NaiveDateTime,
) -> Result<Option<(NaiveDateTime, Entries)>, AppError> {
    let found: Option<(NaiveDateTime, String)> = bulletins::table
        .filter(bulletins::number.is_not_null())
        .filter(bulletins::slot_at.lt(slot))
        .order(bulletins::slot_at.desc())
        .select((bulletins::slot_at, bulletins::entries))
        .first(conn)
        .optional()?;
    found
        .map(|(at, entries)| {
            serde_json::from_str(&entries)
                .map(|e| (at, e))
                .map_err(|e| AppError::internal(anyhow::anyhow!("stored bulletin entries: {e}")))
        })
        .transpose()
}

struct Named {
    name: String,
    ref_: String,
    country: String,
    email: Option<String>,
    phone: Option<String>,
    urgent_contact: Option<String>,
}

fn named(conn: &mut DbConnection, ids: &[AuthorityId]) -> QueryResult<HashMap<AuthorityId, Named>> {
    type Row = (
        AuthorityId,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = authorities::table
        .filter(authorities::id.eq_any(ids.to_vec()))
        .select((
            authorities::id,
            authorities::name,
            authorities::ref_,
            authorities::country_code,
            authorities::email,
            authorities::phone,
            authorities::urgent_contact,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, ref_, country, email, phone, urgent_contact)| {
            (
                id,
                Named {
                    name,
                    ref_,
                    country,
                    email,
                    phone,
                    urgent_contact,
                },
            )
        })
        .collect())
}

pub(super) fn state_name(code: &str) -> String {
    states::find(code).map_or_else(|| code.to_string(), |s| s.name.clone())
}

/// Gathers and renders the bulletin numbered `number` for `slot`; changes in
/// the directory are counted from the previous bulletin's slot, or from
/// `first_period_start` for the first one.
#[allow(clippy::too_many_arguments)]
pub fn compile(
    conn: &mut DbConnection,
    templates: &Templates,
    number: i32,
    slot: NaiveDateTime,
    // The moment the content is true of: the slot, or later when a slot
    // missed while the service was down is compiled at the next check.
    at: NaiveDateTime,
    first_period_start: NaiveDateTime,
    base_url: &str,
    out: Out<'_>,
) -> Result<Compiled, AppError> {
    let today = at.date();
    let in_force = store::in_force(conn, None, today)?;
    let prev = previous(conn, slot)?;
    let since = prev.as_ref().map(|(at, _)| *at);
    let before: HashMap<AuthorityId, UpdateId> = prev
        .as_ref()
        .map(|(_, e)| e.iter().copied().collect())
        .unwrap_or_default();
    let now_ids: HashSet<AuthorityId> = in_force.iter().map(|u| u.authority_id).collect();
    let gone: Vec<(AuthorityId, UpdateId)> = before
        .iter()
        .filter(|(a, _)| !now_ids.contains(a))
        .map(|(a, u)| (*a, *u))
        .collect();
    let mut ids: Vec<AuthorityId> = now_ids.iter().copied().collect();
    ids.extend(gone.iter().map(|(a, _)| *a));
    let names = named(conn, &ids)?;
    let gone_updates: HashMap<UpdateId, Update> = store::get_many(
        conn,
        &gone.iter().map(|(_, u)| *u).collect::<Vec<_>>(),
        today,
    )?
    .into_iter()
    .map(|u| (u.id, u))
    .collect();
    let archived: HashSet<AuthorityId> = authorities::table
        .filter(authorities::id.eq_any(gone.iter().map(|(a, _)| *a).collect::<Vec<_>>()))
        .filter(authorities::archived_at.is_not_null())
        .select(authorities::id)
        .load::<AuthorityId>(conn)?
        .into_iter()
        .collect();
    let changes = directory_changes(conn, since.unwrap_or(first_period_start), at, base_url)?;

    let link = |id: AuthorityId| format!("{base_url}/authorities/{id}");
    let mut ended: Vec<Ended> = gone
        .iter()
        .filter_map(|(a, u)| {
            let n = names.get(a)?;
            let how = if archived.contains(a) {
                "the authority left the directory"
            } else {
                match gone_updates.get(u).map(|u| u.status) {
                    Some(Status::Withdrawn) => "withdrawn",
                    Some(Status::Expired) => "expired",
                    _ => "ended",
                }
            };
            Some(Ended {
                name: n.name.clone(),
                ref_: n.ref_.clone(),
                state: state_name(&n.country),
                link: link(*a),
                update_id: *u,
                how,
            })
        })
        .collect();
    ended.sort_by(|x, y| (&x.state, &x.name).cmp(&(&y.state, &y.name)));

    let mut summary = Summary {
        ended: ended.len(),
        directory_changes: changes.len(),
        ..Summary::default()
    };
    let mut entries: Vec<(AuthorityId, UpdateId)> = Vec::new();
    // Region, then State, then authority, each in reading order.
    let mut grouped: BTreeMap<(String, String, String), Vec<Placed>> = BTreeMap::new();
    for u in &in_force {
        let Some(n) = names.get(&u.authority_id) else {
            continue;
        };
        let state = states::find(&n.country);
        let mark = match before.get(&u.authority_id) {
            None => Some("NEW"),
            Some(prev) if *prev != u.id => Some("UPDATED"),
            Some(_) => None,
        };
        match mark {
            Some("NEW") => summary.new += 1,
            Some(_) => summary.updated += 1,
            None => {}
        }
        entries.push((u.authority_id, u.id));
        let key = (
            state.map_or_else(String::new, |s| s.region.name.clone()),
            state.map_or_else(|| n.country.clone(), |s| s.sort_key.clone()),
            n.country.clone(),
        );
        grouped.entry(key).or_default().push((u, n, mark));
    }
    entries.sort_unstable();
    summary.authorities = entries.len();
    summary.states = grouped.len();

    let skip = out.unless_empty && summary.is_empty();
    let part = out.part;
    // Each edition is handed to the sink in parts as it is rendered: at
    // 50,000 authorities the four are 51 MB.
    let render =
        |conn: &mut DbConnection, sink: &mut dyn Sink, full: bool| -> Result<String, AppError> {
            let internal = |e: String| AppError::internal(anyhow::anyhow!(e));
            // The document first, with a marker where the States go; each State
            // is then rendered straight into it. At 50,000 authorities an
            // edition is megabytes, and splicing it in afterwards held it twice.
            let mut spliced = Spliced::default();
            let (html_marker, text_marker) =
                (spliced.add(String::new()), spliced.add(String::new()));
            let context = Context {
                number,
                date: at.format("%-d %B %Y").to_string(),
                since: since.map(|s| s.format("%-d %B %Y").to_string()),
                full,
                summary: &summary,
                has_measures: !grouped.is_empty(),
                measures_html: html_marker.clone(),
                measures_text: text_marker.clone(),
                ended: &ended,
                changes: &changes,
                base_url,
                unsubscribe_url: UNSUBSCRIBE_PLACEHOLDER,
            };
            let document = templates
                .render(Template::Bulletin.name(), &context)
                .map_err(internal)?;
            sink.heading(&document.subject, &summary)?;
            // Without measures, the template leaves the marker out.
            let cut = |body: &str, marker: &str| -> Result<(String, String), AppError> {
                match body.split_once(marker) {
                    Some((head, tail)) => Ok((head.to_string(), tail.to_string())),
                    None if grouped.is_empty() => Ok((body.to_string(), String::new())),
                    None => Err(internal(format!(
                        "the bulletin's template has no {marker:?}"
                    ))),
                }
            };
            let (mut html, html_tail) = cut(&document.html, &html_marker)?;
            let (mut text, text_tail) = cut(&document.text, &text_marker)?;
            let mut heads = (html.len(), text.len());
            let (html_edition, text_edition) = (Edition::of(full, true), Edition::of(full, false));
            let mut region_now: Option<&str> = None;
            for ((region, _, code), list) in &grouped {
                // Handed on before the next State, so that the last one stays
                // for its line end to be taken off below.
                for (piece, head, edition) in [
                    (&mut html, &mut heads.0, html_edition),
                    (&mut text, &mut heads.1, text_edition),
                ] {
                    if piece.len() >= part {
                        sink.write(conn, edition, piece)?;
                        piece.clear();
                        *head = 0;
                    }
                }
                let mut block = StateBlock {
                    region: (region_now != Some(region.as_str())).then_some(region.as_str()),
                    name: state_name(code),
                    code,
                    entries: list
                        .iter()
                        .map(|(u, n, mark)| Entry {
                            authority_id: u.authority_id,
                            name: n.name.clone(),
                            ref_: n.ref_.clone(),
                            link: link(u.authority_id),
                            mark: *mark,
                            update_id: u.id,
                            measure: describe(&(*u).clone().for_reader(full)),
                            contact: full.then(|| Contact {
                                email: n.email.clone(),
                                phone: n.phone.clone(),
                                urgent_contact: n.urgent_contact.clone(),
                            }),
                        })
                        .collect(),
                };
                block.entries.sort_by(|a, b| a.name.cmp(&b.name));
                region_now = Some(region);
                templates
                    .render_piece("bulletin/state", &block, &mut text, &mut html)
                    .map_err(internal)?;
            }
            // The body's own line ends the last State.
            for (piece, head) in [(&mut html, heads.0), (&mut text, heads.1)] {
                if piece.len() > head && piece.ends_with('\n') {
                    piece.pop();
                }
            }
            html.push_str(&html_tail);
            text.push_str(&text_tail);
            sink.write(conn, html_edition, &html)?;
            sink.write(conn, text_edition, &text)?;
            Ok(document.subject)
        };
    let Out { sink, public, .. } = out;
    let subject = if skip {
        String::new()
    } else {
        let subject = render(conn, sink, true)?;
        if public {
            render(conn, sink, false)?;
        }
        subject
    };
    Ok(Compiled {
        number,
        slot_at: slot,
        since,
        subject,
        summary,
        entries,
        rendered: !skip,
    })
}
