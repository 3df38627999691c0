//! The application's one error type: a stable code, an HTTP status and a
//! message fit for the client. Causes of internal errors are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One invalid field (or query parameter) and what is wrong with it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A malformed request or query parameter (400), naming the parameter.
    #[error("{}", .0.message)]
    BadRequest(FieldError),
    #[error("{0}")]
    NotFound(String),
    /// Well-formed but invalid fields (422), each named.
    #[error("{} invalid field(s)", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("{message}")]
    Conflict {
        message: String,
        current_version: Option<i32>,
    },
    /// Written or reviewed against a measure that is no longer in force
    /// (409); `current` is the one in force now (null: none), so that the
    /// writer can compare and decide.
    #[error("{message}")]
    StaleBase {
        message: String,
        current: Box<serde_json::Value>,
    },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// A path asked with a method it does not take (405); the methods it
    /// does take, for `Allow`.
    #[error("this path does not take that method; it takes {0}")]
    MethodNotAllowed(String),
    #[error("the service is not available right now")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

/// What an error page needs, left on the response so that pages outside
/// `/api` can be rendered as HTML by [`crate::web::errors`].
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
}

impl AppError {
    pub fn bad_param(param: &str, message: impl Into<String>) -> Self {
        Self::BadRequest(FieldError::new(param, message))
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }

    pub fn unavailable(e: impl Into<anyhow::Error>) -> Self {
        Self::Unavailable(e.into())
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
            Self::Invalid(_) => "invalid_fields",
            Self::Conflict { .. } => "conflict",
            Self::StaleBase { .. } => "stale_base",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::BadRequest(f) => format!("{}: {}", f.field, f.message),
            Self::Invalid(fields) => {
                let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
                format!("invalid fields: {}", names.join(", "))
            }
            other => other.to_string(),
        }
    }
}

impl AppError {
    /// The message an error page shows: a person has no `fields` list to
    /// read, so each field is said with what is wrong with it.
    fn page_message(&self) -> String {
        match self {
            Self::Invalid(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.message(),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound("not found".into()),
            // A rule of the database (one measure in force, one pending
            // proposal, unique refs) met by a change made at the same moment.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            ) => Self::Conflict {
                message: format!(
                    "this conflicts with a change made at the same moment ({}); reload and try again",
                    info.constraint_name().unwrap_or("a unique rule")
                ),
                current_version: None,
            },
            // Ids that come from people are looked up before they are
            // stored; one that still names nothing was removed meanwhile,
            // or escaped a check: either way the request, not the server,
            // is at fault.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                info,
            ) => {
                tracing::warn!(
                    constraint = info.constraint_name(),
                    message = info.message(),
                    "a reference to nothing"
                );
                Self::Conflict {
                    message: "this refers to a record that is not (or no longer) there; reload and try again".into(),
                    current_version: None,
                }
            }
            // The database cannot take writes (a full disk, a read-only
            // file or a standby) or went away: the service is unavailable
            // for a while, the request was fine, and nothing was changed.
            diesel::result::Error::DatabaseError(kind, info)
                if matches!(
                    kind,
                    diesel::result::DatabaseErrorKind::ReadOnlyTransaction
                        | diesel::result::DatabaseErrorKind::ClosedConnection
                        | diesel::result::DatabaseErrorKind::UnableToSendCommand
                ) || cannot_write(info.message()) =>
            {
                Self::Unavailable(anyhow::anyhow!(
                    "the database cannot take writes: {}",
                    info.message()
                ))
            }
            other => Self::Internal(other.into()),
        }
    }
}

/// Whether a database's error says that it cannot write or is gone, as
/// SQLite and PostgreSQL word it (SQLite gives no more than its message).
fn cannot_write(message: &str) -> bool {
    const SAID: [&str; 8] = [
        "database or disk is full",
        "No space left on device",
        "attempt to write a readonly database",
        "read-only transaction",
        // The server went away while the connection was in use.
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "the database system is shutting down",
    ];
    SAID.iter().any(|s| message.contains(s))
}

/// The error body as the OpenAPI document names it.
pub(crate) type ErrorBody = Body<'static>;

/// Every error answer of the API (and of pages asked for JSON).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ErrorBody)]
pub(crate) struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ErrorDetail)]
struct Detail<'a> {
    /// Stable, for programs: `bad_request`, `not_found`, `invalid_fields`,
    /// `conflict`, `stale_base`, `unauthorized`, `forbidden`,
    /// `too_many_requests`, `method_not_allowed`, `unavailable`, `internal`.
    code: &'a str,
    message: String,
    /// The parameter at fault (400).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    /// Every invalid field (422).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldError>>)]
    fields: Option<&'a [FieldError]>,
    /// The record's version now, when a write named an older one (409).
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<i32>,
    /// The measure in force now (null: none), when an update was written
    /// against another (409 `stale_base`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::measures::Update>)]
    current: Option<&'a serde_json::Value>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } | Self::StaleBase { .. } => StatusCode::CONFLICT,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = %cause, "unavailable"),
            _ => {}
        }
        let body = Body {
            error: Detail {
                code: self.code(),
                message: self.message(),
                field: match self {
                    Self::BadRequest(f) => Some(f.field.as_str()),
                    _ => None,
                },
                fields: match self {
                    Self::Invalid(fields) => Some(fields.as_slice()),
                    _ => None,
                },
                current_version: match self {
                    Self::Conflict {
                        current_version, ..
                    } => *current_version,
                    _ => None,
                },
                current: match self {
                    Self::StaleBase { current, .. } => Some(current),
                    _ => None,
                },
            },
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Self::MethodNotAllowed(allowed) = self {
            response.insert_header((actix_web::http::header::ALLOW, allowed.as_str()));
        }
        let mut response = response.json(body);
        response.extensions_mut().insert(ErrorInfo {
            code: self.code(),
            message: self.page_message(),
        });
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn json_of(e: AppError) -> (u16, serde_json::Value) {
        let r = e.error_response();
        let status = r.status().as_u16();
        let bytes = to_bytes(r.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[actix_web::test]
    async fn the_json_shape_is_stable() {
        let (status, v) = json_of(AppError::bad_param("per_page", "at most 100")).await;
        assert_eq!(status, 400);
        assert_eq!(v["error"]["code"], "bad_request");
        assert_eq!(v["error"]["field"], "per_page");
        assert_eq!(v["error"]["message"], "per_page: at most 100");

        let (status, v) = json_of(AppError::Invalid(vec![FieldError::new("email", "bad")])).await;
        assert_eq!(status, 422);
        assert_eq!(v["error"]["fields"][0]["field"], "email");

        let gone = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ForeignKeyViolation,
            Box::new("FOREIGN KEY constraint failed".to_string()),
        );
        let (status, v) = json_of(AppError::from(gone)).await;
        assert_eq!(status, 409);
        assert_eq!(v["error"]["code"], "conflict");

        let (status, v) = json_of(AppError::internal(anyhow::anyhow!("secret cause"))).await;
        assert_eq!(status, 500);
        assert!(!v.to_string().contains("secret cause"));
    }
}
