//! The openings handlers share, as extractors: a page that needs an account
//! sends an anonymous reader to sign in and back; an admin page also refuses
//! other accounts; a cookie-authenticated API write carries the form token in
//! a header; lists are paged with one policy.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{FromRequest, HttpRequest};

use super::respond::see_other;
use super::viewer::CSRF_HEADER;
use crate::auth::User;
use crate::domain::paging;
use crate::error::AppError;
use crate::web::Viewer;

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// A signed-in person on a page; anonymous readers are redirected to the
/// sign-in page, which brings them back to the page they asked for.
pub struct SignedIn(pub Viewer);

impl SignedIn {
    pub fn user(&self) -> &User {
        self.0.user.as_ref().expect("SignedIn holds an account")
    }
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = Viewer::from_request(req, payload);
        let back = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        Box::pin(async move {
            let viewer = viewer.await?;
            if viewer.user.is_none() {
                let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
                let to = see_other(&format!("/login?next={next}"));
                return Err(InternalError::from_response("please sign in first", to).into());
            }
            Ok(SignedIn(viewer))
        })
    }
}

/// The secretariat on one of its pages: anonymous readers sign in first,
/// other accounts get 403.
pub struct AdminPage(pub Viewer);

impl FromRequest for AdminPage {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(req, payload);
        Box::pin(async move {
            let SignedIn(viewer) = signed_in.await?;
            viewer.admin()?;
            Ok(AdminPage(viewer))
        })
    }
}

/// A write through the API, by someone signed in (401 otherwise): with a
/// session cookie it must carry the
/// session's form token in the `X-CSRF-Token` header (a bearer token needs
/// none, see [`Viewer::check_csrf`]).
pub struct ApiWriter(pub Viewer);

impl FromRequest for ApiWriter {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = Viewer::from_request(req, payload);
        let presented = csrf_header(req).map(str::to_string);
        Box::pin(async move {
            let viewer = viewer.await?;
            // Who is asking is said before whether the form token is right.
            viewer.signed_in()?;
            viewer.check_csrf(presented.as_deref())?;
            Ok(ApiWriter(viewer))
        })
    }
}

/// The form token a script sends with a cookie-authenticated write.
pub fn csrf_header(req: &HttpRequest) -> Option<&str> {
    req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok())
}

/// `page` and `per_page` of a list, read from the query string beside the
/// list's own filters. One policy for every list (`domain::paging`): pages
/// from 1, 50 items unless asked, at most 100.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    pub const DEFAULT_PER_PAGE: i64 = 50;

    pub fn from_query(query: &str) -> Result<Self, AppError> {
        let mut paging = Self {
            page: 1,
            per_page: Self::DEFAULT_PER_PAGE,
        };
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let (slot, read) = match k.as_ref() {
                "page" => (&mut paging.page, paging::page(&v)),
                "per_page" => (&mut paging.per_page, paging::per_page(&v)),
                _ => continue,
            };
            *slot = read.map_err(|m| AppError::bad_param(&k, m))?.into();
        }
        Ok(paging)
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    /// The envelope every paged list answers with.
    pub fn envelope<T: serde::Serialize>(&self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// One page of a list, and where it is in the whole.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole list holds.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// `page` and `per_page` in the document, with the bounds
/// [`Paging::from_query`] enforces.
impl utoipa::IntoParams for Paging {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        paging_params(Self::DEFAULT_PER_PAGE)
    }
}

/// The paging parameters of a list whose page holds `default` items
/// unless asked.
pub fn paging_params(default: i64) -> Vec<utoipa::openapi::path::Parameter> {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let bounded = |max: u32, default: i64| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(max))
            .default(Some(default.into()))
    };
    vec![
        ParameterBuilder::new()
            .name("page")
            .parameter_in(ParameterIn::Query)
            .description(Some("The page, from 1"))
            .schema(Some(bounded(paging::MAX_PAGE, 1)))
            .build(),
        ParameterBuilder::new()
            .name("per_page")
            .parameter_in(ParameterIn::Query)
            .description(Some("Items on a page"))
            .schema(Some(bounded(paging::MAX_PER_PAGE, default)))
            .build(),
    ]
}

/// A page's own `page` parameter (its list has a size of its own), read as
/// [`Paging`] reads it; empty means the first.
pub fn page_param(raw: &Option<String>) -> Result<i64, AppError> {
    raw.as_deref()
        .filter(|p| !p.trim().is_empty())
        .map_or(Ok(1), paging::page)
        .map(i64::from)
        .map_err(|m| AppError::bad_param("page", m))
}

impl FromRequest for Paging {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Self::from_query(req.query_string()))
    }
}

/// A JSON body read as `T`, refused naming the field whose value does not
/// fit (`remarks: invalid type: integer`), as the directory's own fields
/// are; actix's extractor names only the body.
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = Extracted<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Size limit, content type and syntax are checked as for any body.
        let value = actix_web::web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            read(value.await?.into_inner())
                .map(JsonBody)
                .map_err(|e| AppError::Invalid(vec![e]).into())
        })
    }
}

/// Every body the API takes is an object of named fields.
fn read<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, crate::error::FieldError> {
    if !value.is_object() {
        return Err(crate::error::FieldError::new(
            "body",
            "must be a JSON object",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        // The path names an unknown field too (`remark`), as the writer typed it.
        let field = match e.path().to_string() {
            root if root == "." => "body".to_string(),
            path => path,
        };
        crate::error::FieldError::new(field, e.into_inner().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_has_one_policy_and_names_the_parameter() {
        let p = Paging::from_query("status=sent&page=3&per_page=10").unwrap();
        assert_eq!((p.page, p.per_page, p.offset()), (3, 10, 20));
        assert_eq!(Paging::from_query("").unwrap().per_page, 50);
        for (q, field) in [
            ("page=0", "page"),
            ("per_page=101", "per_page"),
            ("per_page=x", "per_page"),
            ("page=100001", "page"),
        ] {
            match Paging::from_query(q) {
                Err(AppError::BadRequest(f)) => assert_eq!(f.field, field, "{q}"),
                other => panic!("{q}: {other:?}"),
            }
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        remarks: Option<String>,
        contacts: Option<Vec<Contact>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Contact {
        name: String,
    }

    fn field_of(json: serde_json::Value) -> String {
        read::<Body>(json).unwrap_err().field
    }

    #[test]
    fn a_wrong_value_is_named_by_its_path() {
        assert_eq!(field_of(serde_json::json!({"remarks": 5})), "remarks");
        assert_eq!(
            field_of(serde_json::json!({"contacts": [{"name": 5}]})),
            "contacts[0].name"
        );
        assert_eq!(field_of(serde_json::json!({"remark": "x"})), "remark");
        assert_eq!(
            field_of(serde_json::json!({"contacts": [{"nom": "x"}]})),
            "contacts[0].nom"
        );
        assert_eq!(field_of(serde_json::json!([1])), "body");
    }
}
