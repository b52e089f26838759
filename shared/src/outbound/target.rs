//! Which URLs a webhook may be sent to: checked when an admin saves an endpoint and again
//! before each delivery, with the addresses its name resolves to.

use std::net::IpAddr;

use hyper::Uri;

use super::address::{is_public, non_public_range};
use super::OutboundError;

/// Longer URLs are refused: no real endpoint needs more, and it bounds what we store.
const MAX_URL_LEN: usize = 2048;

/// What deployment allows beyond public HTTPS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The local stack's setting: lets `http://localhost:…` and `http://127.0.0.1:…` (and
    /// HTTPS to loopback) through so webhooks can reach a receiver on the developer's
    /// machine. Never set in a deployed stack.
    pub allow_loopback_http: bool,
}

/// A URL that passed [`check_url`], in the parts a connection needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// The name or IP address, without the brackets of an IPv6 literal.
    pub host: String,
    pub port: u16,
    pub path_and_query: String,
}

impl Target {
    /// The `Host` header: the port only when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.https { 443 } else { 80 };
        if self.port == default_port {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The host when it is an IP literal rather than a name.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// Whether this target may be reached at `ip` (the literal, or what its name resolved
    /// to): a public address, or loopback when the policy allows it. Plain HTTP goes to
    /// loopback only, so an `http://localhost` that resolves elsewhere is still refused.
    pub fn check_address(&self, ip: IpAddr, policy: &Policy) -> Result<(), OutboundError> {
        let loopback = policy.allow_loopback_http && ip.is_loopback();
        if loopback || (self.https && is_public(ip)) {
            return Ok(());
        }
        let range = non_public_range(ip).unwrap_or("public, but plain HTTP");
        let shown = if self.ip() == Some(ip) {
            ip.to_string()
        } else {
            format!("{} resolves to {ip}", self.host)
        };
        Err(OutboundError::ForbiddenAddress(format!(
            "{shown}, which is not a public address ({range})"
        )))
    }
}

/// Whether `url` may receive webhooks: an absolute `https` URL with a host and no
/// credentials, at most 2048 bytes, whose host, when an IP literal, is public. A name is
/// judged later, by what it resolves to at each delivery.
pub fn check_url(url: &str, policy: &Policy) -> Result<Target, OutboundError> {
    let invalid = |why: &str| Err(OutboundError::InvalidUrl(why.to_string()));
    if url.len() > MAX_URL_LEN {
        return invalid("longer than 2048 bytes");
    }
    let Ok(uri) = url.parse::<Uri>() else {
        return invalid("not a URL");
    };
    let Some(authority) = uri.authority() else {
        return invalid("not an absolute URL with a host");
    };
    if authority.as_str().contains('@') {
        return invalid("credentials in the URL are not allowed");
    }
    let host = authority
        .host()
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    if host.is_empty() {
        return invalid("no host");
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_none() && is_legacy_ipv4(&host) {
        return invalid("the host is neither a name nor an IP address");
    }
    let https = match uri.scheme_str() {
        Some(scheme) if scheme.eq_ignore_ascii_case("https") => true,
        Some(scheme) if scheme.eq_ignore_ascii_case("http") && policy.allow_loopback_http => {
            if !(host == "localhost" || ip.is_some_and(|ip| ip.is_loopback())) {
                return invalid("only https is allowed (http only to loopback)");
            }
            false
        }
        _ => return invalid("only https is allowed"),
    };
    // `port_u16` is None both without a port and with one out of range (":99999").
    let has_port = authority.as_str().len() > authority.host().len();
    let port = match authority.port_u16() {
        Some(0) => return invalid("port 0"),
        Some(port) => port,
        None if has_port => return invalid("not a port number"),
        None if https => 443,
        None => 80,
    };
    let path_and_query = uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .to_string();
    let target = Target {
        https,
        host,
        port,
        path_and_query,
    };
    if let Some(ip) = ip {
        target.check_address(ip, policy)?;
    }
    Ok(target)
}

/// Resolvers read `127.1`, `2130706433` or `0x7f.0.0.1` as IPv4 addresses; no top-level
/// domain is numeric, so a name ending in a numeric label is one of those forms.
fn is_legacy_ipv4(host: &str) -> bool {
    let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let hex = last
        .strip_prefix("0x")
        .map(|hex| hex.chars().all(|c| c.is_ascii_hexdigit()));
    hex.unwrap_or_else(|| !last.is_empty() && last.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy {
        allow_loopback_http: false,
    };
    const LOCAL: Policy = Policy {
        allow_loopback_http: true,
    };

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_https_url_is_split_into_its_target() {
        let target = check_url("https://Hooks.Example.com/in/x?y=1", &STRICT).unwrap();
        assert_eq!(
            target,
            Target {
                https: true,
                host: "hooks.example.com".into(),
                port: 443,
                path_and_query: "/in/x?y=1".into(),
            }
        );
        assert_eq!(target.host_header(), "hooks.example.com");
        let target = check_url("https://example.com:8443", &STRICT).unwrap();
        assert_eq!((target.port, target.path_and_query.as_str()), (8443, "/"));
        assert_eq!(target.host_header(), "example.com:8443");
        let target = check_url("https://[2606:4700::1]/hook", &STRICT).unwrap();
        assert_eq!(target.host, "2606:4700::1");
        assert_eq!(target.host_header(), "[2606:4700::1]");
    }

    #[test]
    fn urls_that_are_not_absolute_https_without_credentials_are_invalid() {
        let too_long = format!("https://example.com/{}", "a".repeat(2040));
        for url in [
            "http://example.com/",
            "ftp://example.com/",
            "/relative/path",
            "example.com",
            "https://user:pw@example.com/",
            "https://user@example.com/",
            "https://example.com:99999/",
            "https://example.com:0/",
            "https:///nohost",
            "https://exa mple.com/",
            // Legacy IPv4 spellings resolvers would accept for 127.0.0.1.
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f000001/",
            too_long.as_str(),
        ] {
            let err = check_url(url, &STRICT).unwrap_err();
            assert!(
                matches!(err, OutboundError::InvalidUrl(_)),
                "{url}: {err:?}"
            );
        }
    }

    #[test]
    fn non_public_ip_literals_are_forbidden() {
        for url in [
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5/",
            "https://127.0.0.1:8443/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:a9fe:a9fe]/",
        ] {
            let err = check_url(url, &STRICT).unwrap_err();
            assert!(
                matches!(err, OutboundError::ForbiddenAddress(_)),
                "{url}: {err:?}"
            );
        }
        let err = check_url("https://169.254.169.254/", &STRICT).unwrap_err();
        assert!(err.to_string().contains("169.254.169.254"), "{err}");
    }

    #[test]
    fn the_local_policy_allows_http_to_loopback_only() {
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost:9000/",
            "http://[::1]:9000/",
            "https://127.0.0.1:9443/",
        ] {
            assert!(check_url(url, &LOCAL).is_ok(), "{url}");
        }
        for url in ["http://example.com/", "http://10.0.0.5/", "http://8.8.8.8/"] {
            let err = check_url(url, &LOCAL).unwrap_err();
            assert!(
                matches!(err, OutboundError::InvalidUrl(_)),
                "{url}: {err:?}"
            );
        }
        for url in [
            "https://10.0.0.5/",
            "https://169.254.169.254/",
            "https://[fe80::1]/",
        ] {
            let err = check_url(url, &LOCAL).unwrap_err();
            assert!(
                matches!(err, OutboundError::ForbiddenAddress(_)),
                "{url}: {err:?}"
            );
        }
    }

    #[test]
    fn resolved_addresses_are_judged_by_the_same_rules() {
        let named = check_url("https://hooks.example.com/", &STRICT).unwrap();
        assert!(named.check_address(ip("93.184.216.34"), &STRICT).is_ok());
        let err = named.check_address(ip("10.1.2.3"), &STRICT).unwrap_err();
        assert_eq!(
            err,
            OutboundError::ForbiddenAddress(
                "hooks.example.com resolves to 10.1.2.3, which is not a public address (private)"
                    .into()
            )
        );
        assert!(named.check_address(ip("127.0.0.1"), &STRICT).is_err());
        assert!(named.check_address(ip("127.0.0.1"), &LOCAL).is_ok());
        // Plain HTTP never leaves the machine, whatever the name resolves to.
        let local = check_url("http://localhost:9000/", &LOCAL).unwrap();
        assert!(local.check_address(ip("::1"), &LOCAL).is_ok());
        assert!(local.check_address(ip("93.184.216.34"), &LOCAL).is_err());
    }
}
