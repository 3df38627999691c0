//! The API's reference page, `/api/docs`: the OpenAPI document read back
//! into a page of the site's own templates, so that it works offline and
//! under the site's CSP (no script, no other site), and cannot describe
//! an operation the document does not.

use std::sync::OnceLock;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::Value;

use crate::error::AppError;
use crate::web::api::openapi;
use crate::web::support::respond::page;
use crate::web::{AppState, Viewer};

#[derive(Serialize)]
struct Reference {
    title: &'static str,
    nav: &'static str,
    description: String,
    version: String,
    auth: String,
    tags: Vec<Tag>,
    schemas: Vec<SchemaView>,
}

#[derive(Serialize)]
struct Tag {
    name: String,
    description: String,
    operations: Vec<Operation>,
}

#[derive(Serialize)]
struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    /// "none", "optional" (anyone; more with a token) or "required".
    auth: &'static str,
    params: Vec<Param>,
    body: Option<Body>,
    responses: Vec<Answer>,
}

#[derive(Serialize)]
struct Param {
    name: String,
    place: String,
    required: bool,
    kind: Kind,
    description: String,
}

#[derive(Serialize)]
struct Body {
    required: bool,
    kind: Kind,
    description: String,
    fields: Vec<Field>,
}

#[derive(Serialize)]
struct Answer {
    status: String,
    description: String,
    kind: Option<Kind>,
    headers: Vec<String>,
}

#[derive(Serialize)]
struct SchemaView {
    name: String,
    anchor: String,
    description: String,
    kind: Kind,
    fields: Vec<Field>,
}

#[derive(Serialize)]
struct Field {
    name: String,
    required: bool,
    kind: Kind,
    description: String,
}

/// A schema in words, with the named schema it refers to (for a link).
#[derive(Serialize, Clone, Default)]
struct Kind {
    text: String,
    link: Option<String>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// A description as HTML: escaped, with the document's `code` spans (its
/// only markdown) as `<code>`. The template shows it unescaped.
fn html(v: &Value, key: &str) -> String {
    let raw = text(v, key);
    let parts: Vec<&str> = raw.split('`').collect();
    // A lone backtick is text, and so is everything after it.
    if parts.len().is_multiple_of(2) {
        return handlebars::html_escape(&raw);
    }
    let mut out = String::with_capacity(raw.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        let part = handlebars::html_escape(part);
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&part);
            out.push_str("</code>");
        } else {
            out.push_str(&part);
        }
    }
    out
}

fn ref_name(v: &Value) -> Option<&str> {
    v.get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

fn anchor(name: &str) -> String {
    format!("schema-{name}")
}

/// A schema said in a few words: `Update`, `array of Change`, `string or
/// null`, `one of: yes, no`.
fn kind(v: &Value) -> Kind {
    if let Some(name) = ref_name(v) {
        return Kind {
            text: name.to_string(),
            link: Some(anchor(name)),
        };
    }
    for (key, joiner) in [("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            let kinds: Vec<Kind> = list.iter().map(kind).collect();
            return Kind {
                text: kinds
                    .iter()
                    .map(|k| k.text.as_str())
                    .collect::<Vec<_>>()
                    .join(joiner),
                link: kinds.into_iter().find_map(|k| k.link),
            };
        }
    }
    let types: Vec<&str> = match v.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut words: Vec<String> = Vec::new();
    for t in &types {
        words.push(match *t {
            "array" => {
                let item = v.get("items").map(kind).unwrap_or_default();
                return Kind {
                    text: format!(
                        "array of {}{}",
                        item.text,
                        if types.contains(&"null") {
                            ", or null"
                        } else {
                            ""
                        }
                    ),
                    link: item.link,
                };
            }
            other => other.to_string(),
        });
    }
    if let Some(values) = v.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values
            .iter()
            .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string))
            .collect();
        words = vec![format!("one of: {}", values.join(", "))];
    }
    let mut text = if words.is_empty() {
        "any".to_string()
    } else {
        words.join(" or ")
    };
    if let Some(format) = v.get("format").and_then(Value::as_str) {
        text.push_str(&format!(" ({format})"));
    }
    match (v.get("minimum"), v.get("maximum")) {
        (Some(min), Some(max)) => text.push_str(&format!(", {min} to {max}")),
        (Some(min), None) => text.push_str(&format!(", from {min}")),
        _ => {}
    }
    match v.get("maxLength").and_then(Value::as_u64) {
        Some(0) => text = "empty".into(),
        Some(max) => text.push_str(&format!(", at most {max} characters")),
        None => {}
    }
    if let Some(pattern) = v.get("pattern").and_then(Value::as_str) {
        text.push_str(&format!(", matching {pattern}"));
    }
    Kind { text, link: None }
}

/// The properties of an object schema (following one reference, and the
/// parts of an `allOf`), each with whether it is required.
fn fields(v: &Value, schemas: &Value) -> Vec<Field> {
    let v = match ref_name(v) {
        Some(name) => &schemas[name],
        None => v,
    };
    if let Some(parts) = v.get("allOf").and_then(Value::as_array) {
        return parts.iter().flat_map(|p| fields(p, schemas)).collect();
    }
    let required: Vec<&str> = v
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    v.get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| Field {
                    name: name.clone(),
                    required: required.contains(&name.as_str()),
                    kind: kind(p),
                    description: html(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn auth_of(op: &Value) -> &'static str {
    match op.get("security").and_then(Value::as_array) {
        None => "none",
        Some(list)
            if list
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty())) =>
        {
            "optional"
        }
        Some(_) => "required",
    }
}

fn operation(method: &str, path: &str, op: &Value, schemas: &Value) -> Operation {
    let params = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| Param {
            name: text(p, "name"),
            place: text(p, "in"),
            required: p["required"].as_bool().unwrap_or(false),
            kind: p.get("schema").map(kind).unwrap_or_default(),
            // A parameter described by a schema of its own says it there.
            description: match html(p, "description") {
                d if d.is_empty() => html(&p["schema"], "description"),
                d => d,
            },
        })
        .collect();
    let body = op.get("requestBody").map(|b| {
        let schema = &b["content"]["application/json"]["schema"];
        Body {
            required: b["required"].as_bool().unwrap_or(false),
            kind: kind(schema),
            description: html(b, "description"),
            fields: fields(schema, schemas),
        }
    });
    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, r)| Answer {
            status: status.clone(),
            description: html(r, "description"),
            kind: r
                .get("content")
                .and_then(Value::as_object)
                .and_then(|c| c.values().next())
                .map(|c| kind(&c["schema"])),
            headers: r
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| h.keys().cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
    Operation {
        anchor: format!(
            "{method}-{}",
            path.trim_start_matches('/')
                .replace(['/', '{', '}'], "-")
                .trim_end_matches('-')
        ),
        method: method.to_uppercase(),
        path: path.to_string(),
        summary: html(op, "summary"),
        auth: auth_of(op),
        params,
        body,
        responses,
    }
}

fn reference() -> Result<Reference, serde_json::Error> {
    let doc = serde_json::to_value(openapi::document())?;
    let schemas = &doc["components"]["schemas"];
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    let mut tags: Vec<Tag> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Tag {
            name: text(t, "name"),
            description: html(t, "description"),
            operations: Vec::new(),
        })
        .collect();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let tag = op["tags"][0].as_str().unwrap_or("");
            let view = operation(method, path, op, schemas);
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.operations.push(view),
                None => tags.push(Tag {
                    name: tag.to_string(),
                    description: String::new(),
                    operations: vec![view],
                }),
            }
        }
    }
    let schemas = schemas
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| SchemaView {
            name: name.clone(),
            anchor: anchor(name),
            description: html(s, "description"),
            kind: kind(s),
            fields: fields(s, &Value::Null),
        })
        .collect();
    Ok(Reference {
        title: "API reference",
        nav: "about",
        description: html(&doc["info"], "description"),
        version: text(&doc["info"], "version"),
        auth: html(
            &doc["components"]["securitySchemes"]["bearer"],
            "description",
        ),
        tags,
        schemas,
    })
}

/// The page's data, made once from the document.
fn view() -> Result<&'static Reference, AppError> {
    static VIEW: OnceLock<Result<Reference, String>> = OnceLock::new();
    VIEW.get_or_init(|| reference().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| AppError::internal(anyhow::anyhow!("the API reference: {e}")))
}

pub(crate) async fn reference_page(
    state: web::Data<AppState>,
    viewer: Viewer,
) -> Result<HttpResponse, AppError> {
    page(&state, &viewer, "pages/api_docs", view()?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn code_spans_become_code_and_the_rest_is_escaped() {
        let v = json!({"d": "send `<b>` & `x`", "lone": "a ` b <i>"});
        assert_eq!(
            super::html(&v, "d"),
            "send <code>&lt;b&gt;</code> &amp; <code>x</code>"
        );
        assert_eq!(super::html(&v, "lone"), "a &#x60; b &lt;i&gt;");
    }
}
