//! Builds the application from settings and binds its listener (port 0 in
//! tests), so `main` and the tests start exactly the same thing.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;
use tokio::signal::unix::{SignalKind, signal};

use actix_web::dev::Server;
use actix_web::middleware::{self, Next};
use actix_web::{App, HttpServer, web};

use crate::config::Settings;
use crate::db::{self, Pool};
use crate::directory::demo::{self, DemoOptions};
use crate::directory::{cache::DirectoryCache, model, write};
use crate::web::{self as routes, AppState, templates};

/// Opens the pool and applies pending migrations (blocking).
pub fn prepare_database(settings: &Settings) -> anyhow::Result<Pool> {
    let pool = db::connect_pool(
        &settings.database.url,
        settings.database.pool_size,
        settings.database.connect_timeout,
    )?;
    let mut conn = pool.get()?;
    let applied = db::migrations::run_pending(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(?applied, "database migrated");
    }
    Ok(pool)
}

/// With `serve --demo` and no accounts yet: one admin and one focal point,
/// whose sign-in details are printed once.
pub fn create_demo_accounts(pool: &Pool, now: chrono::NaiveDateTime) -> anyhow::Result<()> {
    use crate::auth::{Role, password, users};
    let mut conn = pool.get()?;
    if !users::list(&mut conn)?.is_empty() {
        return Ok(());
    }
    let focal_ref = "FR-001";
    let accounts = [
        (
            "secretariat@counterpart.example",
            Role::Admin,
            None,
            "Demo Secretariat",
        ),
        (
            "focal.point@fr-001.example",
            Role::FocalPoint,
            Some(focal_ref),
            "Demo Focal Point",
        ),
    ];
    let mut lines = Vec::new();
    for (email, role, authority_ref, name) in accounts {
        let password = password::generate();
        let added = users::add(
            &mut conn,
            users::NewUser {
                email,
                role,
                authority_ref,
                name: Some(name),
                password: &password,
            },
            now,
        );
        match added {
            Ok(u) => lines.push(format!(
                "  {:<12} {:<34} password {password}{}",
                u.role.code(),
                u.email,
                authority_ref
                    .map(|r| format!("  (authority {r})"))
                    .unwrap_or_default()
            )),
            // The demo directory may have been replaced by one without FR-001.
            Err(e) => tracing::warn!(email, error = %e, "demo account not created"),
        }
    }
    if !lines.is_empty() {
        println!(
            "Demo accounts (shown once; sign in at /login):\n{}",
            lines.join("\n")
        );
    }
    Ok(())
}

/// Fills an empty directory with the demo data; leaves a non-empty one alone.
pub fn load_demo_if_empty(pool: &Pool, options: DemoOptions) -> anyhow::Result<Option<usize>> {
    let mut conn = pool.get()?;
    let existing = model::count(&mut conn)?;
    if existing > 0 {
        tracing::info!(existing, "the directory is not empty; demo data not loaded");
        return Ok(None);
    }
    let started = Instant::now();
    let records = demo::generate(options);
    let n = write::insert_many(&mut conn, &records, |_| {})?;
    tracing::info!(
        authorities = n,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo directory loaded"
    );
    Ok(Some(n))
}

/// The demo's measures, subscribers and past bulletins, on a database that
/// has none.
pub fn load_demo_history(
    pool: &Pool,
    settings: &Settings,
    seed: u64,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<()> {
    let templates = crate::mail::message::Templates::build()?;
    let base_url = settings.server.public_url.as_str().trim_end_matches('/');
    let compiler = crate::bulletin::Compiler {
        settings: &settings.bulletin,
        templates: &templates,
        base_url,
    };
    let mut conn = pool.get()?;
    let made = crate::bulletin::demo::load(&mut conn, &compiler, now, seed)?;
    if made > 0 {
        tracing::info!(
            bulletins = made,
            "demo measures, subscribers and past bulletins loaded"
        );
    }
    Ok(())
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Everything but serving: database, directory, templates, listener.
    pub async fn build(settings: Settings, demo: Option<DemoOptions>) -> anyhow::Result<Self> {
        // Made first, so that the demo data is dated by the same clock as
        // everything the application does afterwards.
        let clock = Arc::new(crate::clock::Clock::system());
        let now = clock.now();
        let prepared = settings.clone();
        let (pool, directory) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let pool = prepare_database(&prepared)?;
            if let Some(options) = demo {
                load_demo_if_empty(&pool, options)?;
                create_demo_accounts(&pool, now)?;
                if options.history {
                    load_demo_history(&pool, &prepared, options.seed, now)?;
                }
            }
            let directory = DirectoryCache::load(pool.clone())?;
            Ok((pool, directory))
        })
        .await??;
        let listener = TcpListener::bind(&settings.server.bind).map_err(|e| {
            anyhow::anyhow!(
                "cannot listen on {} (server.bind): {e}",
                settings.server.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let workers = match settings.server.workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let key = crate::auth::key::load_or_create(&settings)?;
        let mail = crate::mail::Mailer::new(&settings)?;
        let state = web::Data::new(AppState {
            pool,
            directory: Arc::new(directory),
            templates: templates::build()?,
            settings,
            key,
            mail,
            clock,
        });
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap(routes::html_error_pages())
                .wrap(middleware::Compress::default())
                .wrap(
                    middleware::DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add(("X-Frame-Options", "DENY"))
                        .add((
                            "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; form-action 'self'",
                        )),
                )
                .wrap(middleware::from_fn(log_request))
                .configure(routes::configure)
        })
        .workers(workers)
        .shutdown_timeout(10)
        // Signals are ours (see `run_until_stopped`): actix installs its
        // handlers only when the server is first polled, so a SIGTERM that
        // came right after the "serving" line would kill the process.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let tasks = crate::tasks::Tasks::start(self.state.clone()).await?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let handle = self.server.handle();
        let stopper = tokio::spawn(async move {
            let name = tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
            tracing::info!(signal = name, "stopping: finishing requests in flight");
            handle.stop(true).await;
        });
        tracing::info!(
            port = self.port,
            url = %self.state.settings.server.public_url,
            database = %self.state.settings.database.url.display(),
            "Counterpart is serving"
        );
        let result = self.server.await;
        tasks.stop(std::time::Duration::from_secs(10)).await;
        stopper.abort();
        tracing::info!("stopped");
        result.map_err(Into::into)
    }
}

async fn log_request(
    req: actix_web::dev::ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_string();
    let res = next.call(req).await?;
    let status = res.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::error!(%method, %path, status, micros, "request");
    } else {
        tracing::debug!(%method, %path, status, micros, "request");
    }
    Ok(res)
}
