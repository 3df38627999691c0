//! A value a form may leave empty, for the OpenAPI document: the update
//! form and the API read the same input, where an empty string says
//! nothing, as null or leaving the field out does.

use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};

/// `T`, an empty string, or null (`#[schema(schema_with = or_blank::<T>)]`).
pub fn or_blank<T: PartialSchema>() -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(T::schema())
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}
