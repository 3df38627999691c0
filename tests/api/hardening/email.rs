//! Email addresses: what is accepted anywhere can be sent to.

use crate::cli::{counterpart, run};
use crate::helpers::fresh_database;

#[test]
fn user_add_refuses_an_address_the_mailer_cannot_send_to() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path());
    let cp = || counterpart(&db.url, dir.path());
    let (code, _, err) = run(cp().arg("migrate"));
    assert_eq!(code, 0, "{err}");
    // Valid by RFC 5322, which the old check followed; lettre cannot read it.
    let quoted = "\"a b\"@x.example";
    let (code, out, err) = run(cp().args(["user", "add", quoted, "--role", "reader"]));
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("email"), "{err}");
    let (code, out, err) = run(cp().args(["subscriber", "add", quoted]));
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("email"), "{err}");
    let (code, out, _) = run(cp().args(["user", "list"]));
    assert_eq!(code, 0);
    assert!(!out.contains("x.example"), "{out}");
}
