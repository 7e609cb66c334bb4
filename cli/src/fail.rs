//! What went wrong, and the exit code that says which kind of thing it was.
//!
//! Every failure carries a message naming the file, peer or argument involved; `main` prints it
//! as `pqpsk: MESSAGE` on stderr and exits with the code of its kind.

use std::fmt;

/// Exit codes, one per kind of failure (documented in `pqpsk --help` and the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// A bug: a worker thread stopped unexpectedly.
    Internal = 1,
    /// The command line is wrong.
    Usage = 2,
    /// A local file or stream could not be read or written.
    Io = 3,
    /// A request or response is malformed: bad magic, wrong suite, truncated, oversized.
    Input = 4,
    /// The client state file is missing, already consumed or corrupt.
    State = 5,
    /// The network exchange failed: connection refused, peer closed, timeout.
    Network = 6,
    /// Handing the key to WireGuard failed (`wg` missing or refused, no peer for an address).
    WireGuard = 7,
    /// A format or suite this build does not include.
    Unsupported = 8,
    /// The cryptographic layer failed (the OS random number generator).
    Crypto = 9,
    /// Key confirmation failed: the peer does not hold the same key. Nothing was applied.
    Confirmation = 10,
}

/// A failure: its kind and a message that says exactly what was wrong.
#[derive(Debug)]
pub struct Failure {
    pub code: Code,
    pub message: String,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// Puts `what` (a file, a peer) in front of the message.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// Puts an event id in front of the message (`[ID] ...`, see [`event`]): for a failure that
    /// ends `connect`, which `rotate` would log under that id and carry on.
    pub fn event(mut self, id: &str) -> Self {
        self.message = format!("[{id}] {}", self.message);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Shorthand for the `Result` every fallible step returns.
pub type Outcome<T> = Result<T, Failure>;

/// A library error: a bad length or a bad message is the input's fault, an RNG failure is not.
pub fn from_pqpsk(error: pqpsk::Error) -> Failure {
    let code = match error {
        pqpsk::Error::Rng => Code::Crypto,
        pqpsk::Error::ConfirmationFailed => Code::Confirmation,
        pqpsk::Error::NoClientSecret | pqpsk::Error::InvalidClientSecret => Code::State,
        _ => Code::Input,
    };
    Failure::new(code, error.to_string())
}

/// Stable short ids that begin log lines (`pqpsk: [ID] ...`), so that scripts and log filters
/// match an event by its id, not by wording that may be improved. An id never changes meaning;
/// new events get new ids. README lists them.
pub mod event {
    /// The server is listening (the line gives the address; with port 0, the port chosen).
    pub const LISTENING: &str = "listening";
    /// An exchange succeeded (server: for one connection; client, `connect` or `rotate`: the key
    /// is applied).
    pub const EXCHANGED: &str = "exchanged";
    /// An exchange failed (the line says why and what was, or was not, applied); for `connect`,
    /// its error line.
    pub const EXCHANGE_FAILED: &str = "exchange-failed";
    /// `respond` or `finish` wrote a new PSK (an exchange through files: no key confirmation).
    pub const NEW_PSK: &str = "new-psk";
    /// Connections refused since the last summary (at most one line per 10 s).
    pub const REFUSED: &str = "refused";
    /// `serve --count` reached: draining and exiting.
    pub const DONE: &str = "done";
    /// A handshake with the new key: the rotation is complete.
    pub const ROTATED: &str = "rotated";
    /// No handshake with the new key within the bound: the previous key is back.
    pub const ROLLED_BACK: &str = "rolled-back";
    /// The client sends datagrams through the tunnel while it watches.
    pub const NUDGING: &str = "nudging";
    /// The client cannot nudge (no target, no socket, a send failed): it still watches.
    pub const NO_NUDGE: &str = "no-nudge";
    /// Crash recovery: an interrupted rotation is resumed or dropped.
    pub const RECOVERY: &str = "recovery";
    /// The journal or status file could not be read or written, or `wg` failed while watching.
    pub const JOURNAL_ERROR: &str = "journal-error";
    /// `rotate`: when the next rotation runs, or that it stopped after `--count`.
    pub const SCHEDULE: &str = "schedule";
}
