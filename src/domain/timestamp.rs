//! How a moment is written in JSON, for the OpenAPI document. Moments are
//! stored and written in UTC without an offset (`2026-03-01T09:30:00`, as
//! chrono writes a `NaiveDateTime`), which is not RFC 3339's `date-time`:
//! the document says what is really sent rather than the nearest format.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A moment in UTC, `YYYY-MM-DDTHH:MM:SS` with optional fractions of a second.
pub struct Timestamp;

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"))
            .description(Some("A moment in UTC, written without an offset"))
            .examples(["2026-03-01T09:30:00"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

/// A day, `YYYY-MM-DD`, as chrono writes a `NaiveDate`.
pub struct Day;

impl utoipa::PartialSchema for Day {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .into()
    }
}
