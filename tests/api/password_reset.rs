//! A forgotten password: a link by mail that works for an hour and once,
//! tells a stranger nothing, and signs out every session of the account.

use counterpart::auth::Role;

use crate::bulletin_subscriptions::{bulletin_env, link_in, local};
use crate::helpers::TestApp;
use crate::mail::spawn_with_env;
use crate::people::PASSWORD;
use crate::smtp_sink::SmtpSink;

const NEW: &str = "a new long passphrase 42";

async fn ask(app: &TestApp, email: &str) -> (u16, String) {
    let r = app
        .client
        .post(format!("{}/password/forgot", app.address))
        .form(&[("email", email)])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn choose(app: &TestApp, token: &str, password: &str, confirm: &str) -> (u16, String) {
    let r = app
        .client
        .post(format!("{}/password/reset", app.address))
        .form(&[
            ("token", token),
            ("password", password),
            ("confirm", confirm),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_forgotten_password_is_replaced_through_a_link_that_works_once() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&bulletin_env(&sink)).await;
    app.add_user("reader@ministry.example", Role::Reader, None)
        .await;
    let (s, login) = app.get_html("/login").await;
    assert_eq!(s, 200);
    assert!(login.contains("href=\"/password/forgot\""), "{login}");
    // Signed in elsewhere with the old password: that session will end.
    let elsewhere = app.sign_in("reader@ministry.example").await;
    assert_eq!(elsewhere.get("/account").await.status(), 200);

    // The same answer for an account and for no account; mail for one only.
    let (s, known) = ask(&app, "Reader@Ministry.example").await;
    assert_eq!(s, 200);
    let (_, unknown) = ask(&app, "nobody@ministry.example").await;
    assert_eq!(known, unknown, "a stranger learns nothing");
    assert!(known.contains("Check your mailbox"), "{known}");
    let mail = sink.wait_for(1).await;
    app.mail_settled().await;
    assert_eq!(sink.received().len(), 1, "nothing to an unknown address");
    assert_eq!(mail[0].to, ["reader@ministry.example"]);
    // Asking again at once sends nothing more.
    ask(&app, "reader@ministry.example").await;
    app.mail_settled().await;
    assert_eq!(sink.received().len(), 1, "nobody floods a mailbox");

    let link = local(&link_in(
        &mail[0],
        "https://counterpart.example/password/reset?token=",
    ));
    let token = link.split_once("token=").unwrap().1.to_string();
    let r = app.get(&link).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let form = r.text().await.unwrap();
    assert!(form.contains("reader@ministry.example"), "{form}");

    // Mistakes are said beside the form, and change nothing.
    let (s, page) = choose(&app, &token, NEW, "something else entirely").await;
    assert_eq!(s, 422);
    assert!(
        page.contains("the two passwords are not the same"),
        "{page}"
    );
    let (s, page) = choose(&app, &token, "short", "short").await;
    assert_eq!(s, 422);
    assert!(
        page.contains("New password: it must be at least 12 characters long."),
        "{page}"
    );
    let (s, _) = choose(&app, &format!("{token}x"), NEW, NEW).await;
    assert_eq!(s, 410, "a changed link");

    let (s, page) = choose(&app, &token, NEW, NEW).await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("Your new password is saved"), "{page}");
    // Every session of the account ended; the old password no longer works.
    assert_eq!(elsewhere.get("/account").await.status(), 303);
    let r = app
        .try_sign_in(&app.browser(), "reader@ministry.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 401);
    let r = app
        .try_sign_in(&app.browser(), "reader@ministry.example", NEW)
        .await;
    assert_eq!(r.status(), 303);
    // The link worked once.
    let (s, page) = app.get_html(&link).await;
    assert_eq!(s, 410);
    assert!(page.contains("Ask for a new link"), "{page}");
    let (s, _) = choose(
        &app,
        &token,
        "yet another long passphrase",
        "yet another long passphrase",
    )
    .await;
    assert_eq!(s, 410);
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour() {
    let sink = SmtpSink::start();
    let app = spawn_with_env(&bulletin_env(&sink)).await;
    app.add_user("reader@ministry.example", Role::Reader, None)
        .await;
    ask(&app, "reader@ministry.example").await;
    let mail = sink.wait_for(1).await;
    let link = local(&link_in(
        &mail[0],
        "https://counterpart.example/password/reset?token=",
    ));
    app.advance(chrono::Duration::minutes(61)).await;
    let (s, page) = app.get_html(&link).await;
    assert_eq!(s, 410);
    assert!(page.contains("This link has expired"), "{page}");
    let token = link.split_once("token=").unwrap().1;
    let (s, _) = choose(&app, token, NEW, NEW).await;
    assert_eq!(s, 410);
    let r = app
        .try_sign_in(&app.browser(), "reader@ministry.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 303, "the password is as it was");
}
