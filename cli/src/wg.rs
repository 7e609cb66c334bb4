//! Handing a PSK to WireGuard through the `wg` tool.
//!
//! The key never appears in argv (visible to every user in `ps`): `wg set IFACE peer PUBKEY
//! preshared-key /dev/stdin` reads it from a pipe. The `wg` program can be replaced with the
//! environment variable `PQPSK_WG` (tests use this; so can systems with `wg` off the PATH).

use std::ffi::OsString;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};

use pqpsk::Psk;

use crate::fail::{Code, Failure, Outcome};

fn wg_program() -> OsString {
    std::env::var_os("PQPSK_WG").unwrap_or_else(|| OsString::from("wg"))
}

fn failure(message: String) -> Failure {
    Failure::new(Code::WireGuard, message)
}

/// Checks an interface name before it goes into a command line (IFNAMSIZ is 16 with the NUL).
pub fn check_interface(name: &str) -> Outcome<()> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && !name.starts_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.=+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Failure::new(
            Code::Usage,
            format!("{name:?} is not a valid interface name"),
        ))
    }
}

/// Checks that `key` is a WireGuard public key: 44 characters of canonical base64.
pub fn check_public_key(key: &str) -> Outcome<()> {
    // The same text form as a PSK: 32 bytes in standard base64.
    Psk::from_base64(key).map(|_| ()).map_err(|e| {
        Failure::new(
            Code::Usage,
            format!("--peer {key:?} is not a WireGuard public key: {e}"),
        )
    })
}

/// The public key of the peer of `iface` whose allowed-ips contain `address` (longest prefix
/// wins, as WireGuard routes), from `wg show IFACE allowed-ips`.
pub fn peer_for_address(iface: &str, address: IpAddr) -> Outcome<String> {
    peer_in(&allowed_ips(iface)?, iface, address)
}

/// What `wg show IFACE allowed-ips` prints (for [`peer_in`]).
pub fn allowed_ips(iface: &str) -> Outcome<String> {
    show(iface, "allowed-ips").map(|text| text.as_str().to_string())
}

/// [`peer_for_address`] over a listing from [`allowed_ips`].
pub fn peer_in(listing: &str, iface: &str, address: IpAddr) -> Outcome<String> {
    best_peer(listing, address).ok_or_else(|| {
        failure(format!(
            "no peer of {iface} has an allowed-ips range containing {address}"
        ))
    })
}

/// Where the client sends its nudges while it watches for a handshake with a new key (see
/// `crate::journal`): an address that WireGuard routes to `peer` on `iface`. The server's own
/// address when one of the peer's allowed-ips ranges contains it (the exchange ran inside the
/// tunnel, as README recommends), else a host in the peer's first range (an exchange over
/// another channel), with the server's port (any port does: the datagram only has to enter the
/// tunnel). `None` when the peer has no range that can take a datagram.
pub fn nudge_target(iface: &str, peer: &str, server: SocketAddr) -> Outcome<Option<SocketAddr>> {
    let text = show(iface, "allowed-ips")?;
    Ok(pick_nudge_target(&text, peer, server))
}

/// [`nudge_target`] over a `wg show IFACE allowed-ips` listing.
fn pick_nudge_target(listing: &str, peer: &str, server: SocketAddr) -> Option<SocketAddr> {
    let ranges: Vec<(IpAddr, u8)> = listing
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some(peer)).then_some(words)
        })
        .flatten()
        .filter_map(parse_range)
        .collect();
    let ip = canonical(server.ip());
    if ranges
        .iter()
        .any(|&(net, prefix)| contains(net, prefix, ip))
    {
        return Some(SocketAddr::new(ip, server.port()));
    }
    ranges
        .iter()
        .find_map(|&(net, prefix)| host_in(net, prefix))
        .map(|host| SocketAddr::new(host, server.port()))
}

/// A unicast host address inside `net/prefix`: the address itself for a host range, else the
/// first one after the network address. `None` for a range too wide to name a host (a /0,
/// which always contains the server's address anyway) or one that gives no usable address.
fn host_in(net: IpAddr, prefix: u8) -> Option<IpAddr> {
    if prefix == 0 {
        return None;
    }
    let host = match net {
        IpAddr::V4(n) if prefix >= 31 => IpAddr::V4(n),
        IpAddr::V4(n) => IpAddr::V4((u32::from(n) | 1).into()),
        IpAddr::V6(n) if prefix >= 127 => IpAddr::V6(n),
        IpAddr::V6(n) => IpAddr::V6((u128::from(n) | 1).into()),
    };
    (!host.is_unspecified() && !host.is_multicast()).then_some(host)
}

/// Longest-prefix match over `wg show IFACE allowed-ips` output: one line per peer, the public
/// key then whitespace-separated `ADDRESS/PREFIX` entries (or `(none)`).
fn best_peer(listing: &str, address: IpAddr) -> Option<String> {
    let address = canonical(address);
    let mut best: Option<(u8, &str)> = None;
    for line in listing.lines() {
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else { continue };
        for range in words {
            let Some((net, prefix)) = parse_range(range) else {
                continue;
            };
            if contains(net, prefix, address) && best.is_none_or(|(p, _)| prefix > p) {
                best = Some((prefix, key));
            }
        }
    }
    best.map(|(_, key)| key.to_string())
}

/// An IPv4-mapped IPv6 address (a dual-stack listener) as plain IPv4.
pub fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

fn parse_range(text: &str) -> Option<(IpAddr, u8)> {
    let (net, prefix) = text.split_once('/')?;
    let net: IpAddr = net.parse().ok()?;
    let prefix: u8 = prefix.parse().ok()?;
    let max = if net.is_ipv4() { 32 } else { 128 };
    (prefix <= max).then_some((net, prefix))
}

fn contains(net: IpAddr, prefix: u8, address: IpAddr) -> bool {
    let (net, address, bits) = match (net, address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let host_bits = bits - u32::from(prefix);
    // A /0 range has no network bits: checked_shl(128) is None.
    let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
    let mask = if bits == 32 {
        mask & u128::from(u32::MAX)
    } else {
        mask
    };
    net & mask == address & mask
}

/// What `wg show IFACE WHAT` prints (wiped when dropped: `preshared-keys` lists secrets).
fn show(iface: &str, what: &str) -> Outcome<zeroize::Zeroizing<String>> {
    let mut output = Command::new(wg_program())
        .args(["show", iface, what])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| failure(format!("running `wg show {iface} {what}`: {e}")))?;
    let text = zeroize::Zeroizing::new(String::from_utf8_lossy(&output.stdout).into_owned());
    zeroize::Zeroize::zeroize(&mut output.stdout);
    if !output.status.success() {
        return Err(failure(format!(
            "`wg show {iface} {what}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(text)
}

/// The value `wg show IFACE WHAT` prints for `peer` (lines of `PUBKEY<tab>VALUE`).
fn show_value(iface: &str, what: &str, peer: &str) -> Outcome<String> {
    let text = show(iface, what)?;
    text.lines()
        .find_map(|line| {
            let (key, value) = line.split_once(char::is_whitespace)?;
            (key == peer).then(|| value.trim().to_string())
        })
        .ok_or_else(|| failure(format!("`wg show {iface} {what}` lists no peer {peer}")))
}

/// The pre-shared key `peer` on `iface` has now (`None`: it has none).
pub fn preshared_key(iface: &str, peer: &str) -> Outcome<Option<Psk>> {
    let value = zeroize::Zeroizing::new(show_value(iface, "preshared-keys", peer)?);
    if value.as_str() == "(none)" {
        return Ok(None);
    }
    Psk::from_base64(&value)
        .map(Some)
        .map_err(|e| failure(format!("`wg show {iface} preshared-keys`: {e}")))
}

/// When `peer` on `iface` last completed a handshake (Unix seconds; 0: never).
pub fn latest_handshake(iface: &str, peer: &str) -> Outcome<u64> {
    let value = show_value(iface, "latest-handshakes", peer)?;
    value.parse().map_err(|_| {
        failure(format!(
            "`wg show {iface} latest-handshakes`: {value:?} is not a time"
        ))
    })
}

/// Puts back a previous key (`None`: no pre-shared key, set from an empty file).
pub fn restore_psk(iface: &str, peer: &str, psk: Option<&Psk>) -> Outcome<()> {
    match psk {
        Some(psk) => set_psk(iface, peer, psk),
        None => {
            let what = format!("`wg set {iface} peer {peer} preshared-key /dev/null`");
            let output = Command::new(wg_program())
                .args(["set", iface, "peer", peer, "preshared-key", "/dev/null"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| failure(format!("running {what}: {e}")))?;
            if output.status.success() {
                Ok(())
            } else {
                Err(failure(format!(
                    "{what} failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                )))
            }
        }
    }
}

/// Gives `peer` on `iface` the pre-shared key `psk`, through a pipe.
pub fn set_psk(iface: &str, peer: &str, psk: &Psk) -> Outcome<()> {
    let what = format!("`wg set {iface} peer {peer} preshared-key /dev/stdin`");
    let mut child = Command::new(wg_program())
        .args(["set", iface, "peer", peer, "preshared-key", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failure(format!("running {what}: {e}")))?;
    let text = psk.to_base64();
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin
            .write_all(text.as_str().as_bytes())
            .and_then(|()| stdin.write_all(b"\n")),
        None => Ok(()),
    };
    let output = child
        .wait_with_output()
        .map_err(|e| failure(format!("waiting for {what}: {e}")))?;
    if !output.status.success() {
        return Err(failure(format!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    written.map_err(|e| failure(format!("passing the key to {what}: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const LISTING: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\t10.0.0.2/32 fd00::2/128\n\
        BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\t10.0.0.0/24\n\
        CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=\t(none)\n";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(
            best_peer(LISTING, ip("10.0.0.2")).as_deref(),
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        );
        assert_eq!(
            best_peer(LISTING, ip("10.0.0.7")).as_deref(),
            Some("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=")
        );
        assert_eq!(
            best_peer(LISTING, ip("::ffff:10.0.0.2")).as_deref(),
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        );
        assert_eq!(
            best_peer(LISTING, ip("fd00::2")).as_deref(),
            Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        );
        assert_eq!(best_peer(LISTING, ip("10.0.1.2")), None);
        assert_eq!(best_peer(LISTING, ip("fd00::3")), None);
        assert_eq!(
            best_peer("K\t0.0.0.0/0\n", ip("192.0.2.1")).as_deref(),
            Some("K")
        );
    }

    #[test]
    fn nudges_go_to_the_server_inside_the_tunnel_or_a_host_of_the_peer() {
        let a = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let b = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";
        let c = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCA=";
        let at = |s: &str| -> SocketAddr { s.parse().unwrap() };
        // The server's address is in the peer's range: the nudge follows the exchange's path.
        assert_eq!(
            pick_nudge_target(LISTING, b, at("10.0.0.9:7700")),
            Some(at("10.0.0.9:7700"))
        );
        assert_eq!(
            pick_nudge_target(LISTING, a, at("[::ffff:10.0.0.2]:7700")),
            Some(at("10.0.0.2:7700"))
        );
        // An exchange outside the tunnel: a host of the peer's first range.
        assert_eq!(
            pick_nudge_target(LISTING, a, at("192.0.2.1:7700")),
            Some(at("10.0.0.2:7700"))
        );
        assert_eq!(
            pick_nudge_target(LISTING, b, at("192.0.2.1:7700")),
            Some(at("10.0.0.1:7700"))
        );
        // No range, no such peer, or only a range that names no host.
        assert_eq!(pick_nudge_target(LISTING, c, at("192.0.2.1:7700")), None);
        assert_eq!(pick_nudge_target(LISTING, "nobody", at("10.0.0.9:1")), None);
        assert_eq!(
            pick_nudge_target(&format!("{a}\t0.0.0.0/0\n"), a, at("192.0.2.1:7")),
            Some(at("192.0.2.1:7"))
        );
        assert_eq!(
            pick_nudge_target(&format!("{a}\t::/0\n"), a, at("192.0.2.1:7")),
            None
        );
    }

    #[test]
    fn names_and_keys_are_checked() {
        assert!(check_interface("wg0").is_ok());
        assert!(check_interface("-wg0").is_err());
        assert!(check_interface("a/b").is_err());
        assert!(check_interface("sixteen-chars-xx").is_err());
        assert!(check_public_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").is_ok());
        assert!(check_public_key("--help").is_err());
    }
}
