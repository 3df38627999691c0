//! `counterpart import` and `counterpart export`: the whole directory in and
//! out, as CSV or JSON (docs/import-format.md).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::config::Settings;
use crate::directory::model::{self, Authority};
use crate::directory::transfer::{self, Format, PROGRESS_EVERY, Problem};
use crate::startup;

/// Reads, validates and writes a file; prints every problem and changes
/// nothing when there is one.
pub fn import(
    settings: &Settings,
    file: &Path,
    format: Option<Format>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let stdin = file == Path::new("-");
    let format = format.or_else(|| Format::guess(file)).with_context(|| {
        format!(
            "cannot tell the format of {} from its name; add --format csv or --format json",
            file.display()
        )
    })?;
    // The database first: a wrong URL is reported before a long read.
    let pool = startup::prepare_database(settings)?;
    let started = Instant::now();
    let input: Box<dyn Read> = if stdin {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(File::open(file).with_context(|| format!("cannot open {}", file.display()))?)
    };
    let entries =
        transfer::read(format, BufReader::with_capacity(1 << 16, input)).map_err(refuse)?;
    let total = entries.len();
    let large = total >= PROGRESS_EVERY;
    if large {
        eprintln!("read {total} authorities; validating");
    }
    let now = crate::clock::Clock::system().now();
    let valid = transfer::validate(&entries, now, |n| eprintln!("  validated {n} of {total}"))
        .map_err(refuse)?;
    drop(entries);
    if large {
        eprintln!("comparing with the directory");
    }
    let mut conn = pool.get()?;
    let summary = transfer::apply(&mut conn, valid, dry_run, now, |n| {
        eprintln!("  written {n}");
    })?;
    println!("{summary}");
    eprintln!(
        "{} authorities in {:.1} s",
        total,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn refuse(problems: Vec<Problem>) -> anyhow::Error {
    for p in &problems {
        eprintln!("{p}");
    }
    anyhow::anyhow!(
        "{} problem(s) in the file; nothing was imported",
        problems.len()
    )
}

/// Writes every authority in service, ordered by ref, contacts included.
pub fn export(settings: &Settings, format: Format, output: Option<&Path>) -> anyhow::Result<()> {
    let pool = startup::prepare_database(settings)?;
    let mut conn = pool.get()?;
    let started = Instant::now();
    let (_, mut list) = model::load_all(&mut conn)?;
    drop(conn);
    list.sort_by(|a, b| a.ref_().cmp(b.ref_()));
    match output {
        None => {
            let out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            write(format, &list, out)?;
        }
        Some(path) => write_file(format, &list, path)?,
    }
    eprintln!(
        "exported {} authorities in {:.1} s",
        list.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write(format: Format, list: &[Authority], out: impl Write) -> std::io::Result<()> {
    match format {
        Format::Csv => transfer::csv_file::write(list, true, out),
        Format::Json => transfer::json::write(list, true, out),
    }
}

/// Writes beside the file and renames, so that an export cut short never
/// leaves a truncated file under the name asked for.
fn write_file(format: Format, list: &[Authority], path: &Path) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let partial: PathBuf = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    let result = (|| -> anyhow::Result<()> {
        let file = File::create(&partial)
            .with_context(|| format!("cannot create {}", partial.display()))?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write(format, list, &mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}
