//! What an operator sees of the running service: a request id in every log
//! line, response and error page, and `/metrics` in Prometheus's text
//! format (requests by route and status with their latency, the database
//! pool, the outbox, the last bulletin and the scheduler).

use std::time::Instant;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use subtle::ConstantTimeEq;
use tracing::Instrument;

use crate::db;
use crate::error::AppError;
use crate::web::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being answered, as its logs, its answer's
/// `X-Request-Id` and its error page give it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id a proxy in front gave the request, when it is a plain token;
    /// otherwise a new one. A client's own id is not trusted further than
    /// that: it ends up in logs.
    fn of(req: &ServiceRequest) -> Self {
        let given = req
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                (1..=64).contains(&v.len())
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        RequestId(match given {
            Some(id) => id.to_string(),
            None => format!("{:016x}", rand::random::<u64>()),
        })
    }

    /// The id of the request `req` is part of, if it was given one.
    pub fn of_request(req: &HttpRequest) -> Option<String> {
        req.extensions().get::<RequestId>().map(|r| r.0.clone())
    }
}

/// Request counts and latencies, kept for the life of the process.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Default for Metrics {
    fn default() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "Requests answered, by route and status.",
            ),
            &["method", "route", "status"],
        )
        .expect("a valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival to its answer, by route.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("registered once");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Metrics {
            registry,
            requests,
            latency,
        }
    }
}

/// Gives each request its id and a span that carries it into every log line
/// written while it is answered; counts it and times it by route (the
/// route's pattern, so that ids in paths do not make a series each).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = RequestId::of(&req);
    let span = tracing::info_span!("request", id = %id.0);
    req.extensions_mut().insert(id.clone());
    let metrics = req.app_data::<web::Data<AppState>>().cloned();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    if let Some(state) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let method = match res.request().method().as_str() {
            m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
            _ => "other",
        };
        state
            .metrics
            .requests
            .with_label_values(&[method, route.as_str(), res.status().as_str()])
            .inc();
        state
            .metrics
            .latency
            .with_label_values(&[method, route.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    let micros = elapsed.as_micros() as u64;
    let _in = span.enter();
    let (method, path) = (res.request().method(), res.request().path());
    if status >= 500 {
        tracing::error!(%method, %path, status, micros, "request");
    } else {
        tracing::debug!(%method, %path, status, micros, "request");
    }
    Ok(res)
}

/// `/metrics`: for a scraper that sends `metrics.token` as a bearer token.
/// Without a token configured the address answers 404, as if it did not
/// exist: counts of mail and requests are not for every reader.
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let token = state.settings.metrics.token.as_bytes();
    if token.is_empty() {
        return Err(AppError::not_found("no such page"));
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(token)) {
        return Err(AppError::Unauthorized(
            "metrics need the bearer token set as metrics.token".into(),
        ));
    }
    let now = db::run(&state.pool, |c| Ok(Figures::read(c)?)).await;
    let scraped = Registry::new();
    let gauge = |name: &str, help: &str, value: i64| -> Result<(), AppError> {
        let g = IntGauge::new(name, help).map_err(AppError::internal)?;
        g.set(value);
        scraped.register(Box::new(g)).map_err(AppError::internal)
    };
    let pool = state.pool.state();
    gauge(
        "counterpart_db_pool_connections",
        "Database connections open.",
        pool.connections.into(),
    )?;
    gauge(
        "counterpart_db_pool_idle_connections",
        "Database connections open and not in use.",
        pool.idle_connections.into(),
    )?;
    gauge(
        "counterpart_db_pool_size",
        "Database connections at most (database.pool_size).",
        state.settings.database.pool_size.into(),
    )?;
    gauge(
        "counterpart_database_up",
        "1 when the database answered this scrape, 0 when it did not.",
        now.is_ok().into(),
    )?;
    let snapshot = state.directory.snapshot();
    gauge(
        "counterpart_directory_authorities",
        "Authorities in service in this instance's copy of the directory.",
        snapshot.len() as i64,
    )?;
    gauge(
        "counterpart_directory_generation",
        "The directory's generation this instance's copy was made from.",
        snapshot.generation,
    )?;
    if let Some(rss) = resident_bytes() {
        gauge(
            "process_resident_memory_bytes",
            "Resident memory of this process.",
            rss,
        )?;
    }
    if let Ok(figures) = now {
        figures.register(&scraped)?;
    }
    let mut families = state.metrics.registry.gather();
    families.extend(scraped.gather());
    let mut text = Vec::new();
    TextEncoder::new()
        .encode(&families, &mut text)
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TextEncoder::new().format_type()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}

/// What the database says at the time of a scrape.
struct Figures {
    outbox: Vec<(String, i64)>,
    bulletins: i64,
    /// The last bulletin: when it was compiled, and its deliveries by state.
    last_bulletin: Option<(NaiveDateTime, Vec<(String, i64)>)>,
    last_check: Option<NaiveDateTime>,
    last_slot: Option<NaiveDateTime>,
}

impl Figures {
    fn read(c: &mut db::DbConnection) -> QueryResult<Self> {
        use crate::db::schema::{bulletins, mail_outbox, scheduler_state};
        use diesel::dsl::count_star;
        let outbox = mail_outbox::table
            .group_by(mail_outbox::status)
            .select((mail_outbox::status, count_star()))
            .load::<(String, i64)>(c)?;
        let bulletins = bulletins::table.count().get_result(c)?;
        let last = bulletins::table
            .order(bulletins::id.desc())
            .select((bulletins::id, bulletins::compiled_at))
            .first::<(i64, NaiveDateTime)>(c)
            .optional()?;
        let last_bulletin = match last {
            Some((id, compiled_at)) => Some((
                compiled_at,
                mail_outbox::table
                    .filter(mail_outbox::bulletin_id.eq(id))
                    .group_by(mail_outbox::status)
                    .select((mail_outbox::status, count_star()))
                    .load::<(String, i64)>(c)?,
            )),
            None => None,
        };
        let (last_slot, last_check) = scheduler_state::table
            .select((
                scheduler_state::last_slot_at,
                scheduler_state::last_check_at,
            ))
            .first::<(Option<NaiveDateTime>, Option<NaiveDateTime>)>(c)
            .optional()?
            .unwrap_or_default();
        Ok(Figures {
            outbox,
            bulletins,
            last_bulletin,
            last_check,
            last_slot,
        })
    }

    fn register(self, registry: &Registry) -> Result<(), AppError> {
        let by_status = |name: &str, help: &str, counts: &[(String, i64)]| {
            let g =
                IntGaugeVec::new(Opts::new(name, help), &["status"]).map_err(AppError::internal)?;
            // Every state, none left out for being empty: a dashboard
            // shows 0, not a gap.
            for status in crate::mail::outbox::MailStatus::ALL {
                g.with_label_values(&[status.code()]).set(0);
            }
            for (status, n) in counts {
                g.with_label_values(&[status.as_str()]).set(*n);
            }
            registry.register(Box::new(g)).map_err(AppError::internal)
        };
        let at = |name: &str, help: &str, when: Option<NaiveDateTime>| {
            let Some(when) = when else { return Ok(()) };
            let g = IntGauge::new(name, help).map_err(AppError::internal)?;
            g.set(when.and_utc().timestamp());
            registry.register(Box::new(g)).map_err(AppError::internal)
        };
        by_status(
            "counterpart_outbox_messages",
            "Messages in the outbox, by state (queued, sent, failed, cancelled).",
            &self.outbox,
        )?;
        let total = IntGauge::new("counterpart_bulletins", "Bulletins compiled so far.")
            .map_err(AppError::internal)?;
        total.set(self.bulletins);
        registry
            .register(Box::new(total))
            .map_err(AppError::internal)?;
        if let Some((compiled, deliveries)) = self.last_bulletin {
            at(
                "counterpart_bulletin_last_compiled_timestamp_seconds",
                "When the last bulletin was compiled (Unix time).",
                Some(compiled),
            )?;
            by_status(
                "counterpart_bulletin_last_deliveries",
                "The last bulletin's messages, by state.",
                &deliveries,
            )?;
        }
        at(
            "counterpart_scheduler_last_check_timestamp_seconds",
            "When the scheduler last checked for a bulletin slot (Unix time).",
            self.last_check,
        )?;
        at(
            "counterpart_scheduler_last_slot_timestamp_seconds",
            "The last bulletin slot the scheduler handled (Unix time).",
            self.last_slot,
        )
    }
}

/// This process's resident memory, from `/proc` (Linux only).
fn resident_bytes() -> Option<i64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: i64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page as i64)
}
