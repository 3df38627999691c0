//! Builds the application from settings and binds its listener (port 0 in
//! tests), so `main` and the tests start exactly the same thing.

use std::net::TcpListener;
use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};

use actix_web::dev::Server;
use actix_web::middleware;
use actix_web::{App, HttpServer, web};

use crate::config::Settings;
use crate::db::{self, Pool};
use crate::directory::cache::DirectoryCache;
use crate::directory::demo::DemoOptions;
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
                crate::demo::directory_if_empty(&pool, options)?;
                crate::demo::accounts(&pool, now)?;
                if options.history {
                    crate::demo::history(&pool, &prepared, options.seed, now)?;
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
            bodies: Default::default(),
            zipped: Default::default(),
            segments: Default::default(),
            in_force: Default::default(),
            cards: Default::default(),
            metrics: Default::default(),
        });
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap(middleware::from_fn(routes::viewer::no_store_for_accounts))
                .wrap(routes::html_error_pages())
                .wrap(middleware::from_fn(crate::web::support::gzip::compress))
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
                .wrap(middleware::from_fn(crate::web::observe::observe))
                .configure(routes::configure)
        })
        .workers(workers)
        // Without it a kept-alive page answer written in two parts (headers,
        // then a compressed body) waits on the client's delayed ACK, about
        // 40 ms a request.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
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
