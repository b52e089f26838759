//! Which IP addresses are on the public internet; pure, so the same rules judge an IP
//! literal in a URL and every address a name resolves to at delivery.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges that are not reachable on the public internet, or reach our own side
/// (loopback, the VPC, the instance metadata service at 169.254.169.254).
const V4_NOT_PUBLIC: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "this network"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "shared address space"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignments"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "6to4 relay anycast"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
];

/// IPv6 ranges inside global unicast (2000::/3) that are still not public; everything
/// outside 2000::/3 is refused as well, so ::, ::1, fc00::/7 (with the metadata service's
/// fd00:ec2::254), fe80::/10 and ff00::/8 are listed only to name them in messages.
const V6_NOT_PUBLIC: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128, "unspecified"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128, "loopback"),
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        "discard-only",
    ),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        "local-use NAT64",
    ),
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        "IETF protocol assignments",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        "documentation",
    ),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, "6to4"),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "unique local",
    ),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

const V6_GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// IPv6 forms that carry an IPv4 address which decides where the packet really goes:
/// IPv4-mapped, NAT64, and the deprecated IPv4-compatible.
const V6_EMBEDDING_V4: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
    (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
];

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    non_public_range(ip).is_none()
}

/// The name of the non-public range `ip` falls in, if any.
pub(super) fn non_public_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => V4_NOT_PUBLIC
            .iter()
            .find(|(net, len, _)| in_v4(v4, *net, *len))
            .map(|(_, _, name)| *name),
        IpAddr::V6(v6) => {
            // Named first: :: and ::1 also look IPv4-compatible, but are not forwarded.
            let named = V6_NOT_PUBLIC
                .iter()
                .find(|(net, len, _)| in_v6(v6, *net, *len))
                .map(|(_, _, name)| *name);
            if named.is_some() {
                return named;
            }
            if let Some(v4) = embedded_v4(v6) {
                return non_public_range(IpAddr::V4(v4));
            }
            let (net, len) = V6_GLOBAL_UNICAST;
            (!in_v6(v6, net, len)).then_some("not global unicast")
        }
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    V6_EMBEDDING_V4
        .iter()
        .any(|(net, len)| in_v6(v6, *net, *len))
        .then(|| Ipv4Addr::from(u128::from(v6) as u32))
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// Every non-public range, by name, with addresses at its edges.
    #[test]
    fn each_non_public_range_is_refused() {
        let ranges: &[(&str, &str, &[&str])] = &[
            ("0.0.0.0/8", "this network", &["0.0.0.0", "0.255.255.255"]),
            (
                "10.0.0.0/8",
                "private",
                &["10.0.0.0", "10.0.0.5", "10.255.255.255"],
            ),
            (
                "100.64.0.0/10",
                "shared address space",
                &["100.64.0.0", "100.127.255.255"],
            ),
            ("127.0.0.0/8", "loopback", &["127.0.0.1", "127.255.255.254"]),
            (
                "169.254.0.0/16",
                "link-local",
                &["169.254.0.1", "169.254.169.254"],
            ),
            (
                "172.16.0.0/12",
                "private",
                &["172.16.0.0", "172.31.255.255"],
            ),
            (
                "192.0.0.0/24",
                "IETF protocol assignments",
                &["192.0.0.0", "192.0.0.255"],
            ),
            ("192.0.2.0/24", "documentation", &["192.0.2.1"]),
            ("192.88.99.0/24", "6to4 relay anycast", &["192.88.99.1"]),
            (
                "192.168.0.0/16",
                "private",
                &["192.168.0.1", "192.168.255.255"],
            ),
            (
                "198.18.0.0/15",
                "benchmarking",
                &["198.18.0.0", "198.19.255.255"],
            ),
            ("198.51.100.0/24", "documentation", &["198.51.100.7"]),
            ("203.0.113.0/24", "documentation", &["203.0.113.9"]),
            (
                "224.0.0.0/4",
                "multicast",
                &["224.0.0.1", "239.255.255.255"],
            ),
            ("240.0.0.0/4", "reserved", &["240.0.0.1", "255.255.255.255"]),
            ("::/128", "unspecified", &["::"]),
            ("::1/128", "loopback", &["::1"]),
            (
                "fc00::/7",
                "unique local",
                &["fc00::1", "fd00:ec2::254", "fdff::1"],
            ),
            ("fe80::/10", "link-local", &["fe80::1", "febf::1"]),
            ("ff00::/8", "multicast", &["ff02::1", "ff0e::1"]),
            ("2001:db8::/32", "documentation", &["2001:db8::1"]),
            ("100::/64", "discard-only", &["100::1"]),
            (
                "2001::/23",
                "IETF protocol assignments",
                &["2001::1", "2001:1ff::1"],
            ),
            (
                "2001::/32 Teredo",
                "IETF protocol assignments",
                &["2001:0:4136:e378::1"],
            ),
            (
                "2002::/16",
                "6to4",
                &["2002:c000:0204::1", "2002:0a00:0001::1"],
            ),
            ("64:ff9b:1::/48", "local-use NAT64", &["64:ff9b:1::1"]),
            (
                "outside 2000::/3",
                "not global unicast",
                &["4000::1", "1000::1"],
            ),
            // Forms embedding an IPv4 address are judged by that address.
            ("::ffff:0:0/96 mapped", "loopback", &["::ffff:127.0.0.1"]),
            (
                "::ffff:0:0/96 mapped",
                "link-local",
                &["::ffff:169.254.169.254"],
            ),
            ("::ffff:0:0/96 mapped", "private", &["::ffff:10.0.0.5"]),
            ("::/96 compatible", "loopback", &["::127.0.0.1"]),
            ("::/96 compatible", "private", &["::192.168.1.1"]),
            ("64:ff9b::/96 NAT64", "private", &["64:ff9b::10.0.0.5"]),
            (
                "64:ff9b::/96 NAT64",
                "link-local",
                &["64:ff9b::169.254.169.254"],
            ),
        ];
        for (range, name, addresses) in ranges {
            for address in *addresses {
                assert_eq!(
                    non_public_range(ip(address)),
                    Some(*name),
                    "{address} in {range}"
                );
                assert!(!is_public(ip(address)), "{address} in {range}");
            }
        }
    }

    #[test]
    fn public_addresses_pass_including_the_edges_of_refused_ranges() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "2001:200::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ] {
            assert!(is_public(ip(address)), "{address}");
        }
    }
}
