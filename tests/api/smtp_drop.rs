//! The mail server lost in the middle of a bulletin (issue 13): its
//! connections are cut while the bulletin goes out and it cannot be reached
//! for a while. The sender notices, waits, and once the server is back every
//! subscriber has the bulletin; only a message in flight at the cut (taken by
//! the server, its answer lost) may arrive twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::bulletin_delivery::{
    bulletins, bulletins_to, deliveries, measure_for_france, send_now, subscribe,
    wait_for_bulletins,
};
use crate::mail::{smtp_env, spawn_with_env};
use crate::people::cast;
use crate::smtp_sink::SmtpSink;

/// A cable between the application and the mail server that the test can
/// pull out (every open connection drops, new ones are closed at once) and
/// plug back in.
struct Cable {
    port: u16,
    down: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl Cable {
    async fn to(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let (cuts, _) = watch::channel(0u64);
        let (accepting, cut) = (down.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if accepting.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = cut.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { port, down, cuts }
    }

    fn pull_out(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn plug_in(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_bulletin_cut_off_midway_reaches_everyone_once_the_server_is_back() {
    let sink = SmtpSink::start();
    let cable = Cable::to(sink.port).await;
    let mut env = smtp_env(&format!("smtp://127.0.0.1:{}", cable.port));
    // Tried again when the test moves the clock on, not while it is out.
    env.retain(|(k, _)| *k != "COUNTERPART_MAIL__RETRY_AFTER");
    env.push(("COUNTERPART_MAIL__RETRY_AFTER", "1m".into()));
    let app = spawn_with_env(&env).await;
    let c = cast(&app).await;
    measure_for_france(&app, &c).await;
    sink.wait_for(5).await;
    app.mail_settled().await;

    let readers: Vec<String> = (0..24)
        .map(|i| format!("reader{i}@public.example"))
        .collect();
    let list: Vec<(&str, Option<&str>)> = readers.iter().map(|e| (e.as_str(), None)).collect();
    subscribe(&app, &c.admin, &list).await;
    // A server slow enough that the bulletin is still going out at the cut.
    sink.slow(Duration::from_millis(120));
    let number = send_now(&app).await;
    wait_for_bulletins(&sink, 3, Duration::from_secs(20)).await;
    cable.pull_out();
    let waiting = app.wait_for_mail(|n| n["retry"] > 0).await;
    app.mail_idle().await;
    let before_back = bulletins(&sink).len();
    assert!(
        before_back < readers.len(),
        "the cut came in the middle: {before_back} arrived, {waiting:?}"
    );
    let rows = deliveries(&app, number).await;
    assert!(
        rows.iter()
            .all(|(_, status, _)| status == "sent" || status == "retry"),
        "nothing is given up while the server is away: {rows:?}"
    );

    cable.plug_in();
    sink.slow(Duration::ZERO);
    // One failed attempt each while the cable was out: due again after the
    // retry interval. (One jump: jumping again while they are being sent
    // would pass their lease, which real time never does in milliseconds.)
    app.advance(chrono::Duration::minutes(2)).await;
    wait_for_bulletins(&sink, readers.len(), Duration::from_secs(20)).await;
    app.mail_settled().await;
    let rows = deliveries(&app, number).await;
    assert!(
        rows.iter()
            .all(|(_, status, attempts)| status == "sent" && *attempts <= 2),
        "sent, at the first attempt after the cable was back: {rows:?}"
    );
    let mut twice = 0;
    for reader in &readers {
        let got = bulletins_to(&sink, reader).len();
        assert!(
            (1..=2).contains(&got),
            "{reader}: {got}\n{rows:?}\nbefore the cable was back: {before_back}"
        );
        twice += usize::from(got == 2);
    }
    // At most the messages being sent at the cut, one per connection.
    assert!(
        twice <= 4,
        "{twice} arrived twice\n{rows:?}\nbefore the cable was back: {before_back}"
    );
}
