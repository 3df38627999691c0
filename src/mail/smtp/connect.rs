//! Opening a connection: `mail.smtp_url` read as lettre reads it, our own
//! socket with `TCP_NODELAY`, then TLS, EHLO and AUTH as the URL says.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use anyhow::Context as _;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)]
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{
    AsyncSmtpConnection, AsyncTokioStream, Certificate, TlsParameters,
};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{SMTP_PORT, SUBMISSION_PORT, SUBMISSIONS_PORT};
use tokio::io::ReadBuf;
use tokio::net::TcpStream;

use super::{Failure, STEP, step};

pub(super) enum Security {
    Plain,
    StartTlsIfOffered(TlsParameters),
    StartTls(TlsParameters),
    Implicit(TlsParameters),
}

/// Where and how to connect: `mail.smtp_url`, read as lettre's `from_url`
/// reads it, so that the setting means what it meant before.
pub(super) struct Endpoint {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl Endpoint {
    pub(super) fn parse(url: &str, extra_root: Option<&Certificate>) -> anyhow::Result<Self> {
        let url = url::Url::parse(url)?;
        let host = match url.host().context("the SMTP URL names no host")? {
            // A bracketed address can be neither resolved nor checked
            // against a certificate.
            url::Host::Ipv6(ip) => ip.to_string(),
            other => other.to_string(),
        };
        let tls = || {
            let mut builder = TlsParameters::builder(host.clone());
            if let Some(root) = extra_root {
                builder = builder.add_root_certificate(root.clone());
            }
            builder.build()
        };
        let asked = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let (security, port) = match (url.scheme(), asked.as_deref()) {
            ("smtp", None) => (Security::Plain, SMTP_PORT),
            ("smtp", Some("required")) => (Security::StartTls(tls()?), SUBMISSION_PORT),
            ("smtp", Some("opportunistic")) => {
                (Security::StartTlsIfOffered(tls()?), SUBMISSION_PORT)
            }
            ("smtps", _) => (Security::Implicit(tls()?), SUBMISSIONS_PORT),
            (scheme, tls) => anyhow::bail!("unknown scheme {scheme:?} or tls={tls:?}"),
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        Ok(Self {
            port: url.port().unwrap_or(port),
            host,
            security,
            credentials,
            hello,
        })
    }

    async fn tcp(&self) -> Result<TcpStream, Failure> {
        let unreachable = |why: String| {
            Failure::lost(format!(
                "cannot connect to {}:{}: {why}",
                self.host, self.port
            ))
        };
        let addresses = tokio::time::timeout(
            STEP,
            tokio::net::lookup_host((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| unreachable("the name did not resolve in time".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
        let mut last = "the name has no address".to_string();
        // Each address gets its own time, so that one that swallows
        // packets does not use up the time of the next.
        for address in addresses {
            match tokio::time::timeout(STEP, TcpStream::connect(address)).await {
                Ok(Ok(stream)) => return Ok(stream),
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => last = format!("no answer from {address}"),
            }
        }
        Err(unreachable(last))
    }

    pub(super) async fn open(&self) -> Result<AsyncSmtpConnection, Failure> {
        let tcp = self.tcp().await?;
        tcp.set_nodelay(true)
            .map_err(|e| Failure::lost(format!("TCP_NODELAY: {e}")))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.security {
            Security::Implicit(tls) => {
                Box::new(step("the TLS handshake", implicit_tls(tcp, tls.clone())).await?)
            }
            _ => Box::new(tcp),
        };
        let mut conn = step(
            "the greeting",
            AsyncSmtpConnection::connect_with_transport(stream, &self.hello),
        )
        .await?;
        match &self.security {
            Security::StartTls(tls) => {
                step("STARTTLS", conn.starttls(tls.clone(), &self.hello)).await?
            }
            Security::StartTlsIfOffered(tls) if conn.can_starttls() => {
                step("STARTTLS", conn.starttls(tls.clone(), &self.hello)).await?
            }
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            step("AUTH", conn.auth(DEFAULT_MECHANISMS, credentials)).await?;
        }
        Ok(conn)
    }
}

/// TLS from the first byte: lettre does this only on sockets it opens
/// itself, so ours goes through lettre's own upgrade and is handed back to
/// lettre as if it were a plain stream.
#[allow(deprecated)]
async fn implicit_tls(
    tcp: TcpStream,
    tls: TlsParameters,
) -> Result<ImplicitTls, lettre::transport::smtp::Error> {
    let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
    stream.upgrade_tls(tls).await?;
    Ok(ImplicitTls(stream))
}

#[allow(deprecated)]
#[derive(Debug)]
struct ImplicitTls(AsyncNetworkStream);

impl tokio::io::AsyncRead for ImplicitTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = Pin::new(&mut self.get_mut().0);
        let n = ready!(futures_io::AsyncRead::poll_read(
            inner,
            cx,
            buf.initialize_unfilled()
        ))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for ImplicitTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        futures_io::AsyncWrite::poll_write(Pin::new(&mut self.get_mut().0), cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_flush(Pin::new(&mut self.get_mut().0), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        futures_io::AsyncWrite::poll_close(Pin::new(&mut self.get_mut().0), cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(url: &str) -> Endpoint {
        Endpoint::parse(url, None).unwrap()
    }

    #[test]
    fn the_url_means_what_it_meant_to_lettre() {
        let e = parsed("smtp://relay.example");
        assert_eq!((e.host.as_str(), e.port), ("relay.example", 25));
        assert!(matches!(e.security, Security::Plain));
        assert!(e.credentials.is_none());
        assert_eq!(e.hello, ClientId::default());

        let e = parsed("smtp://relay.example?tls=required");
        assert_eq!(e.port, 587);
        assert!(matches!(e.security, Security::StartTls(_)));
        let e = parsed("smtp://relay.example:2525?tls=opportunistic");
        assert_eq!(e.port, 2525);
        assert!(matches!(e.security, Security::StartTlsIfOffered(_)));

        let e = parsed("smtps://us%40er:p%3Ass%20w@mail.example/client.example");
        assert_eq!(e.port, 465);
        assert!(matches!(e.security, Security::Implicit(_)));
        assert_eq!(
            e.credentials,
            Some(Credentials::new("us@er".into(), "p:ss w".into()))
        );
        assert_eq!(e.hello, ClientId::Domain("client.example".into()));

        let e = parsed("smtp://[::1]:25");
        assert_eq!(e.host, "::1");
        for wrong in ["smtp://relay.example?tls=maybe", "http://relay.example"] {
            assert!(Endpoint::parse(wrong, None).is_err(), "{wrong}");
        }
    }
}
