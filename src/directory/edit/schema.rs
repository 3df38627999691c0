//! What a write of an authority takes, for the OpenAPI document: read from
//! the field table and the keys [`super::input::from_json`] knows, so that
//! the document and the check of a body cannot disagree about names.

use utoipa::PartialSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, SchemaType,
    Type,
};

use super::input::READ_ONLY;
use crate::directory::fields::FIELDS;

fn typed(types: &[Type]) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::from_iter(types.iter().cloned()))
}

/// A text or list field, a designation, or a contact person, as written:
/// each may be null (none).
fn body(required: bool) -> Object {
    let text_list = || {
        ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::String))
            .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
    };
    let mut o = ObjectBuilder::new();
    for f in FIELDS {
        let value: RefOr<Schema> = if f.check.is_list() {
            text_list().description(Some(f.label)).into()
        } else {
            typed(&[Type::String, Type::Null])
                .description(Some(f.label))
                .into()
        };
        o = o.property(f.name, value);
        if required && f.required {
            o = o.required(f.name);
        }
    }
    let article = || {
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(
                "16, \"18\", \"art. 31\" or a Protocol's \"migrants-8\"",
            ))
    };
    let designation = ObjectBuilder::new()
        .property("article", article())
        .required("article")
        .property("functions", text_list())
        .property("note", typed(&[Type::String, Type::Null]));
    let contact = ObjectBuilder::new()
        .property("name", typed(&[Type::String, Type::Null]))
        .property("position", typed(&[Type::String, Type::Null]))
        .property("email", typed(&[Type::String, Type::Null]))
        .property("phone", typed(&[Type::String, Type::Null]))
        .property("languages", text_list());
    o = o
        .property(
            "designations",
            ArrayBuilder::new()
                .items(designation)
                .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
                .description(Some("Each article with its functions and a note")),
        )
        .property(
            "contacts",
            ArrayBuilder::new()
                .items(contact)
                .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
                .description(Some("Contact persons, at most 50")),
        );
    // What an answer carries that a write may send back unchanged: ignored,
    // but for `version` (the version read, when no If-Match is sent) and
    // `articles` (designations without functions, when `designations` is
    // left out).
    for key in READ_ONLY {
        let value: RefOr<Schema> = match *key {
            "version" => typed(&[Type::Integer, Type::Null])
                .description(Some("The version read, unless sent as If-Match"))
                .into(),
            "articles" => ArrayBuilder::new()
                .items(article())
                .description(Some("Designations without functions or notes"))
                .into(),
            _ => ObjectBuilder::new()
                .description(Some("Read-only: accepted and ignored"))
                .into(),
        };
        o = o.property(*key, value);
    }
    o.additional_properties(Some(AdditionalProperties::FreeForm(false)))
        .build()
}

/// A new authority, or one replaced whole: the required fields must be sent.
pub struct AuthorityWrite;

impl PartialSchema for AuthorityWrite {
    fn schema() -> RefOr<Schema> {
        body(true).into()
    }
}

impl utoipa::ToSchema for AuthorityWrite {}

/// A change of some fields: the others are kept.
pub struct AuthorityPatch;

impl PartialSchema for AuthorityPatch {
    fn schema() -> RefOr<Schema> {
        body(false).into()
    }
}

impl utoipa::ToSchema for AuthorityPatch {}
