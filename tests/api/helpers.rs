//! Starts the real server on port 0 with a database of its own: SQLite in a
//! temporary folder, or a fresh PostgreSQL database when TEST_DATABASE_URL is
//! set (e.g. postgres://root@127.0.0.1:5432/postgres).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use counterpart::config::Settings;
use counterpart::directory::demo::DemoOptions;
use counterpart::directory::fields::AuthorityColumns;
use counterpart::directory::write::{self, NewDesignation, ValidAuthority};
use counterpart::domain::{Article, AuthorityKind, Channel, Function};
use counterpart::startup::Application;
use counterpart::web::AppState;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use rand::Rng;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    pg_cleanup: Option<(String, String)>,
}

/// A database for one test: its URL, and how to drop it afterwards.
pub struct TestDatabase {
    pub url: String,
    cleanup: Option<(String, String)>,
}

pub fn fresh_database(dir: &std::path::Path) -> TestDatabase {
    match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        None => TestDatabase {
            url: format!("sqlite://{}", dir.join("test.db").display()),
            cleanup: None,
        },
        Some(admin_url) => {
            let name = format!("counterpart_test_{}", rand::rng().random::<u64>());
            let mut admin = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL {admin_url}: {e}"));
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the test database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            TestDatabase {
                url: url.to_string(),
                cleanup: Some((admin_url, name)),
            }
        }
    }
}

fn drop_database(cleanup: &Option<(String, String)>) {
    let Some((admin_url, name)) = cleanup else {
        return;
    };
    if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        drop_database(&self.cleanup);
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop_database(&self.pg_cleanup);
    }
}

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub fn demo() -> Option<DemoOptions> {
    Some(DemoOptions {
        authorities: None,
        seed: 1,
        today: today(),
        history: false,
    })
}

pub fn settings_for(
    database_url: &str,
    data_dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> Settings {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("COUNTERPART_SERVER__BIND".into(), "127.0.0.1:0".into());
    env.insert(
        "COUNTERPART_DATA_DIR".into(),
        data_dir.display().to_string(),
    );
    env.insert("COUNTERPART_DATABASE__URL".into(), database_url.into());
    env.insert("COUNTERPART_DATABASE__POOL_SIZE".into(), "4".into());
    env.insert("COUNTERPART_SERVER__WORKERS".into(), "2".into());
    env.insert("COUNTERPART_LOG__LEVEL".into(), "warn".into());
    // Tests that want the scheduler's check set it; the others are not
    // disturbed by a bulletin compiled at a minute's turn.
    env.insert(
        "COUNTERPART_BULLETIN__CHECK_CRON".into(),
        "0 0 0 1 1 *".into(),
    );
    for (k, v) in extra {
        env.insert((*k).into(), (*v).into());
    }
    Settings::load_from(None, &env).expect("test settings are valid")
}

/// The server with the demo directory.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[], demo()).await
}

pub async fn spawn_app_with(extra: &[(&str, &str)], demo: Option<DemoOptions>) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary folder");
    let mut db = fresh_database(data_dir.path());
    let pg_cleanup = db.cleanup.take();
    let settings = settings_for(&db.url, data_dir.path(), extra);
    let app = Application::build(settings, demo)
        .await
        .expect("the application starts");
    start(app, db.url.clone(), data_dir, pg_cleanup)
}

/// The server with its data (and a SQLite database) in `data_dir`, a
/// folder the test prepared (a small file system, to fill).
pub async fn spawn_app_in(
    data_dir: tempfile::TempDir,
    extra: &[(&str, &str)],
    demo: Option<DemoOptions>,
) -> TestApp {
    let mut db = fresh_database(data_dir.path());
    let pg_cleanup = db.cleanup.take();
    let settings = settings_for(&db.url, data_dir.path(), extra);
    let app = Application::build(settings, demo)
        .await
        .expect("the application starts");
    start(app, db.url.clone(), data_dir, pg_cleanup)
}

/// A second instance on an existing database.
pub async fn spawn_instance_on(database_url: &str, extra: &[(&str, &str)]) -> TestApp {
    spawn_demo_on(database_url, extra, None).await
}

/// The server on a database the test chose (one it keeps), filled with
/// `demo` when that is given and the database is empty.
pub async fn spawn_demo_on(
    database_url: &str,
    extra: &[(&str, &str)],
    demo: Option<DemoOptions>,
) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary folder");
    let settings = settings_for(database_url, data_dir.path(), extra);
    let app = Application::build(settings, demo).await.expect("starts");
    start(app, database_url.to_string(), data_dir, None)
}

fn start(
    app: Application,
    database_url: String,
    data_dir: tempfile::TempDir,
    pg_cleanup: Option<(String, String)>,
) -> TestApp {
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        state,
        database_url,
        data_dir,
        pg_cleanup,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request sent")
    }

    /// GET, expecting JSON; returns the status and the body.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        let body = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
        (status, body)
    }

    pub async fn get_html(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(ct.starts_with("text/html"), "{path}: content type {ct}");
        (status, r.text().await.unwrap())
    }

    /// The outbox's messages by status.
    pub async fn mail_counts(&self) -> HashMap<String, i64> {
        let pool = self.state.pool.clone();
        tokio::task::spawn_blocking(move || {
            counterpart::mail::outbox::counts(&mut pool.get().unwrap()).unwrap()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|(status, n)| (status.code().to_string(), n))
        .collect()
    }

    /// Waits until the outbox's counts by status satisfy `done`; returns them.
    pub async fn wait_for_mail(
        &self,
        done: impl Fn(&HashMap<String, i64>) -> bool,
    ) -> HashMap<String, i64> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let counts = self.mail_counts().await;
            if done(&counts) {
                return counts;
            }
            assert!(Instant::now() < deadline, "the outbox stays at {counts:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until no message is queued or being sent; those waiting for
    /// their next attempt may remain.
    pub async fn mail_idle(&self) -> HashMap<String, i64> {
        self.wait_for_mail(|n| n["queued"] + n["sending"] == 0)
            .await
    }

    /// Waits until every message has its outcome (none queued, being sent or
    /// waiting to be retried): the mail server then holds all it will get,
    /// so a test can count what arrived without waiting "long enough".
    pub async fn mail_settled(&self) -> HashMap<String, i64> {
        self.wait_for_mail(|n| n["queued"] + n["sending"] + n["retry"] == 0)
            .await
    }

    /// Moves the application's clock on, as time passing would. The mail
    /// being sent finishes first: a jump past its lease would make it due
    /// again and send it twice, which real sending, done in milliseconds,
    /// never does. The sender is then woken for what has become due.
    pub async fn advance(&self, by: chrono::Duration) {
        self.mail_idle().await;
        self.state.clock.advance(by);
        self.state.mail.wake();
    }

    /// Adds authorities straight to the database, then lets this instance
    /// see them, as an import would.
    pub async fn insert(&self, records: Vec<ValidAuthority>) {
        let pool = self.state.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            write::insert_many(&mut conn, &records, |_| {}).unwrap();
        })
        .await
        .unwrap();
        self.state.directory.refresh().await.unwrap();
    }

    /// Searches and returns the names found, in order.
    pub async fn names(&self, query: &str) -> Vec<String> {
        let (status, body) = self.get_json(&format!("/api/v1/authorities?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    }
}

/// A plain authority for tests to adjust.
pub fn record(ref_: &str, country: &str, name: &str, articles: &[Article]) -> ValidAuthority {
    ValidAuthority {
        columns: AuthorityColumns {
            ref_: ref_.into(),
            country_code: country.into(),
            name: name.into(),
            kind: AuthorityKind::CompetentAuthority.code().into(),
            address: Some("1 Test Street".into()),
            city: Some("Testville".into()),
            phone: Some("+15555550100".into()),
            email: Some(format!("{}@test.example", ref_.to_lowercase()).into()),
            languages: "en".into(),
            channels: Channel::Email.code().into(),
            urgent_contact: Some("Duty desk +15555550199".into()),
            verified_at: Some(today()),
            ..AuthorityColumns::default()
        },
        created_at: chrono::Utc::now().naive_utc(),
        designations: articles
            .iter()
            .map(|a| NewDesignation {
                article: *a,
                functions: vec![Function::Receives],
                note: None,
            })
            .collect(),
        contacts: vec![],
    }
}
