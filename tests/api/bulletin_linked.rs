//! A bulletin longer than `mail.bulletin_max_bytes` is mailed as its summary
//! and a link to the archive, which keeps the whole of it.

use std::time::Duration;

use counterpart::db::ids::SubscriptionId;

use crate::bulletin_delivery::{
    bulletins_to, deliveries, send_now, subscribed_to_a_measure, wait_for_bulletins,
};
use crate::bulletin_subscriptions::{bulletin_env, text_of};
use crate::smtp_sink::SmtpSink;

#[tokio::test]
async fn a_bulletin_too_long_to_mail_is_sent_as_its_summary_and_a_link() {
    let sink = SmtpSink::start();
    let mut env = bulletin_env(&sink);
    env.push(("COUNTERPART_MAIL__BULLETIN_MAX_BYTES", "1000".into()));
    let (app, _, ids) = subscribed_to_a_measure(
        &env,
        &[
            ("desk@fr-authority.example", Some("FR-001")),
            ("someone@public.example", None),
        ],
    )
    .await;
    assert_eq!(send_now(&app).await, 1);
    wait_for_bulletins(&sink, 2, Duration::from_secs(10)).await;
    app.mail_settled().await;
    for ((to, full), id) in [
        ("desk@fr-authority.example", true),
        ("someone@public.example", false),
    ]
    .into_iter()
    .zip(&ids)
    {
        let mine = bulletins_to(&sink, to);
        assert_eq!(mine.len(), 1, "{to}");
        let p = mine[0].parsed();
        assert_eq!(
            p.subject().unwrap_or_default(),
            format!(
                "Counterpart bulletin no. 1: measures in force on {}",
                app.state.clock.now().format("%-d %B %Y")
            ),
        );
        let token = app.state.mail.signer().unsubscribe(SubscriptionId(*id));
        let unsubscribe = format!("https://counterpart.example/unsubscribe?token={token}");
        assert!(
            p.header_raw("List-Unsubscribe")
                .is_some_and(|h| h.contains(&unsubscribe)),
            "{to}"
        );
        let text = text_of(&mine[0]);
        for said in [
            "COUNTERPART BULLETIN NO. 1",
            "1 authority in 1 State with measures in force",
            "1 new, 0 updated",
            "too long to be sent by mail",
            "https://counterpart.example/bulletins/1\n",
            &unsubscribe,
        ] {
            assert!(text.contains(said), "{to}: no {said:?} in\n{text}");
        }
        assert_eq!(
            text.contains("the edition with contact details"),
            full,
            "{text}"
        );
        // The summary only: no measure, no contact.
        assert!(
            !text.contains("MEASURES IN FORCE")
                && !text.contains("FR-001")
                && !text.contains("full-edition-only"),
            "{text}"
        );
        let html = p.body_html(0).unwrap().to_string();
        assert!(
            html.contains("href=\"https://counterpart.example/bulletins/1\"")
                && html.contains(&format!("/unsubscribe?token={token}"))
                && !html.contains("full-edition-only"),
            "{html}"
        );
        assert!(mine[0].data.len() < 20_000, "{} bytes", mine[0].data.len());
    }
    let rows = deliveries(&app, 1).await;
    assert!(rows.iter().all(|(_, s, _)| s == "sent"), "{rows:?}");
    // The archive keeps the whole bulletin.
    let (s, page) = app.get_html("/bulletins/1").await;
    assert_eq!(s, 200);
    assert!(
        page.contains("Office of the Prosecutor General") && page.contains("Measures in force"),
        "{page}"
    );
}
