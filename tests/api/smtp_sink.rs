//! A real SMTP server for tests (mailin-embedded, in this process), which
//! keeps what it receives and can be told to answer with failures.

use std::io;
use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig};

/// A message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable message")
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    /// Answer this many DATA commands with 451 (try again later).
    busy_for: u32,
    /// Refuse these recipients for good (550).
    refused: Vec<String>,
    /// Wait this long before accepting each message, as a slow server does.
    delay: Duration,
    /// EHLO (or HELO) commands: one per connection without STARTTLS.
    hellos: usize,
    /// The user name and password AUTH takes, when the server asks for one.
    login: Option<(String, String)>,
}

#[derive(Clone)]
struct Sink {
    shared: Arc<Mutex<Shared>>,
    current: Option<Received>,
}

impl Handler for Sink {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        self.shared.lock().unwrap().hellos += 1;
        mailin_embedded::response::OK
    }

    fn auth_plain(&mut self, _authz: &str, user: &str, password: &str) -> Response {
        let shared = self.shared.lock().unwrap();
        match &shared.login {
            Some((u, p)) if u == user && p == password => mailin_embedded::response::AUTH_OK,
            _ => mailin_embedded::response::INVALID_CREDENTIALS,
        }
    }

    fn rcpt(&mut self, to: &str) -> Response {
        if self.shared.lock().unwrap().refused.iter().any(|r| r == to) {
            return mailin_embedded::response::NO_MAILBOX;
        }
        mailin_embedded::response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        let mut shared = self.shared.lock().unwrap();
        if shared.busy_for > 0 {
            shared.busy_for -= 1;
            return mailin_embedded::response::INTERNAL_ERROR;
        }
        self.current = Some(Received {
            from: from.to_string(),
            to: to.to_vec(),
            data: Vec::new(),
        });
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(m) = self.current.as_mut() {
            m.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let delay = self.shared.lock().unwrap().delay;
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        if let Some(m) = self.current.take() {
            self.shared.lock().unwrap().received.push(m);
        }
        mailin_embedded::response::OK
    }
}

pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpSink {
    /// Starts on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").expect("a free port"))
    }

    pub fn start_on(listener: TcpListener) -> Self {
        Self::start_with(listener, None)
    }

    /// Offers STARTTLS with the certificate of `tests/api/tls/`, for
    /// `localhost`, and asks for a user name and password after it.
    pub fn start_tls(user: &str, password: &str) -> Self {
        // mailin-embedded builds its TLS server with the process's default
        // crypto provider, and the tests have two to choose from.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sink = Self::start_with(
            TcpListener::bind("127.0.0.1:0").expect("a free port"),
            Some(SslConfig::SelfSigned {
                cert_path: tls_file("localhost.pem"),
                key_path: tls_file("localhost.key"),
            }),
        );
        sink.shared.lock().unwrap().login = Some((user.into(), password.into()));
        sink
    }

    fn start_with(listener: TcpListener, tls: Option<SslConfig>) -> Self {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let handler = Sink {
            shared: shared.clone(),
            current: None,
        };
        let mut server = Server::new(handler);
        server
            .with_name("sink.example")
            .with_num_threads(32)
            .with_tcp_listener(listener);
        if let Some(tls) = tls {
            server.with_ssl(tls).expect("the test certificate");
            server.with_auth(AuthMechanism::Plain);
        }
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, shared }
    }

    /// The messages received for one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn busy_for(&self, n: u32) {
        self.shared.lock().unwrap().busy_for = n;
    }

    pub fn refuse(&self, address: &str) {
        self.shared
            .lock()
            .unwrap()
            .refused
            .push(address.to_string());
    }

    pub fn slow(&self, each: Duration) {
        self.shared.lock().unwrap().delay = each;
    }

    pub fn accept_all(&self) {
        let mut shared = self.shared.lock().unwrap();
        shared.refused.clear();
        shared.busy_for = 0;
    }

    /// EHLO (or HELO) commands received: the connections opened, unless
    /// they used STARTTLS (which says EHLO twice).
    pub fn hellos(&self) -> usize {
        self.shared.lock().unwrap().hellos
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Waits until `n` messages have arrived (at most ten seconds).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        self.wait_for_within(n, Duration::from_secs(10)).await
    }

    pub async fn wait_for_within(&self, n: usize, within: Duration) -> Vec<Received> {
        for _ in 0..(within.as_millis() / 50).max(1) {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} messages, received {}", self.received().len());
    }
}

/// A file of `tests/api/tls/`: a test CA (`ca.pem`) and a certificate it
/// signed for localhost and 127.0.0.1 (`localhost.pem`, `localhost.key`).
/// For tests only; the key is public.
pub fn tls_file(name: &str) -> String {
    format!("{}/tests/api/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}
