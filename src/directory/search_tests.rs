//! A snapshot derived by edits must answer exactly as one built from the
//! same authorities at once.

use super::*;
use crate::directory::model;

fn demo_authorities(n: usize) -> (i64, Vec<Authority>) {
    let (_dir, mut conn) = crate::directory::load::demo_database(n, 7);
    model::load_all(&mut conn).unwrap()
}

fn edited(
    a: &Authority,
    change: impl FnOnce(&mut crate::directory::fields::AuthorityColumns),
) -> Authority {
    let mut columns = a.columns();
    change(&mut columns);
    Authority::new(
        a.id,
        columns,
        a.version + 1,
        a.updated_at,
        a.designations.clone(),
        a.contacts.clone(),
    )
    .unwrap()
}

/// Everything a reader can ask of a snapshot, as comparable text.
fn answers(s: &Snapshot) -> Vec<String> {
    let ids = |list: &[Arc<Authority>]| {
        list.iter()
            .map(|a| a.id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = vec![
        ids(&s.authorities().cloned().collect::<Vec<_>>()),
        format!("{:?}", s.languages()),
        format!("{:?}", {
            let mut c: Vec<_> = s.counts_by_country().into_iter().collect();
            c.sort();
            c
        }),
    ];
    for q in [
        "q=ministry+justice",
        "q=ministere+justice&region=150",
        "q=prosec+gen",
        "q=m",
        "q=zzunique+office",
        "q=police&region=150&article=31",
        "country=FR&article=18",
        "q=justice&page=3",
    ] {
        let p = actix_web::web::Query::<SearchParams>::from_query(q)
            .unwrap()
            .into_inner();
        let mut query = p.parse().unwrap();
        query.contacts = true;
        let r = s.search(&query);
        out.push(format!(
            "{q}: {} {} [{}]",
            r.total,
            r.partial,
            ids(&r.items)
        ));
    }
    for code in ["FR", "DE", "GB", "TV"] {
        let c = CountryCode::parse(code).unwrap();
        for art in Article::all() {
            out.push(format!("{code} {art:?}: {}", ids(&s.designated(c, art))));
        }
    }
    out
}

#[test]
fn a_snapshot_derived_by_edits_answers_as_one_built_at_once() {
    let (generation, list) = demo_authorities(400);
    let before = Snapshot::new(generation, list.clone());
    let mut now = list.clone();
    // Renamed (moves in the reading order and in the index), moved to
    // another State, archived, and a new one.
    now[3] = edited(&list[3], |c| c.name = "Zzunique Office of Justice".into());
    now[10] = edited(&list[10], |c| {
        c.country_code = "TV".into();
        c.languages = "fr, tvl".into();
    });
    let gone = now.remove(20).id;
    let mut added = edited(&list[30], |c| {
        c.ref_ = "TV-999".into();
        c.name = "Ministry of Justice of Tuvalu, new".into();
    });
    added.id = AuthorityId(1_000_000);
    now.push(added.clone());

    let derived = before.with_changes(
        generation + 1,
        vec![now[3].clone(), now[10].clone(), added],
        &[gone],
    );
    let built = Snapshot::new(generation + 1, now);
    assert_eq!(answers(&derived), answers(&built));
    assert_ne!(
        answers(&before),
        answers(&built),
        "the edits change answers"
    );
    assert!(derived.get(gone).is_none());
    assert_eq!(
        derived.get(list[3].id).unwrap().name(),
        "Zzunique Office of Justice"
    );

    // Edited back, in two steps, it answers as the first again.
    let back = derived
        .with_changes(
            generation + 2,
            vec![list[3].clone()],
            &[AuthorityId(1_000_000)],
        )
        .with_changes(
            generation + 3,
            vec![list[10].clone(), list[20].clone()],
            &[],
        );
    assert_eq!(answers(&back), answers(&before));
}

/// An edit that keeps an authority's place (here its city and office
/// hours) shares the lists of the snapshot before: the derived snapshot
/// must still show the new record everywhere, and the one before the old.
#[test]
fn an_edit_in_place_shows_the_new_record_in_every_list() {
    let (generation, list) = demo_authorities(400);
    let before = Snapshot::new(generation, list.clone());
    let mut now = list.clone();
    let id = list[5].id;
    now[5] = edited(&list[5], |c| {
        c.city = Some("Zzcity".into());
        c.office_hours = Some("Mon-Fri 9-17 (edited)".into());
    });
    let derived = before.with_changes(generation + 1, vec![now[5].clone()], &[]);
    let built = Snapshot::new(generation + 1, now);
    assert_eq!(answers(&derived), answers(&built));
    let office = |s: &Snapshot| {
        let in_order = s.authorities().find(|a| a.id == id).unwrap();
        let by_id = s.get(id).unwrap();
        assert!(Arc::ptr_eq(in_order, &by_id), "one record in every list");
        by_id.office_hours().map(str::to_string)
    };
    assert_eq!(office(&derived).as_deref(), Some("Mon-Fri 9-17 (edited)"));
    assert_ne!(office(&before).as_deref(), Some("Mon-Fri 9-17 (edited)"));
    let p = actix_web::web::Query::<SearchParams>::from_query("q=zzcity")
        .unwrap()
        .into_inner();
    let found = derived.search(&p.parse().unwrap());
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, id);
    assert_eq!(before.search(&p.parse().unwrap()).total, 0);
}
