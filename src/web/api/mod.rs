//! JSON under `/api/v1` for programs (DESIGN.md names the paths), and the
//! probes `/healthz` and `/readyz`.

pub mod bulletin;
pub mod directory;
pub mod edit;
pub mod openapi;
pub mod proposals;
pub mod updates;
