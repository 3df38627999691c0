//! A deterministic, clearly fictional directory: real State names and a
//! plausible structure, names in each State's own language and script,
//! invented people, and every address on an `.example` domain.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::prelude::*;
use rand_chacha::ChaCha8Rng;

use super::fields::AuthorityColumns;
use super::write::{NewContact, NewDesignation, ValidAuthority};
use crate::domain::states::{self, State};
use crate::domain::{Article, AuthorityKind, Channel, Function, join_codes};

mod words;
use words::*;

/// Options of `counterpart demo-data`.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Total authorities; `None` for the realistic directory (about 550).
    pub authorities: Option<usize>,
    pub seed: u64,
    /// Dates are relative to this day so that the demo never looks stale.
    pub today: NaiveDate,
    /// With `serve --demo`: also measures, subscribers and past bulletins.
    pub history: bool,
}

struct Generator {
    rng: ChaCha8Rng,
    /// For telephone numbers drawn again (see `phone`).
    retry_rng: ChaCha8Rng,
    today: NaiveDate,
    now: NaiveDateTime,
    vocabulary: &'static Vocabulary,
    counters: HashMap<&'static str, usize>,
}

impl Generator {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<'b, T>(&mut self, items: &'b [T]) -> &'b T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn local(&self, state: &State) -> Option<&'static LanguageVocabulary> {
        let lang = state.languages.first()?;
        self.vocabulary.languages.get(lang)
    }

    fn next_ref(&mut self, state: &'static State) -> String {
        let n = self.counters.entry(&state.alpha2).or_insert(0);
        *n += 1;
        format!("{}-{:03}", state.alpha2, n)
    }

    fn phone(&mut self, state: &State) -> String {
        // 555 is a fiction convention; these numbers are made up. They must
        // still pass the validation an edit or an import applies, unchanged,
        // or a demo record could not be saved back as it is. Retries draw
        // from their own generator, so the rest of the demo stays as it was.
        let mut digits = (
            self.rng.random_range(1..10),
            self.rng.random_range(100..10_000),
        );
        let mut candidate = String::new();
        for _ in 0..50 {
            candidate = format!("{}{}555{:04}", state.calling_code, digits.0, digits.1);
            let stable = crate::domain::Phone::parse(&candidate, Some(&state.alpha2))
                .is_ok_and(|p| p.as_str() == candidate);
            if stable {
                break;
            }
            digits = (
                self.retry_rng.random_range(2..10),
                self.retry_rng.random_range(1000..10_000),
            );
        }
        candidate
    }

    fn person(&mut self, state: &State, domain: &str) -> NewContact {
        let lang = state.languages.first().map(String::as_str).unwrap_or("en");
        let vocabulary = self.vocabulary;
        let names = self
            .local(state)
            .filter(|v| !v.given_names.is_empty() && !v.family_names.is_empty())
            .or_else(|| vocabulary.languages.get("en"))
            .expect("the vocabulary has English names");
        let given = names.given_names[self.rng.random_range(0..names.given_names.len())].clone();
        let family = names.family_names[self.rng.random_range(0..names.family_names.len())].clone();
        let name = if FAMILY_FIRST.contains(&lang) {
            if matches!(lang, "zh" | "ja" | "ko") {
                format!("{family}{given}")
            } else {
                format!("{family} {given}")
            }
        } else {
            format!("{given} {family}")
        };
        let ascii = |s: &str| -> String {
            deunicode::deunicode(s)
                .to_ascii_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect()
        };
        let mut local_part = format!("{}.{}", ascii(&given), ascii(&family));
        if local_part.len() < 3 {
            local_part = format!("officer{}", self.rng.random_range(10..100));
        }
        let mut languages = vec![lang.to_string()];
        if lang != "en" && self.chance(0.7) {
            languages.push("en".into());
        }
        NewContact {
            name,
            position: Some(self.pick(POSITIONS).to_string()),
            email: Some(format!("{local_part}@{domain}")),
            phone: Some(self.phone(state)),
            languages,
        }
    }

    fn authority(
        &mut self,
        state: &'static State,
        role: &Role,
        kind: AuthorityKind,
        designations: Vec<NewDesignation>,
        suffix: Option<String>,
    ) -> ValidAuthority {
        let cc = state.alpha2.to_ascii_lowercase();
        let domain = format!("{}.{cc}.example", role.domain);
        let english = self.vocabulary.english[role.key].clone();
        let lang = state.languages.first().map(String::as_str).unwrap_or("en");
        let local = (lang != "en")
            .then(|| {
                self.local(state)
                    .and_then(|v| v.authorities.get(role.key).cloned())
            })
            .flatten();
        let with_suffix = |name: String| match &suffix {
            Some(s) => format!("{name} – {s}"),
            None => name,
        };
        let acronym = local
            .as_ref()
            .map(|t| t.acronym.as_str())
            .filter(|a| !a.is_empty())
            .or_else(|| Some(english.acronym.as_str()).filter(|a| !a.is_empty()))
            .map(Into::into);
        let mut languages: Vec<String> = state.languages.iter().take(2).cloned().collect();
        if !languages.iter().any(|l| l == "en") && self.chance(0.6) {
            languages.push("en".into());
        }
        if matches!(state.region.code.as_str(), "002")
            && !languages.iter().any(|l| l == "fr")
            && self.chance(0.2)
        {
            languages.push("fr".into());
        }
        let mut channels = vec![Channel::Post];
        for (channel, p) in [
            (Channel::Email, 0.8),
            (Channel::SecurePlatform, 0.3),
            (Channel::Diplomatic, 0.4),
            (Channel::Fax, 0.15),
        ] {
            if self.chance(p) {
                channels.push(channel);
            }
        }
        if designations
            .iter()
            .any(|d| d.article == Article::EXTRADITION)
            && self.chance(0.6)
        {
            channels.push(Channel::Interpol);
        }
        let contact_count = self.rng.random_range(1..=3);
        let contacts = (0..contact_count)
            .map(|_| self.person(state, &domain))
            .collect();
        let office_hours = WORKING_WEEK
            .iter()
            .find(|(c, _)| *c == state.alpha2)
            .map(|(_, h)| h.to_string())
            .unwrap_or_else(|| "Monday to Friday 09:00–17:00".to_string());
        let verified_days = self.rng.random_range(0..420);
        // The default leaves a field added to the table later empty in the
        // demo, rather than failing to build, until the demo gives it one.
        #[allow(clippy::needless_update)]
        let columns = AuthorityColumns {
            ref_: self.next_ref(state).into(),
            country_code: state.alpha2.as_str().into(),
            name: with_suffix(english.name).into(),
            name_local: local.map(|t| with_suffix(t.name).into()),
            acronym,
            kind: kind.code().into(),
            territory: None,
            address: Some(
                format!(
                    "{} Government Avenue, Building {}",
                    self.rng.random_range(1..200),
                    (b'A' + self.rng.random_range(0..6u8)) as char
                )
                .into(),
            ),
            postal_code: Some(format!("{:05}", self.rng.random_range(1000..99_999)).into()),
            city: Some(state.capital.as_str().into()),
            phone: Some(self.phone(state).into()),
            fax: self.chance(0.4).then(|| self.phone(state).into()),
            email: Some(format!("{}@{domain}", role.mailbox).into()),
            website: Some(format!("https://www.{domain}/").into()),
            languages: join_codes(&languages).into(),
            language_note: self
                .chance(0.6)
                .then(|| (*self.pick(LANGUAGE_NOTES)).into()),
            channels: join_codes(&channels.iter().map(|c| c.code()).collect::<Vec<_>>()).into(),
            urgent_contact: self.chance(0.7).then(|| {
                format!(
                    "Duty officer, 24 hours: {} (duty@{domain})",
                    self.phone(state)
                )
                .into()
            }),
            office_hours: Some(office_hours.into()),
            time_zone: Some(state.time_zone.as_str().into()),
            requirements: self.chance(0.5).then(|| (*self.pick(REQUIREMENTS)).into()),
            notes: None,
            verified_at: Some(self.today - Duration::days(verified_days)),
            ..AuthorityColumns::default()
        };
        ValidAuthority {
            columns,
            created_at: self.now,
            designations,
            contacts,
        }
    }

    fn state_directory(&mut self, state: &'static State) -> Vec<ValidAuthority> {
        let all = [Function::Receives, Function::Transmits, Function::Executes];
        let d = |article, functions: &[Function]| NewDesignation {
            article,
            functions: functions.to_vec(),
            note: None,
        };
        let mut out = Vec::new();
        let mla_role = self.pick(MLA_ROLES);
        let mut central = Vec::new();
        if self.chance(0.95) {
            central.push(d(Article::MUTUAL_LEGAL_ASSISTANCE, &all));
        }
        let extradition = self.chance(0.85);
        let extradition_separate = extradition && (central.is_empty() || self.chance(0.45));
        if extradition && !extradition_separate {
            central.push(d(
                Article::EXTRADITION,
                &[Function::Receives, Function::Transmits],
            ));
        }
        let transfer = self.chance(0.55);
        let transfer_separate = transfer && self.chance(0.5);
        if transfer && !transfer_separate {
            central.push(d(Article::TRANSFER, &all));
        }
        if central.is_empty() {
            central.push(d(
                Article::EXTRADITION,
                &[Function::Receives, Function::Transmits],
            ));
        }
        out.push(self.authority(
            state,
            mla_role,
            AuthorityKind::CentralAuthority,
            central,
            None,
        ));
        if extradition_separate {
            let role = self.pick(EXTRADITION_ROLES);
            out.push(self.authority(
                state,
                role,
                AuthorityKind::CompetentAuthority,
                vec![d(Article::EXTRADITION, &all)],
                None,
            ));
        }
        if transfer_separate {
            out.push(self.authority(
                state,
                &PRISON_ROLE,
                AuthorityKind::CompetentAuthority,
                vec![d(
                    Article::TRANSFER,
                    &[Function::Receives, Function::Executes],
                )],
                None,
            ));
        }
        if self.chance(0.45) {
            let role = self.pick(PREVENTION_ROLES);
            let mut list = vec![d(Article::PREVENTION, &[])];
            if self.chance(0.3) {
                list.push(d(Article::parse("firearms-13").expect("known"), &[]));
            }
            out.push(self.authority(state, role, AuthorityKind::CompetentAuthority, list, None));
        }
        if self.chance(0.2) {
            out.push(self.authority(
                state,
                &POLICE_ROLE,
                AuthorityKind::FocalPoint,
                vec![d(Article::parse("migrants-8").expect("known"), &all)],
                None,
            ));
        }
        if self.chance(0.35) {
            out.push(self.authority(
                state,
                &FOCAL_ROLE,
                AuthorityKind::FocalPoint,
                vec![d(Article::MUTUAL_LEGAL_ASSISTANCE, &[Function::Transmits])],
                None,
            ));
        }
        out.extend(self.territories(state));
        out
    }

    /// Authorities for a part of a State with its own legal system.
    fn territories(&mut self, state: &'static State) -> Vec<ValidAuthority> {
        let list: &[(&str, &str, &str, &str, &str)] = match state.alpha2.as_str() {
            "CN" => &[
                (
                    "Hong Kong Special Administrative Region",
                    "Department of Justice, Mutual Legal Assistance Unit",
                    "律政司国际法律科",
                    "Hong Kong",
                    "Asia/Hong_Kong",
                ),
                (
                    "Macao Special Administrative Region",
                    "Office of the Secretary for Administration and Justice",
                    "行政法务司司长办公室",
                    "Macao",
                    "Asia/Macau",
                ),
            ],
            "GB" => &[(
                "Scotland",
                "International Co-operation Unit, Crown Office",
                "",
                "Edinburgh",
                "Europe/London",
            )],
            _ => &[],
        };
        list.iter()
            .map(|(territory, name, local, city, tz)| {
                let mut r = self.authority(
                    state,
                    &MLA_ROLES[0],
                    AuthorityKind::CentralAuthority,
                    vec![NewDesignation {
                        article: Article::MUTUAL_LEGAL_ASSISTANCE,
                        functions: vec![Function::Receives, Function::Executes],
                        note: Some(format!("For requests concerning {territory} only.")),
                    }],
                    None,
                );
                r.columns.name = (*name).into();
                r.columns.name_local = (!local.is_empty()).then(|| (*local).into());
                r.columns.acronym = None;
                r.columns.territory = Some((*territory).into());
                r.columns.city = Some((*city).into());
                r.columns.time_zone = Some((*tz).into());
                r
            })
            .collect()
    }

    /// More authorities than real life has, for measuring at scale.
    fn synthetic(&mut self, state: &'static State, n: usize) -> ValidAuthority {
        let roles: [&Role; 5] = [
            &MLA_ROLES[3],
            &MLA_ROLES[0],
            &EXTRADITION_ROLES[0],
            &PREVENTION_ROLES[2],
            &POLICE_ROLE,
        ];
        let role = roles[n % roles.len()];
        let article = *self.pick(&[
            Article::MUTUAL_LEGAL_ASSISTANCE,
            Article::EXTRADITION,
            Article::TRANSFER,
            Article::PREVENTION,
        ]);
        let mut r = self.authority(
            state,
            role,
            AuthorityKind::CompetentAuthority,
            vec![NewDesignation {
                article,
                functions: vec![Function::Executes],
                note: None,
            }],
            Some(format!("District {n}")),
        );
        r.columns.city = Some(format!("{} District {n}", state.capital).into());
        r
    }
}

/// The demo directory, in a stable order for a given seed and day.
pub fn generate(options: DemoOptions) -> Vec<ValidAuthority> {
    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(options.seed),
        retry_rng: ChaCha8Rng::seed_from_u64(options.seed ^ 0x5eed),
        today: options.today,
        now: options.today.and_hms_opt(0, 0, 0).expect("valid time"),
        vocabulary: &VOCABULARY,
        counters: HashMap::new(),
    };
    let mut by_code: Vec<&'static State> = states::all().iter().collect();
    by_code.sort_by(|a, b| a.alpha2.cmp(&b.alpha2));
    let mut out: Vec<ValidAuthority> = Vec::new();
    for state in &by_code {
        out.extend(g.state_directory(state));
    }
    // Never fewer than 500, whatever the seed: add focal points round the table.
    let mut i = 0;
    while out.len() < 500 {
        let state = by_code[i % by_code.len()];
        out.push(g.authority(
            state,
            &FOCAL_ROLE,
            AuthorityKind::FocalPoint,
            vec![NewDesignation {
                article: Article::MUTUAL_LEGAL_ASSISTANCE,
                functions: vec![Function::Transmits],
                note: None,
            }],
            None,
        ));
        i += 1;
    }
    if let Some(total) = options.authorities {
        let mut n = 0;
        while out.len() < total {
            let state = by_code[n % by_code.len()];
            n += 1;
            out.push(g.synthetic(state, n));
        }
        out.truncate(total);
    }
    out
}

#[cfg(test)]
mod tests;
