//! What every room of `web` shares: who is asking ([`viewer`]), the openings
//! handlers have in common ([`extract`]), request parameters ([`params`]),
//! responses ([`respond`]), templates, error pages and the JSON shapes.

pub mod client;
pub mod errors;
pub mod extract;
pub mod filters;
pub mod gzip;
pub mod json;
pub mod kept;
pub mod off_workers;
pub mod params;
pub mod respond;
pub mod streamed;
pub mod templates;
pub mod viewer;
pub mod zipped;
