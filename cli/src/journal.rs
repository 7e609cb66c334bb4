//! The journal (`--journal DIR`, with `--wg`): applying a new PSK can never lose the tunnel.
//!
//! Each side writes, before it acts, one file per WireGuard peer (0600, atomic, it holds keys):
//!
//! 1. **pending**, with the peer's previous PSK and the new one, before the side sends its
//!    confirmation (client) or applies (server);
//! 2. **applied**, with the time, once the new PSK is given to WireGuard;
//! 3. then it watches `wg show IFACE latest-handshakes` for that peer. A handshake dated more
//!    than [`MARGIN_SECS`] after the apply time completes the rotation (the file is wiped and
//!    removed). If none comes within `--rollback-after` seconds of the apply, the previous PSK
//!    is put back (in the `--psk` file written in the same exchange too), logged, and the file
//!    removed.
//!
//! Both sides follow the same rule, so a key only one side applied is undone on that side, and
//! a key both applied stays once it has worked. After a crash, the next start reads the
//! journal: a pending entry whose new key WireGuard does not have is dropped (nothing was
//! applied here); one whose key it has is treated as applied now; an applied one is watched to
//! its deadline. So every crash point ends, without a person, on a key both sides hold.
//!
//! The default bound, 190 s: WireGuard starts a new handshake only when it has a packet to
//! send (or receive) and its session is due: the initiator of the session rekeys once it is
//! REKEY_AFTER_TIME (120 s) old, the responder once it is 165 s old (REJECT_AFTER_TIME 180 s
//! minus KEEPALIVE_TIMEOUT 10 s minus REKEY_TIMEOUT 5 s), and a session older than
//! REJECT_AFTER_TIME (or none) is replaced at the first packet. A failed initiation is retried
//! every REKEY_TIMEOUT (5 s). Changing the PSK does not end the session in use (neither the
//! kernel nor wireguard-go drops it), so a handshake with the new key begins at most 180 s
//! after it is applied if packets flow, and two REKEY_TIMEOUTs more let it complete (or a retry,
//! if the other side applied a moment later).
//!
//! Packets must flow, so the client makes them: while it watches, it **nudges** the tunnel with
//! one small UDP datagram per second to an address WireGuard routes to the peer (the server's
//! address when the exchange ran inside the tunnel, else a host in the peer's allowed-ips; see
//! `wg::nudge_target`). The nudges start once the margin after the client's apply is over, so
//! the handshake they cause counts on both sides. So an idle tunnel rotates too: soon when no
//! session is alive (an exchange over another channel, or a tunnel idle for 180 s), else when
//! the session that carried the exchange is 120 s old (165 s if the server started it). The
//! cost: about one 100-byte packet per second on the wire (11 bytes of payload, 80 of IP, UDP
//! and WireGuard overhead, padding) for that time, and an ICMP "port unreachable" back from a
//! server that drops it, until the handshake is seen; nothing is sent once it has been. The
//! nudge target is kept in the journal, so `recover` nudges too. The server does not nudge;
//! the client's traffic is enough for both, and a handshake is what both sides watch for.
//!
//! **The margin** ([`MARGIN_SECS`], 5 s). `latest-handshakes` says when a handshake completed,
//! not with which key. For the side that *initiated* it the answer is the key it holds then:
//! the PSK is mixed in last (Noise IKpsk2), when the initiator consumes the response. For the
//! *responder* it is not: the responder mixes its PSK in when it makes the response, but both
//! the kernel (`wg_packet_consume_data_done`) and wireguard-go (`ReceivedWithKeypair`) date the
//! handshake only when the initiator's first packet under the new session arrives, one round
//! trip later. So a handshake whose response was made with the old PSK just before the apply
//! can be dated after it. Were it counted, a server could keep the new key on the strength of
//! an old-key handshake while the client, crashed before it applied, recovers to the old key
//! (or a client could keep it, stop nudging, and leave the server to roll back): a lock-out.
//! The initiator sends that first packet (queued data, else a keepalive) the moment it has the
//! response, so the gap is one round trip; WireGuard itself gives a handshake round trip
//! REKEY_TIMEOUT (5 s) before it retries, so both sides count only a handshake dated more than
//! 5 s after their apply, and the client nudges only after that. A handshake inside the margin
//! is ignored on both sides (the client applied later than the server, so whatever the client
//! counts the server counts too), and the next one comes by the session's age, within the
//! bound. The cost is 5 s more for an idle rotation. With a `--rollback-after` of 5 s or less no
//! handshake can count: every rotation rolls back (the tests' rollback runs rely on it).

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pqpsk::Psk;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::fail::{event, Code, Failure, Outcome};
use crate::status::Status;
use crate::{files, wg, Ui};

/// The default `--rollback-after`, in seconds (see the module docs).
pub const DEFAULT_BOUND_SECS: u64 = 190;
/// A handshake counts only if `wg show` dates it more than this many seconds after the apply
/// (see "The margin" in the module docs): WireGuard's REKEY_TIMEOUT.
pub const MARGIN_SECS: u64 = 5;
/// How often the handshake time is read while watching.
const POLL: Duration = Duration::from_millis(500);
const MAGIC: &str = "pqpsk-journal 1";

/// Crash points for the fault-injection run: `PQPSK_CRASH_AT=NAME` makes the process send
/// itself SIGKILL there (no destructors, no cleanup: what a kill -9 or a power cut leaves), or
/// abort where `kill` cannot be run.
pub fn crash_point(name: &str) {
    if std::env::var_os("PQPSK_CRASH_AT").is_some_and(|v| v == name) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        std::process::abort();
    }
}

/// How often the client nudges the tunnel while it watches (see the module docs).
const NUDGE_EVERY: Duration = Duration::from_secs(1);
/// How long `begin_client` may spend resolving the server's name again for the nudge target.
const NUDGE_RESOLVE: Duration = Duration::from_secs(2);
/// What a nudge carries: nothing anyone needs to read; the server drops it.
const NUDGE_PAYLOAD: &[u8] = b"pqpsk nudge";

/// Sends a datagram through the tunnel every [`NUDGE_EVERY`], so that WireGuard has traffic to
/// send and starts the handshake its timers call for (see the module docs).
struct Nudger {
    socket: Option<UdpSocket>,
    target: SocketAddr,
    last: Option<Instant>,
    /// A send failure is logged once, not every second.
    failed: bool,
}

impl Nudger {
    fn new(target: SocketAddr, iface: &str, peer: &str, ui: Ui) -> Nudger {
        let local: SocketAddr = if target.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = match UdpSocket::bind(local) {
            Ok(socket) => Some(socket),
            Err(e) => {
                ui.error(&format!(
                    "[{}] cannot open a socket to nudge peer {peer} on {iface}: {e}",
                    event::NO_NUDGE
                ));
                None
            }
        };
        if socket.is_some() {
            ui.log(&format!(
                "[{}] peer {peer} on {iface}: sending a datagram to {target} every {} s through \
                 the tunnel until a handshake with the new PSK",
                event::NUDGING,
                NUDGE_EVERY.as_secs()
            ));
        }
        Nudger {
            socket,
            target,
            last: None,
            failed: false,
        }
    }

    fn nudge(&mut self, ui: Ui) {
        let Some(socket) = &self.socket else { return };
        if self.last.is_some_and(|at| at.elapsed() < NUDGE_EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        if let Err(e) = socket.send_to(NUDGE_PAYLOAD, self.target) {
            if !self.failed {
                self.failed = true;
                ui.error(&format!(
                    "[{}] nudging {}: {e} (still watching)",
                    event::NO_NUDGE,
                    self.target
                ));
            }
        }
    }
}

/// Puts the previous key back in the `--psk` file (atomic, 0600, never through a symbolic link),
/// or removes the file if WireGuard had no PSK before: the file follows WireGuard's key. Done
/// before the journal entry goes, so a crash here is redone on the next start.
fn restore_psk_file(path: &Path, previous: Option<&Psk>) -> Outcome<()> {
    files::check_output(path, "PSK file")?;
    match previous {
        Some(psk) => crate::deliver_psk(path, psk),
        None => match files::wipe_in_place(path).and_then(|()| std::fs::remove_file(path)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Failure::new(
                Code::Io,
                format!("removing PSK file {}: {e}", path.display()),
            )),
        },
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn state_error(path: &Path, what: &str) -> Failure {
    Failure::new(Code::State, format!("journal {}: {what}", path.display()))
}

/// One peer's rotation in progress.
struct Entry {
    iface: String,
    peer: String,
    previous: Option<Psk>,
    new: Psk,
    /// When the new key was given to WireGuard (`None`: pending).
    applied_at: Option<u64>,
    /// The client's nudge target (see the module docs); the server has none.
    nudge: Option<SocketAddr>,
    /// The `--psk` file written in the same exchange (absolute): a rollback puts the previous
    /// key there too, so the file always holds the key WireGuard has.
    psk_file: Option<PathBuf>,
}

/// A path as one line of the journal: hex of its bytes (any byte may be in a path).
fn path_to_hex(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn path_from_hex(text: &str) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    let path = PathBuf::from(std::ffi::OsString::from_vec(bytes));
    path.is_absolute().then_some(path)
}

impl Entry {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let previous = match &self.previous {
            Some(p) => p.to_base64().as_str().to_string(),
            None => "none".to_string(),
        };
        let nudge = self
            .nudge
            .map_or_else(|| "none".to_string(), |a| a.to_string());
        let psk_file = self
            .psk_file
            .as_deref()
            .map_or_else(|| "none".to_string(), path_to_hex);
        let text = Zeroizing::new(format!(
            "{MAGIC}\niface {}\npeer {}\nprevious {previous}\nnew {}\napplied_at {}\n\
             nudge {nudge}\npsk_file {psk_file}\n",
            self.iface,
            self.peer,
            self.new.to_base64().as_str(),
            self.applied_at.unwrap_or(0)
        ));
        let mut previous = previous;
        zeroize::Zeroize::zeroize(&mut previous);
        Zeroizing::new(text.as_bytes().to_vec())
    }

    fn decode(text: &str, path: &Path) -> Outcome<Entry> {
        let bad = |what: &str| state_error(path, what);
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err(bad("not a pqpsk journal"));
        }
        let mut field = |name: &str| -> Outcome<String> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_string)
                .ok_or_else(|| bad(&format!("missing or misplaced field {name}")))
        };
        let iface = field("iface")?;
        let peer = field("peer")?;
        let previous = Zeroizing::new(field("previous")?);
        let new = Zeroizing::new(field("new")?);
        let applied_at = field("applied_at")?;
        // Absent in entries written before nudges existed.
        let nudge = match lines.next() {
            None => None,
            Some(line) => match line.strip_prefix("nudge ") {
                Some("none") => None,
                Some(addr) => Some(addr.parse().map_err(|_| bad("bad nudge address"))?),
                None => return Err(bad("misplaced field after applied_at")),
            },
        };
        // Absent in entries written before the PSK file was journalled.
        let psk_file = match lines.next() {
            None => None,
            Some(line) => match line.strip_prefix("psk_file ") {
                Some("none") => None,
                Some(hex) => Some(path_from_hex(hex).ok_or_else(|| bad("bad psk_file path"))?),
                None => return Err(bad("misplaced field after nudge")),
            },
        };
        if lines.next().is_some() {
            return Err(bad("trailing lines"));
        }
        wg::check_interface(&iface).map_err(|_| bad("bad interface name"))?;
        wg::check_public_key(&peer).map_err(|_| bad("bad peer key"))?;
        let previous = match previous.as_str() {
            "none" => None,
            text => Some(Psk::from_base64(text).map_err(|_| bad("bad previous key"))?),
        };
        let new = Psk::from_base64(&new).map_err(|_| bad("bad new key"))?;
        let applied_at: u64 = applied_at.parse().map_err(|_| bad("bad applied_at"))?;
        Ok(Entry {
            iface,
            peer,
            previous,
            new,
            applied_at: (applied_at != 0).then_some(applied_at),
            nudge,
            psk_file,
        })
    }
}

/// How a watched rotation ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Watched {
    /// A handshake with the new key completed.
    Completed,
    /// None did within the bound: the previous key is back.
    RolledBack,
}

/// The journal directory and the rollback bound.
pub struct Journal {
    dir: PathBuf,
    bound: Duration,
}

impl Journal {
    pub fn new(dir: PathBuf, bound: Duration) -> Outcome<Journal> {
        if !dir.is_dir() {
            return Err(Failure::new(
                Code::Io,
                format!("--journal {}: not a directory", dir.display()),
            ));
        }
        Ok(Journal { dir, bound })
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, iface: &str, peer: &str) -> PathBuf {
        let digest = Sha256::digest(peer.as_bytes());
        let tag: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{iface}.{tag}.journal"))
    }

    /// Updates the peer's status file (public data: state, fingerprint, last error). A status
    /// that cannot be written is logged, never fatal: the journal is what matters.
    pub fn note(&self, iface: &str, peer: &str, ui: Ui, update: impl FnOnce(&mut Status)) {
        let path = Status::path_for(&self.path(iface, peer));
        let mut status = Status::load(&path, iface, peer);
        update(&mut status);
        if let Err(f) = status.store(&path) {
            ui.error(&format!("[{}] {f}", event::JOURNAL_ERROR));
        }
    }

    fn write(&self, entry: &Entry) -> Outcome<()> {
        let path = self.path(&entry.iface, &entry.peer);
        files::check_output(&path, "journal")?;
        files::write_atomic(&path, &entry.encode()).map_err(|f| f.context("writing journal"))
    }

    fn read(path: &Path) -> Outcome<Entry> {
        let file = files::open_secret(path, "journal", Code::State)?;
        let bytes = files::read_secret(&file, path, "journal", 4096)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| state_error(path, "not text"))?;
        Entry::decode(text, path)
    }

    fn remove(path: &Path) {
        let _ = files::wipe_in_place(path);
        let _ = std::fs::remove_file(path);
    }

    /// Step 1 (server): records the peer's current key and the new one, before this side
    /// applies, and the `--psk` file (if any) the exchange will write.
    pub fn begin(
        &self,
        iface: &str,
        peer: &str,
        suite: &str,
        new: &Psk,
        psk_file: Option<&Path>,
        ui: Ui,
    ) -> Outcome<()> {
        self.begin_entry(iface, peer, suite, new, None, psk_file, ui)
    }

    /// Step 1 (client): as [`Journal::begin`], before the client confirms, with where it will
    /// nudge the tunnel while it watches (worked out from `server`, the address it exchanged
    /// with; a failure here only costs the nudges, so it is logged and the rotation goes on).
    #[allow(clippy::too_many_arguments)]
    pub fn begin_client(
        &self,
        iface: &str,
        peer: &str,
        suite: &str,
        new: &Psk,
        server: &str,
        psk_file: Option<&Path>,
        ui: Ui,
    ) -> Outcome<()> {
        let deadline = Instant::now() + NUDGE_RESOLVE;
        let target = crate::net::resolve(server, deadline)
            .and_then(|addresses| {
                addresses
                    .first()
                    .copied()
                    .ok_or_else(|| Failure::new(Code::Network, format!("{server}: no address")))
            })
            .and_then(|server| wg::nudge_target(iface, peer, server));
        let nudge = match target {
            Ok(Some(target)) => Some(target),
            Ok(None) => {
                ui.error(&format!(
                    "[{}] peer {peer} on {iface} has no allowed-ips address to nudge: a \
                     handshake with the new PSK needs other traffic",
                    event::NO_NUDGE
                ));
                None
            }
            Err(f) => {
                ui.error(&format!(
                    "[{}] cannot work out where to nudge peer {peer} on {iface}: {f}",
                    event::NO_NUDGE
                ));
                None
            }
        };
        self.begin_entry(iface, peer, suite, new, nudge, psk_file, ui)
    }

    #[allow(clippy::too_many_arguments)]
    fn begin_entry(
        &self,
        iface: &str,
        peer: &str,
        suite: &str,
        new: &Psk,
        nudge: Option<SocketAddr>,
        psk_file: Option<&Path>,
        ui: Ui,
    ) -> Outcome<()> {
        let previous = wg::preshared_key(iface, peer)?;
        // Absolute, so that `recover` from another directory finds it; `-` (stdout) is not a
        // file to roll back.
        let psk_file = match psk_file.filter(|p| !files::is_stdio(p)) {
            Some(path) => Some(std::path::absolute(path).map_err(|e| {
                Failure::new(Code::Io, format!("PSK file {}: {e}", path.display()))
            })?),
            None => None,
        };
        self.write(&Entry {
            iface: iface.to_string(),
            peer: peer.to_string(),
            previous,
            new: new.clone(),
            applied_at: None,
            nudge,
            psk_file,
        })?;
        self.note(iface, peer, ui, |s| {
            s.suite = suite.to_string();
            s.state = "pending".into();
        });
        Ok(())
    }

    /// Nothing was applied on this side after all (the exchange failed): forgets the entry.
    pub fn abandon(&self, iface: &str, peer: &str) {
        Self::remove(&self.path(iface, peer));
    }

    /// Step 2: the new key has been given to WireGuard.
    pub fn applied(&self, iface: &str, peer: &str, ui: Ui) -> Outcome<()> {
        let path = self.path(iface, peer);
        let mut entry = Self::read(&path)?;
        entry.applied_at = Some(now());
        self.write(&entry)?;
        self.note(iface, peer, ui, |s| s.state = "applied".into());
        Ok(())
    }

    /// An exchange for the peer failed: its status keeps the message.
    pub fn failed(&self, iface: &str, peer: &str, message: &str, ui: Ui) {
        self.note(iface, peer, ui, |s| s.last_error = message.to_string());
    }

    /// Step 3: waits for a handshake after the apply, or rolls back at the deadline.
    pub fn watch(&self, iface: &str, peer: &str, ui: Ui) -> Outcome<Watched> {
        let path = self.path(iface, peer);
        let entry = Self::read(&path)?;
        self.watch_entry(&path, &entry, ui)
    }

    fn watch_entry(&self, path: &Path, entry: &Entry, ui: Ui) -> Outcome<Watched> {
        let (iface, peer) = (entry.iface.as_str(), entry.peer.as_str());
        let applied_at = entry.applied_at.unwrap_or_else(now);
        let deadline = applied_at.saturating_add(self.bound.as_secs());
        let counts_after = applied_at.saturating_add(MARGIN_SECS);
        let fingerprint = crate::codec::fingerprint(&entry.new);
        let mut nudger = entry
            .nudge
            .map(|target| Nudger::new(target, iface, peer, ui));
        loop {
            crash_point("watching");
            // Not before the margin is over: a handshake the nudge starts must count on both
            // sides (the server applied first, so its margin ends first).
            if let Some(nudger) = nudger.as_mut().filter(|_| now() > counts_after) {
                nudger.nudge(ui);
            }
            // A handshake in the margin may be one that was in flight with the old key: only a
            // later one proves the new key.
            match wg::latest_handshake(iface, peer) {
                Ok(at) if at > counts_after => {
                    Self::remove(path);
                    self.note(iface, peer, ui, |s| {
                        s.state = "ok".into();
                        s.last_rotation = now();
                        s.fingerprint = fingerprint.clone();
                    });
                    ui.log(&format!(
                        "[{}] peer {peer} on {iface}: handshake with the new PSK (fingerprint \
                         {fingerprint}) {} s after applying it: rotation complete",
                        event::ROTATED,
                        at - applied_at
                    ));
                    return Ok(Watched::Completed);
                }
                Ok(_) => {}
                Err(f) => ui.error(&format!(
                    "[{}] watching the handshake: {f}",
                    event::JOURNAL_ERROR
                )),
            }
            if now() >= deadline {
                break;
            }
            std::thread::sleep(POLL);
        }
        wg::restore_psk(iface, peer, entry.previous.as_ref())
            .map_err(|f| f.context("rolling back to the previous PSK"))?;
        if let Some(path) = &entry.psk_file {
            restore_psk_file(path, entry.previous.as_ref())
                .map_err(|f| f.context("rolling back the PSK file"))?;
        }
        crash_point("rolled-back");
        Self::remove(path);
        self.note(iface, peer, ui, |s| {
            s.state = "rolled-back".into();
            s.last_error = format!(
                "no handshake with the new PSK (fingerprint {fingerprint}) within {} s: \
                 previous PSK restored",
                self.bound.as_secs()
            );
        });
        ui.error(&format!(
            "[{}] peer {peer} on {iface}: no handshake with the new PSK (fingerprint \
             {fingerprint}) within {} s (--rollback-after): previous PSK restored (rolled back)",
            event::ROLLED_BACK,
            self.bound.as_secs()
        ));
        Ok(Watched::RolledBack)
    }

    /// On start: completes or undoes every rotation the journal holds.
    pub fn recover(&self, ui: Ui) -> Outcome<()> {
        let entries = std::fs::read_dir(&self.dir).map_err(|e| {
            Failure::new(
                Code::Io,
                format!("reading journal directory {}: {e}", self.dir.display()),
            )
        })?;
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "journal"))
            .collect();
        paths.sort();
        for path in paths {
            let mut entry = Self::read(&path)?;
            if entry.applied_at.is_none() {
                let current = wg::preshared_key(&entry.iface, &entry.peer)?;
                if current.as_ref() != Some(&entry.new) {
                    ui.log(&format!(
                        "[{}] peer {} on {}: an interrupted rotation never applied its key \
                         here: nothing to undo",
                        event::RECOVERY,
                        entry.peer,
                        entry.iface
                    ));
                    Self::remove(&path);
                    continue;
                }
                // Applied, but the crash came before that was recorded.
                entry.applied_at = Some(now());
                self.write(&entry)?;
            }
            ui.log(&format!(
                "[{}] peer {} on {}: resuming the watch of an interrupted rotation",
                event::RECOVERY,
                entry.peer,
                entry.iface
            ));
            self.watch_entry(&path, &entry, ui)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_decode_strictly() {
        let entry = Entry {
            iface: "wg0".into(),
            peer: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
            previous: None,
            new: Psk::from_bytes([3; 32]),
            applied_at: Some(1_700_000_000),
            nudge: Some("10.0.0.1:7700".parse().unwrap()),
            psk_file: Some(PathBuf::from("/var/lib/pqpsk/a b\nc.psk")),
        };
        let bytes = entry.encode();
        let text = std::str::from_utf8(&bytes).unwrap();
        let back = Entry::decode(text, Path::new("j")).unwrap();
        assert_eq!(back.iface, "wg0");
        assert!(back.previous.is_none() && back.new == entry.new);
        assert_eq!(back.applied_at, Some(1_700_000_000));
        assert_eq!(back.nudge, entry.nudge);
        assert_eq!(back.psk_file, entry.psk_file);
        let hex = path_to_hex(entry.psk_file.as_deref().unwrap());
        // An entry written before the PSK file was journalled has no psk_file line; one written
        // before nudges existed has neither.
        let no_file = text.replace(&format!("psk_file {hex}\n"), "");
        assert_eq!(
            Entry::decode(&no_file, Path::new("j")).unwrap().psk_file,
            None
        );
        let old = no_file.replace("nudge 10.0.0.1:7700\n", "");
        assert_eq!(Entry::decode(&old, Path::new("j")).unwrap().nudge, None);
        let none = text.replace("nudge 10.0.0.1:7700", "nudge none");
        assert_eq!(Entry::decode(&none, Path::new("j")).unwrap().nudge, None);
        for bad in [
            text.replace("pqpsk-journal 1", "x"),
            text.replace("iface wg0", "iface -x"),
            text.replace("applied_at 1700000000", "applied_at soon"),
            text.lines().take(3).collect::<Vec<_>>().join("\n"),
            text.replace("nudge 10.0.0.1:7700", "nudge somewhere"),
            text.replace("nudge 10.0.0.1:7700", "later 10.0.0.1:7700"),
            text.replace(&hex, "2f7"),
            text.replace(&hex, "zz"),
            text.replace(&hex, ""),
            text.replace(&hex, &path_to_hex(Path::new("relative.psk"))),
            text.replace("psk_file", "psk"),
            format!("{text}extra\n"),
        ] {
            assert_eq!(
                Entry::decode(&bad, Path::new("j")).err().unwrap().code,
                Code::State
            );
        }
    }
}
