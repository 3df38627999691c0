//! SMTP over connections this service opens itself ([`connect`]), kept in a
//! small pool.
//!
//! lettre's own pool opens its sockets without `TCP_NODELAY`, and lettre
//! writes a message's body and its final `.` separately: the second write then
//! waits for the server's delayed ACK, about 40 ms a message, some 23 messages
//! a second per connection. Here the socket is ours, with `TCP_NODELAY`, and
//! lettre only speaks SMTP over it.

mod connect;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use anyhow::Context as _;
use lettre::address::Envelope;
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use tokio::sync::Semaphore;
use tokio::time::Instant;

use self::connect::{Endpoint, Security};
use super::transport::SendError;

/// The longest wait for any one step: connecting, a handshake, a reply.
const STEP: Duration = Duration::from_secs(30);
/// A connection unused for this long is closed; servers drop idle clients
/// sooner or later anyway, and a bulletin's burst is long over by then.
const IDLE: Duration = Duration::from_secs(60);

/// Why a step failed, and what that says about the connection.
struct Failure {
    error: SendError,
    /// The server answered with a refusal (other than 421, "closing"), or
    /// nothing was sent: the connection is in step and can go on after RSET.
    in_step: bool,
    /// MAIL FROM got no answer, or 421: nothing of this message can have
    /// been taken, and the server has most likely closed this connection
    /// while it was idle.
    stale: bool,
}

impl Failure {
    fn lost(message: String) -> Self {
        Self {
            error: SendError {
                permanent: false,
                message: format!("SMTP: {message}"),
            },
            in_step: false,
            stale: false,
        }
    }

    fn unsendable(message: &str) -> Self {
        Self {
            in_step: true,
            ..Self::lost(message.to_string())
        }
    }

    fn from_lettre(e: lettre::transport::smtp::Error) -> Self {
        let code = e.status().map(|c| c.to_string());
        Self {
            error: SendError {
                // 5xx: refused now and again. Anything else (4xx,
                // connection, timeout, TLS) may pass.
                permanent: e.is_permanent(),
                message: format!("SMTP: {e}"),
            },
            in_step: code.as_deref().is_some_and(|c| c != "421"),
            stale: false,
        }
    }

    /// As a failure of MAIL FROM, the first command of a transaction.
    fn of_mail(mut self) -> Self {
        self.stale = !self.in_step;
        self
    }
}

async fn step<T>(
    what: &str,
    work: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, Failure> {
    match tokio::time::timeout(STEP, work).await {
        Ok(done) => done.map_err(Failure::from_lettre),
        Err(_) => Err(Failure::lost(format!(
            "no answer to {what} within {} s",
            STEP.as_secs()
        ))),
    }
}

/// One message: MAIL FROM, RCPT TO for each recipient, DATA. Written out
/// rather than lettre's `send`, which closes the connection after any
/// refusal and does not say how far it got.
async fn transaction(
    conn: &mut AsyncSmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<(), Failure> {
    let mut options = Vec::new();
    let mut addresses = envelope.from().into_iter().chain(envelope.to());
    if addresses.any(|a| !AsRef::<str>::as_ref(a).is_ascii()) {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Failure::unsendable(
                "the server takes no addresses beyond ASCII (no SMTPUTF8)",
            ));
        }
        options.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(Failure::unsendable(
                "the server takes no 8-bit message (no 8BITMIME)",
            ));
        }
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(envelope.from().cloned(), options);
    step("MAIL FROM", conn.command(mail))
        .await
        .map_err(Failure::of_mail)?;
    for to in envelope.to() {
        step("RCPT TO", conn.command(Rcpt::new(to.clone(), Vec::new()))).await?;
    }
    step("DATA", conn.command(Data)).await?;
    step("the end of the message", conn.message(bytes)).await?;
    Ok(())
}

struct Parked {
    conn: AsyncSmtpConnection,
    since: Instant,
}

struct Shared {
    endpoint: Endpoint,
    /// One permit per connection that may be open at once.
    slots: Semaphore,
    /// Oldest first; taken from the end, so that the least used expire.
    idle: Mutex<Vec<Parked>>,
    /// [`IDLE`], but for tests.
    idle_for: Duration,
    reaper_started: AtomicBool,
}

impl Shared {
    fn idle(&self) -> MutexGuard<'_, Vec<Parked>> {
        // Nothing panics while holding it; a poisoned list is still a list.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub struct Pool {
    shared: Arc<Shared>,
}

impl Pool {
    /// `extra_root`: a PEM file of certificates to trust besides the usual
    /// public roots, for a server with a certificate of a private CA.
    pub fn new(url: &str, extra_root: Option<&Path>, size: usize) -> anyhow::Result<Self> {
        Self::build(url, extra_root, size, IDLE)
    }

    fn build(
        url: &str,
        extra_root: Option<&Path>,
        size: usize,
        idle_for: Duration,
    ) -> anyhow::Result<Self> {
        let root = match extra_root {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Some(Certificate::from_pem(&pem)?)
            }
            None => None,
        };
        Ok(Self {
            shared: Arc::new(Shared {
                endpoint: Endpoint::parse(url, root.as_ref())?,
                slots: Semaphore::new(size.max(1)),
                idle: Mutex::new(Vec::new()),
                idle_for,
                reaper_started: AtomicBool::new(false),
            }),
        })
    }

    pub fn describe(&self) -> String {
        let e = &self.shared.endpoint;
        let security = match e.security {
            Security::Plain => "",
            Security::StartTlsIfOffered(_) => ", STARTTLS if offered",
            Security::StartTls(_) => ", STARTTLS",
            Security::Implicit(_) => ", TLS",
        };
        if e.host.contains(':') {
            format!("SMTP at [{}]:{}{security}", e.host, e.port)
        } else {
            format!("SMTP at {}:{}{security}", e.host, e.port)
        }
    }

    pub async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), SendError> {
        let shared = &self.shared;
        let _slot = shared
            .slots
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let parked = shared.idle().pop();
        let reused = parked.is_some();
        let mut conn = match parked {
            Some(p) => p.conn,
            None => shared.endpoint.open().await.map_err(|f| f.error)?,
        };
        let mut outcome = transaction(&mut conn, envelope, bytes).await;
        if reused && outcome.as_ref().is_err_and(|f| f.stale) {
            // Checking each connection with NOOP before use would cost a
            // round trip on every message; a lost one costs one here.
            tracing::debug!("the SMTP server closed an idle connection; sending on a new one");
            drop(conn);
            conn = shared.endpoint.open().await.map_err(|f| f.error)?;
            outcome = transaction(&mut conn, envelope, bytes).await;
        }
        match outcome {
            Ok(()) => {
                self.park(conn);
                Ok(())
            }
            Err(f) => {
                // A refusal leaves a half-made transaction behind; RSET
                // clears it, or, failing that, the connection goes.
                if f.in_step && step("RSET", conn.command(Rset)).await.is_ok() {
                    self.park(conn);
                }
                // Otherwise dropped without QUIT: its state is unknown.
                Err(f.error)
            }
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        self.shared.idle().push(Parked {
            conn,
            since: Instant::now(),
        });
        // Started here, on the runtime that sends, rather than in `new`,
        // which may run before there is one.
        if !self.shared.reaper_started.swap(true, Ordering::Relaxed) {
            tokio::spawn(reap(Arc::downgrade(&self.shared)));
        }
    }
}

/// Closes connections idle for [`IDLE`]; ends with the pool.
async fn reap(pool: Weak<Shared>) {
    loop {
        let Some(shared) = pool.upgrade() else {
            return;
        };
        let now = Instant::now();
        let idle_for = shared.idle_for;
        let (expired, next) = {
            let mut idle = shared.idle();
            let (expired, kept): (Vec<_>, Vec<_>) = idle
                .drain(..)
                .partition(|p| now.duration_since(p.since) >= idle_for);
            *idle = kept;
            let next = idle.first().map_or(now + idle_for, |p| p.since + idle_for);
            (expired, next)
        };
        drop(shared);
        for parked in expired {
            tokio::spawn(quit(parked));
        }
        tokio::time::sleep_until(next).await;
    }
}

async fn quit(Parked { mut conn, .. }: Parked) {
    let _ = tokio::time::timeout(STEP, conn.quit()).await;
}

impl Drop for Pool {
    /// Says QUIT on the idle connections, as lettre's pool did, so that the
    /// server does not log them as lost; only while a runtime is there to
    /// do it.
    fn drop(&mut self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            for parked in self.shared.idle().drain(..) {
                runtime.spawn(quit(parked));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Just enough of an SMTP server to count connections and QUITs.
    async fn counting_server() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::AtomicUsize;
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let quits = Arc::new(AtomicUsize::new(0));
        let counted = quits.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let quits = counted.clone();
                tokio::spawn(async move {
                    let (r, mut w) = tcp.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 counting\r\n").await;
                    let mut in_data = false;
                    while let Ok(Some(line)) = lines.next_line().await {
                        let reply: &[u8] = match line.as_str() {
                            "." if in_data => {
                                in_data = false;
                                b"250 taken\r\n"
                            }
                            _ if in_data => continue,
                            "DATA" => {
                                in_data = true;
                                b"354 go on\r\n"
                            }
                            "QUIT" => {
                                quits.fetch_add(1, Ordering::SeqCst);
                                b"221 bye\r\n"
                            }
                            _ => b"250 ok\r\n",
                        };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        (port, quits)
    }

    #[tokio::test]
    async fn an_idle_connection_is_closed_with_quit() {
        let (port, quits) = counting_server().await;
        let url = format!("smtp://127.0.0.1:{port}");
        let pool = Pool::build(&url, None, 2, Duration::from_millis(200)).unwrap();
        let envelope = Envelope::new(
            Some("a@counterpart.example".parse().unwrap()),
            vec!["b@authority.example".parse().unwrap()],
        )
        .unwrap();
        let message = b"Subject: x\r\n\r\nHello\r\n";
        pool.send(&envelope, message).await.unwrap();
        pool.send(&envelope, message).await.unwrap();
        assert_eq!(pool.shared.idle().len(), 1, "one connection, kept");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(quits.load(Ordering::SeqCst), 0);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(quits.load(Ordering::SeqCst), 1, "closed once idle");
        assert!(pool.shared.idle().is_empty());
        pool.send(&envelope, message).await.unwrap();
        drop(pool);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(quits.load(Ordering::SeqCst), 2, "and when the pool goes");
    }

    #[test]
    fn only_a_refusal_other_than_closing_leaves_the_connection_usable() {
        let lost = Failure::lost("gone".into());
        assert!(!lost.in_step && !lost.error.permanent);
        assert!(lost.error.message.starts_with("SMTP: "));
        assert!(Failure::lost("gone".into()).of_mail().stale);
        assert!(!Failure::unsendable("8-bit").of_mail().stale);
    }
}
