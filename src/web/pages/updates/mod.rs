//! Measure updates for a focal point: it writes one (pre-filled from the
//! measure in force), keeps drafts, follows its updates and withdraws them.
//! The secretariat's review of them is in `admin::review`.

pub mod form;
pub mod mine;

use serde::Serialize;

use crate::auth::{Role, User};
use crate::db::ids::{AuthorityId, UpdateId};
use crate::error::AppError;
use crate::web::support::params::live_authority;
use crate::web::{AppState, Viewer};

/// May this person act for the authority (its focal point, or an admin)?
pub(crate) fn acts_for(user: &User, authority_id: AuthorityId) -> Result<(), AppError> {
    match user.role {
        Role::Admin => Ok(()),
        Role::FocalPoint if user.authority_id == Some(authority_id) => Ok(()),
        Role::FocalPoint => Err(AppError::Forbidden(
            "a focal point writes only for its own authority".into(),
        )),
        Role::Reader => Err(AppError::Forbidden("readers do not submit updates".into())),
    }
}

/// The authority a person writes for: a focal point's own; an admin's choice.
pub(crate) fn authority_for(
    viewer: &Viewer,
    asked: Option<AuthorityId>,
) -> Result<AuthorityId, AppError> {
    let user = viewer.signed_in()?;
    match (user.role, user.authority_id, asked) {
        (Role::Admin, _, Some(a)) => Ok(a),
        (Role::Admin, _, None) => Err(AppError::bad_param(
            "authority",
            "say which authority (?authority=ID)",
        )),
        (Role::FocalPoint, Some(own), None) => Ok(own),
        (_, _, Some(a)) => acts_for(user, a).map(|_| a),
        _ => acts_for(user, AuthorityId(-1)).map(|_| AuthorityId(-1)),
    }
}

/// How the secretariat and focal points name an authority: name, ref, State.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuthorityLabel {
    pub id: AuthorityId,
    pub name: String,
    #[serde(rename = "ref")]
    pub ref_: String,
    pub country_code: String,
    pub country_name: String,
}

impl AuthorityLabel {
    /// An authority in the directory; 404 for one archived or unknown.
    pub fn live(state: &AppState, id: AuthorityId) -> Result<Self, AppError> {
        let a = live_authority(state, id)?;
        Ok(Self {
            id,
            name: a.name().to_string(),
            ref_: a.ref_().to_string(),
            country_code: a.country.as_str().to_string(),
            country_name: a.country.state().name.clone(),
        })
    }
}

/// Where a person's updates are listed, with what just happened to which.
pub(crate) fn mine_link(
    viewer: &Viewer,
    authority_id: AuthorityId,
    done: &str,
    id: UpdateId,
) -> String {
    let own = viewer
        .user
        .as_ref()
        .is_some_and(|u| u.authority_id == Some(authority_id) && !u.is_admin());
    if own {
        format!("/updates?done={done}&id={id}")
    } else {
        format!("/updates?authority={authority_id}&done={done}&id={id}")
    }
}
