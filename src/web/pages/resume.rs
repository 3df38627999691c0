//! Work typed by someone whose session ended while they typed it (an
//! update written over lunch): the form is not thrown away. Its fields come
//! back through the sign-in page, and once signed in the person sends them
//! as they were, with one button and no JavaScript.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use std::borrow::Cow;

use super::authority_edit::context::field_place;
use crate::directory::fields::FIELDS;
use crate::error::AppError;
use crate::web::support::respond::page_with;
use crate::web::{AppState, Viewer};

/// A form sent without a session, to send again after signing in: where it
/// went, and its fields as sent (the stale form token left out).
#[derive(Debug, Clone, Serialize)]
pub struct Carried {
    pub action: String,
    pub body: String,
}

impl Carried {
    /// Read back from the sign-in form's hidden fields; the action only if
    /// it is a path of this site.
    pub fn from_fields(action: Option<&str>, body: Option<&str>) -> Option<Self> {
        let action = action.filter(|a| super::account::is_local(a))?;
        Some(Self {
            action: action.to_string(),
            body: body.unwrap_or_default().to_string(),
        })
    }

    fn fields(&self) -> Vec<(String, String)> {
        typed_fields(self.body.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// A form's fields as typed: its token, stale once the session ended,
/// left out (the page that sends them again adds the new session's).
fn typed_fields(body: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    url::form_urlencoded::parse(body).filter(|(k, _)| k != "csrf_token")
}

/// Before a form handler that needs an account: a form that arrives
/// without one is answered with the sign-in page carrying it.
pub async fn keep_typed_work(
    viewer: Viewer,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if viewer.user.is_some() || req.method() != Method::POST || !is_form {
        // The handler asks for the viewer again: it gets this one.
        req.extensions_mut().insert(viewer);
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // Bytes refuses a body past its limit (256 KiB) with 413.
    let body = req.extract::<web::Bytes>().await?;
    let body: String = typed_fields(&body)
        .fold(
            url::form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(&k, &v);
                s
            },
        )
        .finish();
    let carried = Carried {
        action: req.path().to_string(),
        body,
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let response = super::account::sign_in_again(&state, &viewer, &carried)?;
    Ok(req.into_response(response))
}

/// A carried field as its form labels it: `contact_email_0` is "Person 1,
/// email", `time_zone` "Time zone", `effective_from` "In force from".
fn label(name: &str) -> String {
    // The authority form's names for a person's parts, as its errors name them.
    if let Some(rest) = name.strip_prefix("contact_")
        && let Some((part, i)) = rest.rsplit_once('_')
        && i.parse::<usize>().is_ok()
    {
        return field_place(&format!("contacts[{i}].{part}")).1;
    }
    match name {
        "designated" => "Designated under".into(),
        n if n.starts_with("functions_") => format!("Functions, art. {}", &n["functions_".len()..]),
        n if n.starts_with("note_") => format!("Note, art. {}", &n["note_".len()..]),
        n if n == "channels" || FIELDS.iter().any(|f| f.name == n) => field_place(n).1,
        n => super::updates::form::label_of(n).replace('_', " "),
    }
}

/// After signing in again: the carried form, to send with the new
/// session's token.
pub fn send_again_page(
    state: &AppState,
    viewer: &Viewer,
    carried: &Carried,
    email: &str,
    csrf: &str,
) -> Result<HttpResponse, AppError> {
    let fields = carried.fields();
    let shown: Vec<_> = fields
        .iter()
        .filter(|(k, v)| {
            !v.trim().is_empty()
                && !matches!(k.as_str(), "action" | "base" | "version" | "authority_id")
        })
        .map(|(k, v)| json!({"name": label(k), "value": v}))
        .collect();
    let fields: Vec<_> = fields
        .iter()
        .map(|(k, v)| json!({"name": k, "value": v}))
        .collect();
    page_with(
        state,
        viewer,
        StatusCode::OK,
        "pages/send_again",
        &json!({
            "title": "Send what you typed", "nav": "login", "email": email,
            "action": carried.action, "fields": fields, "shown": shown, "csrf": csrf,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn carried_fields_are_shown_by_their_labels() {
        assert_eq!(label("contact_email_0"), "Person 1, email");
        assert_eq!(label("time_zone"), "Time zone");
        assert_eq!(label("functions_18"), "Functions, art. 18");
        assert_eq!(label("effective_from"), "In force from");
        assert_eq!(label("something_else"), "something else");
    }
}
