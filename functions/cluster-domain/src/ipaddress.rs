//! Python's `ipaddress.ip_network(text)` (strict), as far as the rules use it: which
//! texts parse, the IPv4 network's arithmetic, and the `ValueError` texts.
//!
//! `ip_network` tries IPv4 then IPv6 and reports any parse failure of both as
//! `'<text>' does not appear to be an IPv4 or IPv6 network`; only "host bits set"
//! escapes with its own text (`10.20.0.1/16 has host bits set`).

use std::fmt;

use crate::python_json::str_repr;

/// A parsed network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IpNetwork {
    V4(Ipv4Network),
    /// An IPv6 network; the rules only need to know it is one.
    V6 {
        text: String,
    },
}

/// An IPv4 network: address and prefix length, host bits clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ipv4Network {
    pub network_address: u32,
    pub prefix_length: u8,
}

impl Ipv4Network {
    pub(crate) const fn new(network_address: u32, prefix_length: u8) -> Self {
        Self { network_address, prefix_length }
    }

    fn netmask(prefix_length: u8) -> u32 {
        if prefix_length == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix_length)) }
    }

    pub(crate) fn broadcast_address(&self) -> u32 {
        self.network_address | !Self::netmask(self.prefix_length)
    }

    fn contains(&self, address: u32) -> bool {
        self.network_address <= address && address <= self.broadcast_address()
    }

    /// `self.subnet_of(other)`.
    pub(crate) fn subnet_of(&self, other: &Self) -> bool {
        other.network_address <= self.network_address && other.broadcast_address() >= self.broadcast_address()
    }

    /// `self.overlaps(other)`.
    pub(crate) fn overlaps(&self, other: &Self) -> bool {
        other.contains(self.network_address)
            || other.contains(self.broadcast_address())
            || self.contains(other.network_address)
            || self.contains(other.broadcast_address())
    }
}

impl fmt::Display for Ipv4Network {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}/{}", format_ipv4(self.network_address), self.prefix_length)
    }
}

fn format_ipv4(address: u32) -> String {
    let [a, b, c, d] = address.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// The private ranges the VPC must sit in: 10/8, 172.16/12, 192.168/16.
pub(crate) const PRIVATE_RANGES: [Ipv4Network; 3] =
    [Ipv4Network::new(0x0a00_0000, 8), Ipv4Network::new(0xac10_0000, 12), Ipv4Network::new(0xc0a8_0000, 16)];

/// Why a parse failed: either not an address of that family at all (the caller moves
/// on), or host bits set (a `ValueError` with this text).
enum Failure {
    Invalid,
    HostBitsSet(String),
}

/// `ipaddress.ip_network(text)`: the network, or the `ValueError`'s text.
pub(crate) fn ip_network(text: &str) -> Result<IpNetwork, String> {
    match parse_ipv4_network(text) {
        Ok(network) => return Ok(IpNetwork::V4(network)),
        Err(Failure::HostBitsSet(message)) => return Err(message),
        Err(Failure::Invalid) => {}
    }
    match parse_ipv6_network(text) {
        Ok(text) => Ok(IpNetwork::V6 { text }),
        Err(Failure::HostBitsSet(message)) => Err(message),
        Err(Failure::Invalid) => Err(format!("{} does not appear to be an IPv4 or IPv6 network", str_repr(text))),
    }
}

fn split_address_prefix(text: &str) -> Result<(&str, Option<&str>), Failure> {
    let mut parts = text.split('/');
    let address = parts.next().unwrap_or("");
    let prefix = parts.next();
    if parts.next().is_some() {
        return Err(Failure::Invalid);
    }
    Ok((address, prefix))
}

/// `str.isascii() and str.isdigit()`.
fn ascii_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

fn parse_ipv4_address(text: &str) -> Option<u32> {
    let octets: Vec<&str> = text.split('.').collect();
    if octets.len() != 4 {
        return None;
    }
    let mut address = 0u32;
    for octet in octets {
        if !ascii_digits(octet) || octet.len() > 3 || (octet != "0" && octet.starts_with('0')) {
            return None;
        }
        let value: u32 = octet.parse().ok()?;
        if value > 255 {
            return None;
        }
        address = (address << 8) | value;
    }
    Some(address)
}

/// `_prefix_from_ip_int`: the prefix length of a netmask, `None` when not contiguous.
fn prefix_from_mask(mask: u32) -> Option<u8> {
    let trailing_zeros = if mask == 0 { 32 } else { mask.trailing_zeros() };
    let prefix_length = 32 - trailing_zeros;
    let leading_ones = if trailing_zeros == 32 { 0 } else { mask >> trailing_zeros };
    let all_ones = if prefix_length == 0 { 0 } else { u32::MAX >> (32 - prefix_length) };
    (leading_ones == all_ones).then_some(prefix_length as u8)
}

fn parse_ipv4_prefix(text: &str) -> Option<u8> {
    if ascii_digits(text) {
        let value: u32 = text.parse().ok().filter(|value| *value <= 32)?;
        return Some(value as u8);
    }
    // A netmask (255.255.0.0) or a host mask (0.0.255.255).
    let mask = parse_ipv4_address(text)?;
    prefix_from_mask(mask).or_else(|| prefix_from_mask(!mask))
}

fn parse_ipv4_network(text: &str) -> Result<Ipv4Network, Failure> {
    let (address, prefix) = split_address_prefix(text)?;
    let address = parse_ipv4_address(address).ok_or(Failure::Invalid)?;
    let prefix_length = match prefix {
        Some(prefix) => parse_ipv4_prefix(prefix).ok_or(Failure::Invalid)?,
        None => 32,
    };
    let network = Ipv4Network { network_address: address, prefix_length };
    if address & Ipv4Network::netmask(prefix_length) != address {
        return Err(Failure::HostBitsSet(format!("{network} has host bits set")));
    }
    Ok(network)
}

fn parse_hextet(text: &str) -> Option<u16> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(text, 16).ok()
}

/// `IPv6Address._ip_int_from_string` (without the scope id).
fn parse_ipv6_address(text: &str) -> Option<u128> {
    const HEXTETS: usize = 8;
    if text.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = text.split(':').map(str::to_owned).collect();
    if parts.len() < 3 {
        return None;
    }
    if parts.last().is_some_and(|last| last.contains('.')) {
        let ipv4 = parse_ipv4_address(&parts.pop().unwrap_or_default())?;
        parts.push(format!("{:x}", ipv4 >> 16));
        parts.push(format!("{:x}", ipv4 & 0xffff));
    }
    if parts.len() > HEXTETS + 1 {
        return None;
    }
    let mut skip_index = None;
    for (index, part) in parts.iter().enumerate().take(parts.len() - 1).skip(1) {
        if part.is_empty() {
            if skip_index.is_some() {
                return None;
            }
            skip_index = Some(index);
        }
    }
    let (parts_high, parts_low, parts_skipped) = match skip_index {
        Some(skip_index) => {
            let mut parts_high = skip_index;
            let mut parts_low = parts.len() - skip_index - 1;
            if parts[0].is_empty() {
                parts_high -= 1;
                if parts_high > 0 {
                    return None;
                }
            }
            if parts[parts.len() - 1].is_empty() {
                parts_low -= 1;
                if parts_low > 0 {
                    return None;
                }
            }
            let skipped = HEXTETS.checked_sub(parts_high + parts_low).filter(|skipped| *skipped >= 1)?;
            (parts_high, parts_low, skipped)
        }
        None => {
            if parts.len() != HEXTETS || parts[0].is_empty() || parts[parts.len() - 1].is_empty() {
                return None;
            }
            (parts.len(), 0, 0)
        }
    };
    let mut address = 0u128;
    for part in &parts[..parts_high] {
        address = (address << 16) | u128::from(parse_hextet(part)?);
    }
    for _ in 0..parts_skipped {
        address <<= 16;
    }
    for part in &parts[parts.len() - parts_low..] {
        address = (address << 16) | u128::from(parse_hextet(part)?);
    }
    Some(address)
}

/// `str(IPv6Address)`: hextets in lowercase hex, the longest run (of at least two) of
/// zero hextets compressed to `::`.
fn format_ipv6(address: u128) -> String {
    let hextets: Vec<u16> = (0..8).rev().map(|index| (address >> (index * 16)) as u16).collect();
    let (mut best_start, mut best_length) = (None, 0);
    let (mut run_start, mut run_length) = (0, 0);
    for (index, hextet) in hextets.iter().enumerate() {
        if *hextet == 0 {
            if run_length == 0 {
                run_start = index;
            }
            run_length += 1;
            if run_length > best_length {
                best_start = Some(run_start);
                best_length = run_length;
            }
        } else {
            run_length = 0;
        }
    }
    let text: Vec<String> = hextets.iter().map(|hextet| format!("{hextet:x}")).collect();
    match best_start {
        Some(start) if best_length > 1 => {
            let head = text[..start].join(":");
            let tail = text[start + best_length..].join(":");
            format!("{head}::{tail}")
        }
        _ => text.join(":"),
    }
}

fn parse_ipv6_network(text: &str) -> Result<String, Failure> {
    let (address, prefix) = split_address_prefix(text)?;
    let (address, scope) = match address.split_once('%') {
        Some((_, scope)) if scope.is_empty() || scope.contains('%') => return Err(Failure::Invalid),
        Some((address, scope)) => (address, Some(scope)),
        None => (address, None),
    };
    let address = parse_ipv6_address(address).ok_or(Failure::Invalid)?;
    let prefix_length = match prefix {
        Some(prefix) if ascii_digits(prefix) => {
            prefix.parse::<u32>().ok().filter(|value| *value <= 128).ok_or(Failure::Invalid)?
        }
        Some(_) => return Err(Failure::Invalid),
        None => 128,
    };
    let mask = if prefix_length == 0 { 0 } else { u128::MAX << (128 - prefix_length) };
    let scope = scope.map(|scope| format!("%{scope}")).unwrap_or_default();
    let shown = format!("{}{scope}/{prefix_length}", format_ipv6(address));
    if address & mask != address {
        return Err(Failure::HostBitsSet(format!("{shown} has host bits set")));
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected texts from Python 3.11's `ipaddress.ip_network`.
    #[test]
    fn matches_python_ip_network() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("10.0.0", Err("'10.0.0' does not appear to be an IPv4 or IPv6 network")),
            ("10.0.0.256", Err("'10.0.0.256' does not appear to be an IPv4 or IPv6 network")),
            ("x", Err("'x' does not appear to be an IPv4 or IPv6 network")),
            ("10.20.0.1/16", Err("10.20.0.1/16 has host bits set")),
            ("10.0.0.0/33", Err("'10.0.0.0/33' does not appear to be an IPv4 or IPv6 network")),
            ("10.0.0.0/255.255.0.0", Ok("10.0.0.0/16")),
            ("10.0.0.0/0.0.255.255", Ok("10.0.0.0/16")),
            ("10.0.0.0/255.0.255.0", Err("'10.0.0.0/255.0.255.0' does not appear to be an IPv4 or IPv6 network")),
            ("::/0", Ok("v6 ::/0")),
            ("fd00::1/64", Err("fd00::1/64 has host bits set")),
            ("fd00::/64", Ok("v6 fd00::/64")),
            ("10.0.0.0/16/1", Err("'10.0.0.0/16/1' does not appear to be an IPv4 or IPv6 network")),
            ("", Err("'' does not appear to be an IPv4 or IPv6 network")),
            ("010.0.0.0/16", Err("'010.0.0.0/16' does not appear to be an IPv4 or IPv6 network")),
            ("10.0.0.0/ 16", Err("'10.0.0.0/ 16' does not appear to be an IPv4 or IPv6 network")),
            ("10.0.0.0/+16", Err("'10.0.0.0/+16' does not appear to be an IPv4 or IPv6 network")),
            ("1.2.3.4/16", Err("1.2.3.4/16 has host bits set")),
            ("::ffff:1.2.3.4/120", Err("::ffff:102:304/120 has host bits set")),
            ("fe80::1%eth0/64", Err("fe80::1%eth0/64 has host bits set")),
            ("10.0.0.0/016", Ok("10.0.0.0/16")),
            ("１0.0.0.0/16", Err("'１0.0.0.0/16' does not appear to be an IPv4 or IPv6 network")),
            ("10.0.0.0/", Err("'10.0.0.0/' does not appear to be an IPv4 or IPv6 network")),
            ("10.1.2.3", Ok("10.1.2.3/32")),
            ("1:0:0:1:0:0:0:1/128", Ok("v6 1:0:0:1::1/128")),
        ];
        for (input, expected) in cases {
            let actual = ip_network(input).map(|network| match network {
                IpNetwork::V4(network) => network.to_string(),
                IpNetwork::V6 { text } => format!("v6 {text}"),
            });
            let expected = expected.map(str::to_owned).map_err(str::to_owned);
            assert_eq!(actual, expected, "{input}");
        }
    }

    #[test]
    fn subnet_and_overlap_arithmetic() {
        let network = |text: &str| match ip_network(text) {
            Ok(IpNetwork::V4(network)) => network,
            other => panic!("{text}: {other:?}"),
        };
        assert!(network("10.0.1.0/24").subnet_of(&network("10.0.0.0/16")));
        assert!(!network("10.1.0.0/24").subnet_of(&network("10.0.0.0/16")));
        assert!(network("10.0.0.0/16").subnet_of(&PRIVATE_RANGES[0]));
        assert!(!network("172.32.0.0/16").subnet_of(&PRIVATE_RANGES[1]));
        assert!(network("10.0.0.0/23").overlaps(&network("10.0.1.0/24")));
        assert!(network("10.0.1.0/24").overlaps(&network("10.0.0.0/23")));
        assert!(!network("10.0.2.0/24").overlaps(&network("10.0.0.0/23")));
        assert_eq!(network("0.0.0.0/0").broadcast_address(), u32::MAX);
    }
}
