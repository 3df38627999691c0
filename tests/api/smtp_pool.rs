//! The SMTP transport on its own: connections are kept and reused, a
//! refusal or a server that hung up while idle costs no message, and TLS
//! (STARTTLS and TLS from the start) works against a certificate of a
//! private CA named in `mail.tls_ca_file`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use counterpart::config::Settings;
use counterpart::mail::transport::{SendError, Transport};
use lettre::Message;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::smtp_sink::{SmtpSink, tls_file};

fn transport(url: &str, concurrency: usize, ca: bool) -> Transport {
    let dir = tempfile::tempdir().unwrap();
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert(
        "COUNTERPART_DATA_DIR".into(),
        dir.path().display().to_string(),
    );
    env.insert("COUNTERPART_MAIL__SMTP_URL".into(), url.into());
    env.insert(
        "COUNTERPART_MAIL__CONCURRENCY".into(),
        concurrency.to_string(),
    );
    if ca {
        env.insert("COUNTERPART_MAIL__TLS_CA_FILE".into(), tls_file("ca.pem"));
    }
    let settings = Settings::load_from(None, &env).unwrap();
    Transport::new(&settings.mail).unwrap()
}

fn message(to: &str) -> Message {
    Message::builder()
        .from(
            "Counterpart <no-reply@counterpart.example>"
                .parse()
                .unwrap(),
        )
        .to(to.parse().unwrap())
        .subject(format!("For {to}"))
        .body(format!(
            "Hello {to}.\r\n.A line that starts with a dot.\r\n"
        ))
        .unwrap()
}

async fn send(t: &Transport, to: &str) -> Result<(), SendError> {
    t.send(message(to), "unused").await
}

#[tokio::test]
async fn one_connection_carries_message_after_message() {
    let sink = SmtpSink::start();
    let t = transport(&sink.url(), 1, false);
    assert_eq!(
        t.describe(),
        format!("SMTP at 127.0.0.1:{}", sink.port),
        "no password shown either way"
    );
    for i in 0..20 {
        send(&t, &format!("p{i}@authority.example")).await.unwrap();
    }
    let got = sink.received();
    assert_eq!(got.len(), 20);
    assert_eq!(got[7].to, ["p7@authority.example"]);
    let body = String::from_utf8_lossy(&got[7].data).to_string();
    assert!(body.contains("\r\n.A line"), "dots unstuffed: {body}");
    assert_eq!(sink.hellos(), 1, "one connection for all twenty");

    // Many senders at once share at most `concurrency` connections.
    let sink = SmtpSink::start();
    let t = Arc::new(transport(&sink.url(), 4, false));
    let mut running = tokio::task::JoinSet::new();
    for i in 0..100 {
        let t = t.clone();
        running.spawn(async move { send(&t, &format!("q{i}@authority.example")).await });
    }
    while let Some(sent) = running.join_next().await {
        sent.unwrap().unwrap();
    }
    assert_eq!(sink.received().len(), 100);
    assert!(sink.hellos() <= 4, "{} connections", sink.hellos());
}

#[tokio::test]
async fn a_refusal_leaves_the_connection_ready_for_the_next_message() {
    let sink = SmtpSink::start();
    sink.refuse("gone@authority.example");
    let t = transport(&sink.url(), 1, false);
    send(&t, "a@authority.example").await.unwrap();
    let refused = send(&t, "gone@authority.example").await.unwrap_err();
    assert!(refused.permanent, "{refused:?}");
    assert!(refused.message.contains("550"), "{refused:?}");
    sink.busy_for(1);
    let busy = send(&t, "b@authority.example").await.unwrap_err();
    assert!(!busy.permanent, "{busy:?}");
    assert!(busy.message.contains("451"), "{busy:?}");
    send(&t, "c@authority.example").await.unwrap();
    let to: Vec<_> = sink.received().into_iter().map(|m| m.to).collect();
    assert_eq!(to, [["a@authority.example"], ["c@authority.example"]]);
    assert_eq!(sink.hellos(), 1, "RSET, not a new connection");
}

/// A TCP relay to `upstream` that can hang up on every client at once, as
/// a server that restarts or drops idle clients does.
struct Relay {
    port: u16,
    accepted: Arc<AtomicUsize>,
    /// Bumped to hang up; the bytes are said first (e.g. a 421 reply).
    hang_up: watch::Sender<(u32, &'static [u8])>,
    /// Client connections not yet closed.
    open: Arc<AtomicUsize>,
}

impl Relay {
    async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (hang_up, watching) = watch::channel((0, &b""[..]));
        let open = Arc::new(AtomicUsize::new(0));
        let (count, still_open) = (accepted.clone(), open.clone());
        tokio::spawn(async move {
            loop {
                let (mut client, _) = listener.accept().await.unwrap();
                count.fetch_add(1, Ordering::SeqCst);
                still_open.fetch_add(1, Ordering::SeqCst);
                let still_open = still_open.clone();
                let mut watching = watching.clone();
                watching.mark_unchanged();
                tokio::spawn(async move {
                    let mut server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watching.changed() => {
                            let said = watching.borrow().1;
                            let _ = tokio::io::AsyncWriteExt::write_all(&mut client, said).await;
                        }
                    }
                    drop((client, server));
                    still_open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            port,
            accepted,
            hang_up,
            open,
        }
    }

    async fn hang_up(&self, saying: &'static [u8]) {
        self.hang_up.send_modify(|(n, s)| {
            *n += 1;
            *s = saying;
        });
        // Returns once every client connection is closed.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.open.load(Ordering::SeqCst) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the relay never hung up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_connection_the_server_dropped_while_idle_costs_no_message() {
    let sink = SmtpSink::start();
    let relay = Relay::start(sink.port).await;
    let t = transport(&format!("smtp://127.0.0.1:{}", relay.port), 1, false);
    send(&t, "a@authority.example").await.unwrap();
    relay.hang_up(b"").await;
    send(&t, "b@authority.example").await.unwrap();
    // As postfix does when a client stays quiet too long.
    relay
        .hang_up(b"421 4.4.2 sink.example Error: timeout exceeded\r\n")
        .await;
    send(&t, "c@authority.example").await.unwrap();
    send(&t, "d@authority.example").await.unwrap();
    let to: Vec<_> = sink
        .received()
        .into_iter()
        .map(|m| m.to[0].clone())
        .collect();
    assert_eq!(
        to,
        [
            "a@authority.example",
            "b@authority.example",
            "c@authority.example",
            "d@authority.example"
        ],
        "each once"
    );
    assert_eq!(relay.accepted(), 3, "a new connection after each hang-up");
}

#[tokio::test]
async fn starttls_with_a_password_against_a_private_ca() {
    let sink = SmtpSink::start_tls("relay@counterpart.example", "pass:word");
    // The password as it must be written in a URL.
    let url = format!(
        "smtp://relay%40counterpart.example:pass%3Aword@localhost:{}?tls=required",
        sink.port
    );
    let t = transport(&url, 2, true);
    assert!(t.describe().ends_with("STARTTLS"), "{}", t.describe());
    for i in 0..3 {
        send(&t, &format!("p{i}@authority.example")).await.unwrap();
    }
    assert_eq!(sink.received().len(), 3);
    assert_eq!(
        sink.hellos(),
        2,
        "one connection: EHLO before and after STARTTLS"
    );

    // The certificate is checked: without the CA it is not trusted.
    let untrusting = transport(&url, 1, false);
    let e = send(&untrusting, "x@authority.example").await.unwrap_err();
    assert!(!e.permanent, "{e:?}");
    assert!(e.message.to_lowercase().contains("certificate"), "{e:?}");
    // A wrong password is refused for good.
    let wrong = transport(&url.replace("pass%3Aword", "guess"), 1, true);
    let e = send(&wrong, "x@authority.example").await.unwrap_err();
    assert!(e.permanent && e.message.contains("535"), "{e:?}");
    assert_eq!(sink.received().len(), 3);
}

/// A TLS front for a plain SMTP server, as a server on port 465 would be.
async fn tls_front(upstream: u16) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_file_iter(tls_file("localhost.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_file("localhost.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut plain = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn tls_from_the_first_byte() {
    let sink = SmtpSink::start();
    let port = tls_front(sink.port).await;
    let t = transport(&format!("smtps://127.0.0.1:{port}"), 1, true);
    assert!(t.describe().ends_with(", TLS"), "{}", t.describe());
    for i in 0..3 {
        send(&t, &format!("p{i}@authority.example")).await.unwrap();
    }
    assert_eq!(sink.received().len(), 3);
    assert_eq!(sink.hellos(), 1, "one connection");
    let untrusting = transport(&format!("smtps://127.0.0.1:{port}"), 1, false);
    let e = send(&untrusting, "x@authority.example").await.unwrap_err();
    assert!(!e.permanent, "{e:?}");
    assert_eq!(sink.received().len(), 3);
}
