//! `pqpsk status`: per peer, what the last rotation did, from status files the journal keeps
//! next to its entries (`DIR/IFACE.<peer hash>.status`, public data only: never a key).
//!
//! Machine-readable form (`--machine`): one line per peer, tab-separated like `wg show dump`:
//! interface, peer, suite, last successful rotation (Unix seconds, 0 if none), fingerprint
//! (`-` if none), state (`pending`, `applied`, `ok`, `rolled-back`), last error (`-` if none).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fail::{Code, Failure, Outcome};
use crate::files;

/// One peer's status line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub iface: String,
    pub peer: String,
    pub suite: String,
    pub last_rotation: u64,
    pub fingerprint: String,
    pub state: String,
    pub last_error: String,
}

/// A field as one tab-free, newline-free token (`-` when empty).
fn field(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect();
    if clean.is_empty() {
        "-".into()
    } else {
        clean
    }
}

impl Status {
    pub fn to_line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            field(&self.iface),
            field(&self.peer),
            field(&self.suite),
            self.last_rotation,
            field(&self.fingerprint),
            field(&self.state),
            field(&self.last_error)
        )
    }

    fn from_line(line: &str) -> Option<Status> {
        let parts: Vec<&str> = line.trim_end_matches('\n').split('\t').collect();
        let [iface, peer, suite, last, fingerprint, state, error] = parts.as_slice() else {
            return None;
        };
        let unset = |s: &str| {
            if s == "-" {
                String::new()
            } else {
                s.to_string()
            }
        };
        Some(Status {
            iface: unset(iface),
            peer: unset(peer),
            suite: unset(suite),
            last_rotation: last.parse().ok()?,
            fingerprint: unset(fingerprint),
            state: unset(state),
            last_error: unset(error),
        })
    }

    /// The status file of `iface`/`peer` whose journal entry is `journal_path`.
    pub fn path_for(journal_path: &Path) -> PathBuf {
        journal_path.with_extension("status")
    }

    /// Reads a status file, or a fresh status when there is none (or it is unreadable).
    pub fn load(path: &Path, iface: &str, peer: &str) -> Status {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| Status::from_line(&t))
            .unwrap_or_else(|| Status {
                iface: iface.into(),
                peer: peer.into(),
                ..Status::default()
            })
    }

    pub fn store(&self, path: &Path) -> Outcome<()> {
        let mut line = self.to_line();
        line.push('\n');
        files::write_atomic(path, line.as_bytes()).map_err(|f| f.context("writing status"))
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Every status in `dir`, sorted by file name.
pub fn all(dir: &Path) -> Outcome<Vec<Status>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Failure::new(
            Code::Io,
            format!("reading journal directory {}: {e}", dir.display()),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "status"))
        .collect();
    paths.sort();
    Ok(paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| Status::from_line(&t))
        .collect())
}

/// The human form of one status.
pub fn human(s: &Status) -> String {
    let last = if s.last_rotation == 0 {
        "never".to_string()
    } else {
        format!(
            "{} s ago (Unix time {})",
            now().saturating_sub(s.last_rotation),
            s.last_rotation
        )
    };
    format!(
        "peer {} on {}\n  suite: {}\n  last successful rotation: {last}\n  fingerprint: {}\n  \
         state: {}\n  last error: {}\n",
        s.peer,
        s.iface,
        if s.suite.is_empty() { "-" } else { &s.suite },
        if s.fingerprint.is_empty() {
            "-"
        } else {
            &s.fingerprint
        },
        s.state,
        if s.last_error.is_empty() {
            "none"
        } else {
            &s.last_error
        }
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_stay_one_line() {
        let s = Status {
            iface: "wg0".into(),
            peer: "P=".into(),
            suite: "mlkem1024-mceliece348864".into(),
            last_rotation: 42,
            fingerprint: "00ff".into(),
            state: "rolled-back".into(),
            last_error: "two\nlines\twith tab".into(),
        };
        let line = s.to_line();
        assert_eq!(line.lines().count(), 1);
        assert_eq!(line.split('\t').count(), 7);
        let back = Status::from_line(&line).unwrap();
        assert_eq!(back.last_error, "two lines with tab");
        assert_eq!(back.last_rotation, 42);
        assert!(Status::from_line("a\tb").is_none());
    }
}
