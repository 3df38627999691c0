//! `counterpart user ...` and `counterpart token ...` on the command line.

use std::io::Write;
use std::process::Stdio;

use crate::cli::{counterpart, run};
use crate::helpers::fresh_database;

fn with_stdin(mut cmd: std::process::Command, input: &str) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn accounts_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let cp = || counterpart(&db.url, dir.path());
    let (code, _, err) = run(cp().args(["demo-data", "--authorities", "600"]));
    assert_eq!(code, 0, "{err}");

    // A weak password is refused, naming the field; nothing is added.
    let mut cmd = cp();
    cmd.args([
        "user",
        "add",
        "ana@justice.example",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let (code, _, err) = with_stdin(cmd, "short\n");
    assert_ne!(code, 0);
    assert!(err.contains("password: must be at least 12"), "{err}");
    let mut cmd = cp();
    cmd.args([
        "user",
        "add",
        "ana@justice.example",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    let (code, out, err) = with_stdin(cmd, "a long enough passphrase\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added ana@justice.example (admin)"));
    assert!(
        !out.contains("passphrase"),
        "a given password is not echoed"
    );

    // A focal point needs an existing authority.
    let (code, _, err) = run(cp().args(["user", "add", "fp@fr.example", "--role", "focal-point"]));
    assert_ne!(code, 0);
    assert!(err.contains("authority"), "{err}");
    let (code, _, err) = run(cp().args([
        "user",
        "add",
        "fp@fr.example",
        "--role",
        "focal-point",
        "--authority",
        "NOPE-1",
    ]));
    assert_ne!(code, 0);
    assert!(err.contains("no authority has the ref \"NOPE-1\""), "{err}");
    let (code, out, err) = run(cp().args([
        "user",
        "add",
        "fp@fr.example",
        "--role",
        "focal-point",
        "--authority",
        "FR-001",
        "--name",
        "Focal",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("password: "),
        "a generated password is shown once: {out}"
    );
    let (code, _, err) = run(cp().args(["user", "add", "FP@fr.example", "--role", "reader"]));
    assert_ne!(code, 0, "the same email in another case");
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = run(cp().args(["user", "add", "x@y.example", "--role", "root"]));
    assert_eq!(code, 2, "clap refuses an unknown role");
    assert!(err.contains("admin, focal-point or reader"), "{err}");

    let (_, out, _) = run(cp().args(["user", "list"]));
    assert!(out.contains("ana@justice.example") && out.contains("admin"));
    assert!(out.contains("fp@fr.example") && out.contains("FR-001") && out.contains("active"));

    // Tokens: printed alone on stdout, listed by prefix, revoked by id.
    let (code, token, err) =
        run(cp().args(["token", "issue", "fp@fr.example", "--label", "case system"]));
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();
    assert!(
        token.starts_with("cpt_") && token.len() > 40 && !token.contains(' '),
        "{token}"
    );
    let (_, list, _) = run(cp().args(["token", "list", "fp@fr.example"]));
    assert!(
        list.contains(&token[..12]) && !list.contains(&token) && list.contains("live"),
        "{list}"
    );
    let id = list
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (code, out, _) = run(cp().args(["token", "revoke", &id]));
    assert_eq!(code, 0);
    assert!(out.contains("revoked"));
    let (_, list, _) = run(cp().args(["token", "list"]));
    assert!(list.contains("revoked"), "{list}");

    let (code, out, _) = run(cp().args(["user", "disable", "fp@fr.example"]));
    assert_eq!(code, 0);
    assert!(out.contains("disabled fp@fr.example"));
    let (_, out, _) = run(cp().args(["user", "list"]));
    assert!(
        out.lines()
            .any(|l| l.contains("fp@fr.example") && l.contains("disabled")),
        "{out}"
    );
    let (code, _, err) = run(cp().args(["token", "issue", "fp@fr.example"]));
    assert_ne!(code, 0, "no token for a disabled account");
    assert!(err.contains("no active account"), "{err}");
}
