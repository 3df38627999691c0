//! The demo, seeded from one place: the directory, the two accounts whose
//! sign-in details are printed once, and the history of measures,
//! subscribers and bulletins. `serve --demo` and `demo-data` both use it.

use std::time::Instant;

use crate::config::Settings;
use crate::db::{DbConnection, Pool};
pub use crate::directory::demo::{DemoOptions, generate};
use crate::directory::{model, write};

/// With `serve --demo` and no accounts yet: one admin and one focal point,
/// whose sign-in details are printed once.
pub fn accounts(pool: &Pool, now: chrono::NaiveDateTime) -> anyhow::Result<()> {
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
        let added = authority_ref
            .map(|r| model::live_id_of_ref(&mut conn, r))
            .transpose()
            .and_then(|authority_id| {
                users::add(
                    &mut conn,
                    users::NewUser {
                        email,
                        role,
                        authority_id,
                        name: Some(name),
                        password: &password,
                    },
                    now,
                )
            });
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

/// The options of a demo directory made today: `authorities` (none: one or
/// more for every State) from `seed`.
pub fn options(authorities: Option<u32>, seed: u64) -> DemoOptions {
    DemoOptions {
        authorities: authorities.map(|n| n as usize),
        seed,
        today: crate::clock::Clock::system().today(),
        history: false,
    }
}

/// Generates the demo directory and writes it; `progress` is told how many
/// records are written so far, and of how many.
pub fn insert_directory(
    conn: &mut DbConnection,
    options: DemoOptions,
    mut progress: impl FnMut(usize, usize),
) -> anyhow::Result<usize> {
    let records = generate(options);
    let total = records.len();
    Ok(write::insert_many(conn, &records, |done| {
        progress(done, total)
    })?)
}

/// Fills an empty directory with the demo data; leaves a non-empty one alone.
pub fn directory_if_empty(pool: &Pool, options: DemoOptions) -> anyhow::Result<Option<usize>> {
    let mut conn = pool.get()?;
    let existing = model::count(&mut conn)?;
    if existing > 0 {
        tracing::info!(existing, "the directory is not empty; demo data not loaded");
        return Ok(None);
    }
    let started = Instant::now();
    let n = insert_directory(&mut conn, options, |_, _| {})?;
    tracing::info!(
        authorities = n,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo directory loaded"
    );
    Ok(Some(n))
}

/// The demo's measures, subscribers and past bulletins, on a database that
/// has none.
pub fn history(
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
