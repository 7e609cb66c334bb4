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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use pqpsk::{Psk, Suite};

use crate::codec::{self, Kind, Source, HEADER_LEN};
use crate::fail::{Code, Failure, Outcome};
use crate::limits::{InFlight, Refusal, Refused, Slots};
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
    /// Slots one source address may hold.
    pub max_per_address: usize,
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

/// A reader of `stream` bounded by `deadline` (each read gets the time left).
fn reader(
    stream: &mut TcpStream,
    deadline: Instant,
) -> impl FnMut(&mut [u8]) -> io::Result<usize> + '_ {
    move |buf: &mut [u8]| -> io::Result<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        stream.read(buf)
    }
}

/// Reads the 12 bytes of a message header within `deadline`, unchecked.
fn read_head(stream: &mut TcpStream, deadline: Instant, kind: Kind) -> Outcome<[u8; HEADER_LEN]> {
    codec::read_head(&mut reader(stream, deadline), Source::Peer, kind)
}

/// Reads the rest of a message whose header is `head`, within `deadline`.
fn read_message_after(
    stream: &mut TcpStream,
    head: [u8; HEADER_LEN],
    deadline: Instant,
    kind: Kind,
    suite: Option<Suite>,
) -> Outcome<(codec::Header, Vec<u8>)> {
    codec::read_message_after(
        &mut reader(stream, deadline),
        head,
        Source::Peer,
        kind,
        suite,
    )
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

/// What a server sends instead of a response when it cannot serve the connection now: every
/// slot is taken, or an exchange for the same peer or PSK file is in flight. Shaped like a
/// header with version 0, which no decoder accepts, so it is never taken for a message.
pub const BUSY: [u8; HEADER_LEN] = *b"PQPK\0busy\0\0\0";

/// How long a client has to send the 12-byte request header: far less than `--timeout`, so
/// that a silent connection gives its slot back soon (a client sends its request at once;
/// key generation happens before it connects).
const HEADER_DEADLINE: Duration = Duration::from_secs(5);

/// How often the accept loop looks whether `--count` was reached.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// Everything the connection threads share.
struct Shared {
    config: ServeConfig,
    slots: Arc<Slots>,
    in_flight: InFlight,
    refused: Refused,
    successes: AtomicU64,
    /// Set once `--count` exchanges succeeded: accept no more, let those in flight end.
    stopping: AtomicBool,
}

/// Refuses a connection without a slot: tells it the server is busy (when it is), counts it.
fn refuse(shared: &Shared, ui: Ui, mut stream: TcpStream, why: Refusal, detail: Option<String>) {
    if why != Refusal::NoPeer {
        // 12 bytes into an empty send buffer: never blocks; a failure changes nothing.
        let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
        let _ = stream.write_all(&BUSY);
    }
    let _ = stream.shutdown(Shutdown::Write);
    drop(stream);
    if let Some(line) = shared.refused.note(why, detail) {
        ui.log(&line);
    }
}

/// `pqpsk serve`: accepts connections until killed, or until `count` exchanges succeeded and
/// those still in flight have ended.
pub fn serve(config: ServeConfig, ui: Ui) -> Outcome<()> {
    let listener = TcpListener::bind(&config.listen)
        .map_err(|e| net(format!("listening on {}: {e}", config.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| net(format!("listening on {}: {e}", config.listen)))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| net(format!("listening on {}: {e}", config.listen)))?;
    // Always printed (unless --quiet): with port 0 this is how a script learns the port.
    ui.log(&format!("listening on {local}"));
    let slots = Slots::new(config.max_connections, config.max_per_address);
    let shared = Arc::new(Shared {
        config,
        slots,
        in_flight: InFlight::default(),
        refused: Refused::default(),
        successes: AtomicU64::new(0),
        stopping: AtomicBool::new(false),
    });
    while !shared.stopping.load(Ordering::SeqCst) {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(ACCEPT_POLL);
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                // E.g. EMFILE, or a connection reset before accept: keep serving.
                ui.error(&format!("accepting a connection: {e}"));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let _ = stream.set_nonblocking(false);
        accept_one(&shared, ui, stream, peer);
    }
    let left = shared.slots.in_use();
    if left > 0 {
        ui.log(&format!(
            "--count reached: accepting no more connections, waiting for {left} in flight"
        ));
    }
    shared.slots.wait_idle();
    if let Some(line) = shared.refused.flush() {
        ui.log(&line);
    }
    ui.log(&format!(
        "{} exchange(s) done (--count), exiting",
        shared.successes.load(Ordering::SeqCst)
    ));
    Ok(())
}

/// Gives an accepted connection a slot and a thread, or refuses it.
fn accept_one(shared: &Arc<Shared>, ui: Ui, stream: TcpStream, peer: SocketAddr) {
    let address = wg::canonical(peer.ip());
    // With --wg, who gets the key is settled before the connection gets a slot: an address no
    // peer owns gets none.
    let wg_peer = match &shared.config.wg {
        Some(iface) => match wg::peer_for_address(iface, address) {
            Ok(key) => Some((iface.clone(), key)),
            Err(f) => {
                refuse(
                    shared,
                    ui,
                    stream,
                    Refusal::NoPeer,
                    Some(format!("{peer}: {f}")),
                );
                return;
            }
        },
        None => None,
    };
    let slot = match shared.slots.take(address) {
        Ok(slot) => slot,
        Err(why) => {
            refuse(shared, ui, stream, why, Some(peer.to_string()));
            return;
        }
    };
    let worker = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name(format!("pqpsk {peer}"))
        .stack_size(CONNECTION_STACK)
        .spawn(move || {
            let _slot = slot;
            let started = Instant::now();
            match handle(stream, wg_peer, &worker) {
                Ok(done) => {
                    ui.log(&format!(
                        "{peer}: {done} ({:.2} s)",
                        started.elapsed().as_secs_f64()
                    ));
                    let n = worker.successes.fetch_add(1, Ordering::SeqCst) + 1;
                    if worker.config.count != 0 && n >= worker.config.count {
                        worker.stopping.store(true, Ordering::SeqCst);
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

/// The targets an exchange applies its key to, as claims in [`InFlight`].
fn targets(wg_peer: &Option<(String, String)>, config: &ServeConfig) -> Vec<String> {
    let mut targets = Vec::new();
    if let Some((iface, key)) = wg_peer {
        targets.push(format!("peer {key} on {iface}"));
    }
    if let Some(path) = &config.psk {
        // The path as given: `serve` has one --psk, so every exchange names it the same way.
        targets.push(format!("PSK file {}", path.display()));
    }
    targets
}

/// One server-side exchange; returns what was done with the PSK, for the log.
fn handle(
    mut stream: TcpStream,
    wg_peer: Option<(String, String)>,
    shared: &Shared,
) -> Outcome<String> {
    let config = &shared.config;
    let started = Instant::now();
    let deadline = started + config.timeout;
    let _ = stream.set_nodelay(true);
    let head = read_head(
        &mut stream,
        started + HEADER_DEADLINE.min(config.timeout),
        Kind::Request,
    )
    .map_err(|f| f.context("request"))?;
    let (_, request) = read_message_after(&mut stream, head, deadline, Kind::Request, config.suite)
        .map_err(|f| f.context("request"))?;
    // One exchange per peer and PSK file at a time, claimed before a response goes out.
    let _claim = match shared.in_flight.claim(targets(&wg_peer, config)) {
        Ok(claim) => claim,
        Err(busy) => {
            let _ = write_all(&mut stream, &BUSY, deadline, "busy signal");
            let _ = stream.shutdown(Shutdown::Both);
            return Err(net(format!(
                "refused: an exchange for {busy} is in flight (told the client the server is \
                 busy)"
            )));
        }
    };
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
    let applied = apply_server_psk(
        &psk,
        wg_peer.as_ref().map(|(i, k)| (i.as_str(), k.clone())),
        config,
    );
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
    if let Err(sending) = write_all(&mut stream, request, deadline, "request") {
        // A busy server answers before it has read the request and closes, which fails the
        // write ("connection reset"); what it said is still in the receive queue.
        let soon = Instant::now() + Duration::from_secs(1);
        return Err(
            match read_head(&mut stream, soon.min(deadline), Kind::Response) {
                Ok(head) if head == BUSY => busy(address),
                _ => sending,
            },
        );
    }
    let head = read_head(&mut stream, deadline, Kind::Response)
        .map_err(|f| f.context(format!("response from {address}")))?;
    if head == BUSY {
        return Err(busy(address));
    }
    let (_, response) =
        read_message_after(&mut stream, head, deadline, Kind::Response, Some(suite))
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

fn busy(address: &str) -> Failure {
    net(format!(
        "{address}: the server is busy (all its connection slots are taken, or an exchange for \
         this peer is in flight); nothing was changed on this side (try again later)"
    ))
}

/// Resolves `address` within `deadline`: the system resolver has no timeout of its own, so it
/// runs on a thread that is abandoned if it does not answer in time.
fn resolve(address: &str, deadline: Instant) -> Outcome<Vec<SocketAddr>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let name = address.to_string();
    thread::Builder::new()
        .name("pqpsk resolver".into())
        .spawn(move || {
            let _ = tx.send(name.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
        })
        .map_err(|e| Failure::new(Code::Internal, format!("starting a thread: {e}")))?;
    let left = remaining(deadline, &format!("resolving {address}"))?;
    match rx.recv_timeout(left) {
        Ok(Ok(addresses)) => Ok(addresses),
        Ok(Err(e)) => Err(net(format!("{address}: {e}"))),
        Err(_) => Err(net(format!(
            "timed out resolving {address} (--timeout covers name resolution too)"
        ))),
    }
}

fn connect(address: &str, deadline: Instant) -> Outcome<TcpStream> {
    let addresses = resolve(address, deadline)?;
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
