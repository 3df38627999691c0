//! Sessions and sign-in (issue 13): limits that hold under parallel
//! attempts, a sign-in that replaces the browser's session, an idle limit
//! that active people never meet, and `next` that never leaves the site.

use counterpart::auth::Role;
use counterpart::db::schema::login_failures;
use diesel::prelude::*;

use crate::helpers::{TestApp, spawn_app_with};
use crate::people::{PASSWORD, browser_client, csrf_of};

/// A browser holding a fresh sign-in form: its client and the form token.
async fn at_sign_in_form(app: &TestApp) -> (reqwest::Client, String) {
    let client = browser_client();
    let html = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html[html.find("action=\"/login\"").expect("the sign-in form")..]);
    (client, csrf)
}

/// Each attempt from a browser of its own, all sent at once; returns the
/// statuses.
async fn sign_in_together(app: &TestApp, attempts: Vec<(String, String)>) -> Vec<u16> {
    let mut ready = Vec::new();
    for attempt in attempts {
        ready.push((at_sign_in_form(app).await, attempt));
    }
    let (address, mut sent) = (app.address.clone(), Vec::new());
    for ((client, csrf), (email, password)) in ready {
        let url = format!("{address}/login");
        sent.push(tokio::spawn(async move {
            let form = [
                ("email", email.as_str()),
                ("password", password.as_str()),
                ("csrf_token", csrf.as_str()),
            ];
            let r = client.post(url).form(&form).send().await.unwrap();
            r.status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for s in sent {
        statuses.push(s.await.unwrap());
    }
    statuses
}

/// The failures stored for an account, or for an address.
async fn failures(app: &TestApp, email: Option<&str>) -> i64 {
    let (pool, email) = (app.state.pool.clone(), email.map(String::from));
    tokio::task::spawn_blocking(move || {
        let conn = &mut pool.get().unwrap();
        match email {
            Some(e) => login_failures::table
                .filter(login_failures::email.eq(e))
                .count()
                .get_result(conn),
            None => login_failures::table
                .filter(login_failures::address.eq("127.0.0.1"))
                .count()
                .get_result(conn),
        }
        .unwrap()
    })
    .await
    .unwrap()
}

/// Checks that no more attempts than `limit` had their password checked
/// (answered 401), each stored as a failure; then that the limit is reached
/// exactly, by trying one at a time: an attempt refused at once while
/// another was in flight may leave a try or two unused, never one too many.
async fn up_to_the_limit(app: &TestApp, statuses: &[u16], limit: usize, email: Option<&str>) {
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= limit, "{checked} checked: {statuses:?}");
    assert_eq!(
        checked + statuses.iter().filter(|s| **s == 429).count(),
        statuses.len()
    );
    assert_eq!(failures(app, email).await, checked as i64);
    for n in checked..limit {
        let who = email.map_or(format!("late{n}@justice.example"), String::from);
        let r = app.try_sign_in(&app.browser(), &who, "not it").await;
        assert_eq!(r.status(), 401, "try {n} of {limit}");
    }
    assert_eq!(failures(app, email).await, limit as i64);
}

#[tokio::test]
async fn parallel_wrong_passwords_get_no_more_tries_than_the_limit() {
    let app = spawn_app_with(&[], None).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    let wrong = vec![
        (
            "ana@justice.example".to_string(),
            "not the password".to_string()
        );
        30
    ];
    let statuses = sign_in_together(&app, wrong).await;
    up_to_the_limit(&app, &statuses, 5, Some("ana@justice.example")).await;
    let r = app
        .try_sign_in(&app.browser(), "ana@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 429, "the right password waits too");
}

#[tokio::test]
async fn parallel_sign_ins_from_one_address_get_no_more_tries_than_the_limit() {
    let app = spawn_app_with(&[], None).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    // Other accounts each time, so only the address limit applies.
    let wrong = (0..60)
        .map(|i| (format!("guess{i}@justice.example"), "not it".to_string()))
        .collect();
    let statuses = sign_in_together(&app, wrong).await;
    up_to_the_limit(&app, &statuses, 20, None).await;
    let r = app
        .try_sign_in(&app.browser(), "ana@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 429, "the address waits, whatever the account");
}

/// The session cookie a response sets, as `name=value`.
fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("counterpart_session="))
        .map(|c| c.split(';').next().unwrap().to_string())
}

#[tokio::test]
async fn signing_in_again_ends_the_session_the_browser_had() {
    let app = spawn_app_with(&[], None).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    app.add_user("ben@justice.example", Role::Reader, None)
        .await;
    let browser = app.browser();
    let r = app
        .try_sign_in(&browser, "ana@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    let first = session_cookie(&r).expect("a session cookie");
    // The same browser, its cookie sent along, signs in as someone else.
    let r = app
        .try_sign_in(&browser, "ben@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    assert_ne!(session_cookie(&r).expect("a new session cookie"), first);
    let replaced = app
        .client
        .get(format!("{}/account", app.address))
        .header("cookie", &first)
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.status(), 200, "Ana's replaced session still works");
    let account = browser.text("/account").await;
    assert!(account.contains("ben@justice.example"), "{account}");
}

#[tokio::test]
async fn an_idle_limit_under_a_minute_keeps_active_people_signed_in() {
    let app = spawn_app_with(&[("COUNTERPART_SECURITY__SESSION_IDLE", "30s")], None).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    let browser = app.sign_in("ana@justice.example").await;
    // A request every 20 seconds: never 30 idle, though long past 30 in all.
    for _ in 0..4 {
        app.advance(chrono::Duration::seconds(20)).await;
        let r = browser.get("/account").await;
        assert_eq!(r.status(), 200, "signed out while active");
    }
    app.advance(chrono::Duration::seconds(31)).await;
    assert_ne!(browser.get("/account").await.status(), 200, "idle for 31 s");
}

/// `next` values that would lead elsewhere, as sent on the wire.
const ELSEWHERE: [&str; 12] = [
    "/%09/evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "/%5C/evil.example",
    "https://evil.example",
    "https%3A%2F%2Fevil.example",
    "/%00/evil.example",
    "%00",
    "/%0D%0ALocation:%20https://evil.example",
    "/%0A/evil.example",
    "/%20/evil.example",
    "%2F%2Fevil.example",
];

#[tokio::test]
async fn next_leads_only_to_a_path_of_this_site() {
    let app = spawn_app_with(&[], None).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    for next in ELSEWHERE {
        let page = app.get(&format!("/login?next={next}")).await;
        assert_eq!(page.status(), 200, "{next}");
        let html = page.text().await.unwrap();
        assert!(html.contains("name=\"next\" value=\"/\""), "{next}: {html}");

        let (client, csrf) = at_sign_in_form(&app).await;
        let body = format!("email=ana%40justice.example&password={PASSWORD}&csrf_token={csrf}");
        let r = client
            .post(format!("{}/login", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("{}&next={next}", body.replace(' ', "+")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(r.headers()["location"], "/", "{next}");
    }
    // A path of the site is kept.
    let (client, csrf) = at_sign_in_form(&app).await;
    let form = [
        ("email", "ana@justice.example"),
        ("password", PASSWORD),
        ("csrf_token", &csrf),
        ("next", "/account?tab=tokens"),
    ];
    let r = client
        .post(format!("{}/login", app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/account?tab=tokens");
}

/// Wrong passwords for other accounts each time, from the address `from`
/// as a proxy reports it; returns the statuses.
async fn wrong_from(app: &TestApp, from: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..n {
        let (client, csrf) = at_sign_in_form(app).await;
        let email = format!("guess{i}.{from}@justice.example");
        let r = client
            .post(format!("{}/login", app.address))
            .header("X-Forwarded-For", format!("198.51.100.99, {from}"))
            .form(&[
                ("email", email.as_str()),
                ("password", "not it"),
                ("csrf_token", &csrf),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_a_limit_of_its_own() {
    let app = spawn_app_with(
        &[("COUNTERPART_SERVER__TRUSTED_PROXIES", "127.0.0.1, ::1")],
        None,
    )
    .await;
    let statuses = wrong_from(&app, "203.0.113.7", 21).await;
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(statuses[20], 429, "{statuses:?}");
    // Another visitor through the same proxy is not held back by the first.
    assert_eq!(wrong_from(&app, "203.0.113.8", 1).await, [401]);
}

#[tokio::test]
async fn a_forwarded_header_from_anyone_else_changes_nothing() {
    let app = spawn_app_with(&[], None).await;
    let mut statuses = wrong_from(&app, "203.0.113.7", 10).await;
    statuses.extend(wrong_from(&app, "203.0.113.8", 11).await);
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(
        statuses[20], 429,
        "one address, whatever the header: {statuses:?}"
    );
}
