//! Which IP addresses user-supplied URLs may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused (`None` from [`refusal_reason`] means it is public).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpClass {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    CloudMetadata,
    SharedCgnat,
    Multicast,
    Broadcast,
    Reserved,
    Documentation,
    UniqueLocal,
    /// On the operator's deny list.
    Denied,
}

impl IpClass {
    pub fn as_str(self) -> &'static str {
        match self {
            IpClass::Unspecified => "unspecified",
            IpClass::Loopback => "loopback",
            IpClass::Private => "private",
            IpClass::LinkLocal => "link-local",
            IpClass::CloudMetadata => "cloud metadata",
            IpClass::SharedCgnat => "shared address space (CGNAT)",
            IpClass::Multicast => "multicast",
            IpClass::Broadcast => "broadcast",
            IpClass::Reserved => "reserved",
            IpClass::Documentation => "documentation",
            IpClass::UniqueLocal => "unique-local",
            IpClass::Denied => "denied",
        }
    }
}

/// Classifies an address; `Some(class)` means user URLs must not reach it.
/// IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4)
/// are judged by the embedded address.
pub fn refusal_reason(ip: IpAddr) -> Option<IpClass> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<IpClass> {
    let o = ip.octets();
    let n = u32::from(ip);
    let within = |base: [u8; 4], bits: u32| n >> (32 - bits) == u32::from(Ipv4Addr::from(base)) >> (32 - bits);
    Some(match () {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) => IpClass::CloudMetadata,
        _ if ip.is_broadcast() => IpClass::Broadcast,
        _ if o[0] == 0 => IpClass::Unspecified,
        _ if o[0] == 127 => IpClass::Loopback,
        _ if within([10, 0, 0, 0], 8) || within([172, 16, 0, 0], 12) || within([192, 168, 0, 0], 16) => {
            IpClass::Private
        }
        _ if within([169, 254, 0, 0], 16) => IpClass::LinkLocal,
        _ if within([100, 64, 0, 0], 10) => IpClass::SharedCgnat,
        _ if within([224, 0, 0, 0], 4) => IpClass::Multicast,
        _ if within([240, 0, 0, 0], 4) || within([192, 0, 0, 0], 24) || within([198, 18, 0, 0], 15) => {
            IpClass::Reserved
        }
        _ if within([192, 0, 2, 0], 24) || within([198, 51, 100, 0], 24) || within([203, 0, 113, 0], 24) => {
            IpClass::Documentation
        }
        _ => return None,
    })
}

fn v6_reason(ip: Ipv6Addr) -> Option<IpClass> {
    let s = ip.segments();
    let embedded_v4 =
        |hi: usize| Ipv4Addr::new((s[hi] >> 8) as u8, s[hi] as u8, (s[hi + 1] >> 8) as u8, s[hi + 1] as u8);
    if ip.is_unspecified() {
        return Some(IpClass::Unspecified);
    }
    if ip.is_loopback() {
        return Some(IpClass::Loopback);
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) {
        return v4_reason(embedded_v4(6)).or(if s[5] == 0 { Some(IpClass::Reserved) } else { None });
    }
    // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
    if s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1) {
        return v4_reason(embedded_v4(6));
    }
    // 6to4 2002:a.b.c.d::/48
    if s[0] == 0x2002 {
        return v4_reason(embedded_v4(1));
    }
    Some(match s[0] {
        x if x & 0xff00 == 0xff00 => IpClass::Multicast,
        x if x & 0xfe00 == 0xfc00 => {
            // fd00:ec2::254 is the AWS IPv6 metadata endpoint.
            if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
                IpClass::CloudMetadata
            } else {
                IpClass::UniqueLocal
            }
        }
        x if x & 0xffc0 == 0xfe80 => IpClass::LinkLocal,
        x if x & 0xffc0 == 0xfec0 => IpClass::Private, // deprecated site-local
        0x2001 if s[1] == 0x0db8 => IpClass::Documentation,
        0x2001 if s[1] == 0 => IpClass::Reserved, // Teredo tunnels can reach anything
        0x0100 if s[1..4] == [0; 3] => IpClass::Reserved, // discard-only
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Option<IpClass> {
        refusal_reason(s.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        for (ip, class) in [
            ("0.0.0.0", IpClass::Unspecified),
            ("0.1.2.3", IpClass::Unspecified),
            ("127.0.0.1", IpClass::Loopback),
            ("127.255.255.254", IpClass::Loopback),
            ("10.0.0.1", IpClass::Private),
            ("10.255.255.255", IpClass::Private),
            ("172.16.0.1", IpClass::Private),
            ("172.31.255.255", IpClass::Private),
            ("192.168.1.1", IpClass::Private),
            ("169.254.1.1", IpClass::LinkLocal),
            ("169.254.169.254", IpClass::CloudMetadata),
            ("100.64.0.1", IpClass::SharedCgnat),
            ("100.127.255.255", IpClass::SharedCgnat),
            ("224.0.0.1", IpClass::Multicast),
            ("239.255.255.255", IpClass::Multicast),
            ("240.0.0.1", IpClass::Reserved),
            ("255.255.255.255", IpClass::Broadcast),
            ("192.0.2.5", IpClass::Documentation),
            ("198.18.0.1", IpClass::Reserved),
        ] {
            assert_eq!(r(ip), Some(class), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "11.0.0.1",
            "223.255.255.255",
            "169.253.255.255",
        ] {
            assert_eq!(r(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges_and_embedded_ipv4() {
        for (ip, class) in [
            ("::", IpClass::Unspecified),
            ("::1", IpClass::Loopback),
            ("::ffff:127.0.0.1", IpClass::Loopback),
            ("::ffff:10.1.2.3", IpClass::Private),
            ("::ffff:169.254.169.254", IpClass::CloudMetadata),
            ("::10.1.2.3", IpClass::Private),
            ("::8.8.8.8", IpClass::Reserved),
            ("64:ff9b::192.168.0.1", IpClass::Private),
            ("2002:7f00:1::", IpClass::Loopback),
            ("fc00::1", IpClass::UniqueLocal),
            ("fd12:3456::1", IpClass::UniqueLocal),
            ("fd00:ec2::254", IpClass::CloudMetadata),
            ("fe80::1", IpClass::LinkLocal),
            ("febf::1", IpClass::LinkLocal),
            ("fec0::1", IpClass::Private),
            ("ff02::1", IpClass::Multicast),
            ("2001:db8::1", IpClass::Documentation),
            ("2001::1", IpClass::Reserved),
        ] {
            assert_eq!(r(ip), Some(class), "{ip}");
        }
        for ip in
            ["2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"]
        {
            assert_eq!(r(ip), None, "{ip}");
        }
    }

    /// Property: every address in 10/8, 172.16/12, 192.168/16, 127/8 is refused,
    /// in IPv4 form and in IPv4-mapped IPv6 form (a cheap deterministic sweep).
    #[test]
    fn private_blocks_refused_in_every_form() {
        let mut x: u32 = 0x1234_5678;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            for (base, bits) in [
                (0x0a00_0000u32, 8),
                (0xac10_0000, 12),
                (0xc0a8_0000, 16),
                (0x7f00_0000, 8),
                (0xa9fe_0000, 16),
                (0x6440_0000, 10),
            ] {
                let ip = Ipv4Addr::from(base | (x >> bits));
                assert!(refusal_reason(IpAddr::V4(ip)).is_some(), "{ip}");
                assert!(refusal_reason(IpAddr::V6(ip.to_ipv6_mapped())).is_some(), "{ip} mapped");
            }
        }
    }
}
