//! The directory as files: CSV and JSON in the import format (so a download
//! can be edited and imported back), authorities as vCards. Each takes the
//! search page's words and filters, so that what is downloaded is what was
//! found. Contact details only for those who may see them.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use std::io::Write;

use crate::directory::search::SearchParams;
use crate::directory::transfer::{csv_file, json, vcard};
use crate::error::AppError;
use crate::web::support::params::{authority_id, live_authority};
use crate::web::{AppState, Viewer};

fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_string()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

/// One of the transfer formats' writers.
type Writer = fn(
    &[std::sync::Arc<crate::directory::model::Authority>],
    bool,
    &mut Vec<u8>,
) -> std::io::Result<()>;

/// The authorities the search page's words and filters find (all of them
/// without any), by ref (the order `counterpart export` writes), rendered
/// off the request threads: 50,000 records take a moment.
async fn render(
    state: &AppState,
    viewer: &Viewer,
    params: &SearchParams,
    write: Writer,
) -> Result<Vec<u8>, AppError> {
    let snapshot = state.directory.snapshot();
    let contacts = viewer.sees_contacts;
    let mut query = params.parse()?;
    query.contacts = contacts;
    web::block(move || {
        let mut list = snapshot.matching(&query);
        list.sort_by(|a, b| a.ref_().cmp(b.ref_()));
        let mut out = Vec::new();
        write(&list, contacts, &mut out).map(|_| out)
    })
    .await
    .map_err(|e| AppError::internal(anyhow::anyhow!("export task: {e}")))?
    .map_err(|e| AppError::internal(anyhow::anyhow!("export: {e}")))
}

pub(crate) async fn as_csv(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let body = render(&state, &viewer, &params, |l, c, o| csv_file::write(l, c, o)).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "authorities.csv",
        body,
    ))
}

pub(crate) async fn as_json(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let body = render(&state, &viewer, &params, |l, c, o| json::write(l, c, o)).await?;
    Ok(attachment("application/json", "authorities.json", body))
}

/// The authorities found, one vCard after another in one file (RFC 6350
/// allows several): an address book imports them at once.
pub(crate) async fn as_vcards(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    cards_allowed(&viewer)?;
    let body = render(&state, &viewer, &params, |list, _, out| {
        list.iter()
            .try_for_each(|a| out.write_all(vcard::render(a).as_bytes()))
    })
    .await?;
    Ok(attachment(
        "text/vcard; charset=utf-8",
        "authorities.vcf",
        body,
    ))
}

fn cards_allowed(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.sees_contacts {
        return Ok(());
    }
    // A card without a way to reach anyone is no card; say how to get one.
    Err(AppError::Unauthorized(
        "contact cards are for signed-in officials; sign in to download them".into(),
    ))
}

pub(crate) async fn as_vcard(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = authority_id(&path)?;
    let a = live_authority(&state, id)?;
    cards_allowed(&viewer)?;
    Ok(attachment(
        "text/vcard; charset=utf-8",
        &format!("{}.vcf", a.ref_()),
        vcard::render(&a).into_bytes(),
    ))
}
