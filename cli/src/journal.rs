//! The journal (`--journal DIR`, with `--wg`): applying a new PSK can never lose the tunnel.
//!
//! Each side writes, before it acts, one file per WireGuard peer (0600, atomic, it holds keys):
//!
//! 1. **pending**, with the peer's previous PSK and the new one, before the side sends its
//!    confirmation (client) or applies (server);
//! 2. **applied**, with the time, once the new PSK is given to WireGuard;
//! 3. then it watches `wg show IFACE latest-handshakes` for that peer. A handshake after the
//!    apply time completes the rotation (the file is wiped and removed). If none comes within
//!    `--rollback-after` seconds, the previous PSK is put back, logged, and the file removed.
//!
//! Both sides follow the same rule, so a key only one side applied is undone on that side, and
//! a key both applied stays once it has worked. After a crash, the next start reads the
//! journal: a pending entry whose new key WireGuard does not have is dropped (nothing was
//! applied here); one whose key it has is treated as applied now; an applied one is watched to
//! its deadline. So every crash point ends, without a person, on a key both sides hold.
//!
//! The default bound, 190 s: with traffic flowing, WireGuard starts a new handshake once the
//! session is REKEY_AFTER_TIME (120 s) old, and no session outlives REJECT_AFTER_TIME (180 s);
//! a failed initiation is retried every REKEY_TIMEOUT (5 s). So a handshake with the new key
//! begins at most 180 s after it is applied, and two REKEY_TIMEOUTs more let it complete (or a
//! retry, if the other side applied a moment later). An idle tunnel (no traffic, no persistent
//! keepalive) makes no handshake: both sides then roll back, which is safe but does not rotate,
//! so set `PersistentKeepalive` on tunnels that rotate.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pqpsk::Psk;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::fail::{Code, Failure, Outcome};
use crate::status::Status;
use crate::{files, wg, Ui};

/// The default `--rollback-after`, in seconds (see the module docs).
pub const DEFAULT_BOUND_SECS: u64 = 190;
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
}

impl Entry {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let previous = match &self.previous {
            Some(p) => p.to_base64().as_str().to_string(),
            None => "none".to_string(),
        };
        let text = Zeroizing::new(format!(
            "{MAGIC}\niface {}\npeer {}\nprevious {previous}\nnew {}\napplied_at {}\n",
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
            ui.error(&format!("{f}"));
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

    /// Step 1: records the peer's current key and the new one, before this side confirms or
    /// applies.
    pub fn begin(&self, iface: &str, peer: &str, suite: &str, new: &Psk, ui: Ui) -> Outcome<()> {
        let previous = wg::preshared_key(iface, peer)?;
        self.write(&Entry {
            iface: iface.to_string(),
            peer: peer.to_string(),
            previous,
            new: new.clone(),
            applied_at: None,
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
        let fingerprint = crate::codec::fingerprint(&entry.new);
        loop {
            crash_point("watching");
            // A handshake in the same second as the apply may have used the old key: only a
            // later one proves the new key.
            match wg::latest_handshake(iface, peer) {
                Ok(at) if at > applied_at => {
                    Self::remove(path);
                    self.note(iface, peer, ui, |s| {
                        s.state = "ok".into();
                        s.last_rotation = now();
                        s.fingerprint = fingerprint.clone();
                    });
                    ui.log(&format!(
                        "peer {peer} on {iface}: handshake with the new PSK (fingerprint \
                         {fingerprint}) {} s after applying it: rotation complete",
                        at - applied_at
                    ));
                    return Ok(Watched::Completed);
                }
                Ok(_) => {}
                Err(f) => ui.error(&format!("watching the handshake: {f}")),
            }
            if now() >= deadline {
                break;
            }
            std::thread::sleep(POLL);
        }
        wg::restore_psk(iface, peer, entry.previous.as_ref())
            .map_err(|f| f.context("rolling back to the previous PSK"))?;
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
            "peer {peer} on {iface}: no handshake with the new PSK (fingerprint {fingerprint}) \
             within {} s (--rollback-after): previous PSK restored (rolled back)",
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
                        "peer {} on {}: an interrupted rotation never applied its key here: \
                         nothing to undo",
                        entry.peer, entry.iface
                    ));
                    Self::remove(&path);
                    continue;
                }
                // Applied, but the crash came before that was recorded.
                entry.applied_at = Some(now());
                self.write(&entry)?;
            }
            ui.log(&format!(
                "peer {} on {}: resuming the watch of an interrupted rotation",
                entry.peer, entry.iface
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
        };
        let bytes = entry.encode();
        let text = std::str::from_utf8(&bytes).unwrap();
        let back = Entry::decode(text, Path::new("j")).unwrap();
        assert_eq!(back.iface, "wg0");
        assert!(back.previous.is_none() && back.new == entry.new);
        assert_eq!(back.applied_at, Some(1_700_000_000));
        for bad in [
            text.replace("pqpsk-journal 1", "x"),
            text.replace("iface wg0", "iface -x"),
            text.replace("applied_at 1700000000", "applied_at soon"),
            text.lines().take(3).collect::<Vec<_>>().join("\n"),
        ] {
            assert_eq!(
                Entry::decode(&bad, Path::new("j")).err().unwrap().code,
                Code::State
            );
        }
    }
}
