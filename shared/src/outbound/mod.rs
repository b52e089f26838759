//! Calls out of tidings to addresses customers give (webhooks).
//!
//! A webhook URL is chosen by a tenant admin, so a request to it is a request an outsider
//! aims from inside our network (SSRF): at the instance metadata service, the VPC, or
//! loopback. Hence:
//! - only absolute `https` URLs without credentials are accepted ([`check_url`]), when the
//!   endpoint is saved and again before every delivery;
//! - the name is resolved here, every address it resolves to must be public
//!   ([`is_public`]), and the connection goes to exactly the address that was checked, so a
//!   second lookup cannot return another one (DNS rebinding);
//! - redirects are never followed: a 3xx is the receiver's answer, not a new target.
//!
//! Deliveries are signed the Standard Webhooks way ([`signature`]).

mod address;
mod client;
mod error;
pub mod signature;
mod target;

pub use address::is_public;
pub use client::{Outbound, Reply};
pub use error::OutboundError;
pub use signature::{new_secret, sign, signature_header, SignatureError};
pub use target::{check_url, Policy, Target};
