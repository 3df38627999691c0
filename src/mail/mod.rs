//! Mail, for everything the service sends: messages are queued in the
//! database ([`outbox`]), built from templates ([`message`]) and sent by a
//! background sender over SMTP ([`smtp`]) or into `.eml` files
//! ([`transport`]).

pub mod message;
pub mod outbox;
mod sender;
pub mod smtp;
pub mod transport;

use std::sync::Arc;

use tokio::sync::Notify;

pub use outbox::{Outgoing, enqueue};
pub use sender::SenderHandle;

use crate::config::Settings;

/// Everything the sender needs; one per instance, shared by handlers that
/// wake it after queuing mail.
pub struct Mailer {
    settings: crate::config::MailSettings,
    /// The public address without a trailing slash, for links.
    base_url: String,
    templates: message::Templates,
    transport: transport::Transport,
    wake: Notify,
    /// Signs the links that act without signing in (unsubscribe, confirm).
    signer: crate::bulletin::tokens::Signer,
    /// Bulletin editions encoded for sending, by (bulletin, full edition).
    editions: std::sync::Mutex<
        std::collections::HashMap<(i64, bool), Arc<crate::bulletin::mime::Prepared>>,
    >,
}

impl Mailer {
    pub fn new(settings: &Settings) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            settings: settings.mail.clone(),
            base_url: settings
                .server
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_string(),
            templates: message::Templates::build()?,
            transport: transport::Transport::new(&settings.mail)?,
            wake: Notify::new(),
            signer: crate::bulletin::tokens::Signer::new(
                crate::auth::key::load_or_create(settings)?.signing(),
            ),
            editions: Default::default(),
        }))
    }

    pub fn templates(&self) -> &message::Templates {
        &self.templates
    }

    pub fn signer(&self) -> &crate::bulletin::tokens::Signer {
        &self.signer
    }

    /// The public address without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The link that ends a subscription at once.
    pub fn unsubscribe_url(&self, subscription_id: crate::db::ids::SubscriptionId) -> String {
        format!(
            "{}/unsubscribe?token={}",
            self.base_url,
            self.signer.unsubscribe(subscription_id)
        )
    }

    /// Tells the sender that mail is waiting, so it goes now rather than at
    /// the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn describe(&self) -> String {
        self.transport.describe()
    }
}
