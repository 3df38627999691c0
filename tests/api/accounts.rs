//! Signing in and out, sessions, form tokens, the sign-in limit, API tokens,
//! and who sees contact details.

use counterpart::auth::Role;
use reqwest::Method;

use crate::helpers::{demo, spawn_app, spawn_app_with};
use crate::people::{PASSWORD, api, csrf_of};

#[tokio::test]
async fn contacts_are_shown_to_signed_in_people_only() {
    let app = spawn_app().await;
    app.add_user("reader@ministry.example", Role::Reader, None)
        .await;
    let (id, _) = app.authority_by_ref("FR-001").await;
    let path = format!("/api/v1/authorities/{id}");

    let (_, anonymous) = app.get_json(&path).await;
    assert_eq!(anonymous["contacts_visible"], false);
    assert!(
        anonymous.get("email").is_none() && anonymous.get("contacts").is_none(),
        "{anonymous}"
    );
    let (_, html) = app.get_html(&format!("/authorities/{id}")).await;
    assert!(
        html.contains("Sign in") && !html.contains("mailto:"),
        "the page says how to get access"
    );

    let browser = app.sign_in("reader@ministry.example").await;
    let (_, seen) = browser.get_json(&path).await;
    assert_eq!(seen["contacts_visible"], true);
    assert!(
        seen["email"].as_str().unwrap().ends_with(".example"),
        "{seen}"
    );
    assert!(seen["contacts"].is_array());
    let html = browser
        .get(&format!("/authorities/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("mailto:"), "contacts on the page");

    let out = browser.post_form("/logout", &[]).await;
    assert_eq!(out.status(), 303);
    let (_, after) = browser.get_json(&path).await;
    assert!(after.get("email").is_none(), "signed out: hidden again");
}

#[tokio::test]
async fn public_contacts_show_everything_to_everyone() {
    let app = spawn_app_with(
        &[("COUNTERPART_DIRECTORY__PUBLIC_CONTACTS", "true")],
        demo(),
    )
    .await;
    let (id, _) = app.authority_by_ref("FR-001").await;
    let (_, body) = app.get_json(&format!("/api/v1/authorities/{id}")).await;
    assert!(body["email"].is_string(), "{body}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_repeated_failures_are_limited() {
    let app = spawn_app().await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    let browser = app.browser();
    for _ in 0..5 {
        let r = app
            .try_sign_in(&browser, "ana@justice.example", "not the password")
            .await;
        assert_eq!(r.status(), 401);
        let html = r.text().await.unwrap();
        assert!(html.contains("role=\"alert\"") && html.contains("not right"));
        assert!(
            html.contains("value=\"ana@justice.example\""),
            "keeps what was typed"
        );
    }
    // Now even the right password waits.
    let r = app
        .try_sign_in(&browser, "ANA@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many failed sign-ins"));
    // Once the window has passed, the right password works again.
    app.advance(chrono::Duration::minutes(16)).await;
    let r = app
        .try_sign_in(&browser, "ana@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
    // Another account from another browser is not locked out by Ana's.
    app.add_user("ben@justice.example", Role::Reader, None)
        .await;
    let r = app
        .try_sign_in(&app.browser(), "ben@justice.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn forms_without_their_token_change_nothing() {
    let app = spawn_app().await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    // A sign-in posted from elsewhere carries no form token of ours.
    let r = app
        .browser()
        .client
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", "ana@justice.example"),
            ("password", PASSWORD),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let browser = app.sign_in("ana@justice.example").await;
    let forged = browser
        .client
        .post(format!("{}/logout", app.address))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let (status, _) = browser.get_json("/api/v1/authorities/1").await;
    assert_eq!(status, 200);
    let account = browser.get("/account").await;
    assert_eq!(account.status(), 200, "still signed in");
    // A token form without the token is refused too.
    let r = browser
        .client
        .post(format!("{}/account/tokens", app.address))
        .form(&[("label", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn sessions_end_when_idle_and_get_a_new_id_at_each_sign_in() {
    let app = spawn_app_with(&[("COUNTERPART_SECURITY__SESSION_IDLE", "30m")], demo()).await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    let browser = app.browser();
    let first = app
        .try_sign_in(&browser, "ana@justice.example", PASSWORD)
        .await;
    let cookie = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("counterpart_session="))
            .expect("a session cookie")
    };
    let first_cookie = cookie(&first);
    assert!(
        first_cookie.contains("HttpOnly") && first_cookie.contains("SameSite=Lax"),
        "{first_cookie}"
    );
    assert!(!first_cookie.contains("Secure"), "plain http in tests");
    let second = app
        .try_sign_in(&browser, "ana@justice.example", PASSWORD)
        .await;
    assert_ne!(first_cookie, cookie(&second), "a new session id at sign-in");
    assert_eq!(browser.get("/account").await.status(), 200);
    // Idle time counts from the last request, not from the sign-in.
    app.advance(chrono::Duration::minutes(29)).await;
    assert_eq!(browser.get("/account").await.status(), 200);
    app.advance(chrono::Duration::minutes(29)).await;
    assert_eq!(browser.get("/account").await.status(), 200);
    app.advance(chrono::Duration::minutes(31)).await;
    let r = browser.get("/account").await;
    assert_eq!(r.status(), 303, "idle session ended: back to sign-in");
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn cookies_are_secure_when_the_site_is_https() {
    let app = spawn_app_with(
        &[(
            "COUNTERPART_SERVER__PUBLIC_URL",
            "https://counterpart.example/",
        )],
        demo(),
    )
    .await;
    app.add_user("ana@justice.example", Role::Reader, None)
        .await;
    let r = app
        .try_sign_in(&app.browser(), "ana@justice.example", PASSWORD)
        .await;
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        set.iter()
            .any(|c| c.starts_with("counterpart_session=") && c.contains("Secure")),
        "{set:?}"
    );
}

#[tokio::test]
async fn programs_use_bearer_tokens_that_can_be_revoked() {
    let app = spawn_app().await;
    let uid = app
        .add_user("robot@justice.example", Role::Reader, None)
        .await;
    let token = app.token_for(uid).await;
    let (id, _) = app.authority_by_ref("FR-001").await;
    let path = format!("/api/v1/authorities/{id}");
    let (status, body) = api(&app, Method::GET, &path, Some(&token), None, None).await;
    assert_eq!(status, 200);
    assert!(body["email"].is_string(), "a token sees contacts: {body}");
    let (status, body) = api(
        &app,
        Method::GET,
        &path,
        Some("cpt_not-a-token"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");

    // The account page lists it, and revokes it.
    let browser = app.sign_in("robot@justice.example").await;
    let html = browser.get("/account").await.text().await.unwrap();
    assert!(html.contains(&token[..12]), "listed by prefix");
    assert!(!html.contains(&token), "never shown again in full");
    let issued = browser
        .post_form("/account/tokens", &[("label", "case system")])
        .await;
    let html = issued.text().await.unwrap();
    assert!(html.contains("will not be shown again"));
    let revoke_at = html.find("/revoke\"").unwrap();
    let action_start = html[..revoke_at].rfind("/account/tokens/").unwrap();
    let action = format!("{}/revoke", &html[action_start..revoke_at]);
    let csrf = csrf_of(&html[action_start..]);
    let r = browser
        .client
        .post(format!("{}{action}", app.address))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // The newest token was revoked; the first still works.
    let (status, _) = api(&app, Method::GET, &path, Some(&token), None, None).await;
    assert_eq!(status, 200);
}

/// A page that needs an account sends an anonymous reader to sign in and,
/// once signed in, back to the page and query asked for; an admin page
/// answers other accounts with 403.
#[tokio::test]
async fn pages_that_need_an_account_bring_the_reader_back_after_sign_in() {
    let app = spawn_app().await;
    app.add_user("reader@ministry.example", Role::Reader, None)
        .await;
    let browser = app.browser();
    let asked = "/admin/mail?status=failed";
    let r = browser
        .client
        .get(format!("{}{asked}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/login?next=%2Fadmin%2Fmail%3Fstatus%3Dfailed");

    // The sign-in form carries the page back, and signing in goes there.
    let login = browser
        .client
        .get(format!("{}{to}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let next = scraper::Html::parse_document(&login)
        .select(&scraper::Selector::parse("input[name=next]").unwrap())
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_string));
    assert_eq!(next.as_deref(), Some(asked), "{login}");
    let r = browser
        .client
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", "reader@ministry.example"),
            ("password", PASSWORD),
            (
                "csrf_token",
                &csrf_of(&login[login.find("action=\"/login\"").unwrap()..]),
            ),
            ("next", asked),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], asked);

    // A reader is not the secretariat.
    let r = browser
        .client
        .get(format!("{}{asked}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// The address of the first link to the sign-in page in `html`.
fn sign_in_link(html: &str) -> String {
    scraper::Html::parse_document(html)
        .select(&scraper::Selector::parse("a[href^='/login']").unwrap())
        .next()
        .and_then(|e| e.value().attr("href").map(str::to_string))
        .expect("a sign-in link")
}

/// "Sign in" on any public page, a finder's answer say, comes back to it;
/// a `next` that a browser would read as another site goes home instead.
#[tokio::test]
async fn sign_in_from_a_public_page_comes_back_to_it() {
    let app = spawn_app().await;
    app.add_user("reader@ministry.example", Role::Reader, None)
        .await;
    let browser = app.browser();
    let asked = "/counterpart?country=FR&article=18";
    // Twice: the second answer is a kept page, with the same link.
    for _ in 0..2 {
        let page = browser.text(asked).await;
        assert_eq!(
            sign_in_link(&page),
            "/login?next=%2Fcounterpart%3Fcountry%3DFR%26article%3D18"
        );
        // The finder's "sign in for contacts" note goes back too.
        assert!(
            page.matches("href=\"/login?next=%2Fcounterpart").count() >= 2,
            "{page}"
        );
    }
    let to = sign_in_link(&browser.text(asked).await);
    let r = sign_in_with_next(&app, &browser, &to, asked).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], asked);
    // Signed in: the layout has no sign-in link, the page shows contacts.
    let page = browser.text(asked).await;
    assert!(!page.contains("href=\"/login"), "{page}");

    for next in [
        "/\t/evil.example",
        "/\\evil.example",
        "//evil.example",
        "/a\r\nSet-Cookie: x=1",
        "/a b",
    ] {
        let r = sign_in_with_next(&app, &app.browser(), "/login", next).await;
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/", "{next:?}");
    }
}

/// Opens the sign-in page at `login` and signs in the reader, sending `next`.
async fn sign_in_with_next(
    app: &crate::helpers::TestApp,
    browser: &crate::people::Browser,
    login: &str,
    next: &str,
) -> reqwest::Response {
    let page = browser.text(login).await;
    let csrf = csrf_of(&page[page.find("action=\"/login\"").unwrap()..]);
    browser
        .client
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", "reader@ministry.example"),
            ("password", PASSWORD),
            ("csrf_token", csrf.as_str()),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}
