//! Accounts for tests: added straight to the database (as `user add` does),
//! then signed in over HTTP like a browser, with a cookie jar.

use counterpart::auth::{Role, tokens, users};
use counterpart::db::ids::UserId;
use counterpart::directory::model;
use serde_json::Value;

use crate::helpers::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";

/// A browser with its cookies, signed in (or not).
pub struct Browser {
    pub client: reqwest::Client,
    pub address: String,
    /// The session's form token, read from a page.
    pub csrf: String,
}

pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first hidden `csrf_token` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf_token\" value=\"")
        .expect("a form token on the page");
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

impl TestApp {
    /// Adds an account with the test password.
    pub async fn add_user(&self, email: &str, role: Role, authority_ref: Option<&str>) -> UserId {
        let (pool, now) = (self.state.pool.clone(), self.state.clock.now());
        let (email, authority_ref) = (email.to_string(), authority_ref.map(String::from));
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().unwrap();
            let authority_id = authority_ref.map(|r| model::live_id_of_ref(&mut conn, &r).unwrap());
            users::add(
                &mut conn,
                users::NewUser {
                    email: &email,
                    role,
                    authority_id,
                    name: None,
                    password: PASSWORD,
                },
                now,
            )
            .unwrap()
            .id
        })
        .await
        .unwrap()
    }

    pub async fn token_for(&self, user_id: UserId) -> String {
        let (pool, now) = (self.state.pool.clone(), self.state.clock.now());
        tokio::task::spawn_blocking(move || {
            tokens::issue(&mut pool.get().unwrap(), user_id, Some("test"), now).unwrap()
        })
        .await
        .unwrap()
    }

    /// Posts the sign-in form as a browser does; returns the response.
    pub async fn try_sign_in(
        &self,
        browser: &Browser,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = browser
            .client
            .get(format!("{}/login", self.address))
            .send()
            .await
            .unwrap();
        let html = page.text().await.unwrap();
        browser
            .client
            .post(format!("{}/login", self.address))
            .form(&[
                ("email", email),
                ("password", password),
                (
                    "csrf_token",
                    &csrf_of(&html[html.find("action=\"/login\"").expect("the sign-in form")..]),
                ),
                ("next", "/account"),
            ])
            .send()
            .await
            .unwrap()
    }

    pub fn browser(&self) -> Browser {
        Browser {
            client: browser_client(),
            address: self.address.clone(),
            csrf: String::new(),
        }
    }

    /// A browser signed in as `email`, with its session's form token.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let mut browser = self.browser();
        let r = self.try_sign_in(&browser, email, PASSWORD).await;
        assert_eq!(
            r.status(),
            303,
            "sign-in of {email}: {}",
            r.text().await.unwrap()
        );
        let account = browser
            .client
            .get(format!("{}/account", self.address))
            .send()
            .await
            .unwrap();
        assert_eq!(account.status(), 200);
        browser.csrf = csrf_of(&account.text().await.unwrap());
        browser
    }

    /// The id and version of a demo authority, by ref.
    pub async fn authority_by_ref(&self, ref_: &str) -> (i64, i64) {
        let snapshot = self.state.directory.snapshot();
        let a = snapshot
            .authorities()
            .find(|a| a.ref_() == ref_)
            .unwrap_or_else(|| panic!("no authority {ref_}"))
            .clone();
        (a.id.0, a.version as i64)
    }
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// The page's text, whatever its status.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// Posts a form with the session's form token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &self.csrf));
        self.client
            .post(format!("{}{path}", self.address))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}

/// An API call with an optional bearer token; returns status and JSON body.
/// Archives an authority through the API, as the secretariat would.
pub async fn archive(app: &TestApp, admin_token: &str, id: impl std::fmt::Display) {
    let path = format!("/api/v1/authorities/{id}");
    let (s, body) = api(
        app,
        reqwest::Method::DELETE,
        &path,
        Some(admin_token),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
}

pub async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    if_match: Option<i64>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, format!("{}{path}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(v) = if_match {
        req = req.header("If-Match", format!("\"{v}\""));
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// An action on a measure update (`submit`, `approve`, `reject`,
/// `withdraw`) as the holder of `token`; returns status and JSON body.
pub async fn act(
    app: &TestApp,
    token: &str,
    id: impl std::fmt::Display,
    verb: &str,
    body: Option<Value>,
) -> (u16, Value) {
    api(
        app,
        reqwest::Method::POST,
        &format!("/api/v1/updates/{id}/{verb}"),
        Some(token),
        None,
        body,
    )
    .await
}

/// The usual people of a test, each with a token: the secretariat, the focal
/// points of FR-001 and DE-001, and a reader.
pub struct Cast {
    pub admin: String,
    pub focal: String,
    pub other_focal: String,
    pub reader: String,
    /// FR-001, the focal point's own authority.
    pub own: i64,
    /// DE-001, someone else's.
    pub other: i64,
}

pub async fn cast(app: &TestApp) -> Cast {
    let admin = app
        .add_user("secretariat@unodc.example", Role::Admin, None)
        .await;
    let focal = app
        .add_user("focal@fr.example", Role::FocalPoint, Some("FR-001"))
        .await;
    let other = app
        .add_user("focal@de.example", Role::FocalPoint, Some("DE-001"))
        .await;
    let reader = app.add_user("reader@it.example", Role::Reader, None).await;
    Cast {
        admin: app.token_for(admin).await,
        focal: app.token_for(focal).await,
        other_focal: app.token_for(other).await,
        reader: app.token_for(reader).await,
        own: app.authority_by_ref("FR-001").await.0,
        other: app.authority_by_ref("DE-001").await.0,
    }
}
