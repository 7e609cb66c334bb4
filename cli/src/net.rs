//! `serve` and `connect`: one exchange per TCP connection.
//!
//! A session is the two wire messages plus two one-byte signals, so that a new PSK is applied
//! only when both sides have it:
//!
//! 1. client -> server: the request (exact length from its 12-byte header);
//! 2. server -> client: the response;
//! 3. client -> server: [`CONFIRM`], sent once the client has derived the PSK;
//! 4. server -> client: [`APPLIED`] once the server has handed its PSK on (to WireGuard or a
//!    file), or [`NOT_APPLIED`]; then the server closes.
//!
//! The client applies its PSK only after [`APPLIED`]. A client that disconnects or stalls at
//! any point changes nothing on the server; a server that fails changes nothing on the client.
//!
//! Bounds on what a client can make the server do: the request's exact length comes from the
//! suite named in a checked header (a peer-supplied length is never used to allocate), every
//! connection has one overall deadline (`--timeout`, covering each read and write), at most
//! `--max-connections` are served at once (more are closed at once), and each connection runs on
//! its own thread, so a stalled or malicious client holds one slot until its deadline and no more.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use pqpsk::{Psk, Suite};

use crate::codec::{self, Kind, Source};
use crate::fail::{Code, Failure, Outcome};
use crate::{deliver_psk, wg, Ui};

/// The client has derived the PSK.
pub const CONFIRM: u8 = 0x06;
/// The server has applied (or written) its PSK.
pub const APPLIED: u8 = 0x06;
/// The server could not apply its PSK; the client must not apply its own.
pub const NOT_APPLIED: u8 = 0x15;

/// Stack of a server connection thread: `respond` needs about 50 KB; musl's default is 128 KiB.
const CONNECTION_STACK: usize = 1 << 20;

/// Where the server puts each PSK.
pub struct ServeConfig {
    pub listen: String,
    pub suite: Option<Suite>,
    pub wg: Option<String>,
    pub psk: Option<PathBuf>,
    pub max_connections: usize,
    pub timeout: Duration,
    /// Exit after this many successful exchanges (0: serve forever).
    pub count: u64,
}

fn net(message: String) -> Failure {
    Failure::new(Code::Network, message)
}

/// Time left before `deadline`, or a timeout failure naming `what`.
fn remaining(deadline: Instant, what: &str) -> Outcome<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(net(format!("timed out {what}")))
    } else {
        Ok(left)
    }
}

/// Reads one message from `stream` within `deadline`.
fn read_message(
    stream: &mut TcpStream,
    deadline: Instant,
    kind: Kind,
    suite: Option<Suite>,
) -> Outcome<(codec::Header, Vec<u8>)> {
    let mut read = |buf: &mut [u8]| -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        stream.read(buf)
    };
    codec::read_message(&mut read, Source::Peer, kind, suite)
}

/// Writes all of `data` within `deadline`.
fn write_all(stream: &mut TcpStream, data: &[u8], deadline: Instant, what: &str) -> Outcome<()> {
    let mut done = 0;
    while let Some(rest) = data.get(done..).filter(|r| !r.is_empty()) {
        let left = remaining(deadline, &format!("sending the {what}"))?;
        stream
            .set_write_timeout(Some(left))
            .map_err(|e| net(format!("setting a write timeout: {e}")))?;
        match stream.write(rest) {
            Ok(0) => return Err(net(format!("peer stopped reading the {what}"))),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(net(format!(
                    "timed out sending the {what} ({done} of {} bytes sent)",
                    data.len()
                )))
            }
            Err(e) => return Err(net(format!("sending the {what}: {e}"))),
        }
    }
    Ok(())
}

/// Reads one signal byte; `None` if the peer closed first.
fn read_signal(stream: &mut TcpStream, deadline: Instant, what: &str) -> Outcome<Option<u8>> {
    let mut byte = [0u8; 1];
    loop {
        let left = remaining(deadline, &format!("waiting for the {what}"))?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| net(format!("setting a read timeout: {e}")))?;
        match stream.read(&mut byte) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(u8::from_be_bytes(byte))),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(net(format!("timed out waiting for the {what}")))
            }
            Err(e) => return Err(net(format!("waiting for the {what}: {e}"))),
        }
    }
}

/// Releases a connection slot when the connection's thread ends, however it ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// `pqpsk serve`: accepts connections until killed (or `count` exchanges succeeded).
pub fn serve(config: ServeConfig, ui: Ui) -> Outcome<()> {
    let listener = TcpListener::bind(&config.listen)
        .map_err(|e| net(format!("listening on {}: {e}", config.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| net(format!("listening on {}: {e}", config.listen)))?;
    // Always printed (unless --quiet): with port 0 this is how a script learns the port.
    ui.log(&format!("listening on {local}"));
    let config = Arc::new(config);
    let active = Arc::new(AtomicUsize::new(0));
    let successes = Arc::new(AtomicU64::new(0));
    for incoming in listener.incoming() {
        let stream = match incoming {
            Ok(s) => s,
            Err(e) => {
                // E.g. EMFILE, or a connection reset before accept: keep serving.
                ui.error(&format!("accepting a connection: {e}"));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let peer = match stream.peer_addr() {
            Ok(p) => p,
            Err(_) => continue,
        };
        if active.fetch_add(1, Ordering::SeqCst) >= config.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            ui.error(&format!(
                "{peer}: refused: already serving {} connections (--max-connections)",
                config.max_connections
            ));
            drop(stream);
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let (config, successes) = (Arc::clone(&config), Arc::clone(&successes));
        let spawned = thread::Builder::new()
            .name(format!("pqpsk {peer}"))
            .stack_size(CONNECTION_STACK)
            .spawn(move || {
                let _slot = slot;
                let started = Instant::now();
                match handle(stream, peer, &config) {
                    Ok(done) => {
                        ui.log(&format!(
                            "{peer}: {done} ({:.2} s)",
                            started.elapsed().as_secs_f64()
                        ));
                        let n = successes.fetch_add(1, Ordering::SeqCst) + 1;
                        if config.count != 0 && n >= config.count {
                            ui.log(&format!("{n} exchange(s) done (--count), exiting"));
                            std::process::exit(0);
                        }
                    }
                    Err(f) => ui.error(&format!("{peer}: {f}")),
                }
            });
        if let Err(e) = spawned {
            // The closure (and with it the slot and the stream) was dropped.
            ui.error(&format!("{peer}: could not start a thread: {e}"));
        }
    }
    Ok(())
}

/// One server-side exchange; returns what was done with the PSK, for the log.
fn handle(mut stream: TcpStream, peer: SocketAddr, config: &ServeConfig) -> Outcome<String> {
    let deadline = Instant::now() + config.timeout;
    let _ = stream.set_nodelay(true);
    // Who gets the key is settled before reading 262 KB from a stranger.
    let wg_peer = match &config.wg {
        Some(iface) => Some((iface.as_str(), wg::peer_for_address(iface, peer.ip())?)),
        None => None,
    };
    let (_, request) = read_message(&mut stream, deadline, Kind::Request, config.suite)
        .map_err(|f| f.context("request"))?;
    let (response, psk) = codec::respond(&request).map_err(|f| f.context("request"))?;
    drop(request);
    write_all(&mut stream, &response, deadline, "response")?;
    match read_signal(&mut stream, deadline, "client's confirmation")? {
        Some(CONFIRM) => {}
        Some(other) => {
            return Err(net(format!(
                "client sent {other:#04x} instead of its confirmation; PSK not applied"
            )))
        }
        None => {
            return Err(net(
                "client closed without confirming it has the PSK; PSK not applied".into(),
            ))
        }
    }
    let applied = apply_server_psk(&psk, wg_peer, config);
    let signal = if applied.is_ok() {
        APPLIED
    } else {
        NOT_APPLIED
    };
    let sent = write_all(&mut stream, &[signal], deadline, "result");
    let _ = stream.shutdown(Shutdown::Both);
    let done = applied?;
    sent.map(|()| done)
}

fn apply_server_psk(
    psk: &Psk,
    wg_peer: Option<(&str, String)>,
    config: &ServeConfig,
) -> Outcome<String> {
    let mut done = Vec::new();
    if let Some((iface, key)) = &wg_peer {
        wg::set_psk(iface, key, psk)?;
        done.push(format!("PSK given to peer {key} on {iface}"));
    }
    if let Some(path) = &config.psk {
        deliver_psk(path, psk)?;
        done.push(format!("PSK written to {}", path.display()));
    }
    Ok(done.join(", "))
}

/// Client side of a session over an established connection; returns the PSK once the server
/// has applied its own. `request` comes from `keygen` and `finish` turns the response into the
/// PSK (both run by the caller, which owns the client secret).
pub fn exchange(
    address: &str,
    timeout: Duration,
    request: &[u8],
    suite: Suite,
    finish: &mut dyn FnMut(&[u8]) -> Outcome<Psk>,
) -> Outcome<Psk> {
    let deadline = Instant::now() + timeout;
    let mut stream = connect(address, deadline)?;
    let _ = stream.set_nodelay(true);
    write_all(&mut stream, request, deadline, "request")?;
    let (_, response) = read_message(&mut stream, deadline, Kind::Response, Some(suite))
        .map_err(|f| f.context(format!("response from {address}")))?;
    let psk = finish(&response)?;
    write_all(&mut stream, &[CONFIRM], deadline, "confirmation")?;
    match read_signal(&mut stream, deadline, "server's result")? {
        Some(APPLIED) => Ok(psk),
        Some(NOT_APPLIED) => Err(Failure::new(
            Code::WireGuard,
            format!(
                "{address}: the server could not apply the new PSK (see its log); nothing was \
                 changed on this side"
            ),
        )),
        Some(other) => Err(net(format!(
            "{address}: unexpected result byte {other:#04x}; PSK not applied on this side"
        ))),
        None => Err(net(format!(
            "{address}: server closed without a result; it may or may not have applied the PSK; \
             nothing was changed on this side (run the exchange again)"
        ))),
    }
}

fn connect(address: &str, deadline: Instant) -> Outcome<TcpStream> {
    let addresses: Vec<SocketAddr> = address
        .to_socket_addrs()
        .map_err(|e| net(format!("{address}: {e}")))?
        .collect();
    let mut last = net(format!("{address}: no address to connect to"));
    for addr in addresses {
        let left = remaining(deadline, &format!("connecting to {address}"))?;
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => return Ok(s),
            Err(e) => last = net(format!("connecting to {addr}: {e}")),
        }
    }
    Err(last)
}
