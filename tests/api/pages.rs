use counterpart::domain::Article;

use crate::helpers::{record, spawn_app};

#[tokio::test]
async fn the_home_page_starts_with_the_finder() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/").await;
    assert_eq!(status, 200);
    let finder = html.find("action=\"/counterpart\"").expect("finder form");
    let search = html.find("action=\"/authorities\"").expect("search box");
    assert!(finder < search, "the finder comes first");
    assert!(html.contains("<label for=\"finder-country\">"));
    assert!(html.contains("<label for=\"finder-article\">"));
    assert!(html.contains("<option value=\"FR\">France</option>"));
    assert!(html.contains("Skip to main content"));
    assert!(html.contains("<html lang=\"en\">"));
    // Nothing from another site, no script needed.
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "external asset"
    );
}

#[tokio::test]
async fn the_finder_page_answers_with_languages_and_channels() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/counterpart?country=FR&article=18").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(
            "Mutual legal assistance (Art. 18(13)): <a href=\"/countries/FR\">France</a>"
        ),
        "{html}"
    );
    assert!(html.contains("Languages accepted"));
    assert!(html.contains("French (français)"));
    assert!(html.contains("Channels"));
    assert!(
        html.contains("Sign in"),
        "anonymous readers are told how to see contacts"
    );
    let (status, html) = app.get_html("/counterpart?country=FR&article=99").await;
    assert_eq!(status, 400);
    assert!(html.contains("role=\"alert\"") && html.contains("unknown article"));
    assert!(
        html.contains("<option value=\"FR\" selected>"),
        "keeps what the user chose"
    );
}

#[tokio::test]
async fn search_results_page_with_filters_and_paging() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/authorities?region=150&per_page=10").await;
    assert_eq!(status, 200);
    assert!(html.contains("rel=\"next\""), "paged");
    assert!(html.contains("<option value=\"150\" selected>"));
    let (status, html) = app.get_html("/authorities?per_page=500").await;
    assert_eq!(status, 400);
    assert!(html.contains("per_page"));
}

#[tokio::test]
async fn what_users_type_is_escaped() {
    let app = spawn_app().await;
    let mut evil = record(
        "X-1",
        "FR",
        "<script>alert(1)</script> Quolliq",
        &[Article::EXTRADITION],
    );
    evil.name_local = Some("\"><img src=x onerror=alert(1)>".into());
    app.insert(vec![evil]).await;
    let (_, html) = app.get_html("/authorities?q=%3Cscript%3Equolliq").await;
    assert!(
        !html.contains("<script>alert(1)"),
        "query or name not escaped"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Quolliq"));
    assert!(!html.contains("<img src=x"));
}

#[tokio::test]
async fn authority_state_and_about_pages() {
    let app = spawn_app().await;
    let (_, list) = app
        .get_json("/api/v1/authorities?country=JP&per_page=1")
        .await;
    let a = &list["items"][0];
    let (status, html) = app.get_html(&format!("/authorities/{}", a["id"])).await;
    assert_eq!(status, 200);
    assert!(html.contains(a["name"].as_str().unwrap()));
    assert!(
        html.contains(a["name_local"].as_str().unwrap()),
        "local name in its script"
    );
    assert!(html.contains("Designations") && html.contains("<th scope=\"col\">Provision</th>"));
    assert!(
        !html.contains("@justice.jp.example"),
        "contacts hidden by default"
    );

    let (status, html) = app.get_html("/countries").await;
    assert_eq!(status, 200);
    assert!(html.contains("Western Africa") && html.contains("href=\"/countries/BF\""));
    let (status, html) = app.get_html("/countries/JP").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Japan</h1>"));
    assert!(html.contains("Art. 16 – Extradition") && html.contains("Art. 31(6) – Prevention"));
    let (status, html) = app.get_html("/about").await;
    assert_eq!(status, 200);
    assert!(html.contains("Transfer of sentenced persons"));
}

#[tokio::test]
async fn missing_pages_are_html_404s() {
    let app = spawn_app().await;
    for path in [
        "/nowhere",
        "/authorities/0",
        "/authorities/abc",
        "/countries/XK",
    ] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("<h1>Not found</h1>"), "{path}");
    }
    let r = app.get("/static/style.css").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

/// Page bodies are kept per directory snapshot: a change to the directory
/// shows at once, and the layout (who is signed in) is never shared.
#[tokio::test]
async fn pages_kept_between_requests_follow_the_directory_and_the_reader() {
    let app = spawn_app().await;
    let (_, before) = app.get_html("/countries").await;
    let (_, home_before) = app.get_html("/").await;
    let count = |html: &str| number_before(html, " authorities of ");
    let n = count(&home_before);
    let (_, search_before) = app.get_html("/authorities?q=quolliq+tuvalu").await;
    assert!(search_before.contains("No authority found"));
    // Tuvalu's count of authorities on the States page, as printed.
    let tuvalu = |html: &str| -> String {
        let at = html
            .find("/countries/TV\"")
            .expect("Tuvalu on the States page");
        html[at..].chars().take(300).collect()
    };
    app.insert(vec![
        record(
            "TV-901",
            "TV",
            "Quolliq Office of Tuvalu",
            &[Article::EXTRADITION],
        ),
        record(
            "TV-902",
            "TV",
            "Quolliq Bureau of Tuvalu",
            &[Article::PREVENTION],
        ),
    ])
    .await;
    let (_, home_after) = app.get_html("/").await;
    assert_eq!(
        count(&home_after),
        n + 2,
        "the home page follows the directory"
    );
    let (_, after) = app.get_html("/countries").await;
    assert_ne!(
        tuvalu(&before),
        tuvalu(&after),
        "the States page follows it"
    );

    // The same kept body, but each reader's own layout.
    app.add_user("kept@test.example", counterpart::auth::Role::Admin, None)
        .await;
    let signed = app.sign_in("kept@test.example").await;
    let html = signed.get("/countries").await.text().await.unwrap();
    assert!(html.contains("Sign out") && html.contains(&signed.csrf));
    let (_, anonymous) = app.get_html("/countries").await;
    assert!(!anonymous.contains("Sign out") && anonymous.contains("Sign in"));
    assert!(
        !anonymous.contains(&signed.csrf),
        "a reader's form token leaked"
    );

    // A search asked before the change is answered anew after it, and its
    // kept page shows contacts only to readers who may see them.
    let query = "/authorities?q=quolliq+tuvalu";
    let (_, search_after) = app.get_html(query).await;
    assert!(search_after.contains("Quolliq Office of Tuvalu"));
    assert!(!search_after.contains("tv-901@test.example"));
    let html = signed.get(query).await.text().await.unwrap();
    assert!(html.contains("tv-901@test.example") && html.contains(&signed.csrf));
    assert!(!html.contains("without contact details"));
    let (_, anonymous) = app.get_html(query).await;
    assert!(!anonymous.contains("tv-901@test.example") && !anonymous.contains(&signed.csrf));
    assert!(anonymous.contains("without contact details"));
}

/// Where people decide, a record says how long ago it was verified, and
/// warns when that is longer than `directory.stale_after` (180 days here).
#[tokio::test]
async fn the_finder_and_the_authority_page_say_how_fresh_a_record_is() {
    let app = spawn_app().await;
    let mut old = record("TV-951", "TV", "Quolliq Old Desk", &[Article::EXTRADITION]);
    old.columns.verified_at = Some(crate::helpers::today() - chrono::Duration::days(419));
    let mut fresh = record(
        "TV-952",
        "TV",
        "Quolliq Fresh Desk",
        &[Article::EXTRADITION],
    );
    fresh.columns.verified_at = Some(crate::helpers::today() - chrono::Duration::days(12));
    app.insert(vec![old, fresh]).await;

    let (status, html) = app.get_html("/counterpart?country=TV&article=16").await;
    assert_eq!(status, 200);
    let card = |name: &str| -> String {
        let at = html.find(name).unwrap_or_else(|| panic!("{name} missing"));
        let end = html[at..].find("</article>").unwrap() + at;
        html[at..end].to_string()
    };
    let (old_card, fresh_card) = (card("Quolliq Old Desk"), card("Quolliq Fresh Desk"));
    assert!(
        old_card.contains("Not verified for more than 180 days"),
        "{old_card}"
    );
    assert!(old_card.contains("419 days ago"), "{old_card}");
    assert!(
        !fresh_card.contains("Not verified for more than"),
        "{fresh_card}"
    );
    assert!(fresh_card.contains("Last verified") && fresh_card.contains("12 days ago"));

    let (_, list) = app.get_json("/api/v1/authorities?q=quolliq+old+desk").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, page) = app.get_html(&format!("/authorities/{id}")).await;
    assert!(page.contains("Not verified for more than 180 days (last verified 419 days ago"));
}

/// The records to verify: in the secretariat's navigation, a page at a
/// time, filtered by State or region, the filters kept from page to page.
#[tokio::test]
async fn the_records_to_verify_are_paged_and_filtered() {
    let app = spawn_app().await;
    let old = |n: usize| {
        let mut r = record(
            &format!("TV-8{n:03}"),
            "TV",
            &format!("Quolliq Stale {n}"),
            &[Article::EXTRADITION],
        );
        r.columns.verified_at =
            Some(crate::helpers::today() - chrono::Duration::days(300 + n as i64));
        r
    };
    // More than one page of Tuvalu's.
    app.insert((0..101).map(old).collect()).await;
    app.add_user("verify@test.example", counterpart::auth::Role::Admin, None)
        .await;
    let admin = app.sign_in("verify@test.example").await;

    let all = admin.get("/admin/stale").await.text().await.unwrap();
    assert!(all.contains("href=\"/admin/stale\"") && all.contains(">To verify</a>"));
    let total = number_before(&all, " authorities have not been verified");
    assert!(total > 100, "the demo has many: {total}");
    assert!(all.contains("1–100 of") && all.contains("class=\"pager\""));

    // Oldest first, a hundred a page; the next page keeps the filter.
    let tuvalu = admin
        .get("/admin/stale?country=TV")
        .await
        .text()
        .await
        .unwrap();
    assert!(tuvalu.contains("Quolliq Stale 100<") && tuvalu.contains("Quolliq Stale 1<"));
    assert!(!tuvalu.contains("Quolliq Stale 0<"), "on the next page");
    assert!(tuvalu.find("Quolliq Stale 100<").unwrap() < tuvalu.find("Quolliq Stale 1<").unwrap());
    assert!(
        tuvalu.contains("href=\"/admin/stale?country&#x3D;TV&amp;page&#x3D;2\""),
        "{tuvalu}"
    );
    let page2 = admin
        .get("/admin/stale?country=TV&page=2")
        .await
        .text()
        .await
        .unwrap();
    assert!(page2.contains("Quolliq Stale 0<") && !page2.contains("Quolliq Stale 1<"));
    let europe = admin
        .get("/admin/stale?region=150")
        .await
        .text()
        .await
        .unwrap();
    assert!(!europe.contains("Quolliq Stale"));
    for (bad, field) in [("page=0", "page"), ("region=Atlantis", "region")] {
        let r = admin.get(&format!("/admin/stale?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad}");
        assert!(r.text().await.unwrap().contains(field), "{bad}");
    }
    let anonymous = app.get("/admin/stale").await;
    assert_ne!(anonymous.status(), 200, "the secretariat's page only");
}

/// The number written just before `text` on a page.
fn number_before(html: &str, text: &str) -> usize {
    let at = html
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} missing"));
    let digits: String = html[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}
