//! The bulletin for everyone: asking to subscribe (and confirming by mail),
//! leaving with one click, and the archive of what was sent, as pages and
//! as an Atom feed.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::bulletin::archive;
use crate::bulletin::parts::{self, Edition};
use crate::bulletin::subscriptions::{self, NotConfirmed};
use crate::bulletin::web::for_web;
use crate::db;
use crate::domain::Email;
use crate::error::AppError;
use crate::splice::Spliced;
use crate::web::pages::long_bulletin;
use crate::web::support::gzip;
use crate::web::support::kept::{Body, shared};
use crate::web::support::respond::{
    framed, kept_only, kept_page, message_page, page_with, recent, zipped,
};
use crate::web::support::templates::render;
use crate::web::support::zipped::Answer;
use crate::web::{AppState, Viewer};

fn message(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    title: &str,
    lines: &[&str],
) -> Result<HttpResponse, AppError> {
    message_page(
        state,
        viewer,
        status,
        (title, "bulletins"),
        lines,
        serde_json::Value::Null,
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct SubscribeForm {
    email: Option<String>,
}

pub(crate) async fn subscribe_form(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    let email = viewer
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    page_with(
        &state,
        &viewer,
        StatusCode::OK,
        "pages/subscribe",
        &json!({"title": "Subscribe to the bulletin", "nav": "bulletins", "email": email, "error": null}),
    )
}

/// The normalised address to subscribe, or the reason it is not one.
pub(crate) fn address(raw: Option<&str>) -> Result<Email, String> {
    let raw = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("is required")?;
    if raw.len() > 254 {
        return Err("is longer than 254 characters".into());
    }
    Email::parse(&raw.to_lowercase())
}

/// Asks for a subscription. The answer is the same whether the address was
/// unknown, waiting or subscribed: only its owner learns which, by mail.
pub(crate) async fn subscribe(
    state: web::Data<AppState>,
    viewer: Viewer,
    form: web::Form<SubscribeForm>,
) -> Result<HttpResponse, AppError> {
    let email = match address(form.email.as_deref()) {
        Ok(e) => e,
        Err(e) => {
            return page_with(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages/subscribe",
                &json!({"title": "Subscribe to the bulletin", "nav": "bulletins",
                        "email": form.email.clone().unwrap_or_default(), "error": format!("Email address: {e}")}),
            );
        }
    };
    request(&state, email).await?;
    message(
        &state,
        &viewer,
        StatusCode::OK,
        "Check your mailbox",
        &[
            "If this address can receive the bulletin, a message is on its way to it with a link to confirm.",
            "The link works for seven days. Nothing is sent until it is followed.",
        ],
    )
}

pub(crate) async fn request(state: &AppState, email: Email) -> Result<(), AppError> {
    let now = state.clock.now();
    let (signer, base) = (
        state.mail.signer().clone(),
        state.mail.base_url().to_string(),
    );
    db::run(&state.pool, move |c| {
        subscriptions::request(c, &email, &signer, &base, now)
    })
    .await?;
    state.mail.wake();
    Ok(())
}

/// A link's `?token=`.
#[derive(Deserialize)]
pub(crate) struct TokenParam {
    pub(crate) token: Option<String>,
}

pub(crate) async fn confirm(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<TokenParam>,
) -> Result<HttpResponse, AppError> {
    let token = params.token.clone().unwrap_or_default();
    let (signer, now) = (state.mail.signer().clone(), state.clock.now());
    let outcome = db::run(&state.pool, move |c| {
        subscriptions::confirm(c, &token, &signer, now)
    })
    .await;
    match outcome {
        Ok(Ok(s)) => message(
            &state,
            &viewer,
            StatusCode::OK,
            "Subscribed",
            &[
                &format!("{} will receive the bulletin every two weeks.", s.email),
                "Every message has a link to stop receiving it.",
            ],
        ),
        Ok(Err(NotConfirmed::Expired)) => message(
            &state,
            &viewer,
            StatusCode::GONE,
            "This link has expired",
            &["Confirmation links work for seven days. Ask again on the subscription page."],
        ),
        Ok(Err(NotConfirmed::Invalid)) | Err(AppError::NotFound(_)) => message(
            &state,
            &viewer,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &["It may have been cut or changed. Ask again on the subscription page."],
        ),
        Err(e) => Err(e),
    }
}

/// The subscription an unsubscribe link names, if the link is genuine.
fn named(state: &AppState, token: Option<&str>) -> Option<crate::db::ids::SubscriptionId> {
    state
        .mail
        .signer()
        .open_unsubscribe(token.unwrap_or_default())
}

pub(crate) async fn unsubscribe_page(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<TokenParam>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = named(&state, params.token.as_deref()) else {
        return message(
            &state,
            &viewer,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &["It may have been cut or changed; use the link of a recent bulletin."],
        );
    };
    let s = db::run(&state.pool, move |c| subscriptions::get(c, id)).await?;
    page_with(
        &state,
        &viewer,
        StatusCode::OK,
        "pages/unsubscribe",
        &json!({
            "title": "Stop receiving the bulletin", "nav": "bulletins",
            "email": s.email, "token": params.token, "already": s.status()? != subscriptions::SubscriptionStatus::Confirmed,
        }),
    )
}

/// The button of the page, or a mail program's one-click request (RFC 8058:
/// `List-Unsubscribe=One-Click` in the body): unsubscribed at once.
pub(crate) async fn unsubscribe(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<TokenParam>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = named(&state, params.token.as_deref()) else {
        return message(
            &state,
            &viewer,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            &["Nothing was changed. Use the link of a recent bulletin."],
        );
    };
    let now = state.clock.now();
    let s = db::run(&state.pool, move |c| subscriptions::unsubscribe(c, id, now)).await?;
    message(
        &state,
        &viewer,
        StatusCode::OK,
        "Unsubscribed",
        &[
            &format!("{} will receive no more bulletins.", s.email),
            "Changed your mind? Subscribe again at any time.",
        ],
    )
}

#[derive(Deserialize)]
pub(crate) struct PageParam {
    page: Option<u32>,
}

const PER_PAGE: i64 = 25;

pub(crate) async fn list(
    state: web::Data<AppState>,
    viewer: Viewer,
    params: web::Query<PageParam>,
) -> Result<HttpResponse, AppError> {
    let page_no = params.page.unwrap_or(1).clamp(1, 100_000) as i64;
    // Bulletins come out once a fortnight: the list is read again at most
    // every refresh interval, not for each reader.
    let sees = viewer.sees_contacts;
    let key = format!("bulletins|{page_no}|{sees}");
    let stamp = recent(state.settings.directory.refresh_interval);
    let frame = ("Bulletins", "bulletins");
    if let Some(kept) = kept_only(&state, &viewer, &key, stamp, frame)? {
        return Ok(kept);
    }
    let (total, items) = db::run(&state.pool, move |c| {
        Ok(archive::list(c, PER_PAGE, (page_no - 1) * PER_PAGE)?)
    })
    .await?;
    let pages = (total + PER_PAGE - 1) / PER_PAGE;
    kept_page(
        &state,
        &viewer,
        ("pages/bulletins", &key),
        stamp,
        frame,
        || {
            Ok(json!({
                "title": "Bulletins", "nav": "bulletins", "items": items, "total": total,
                "prev": (page_no > 1).then(|| page_no - 1),
                "next": (page_no < pages).then(|| page_no + 1),
                "viewer": {"sees_contacts": sees},
            }))
        },
    )
}

pub(crate) fn number(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::not_found(format!("no bulletin number {raw:?}")))
}

/// A bulletin's page whose stored HTML edition is at most this long is kept
/// for the next reader; a longer one (tens of thousands of authorities)
/// would push every other kept page out, and is written as it is read.
const KEPT_BULLETIN_MAX: usize = 1 << 20;

pub(crate) async fn show(
    state: web::Data<AppState>,
    viewer: Viewer,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let n = number(&path)?;
    let full = viewer.sees_contacts;
    let (key, title_key) = (
        format!("bulletin|{n}|{full}"),
        format!("bulletin-title|{n}"),
    );
    // A bulletin does not change once sent; it is read again at most every
    // refresh interval all the same (a database restored from a copy).
    let stamp = recent(state.settings.directory.refresh_interval);
    let frame = |title: &str, body| framed(&state, &viewer, (title, "bulletins"), &body);
    let kept = || {
        let title = state.bodies.kept(&title_key, stamp)?;
        Some((title, state.bodies.kept(&key, stamp)?))
    };
    if let Some((title, body)) = kept() {
        return frame(&title, Body::Kept(body));
    }
    let (head, size) = db::run(&state.pool, move |c| {
        let head = archive::head(c, n, full)?;
        let size = parts::size(c, head.bulletin_id, &[Edition::of(full, true)])?;
        Ok((head, size))
    })
    .await?;
    if size as usize > KEPT_BULLETIN_MAX {
        return long_bulletin::page(&state, &viewer, head);
    }
    let _turn = archive::turn().await;
    // Readers who waited for the same page find it made by the first.
    if let Some((title, body)) = kept() {
        return frame(&title, Body::Kept(body));
    }
    let id = head.bulletin_id;
    // Rewritten where it is read, off the workers that answer requests, as
    // the feed's entries are.
    let base = state.mail.base_url().to_string();
    let content = db::run(&state.pool, move |c| {
        Ok(for_web(&archive::content(c, id, full)?, Some(&base)))
    })
    .await?;
    let title = head.listed.subject;
    // The content goes into the page as it is, not through the template's
    // data: at 1 MB, it would be copied twice there.
    let mut spliced = Spliced::default();
    let content = spliced.add(content);
    let data = json!({
        "title": title, "nav": "bulletins",
        "bulletin": {"compiled_at": head.listed.compiled_at, "full_edition": head.full_edition},
        "content": content,
        "prev": (n > 1).then(|| n - 1),
    });
    let body = spliced.apply(&render(&state.templates, "pages/bulletin", &data)?);
    drop(spliced);
    let title = state
        .bodies
        .get_or_render(&title_key, stamp, || Ok(title))?;
    let body = state.bodies.get_or_render(&key, stamp, || Ok(body))?;
    frame(&title, Body::Kept(body))
}

/// A feed entry carries a bulletin's content when its stored HTML is at
/// most this long; a longer one (a directory of tens of thousands, where a
/// bulletin is megabytes) is summed up and linked, without being read, as
/// feed readers fetch the feed again and again.
const FEED_CONTENT_MAX: usize = 1 << 20;

/// A feed entry's content: the bulletin's, or when it is too long (`None`),
/// its summary and a link to it.
fn feed_content(content: Option<String>, summary: &str, link: &str) -> String {
    if let Some(content) = content {
        return content;
    }
    let link = handlebars::html_escape(link);
    format!(
        "<p>{summary} This bulletin is too long for a feed: <a href=\"{link}\">read it on the site</a>.</p>"
    )
}

/// The public edition of the newest bulletins as an Atom feed.
pub(crate) async fn feed(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    // Like the list of bulletins, made again at most every refresh interval:
    // feed readers poll, and at 505 authorities the feed is 530 KB made from
    // three bulletins.
    const KEY: &str = "feed|bulletins";
    let stamp = recent(state.settings.directory.refresh_interval);
    let body = match state.bodies.kept(KEY, stamp) {
        Some(body) => body,
        None => {
            let _turn = archive::turn().await;
            // Readers who waited find it made by the first.
            match state.bodies.kept(KEY, stamp) {
                Some(body) => body,
                None => {
                    let made = make_feed(&state).await?;
                    state.bodies.get_or_render(KEY, stamp, || Ok(made))?
                }
            }
        }
    };
    // Sent as kept, and kept compressed for clients that take it: the
    // middleware compressed 530 KB anew for each reader.
    let answer = if gzip::accepted(req.headers()) {
        state
            .zipped
            .get_or_zip((&body, None), (FEED, ""), || shared(body.clone()))
    } else {
        Answer::Plain(shared(body))
    };
    Ok(zipped(answer, "application/atom+xml; charset=utf-8"))
}

/// The feed's address, which its kept compressed form is kept under.
const FEED: &str = "/bulletins.atom";

async fn make_feed(state: &AppState) -> Result<String, AppError> {
    let base = state.mail.base_url().to_string();
    let link_base = base.clone();
    // One bulletin read at a time (the caller holds the turn), and only what
    // its entry keeps held.
    let (newest, entries) = db::run(&state.pool, move |c| {
        let (_, list) = archive::list(c, 20, 0)?;
        let newest = list.first().map(|l| l.compiled_at);
        let mut entries = Vec::with_capacity(list.len());
        for l in list {
            let head = archive::head(c, l.number, false)?;
            let stored = parts::size(c, head.bulletin_id, &[Edition::HtmlPublic])?;
            let content = (stored as usize <= FEED_CONTENT_MAX)
                .then(|| archive::content(c, head.bulletin_id, false))
                .transpose()?
                .map(|content| for_web(&content, None));
            let link = format!("{link_base}/bulletins/{}", l.number);
            let s = &l.summary;
            let summary = format!(
                "{} authorities in {} States; {} new, {} updated, {} withdrawn or expired.",
                s.authorities, s.states, s.new, s.updated, s.ended
            );
            let content = feed_content(content, &summary, &link);
            entries.push(json!({
                "number": l.number,
                "title": l.subject,
                "updated": format!("{}Z", l.compiled_at.format("%Y-%m-%dT%H:%M:%S")),
                "link": link,
                "summary": summary,
                "content": content,
            }));
        }
        Ok((newest, entries))
    })
    .await?;
    let updated = newest.unwrap_or_else(|| state.clock.now());
    render(
        &state.templates,
        "feeds/bulletins",
        &json!({
            "base_url": base,
            "updated": format!("{}Z", updated.format("%Y-%m-%dT%H:%M:%S")),
            "entries": entries,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::feed_content;

    #[test]
    fn a_feed_entry_too_long_is_summed_up_and_linked() {
        let link = "https://c.example/bulletins/1";
        let short = feed_content(Some("<h1>No. 1</h1>".into()), "3 authorities", link);
        assert_eq!(short, "<h1>No. 1</h1>");
        let long = feed_content(None, "3 authorities", link);
        assert!(long.starts_with("<p>3 authorities "), "{long}");
        assert!(
            long.contains("<a href=\"https://c.example/bulletins/1\">"),
            "{long}"
        );
    }
}
