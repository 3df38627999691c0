//! What the edit template shows: every field with its value as typed and its
//! error, the choices of channels, articles and functions, contact rows.

use serde::Serialize;
use serde_json::Value;

use crate::directory::edit::AuthorityInput;
use crate::directory::edit::input::{ContactInput, InputValue};
use crate::directory::fields::{Control, FIELDS};
use crate::domain::TimeZone;
use crate::domain::states;
use crate::domain::{Article, AuthorityKind, Channel, Function, LanguageCode};
use crate::error::FieldError;

/// Everything the edit template shows.
#[derive(Serialize)]
pub(crate) struct FormView<'a> {
    admin: bool,
    #[serde(rename = "ref")]
    ref_: &'a str,
    ref_error: Option<String>,
    country_code: String,
    country_error: Option<String>,
    states: Vec<Choice<'a>>,
    kinds: Vec<Choice<'a>>,
    kind_error: Option<String>,
    /// The plain fields of the field table, in its order.
    fields: Vec<FieldView>,
    channels: Vec<Choice<'a>>,
    channels_error: Option<String>,
    articles: Vec<ArticleView>,
    designations_error: Option<String>,
    contacts: Vec<ContactView>,
    /// The errors at the top, each with its field's label and a link to it.
    summary: Vec<Summary>,
    error_count: usize,
    /// The time zones and languages a browser offers while one is typed.
    time_zones: &'static [&'static str],
    languages: &'static [&'static str],
}

/// One option of a choice: a State, a kind, a channel, a function.
#[derive(Serialize)]
struct Choice<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    label: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    /// Both words, for selects and checkboxes.
    selected: bool,
    checked: bool,
}

impl<'a> Choice<'a> {
    fn new(code: &'a str, label: &'a str, on: bool) -> Self {
        Choice {
            code,
            label,
            name: "",
            selected: on,
            checked: on,
        }
    }
}

#[derive(Serialize)]
struct FieldView {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
    textarea: bool,
    #[serde(rename = "type")]
    type_: &'static str,
    required: bool,
    error: Option<String>,
    /// The id of the list of suggestions, if any.
    list: Option<&'static str>,
}

#[derive(Serialize)]
struct ArticleView {
    slug: &'static str,
    provision: &'static str,
    title: &'static str,
    checked: bool,
    functions: Vec<Choice<'static>>,
    note: String,
}

#[derive(Serialize, Default)]
struct ContactView {
    i: usize,
    number: usize,
    name: String,
    position: String,
    email: String,
    phone: String,
    languages: String,
    /// An error about the person as a whole.
    error: Option<String>,
    /// Each part's error, shown beside it.
    errors: ContactErrors,
}

#[derive(Serialize, Default)]
struct ContactErrors {
    name: Option<String>,
    position: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    languages: Option<String>,
}

/// Languages as a form shows them: by name, what was typed as typed.
fn language_names(list: &[String]) -> String {
    list.iter()
        .map(|l| LanguageCode::parse(l).map_or(l.as_str(), |c| c.form_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A contact person's parts, as the form labels them.
const CONTACT_LABELS: [(&str, &str); 5] = [
    ("name", "Name"),
    ("position", "Position"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("languages", "Languages"),
];

/// An error as the summary at the top of the form says it.
#[derive(Serialize)]
struct Summary {
    /// The id of the field in the form.
    href: String,
    label: String,
    message: String,
}

/// The label a person sees for an error's field, and where that field is:
/// `contacts[2].email` is "Person 3, email", `time_zone` is "Time zone".
pub(crate) fn field_place(field: &str) -> (String, String) {
    match field {
        "ref" => ("#f-ref".to_string(), "Reference".to_string()),
        "country_code" => ("#f-country_code".into(), "State".into()),
        "kind" => ("#f-kind".into(), "Kind".into()),
        "channels" => ("#f-channels".into(), "Channels accepted".into()),
        f if f.starts_with("designations") => ("#f-designations".into(), "Designations".into()),
        f if f.starts_with("contacts[") => {
            let (i, part) = f["contacts[".len()..]
                .split_once(']')
                .map(|(i, rest)| (i.parse::<usize>().ok(), rest.trim_start_matches('.')))
                .unwrap_or((None, ""));
            let part = CONTACT_LABELS.iter().find(|(p, _)| *p == part);
            match (i, part) {
                (Some(i), Some((p, label))) => (
                    format!("#c-{p}-{i}"),
                    format!("Person {}, {}", i + 1, label.to_lowercase()),
                ),
                (Some(i), None) => (format!("#c-name-{i}"), format!("Person {}", i + 1)),
                _ => ("#f-contacts".into(), "Contact persons".into()),
            }
        }
        f => match FIELDS.iter().find(|x| x.name == f) {
            Some(x) => (format!("#f-{}", x.name), x.label.to_string()),
            None => (format!("#f-{f}"), f.replace('_', " ")),
        },
    }
}

fn summary(e: &FieldError) -> Summary {
    let (href, label) = field_place(&e.field);
    Summary {
        href,
        label,
        message: e.message.clone(),
    }
}

fn error_for(errors: &[FieldError], field: &str) -> Option<String> {
    let list: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
        .map(|e| e.message.as_str())
        .collect();
    (!list.is_empty()).then(|| list.join("; "))
}

fn article_of(v: &Value) -> Option<Article> {
    let raw = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Article::parse(&raw).ok()
}

fn contact_view(c: &ContactInput) -> ContactView {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    ContactView {
        name: text(&c.name),
        position: text(&c.position),
        email: text(&c.email),
        phone: text(&c.phone),
        languages: language_names(c.languages.as_deref().unwrap_or_default()),
        ..ContactView::default()
    }
}

/// Everything the edit template shows.
pub(crate) fn form_context<'a>(
    input: &'a AuthorityInput,
    errors: &'a [FieldError],
    admin: bool,
) -> FormView<'a> {
    let fields = FIELDS
        .iter()
        .filter(|f| f.control.is_plain())
        .map(|f| FieldView {
            name: f.name,
            label: f.label,
            hint: f.hint,
            value: match input.value(f.name) {
                Some(InputValue::Text(t)) => t.clone(),
                Some(InputValue::List(l)) if f.name == "languages" => language_names(l),
                Some(InputValue::List(l)) => l.join(", "),
                None => String::new(),
            },
            textarea: f.control == Control::Textarea,
            type_: f.control.input_type(),
            required: f.required,
            error: error_for(errors, f.name),
            list: match f.name {
                "time_zone" => Some("time-zones"),
                "languages" => Some("language-names"),
                _ => None,
            },
        })
        .collect();
    let chosen_channels = input.list("channels").unwrap_or_default();
    let channels = Channel::ALL
        .iter()
        .map(|c| {
            let on = chosen_channels.iter().any(|x| x == c.code());
            Choice::new(c.code(), c.label(), on)
        })
        .collect();
    let designations = input.designations.as_deref().unwrap_or_default();
    let articles = Article::all()
        .map(|a| {
            let found = designations
                .iter()
                .find(|d| article_of(&d.article) == Some(a));
            let chosen = found
                .and_then(|d| d.functions.as_deref())
                .unwrap_or_default();
            let functions = Function::ALL
                .iter()
                .map(|f| Choice::new(f.code(), f.label(), chosen.iter().any(|x| x == f.code())))
                .collect();
            ArticleView {
                slug: a.slug(),
                provision: a.provision(),
                title: a.title(),
                checked: found.is_some(),
                functions,
                note: found.and_then(|d| d.note.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let mut contacts: Vec<ContactView> =
        input.contacts.iter().flatten().map(contact_view).collect();
    // Room for one more person (two on a new record).
    contacts.push(ContactView::default());
    if contacts.len() < 2 {
        contacts.push(ContactView::default());
    }
    for (i, c) in contacts.iter_mut().enumerate() {
        c.i = i;
        c.number = i + 1;
        c.error = error_for(errors, &format!("contacts[{i}]"));
        let part = |p: &str| error_for(errors, &format!("contacts[{i}].{p}"));
        c.errors = ContactErrors {
            name: part("name"),
            position: part("position"),
            email: part("email"),
            phone: part("phone"),
            languages: part("languages"),
        };
    }
    let kind = input
        .text("kind")
        .unwrap_or(AuthorityKind::CompetentAuthority.code());
    let kinds = AuthorityKind::ALL
        .iter()
        .map(|k| Choice::new(k.code(), k.label(), k.code() == kind))
        .collect();
    let country = input
        .text("country_code")
        .unwrap_or_default()
        .to_uppercase();
    let states = states::all()
        .iter()
        .map(|s| Choice {
            name: &s.name,
            ..Choice::new(&s.alpha2, "", s.alpha2 == country)
        })
        .collect();
    FormView {
        admin,
        ref_: input.text("ref").unwrap_or_default(),
        ref_error: error_for(errors, "ref"),
        country_error: error_for(errors, "country_code"),
        country_code: country,
        states,
        kinds,
        kind_error: error_for(errors, "kind"),
        fields,
        channels,
        channels_error: error_for(errors, "channels"),
        articles,
        designations_error: error_for(errors, "designations"),
        contacts,
        summary: errors.iter().map(summary).collect(),
        error_count: errors.len(),
        time_zones: TimeZone::places(),
        languages: LanguageCode::form_names(),
    }
}
