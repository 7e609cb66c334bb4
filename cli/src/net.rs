//! `serve` and `connect`: one exchange per TCP connection.
//!
//! A session is protocol 2 of `pqpsk::confirm`: four messages, so that a new PSK is applied only
//! when both sides have proved they hold it:
//!
//! 1. client -> server: the request (exact length from its 12-byte header);
//! 2. server -> client: the bound response (it carries the request's digest), or [`BUSY`];
//! 3. client -> server: the client's confirmation (its tag), sent once the client has derived
//!    the PSK from a response to its own request;
//! 4. server -> client: the server's confirmation, once it has checked the client's tag and
//!    handed its PSK on (to WireGuard or a file), saying whether that worked, with its tag;
//!    then the server closes.
//!
//! The server applies only after a correct client tag; the client applies only after a correct
//! server tag that says "applied". A client that disconnects or stalls at any point changes
//! nothing on the server; a server that fails changes nothing on the client. The one window
//! left is a server that applied but whose confirmation never arrived: the client then says
//! so and changes nothing (running the exchange again repairs it).
//!
//! Bounds on what a client can make the server do: the request's exact length comes from the
//! suite named in a checked header (a peer-supplied length is never used to allocate), every
//! connection has one overall deadline (`--timeout`, covering each read and write) and a
//! shorter one for its header, at most `--max-connections` are served at once and at most
//! `--max-per-address` from one source address (more are answered [`BUSY`] and closed; see
//! `crate::limits`), and each connection runs on its own thread, so a stalled or malicious client
//! holds one slot until its deadline and no more.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use pqpsk::confirm::{self, Confirmation, MessageDigest};
use pqpsk::{Psk, Suite};

use crate::codec::{self, Kind, Source, HEADER_LEN};
use crate::fail::{event, from_pqpsk, Code, Failure, Outcome};
use crate::limits::{InFlight, Refusal, Refused, Slot, Slots};
use crate::{deliver_psk, wg, Ui};

/// Stack of a server connection thread: `respond` needs about 10 KB (no_std.md); musl's default
/// is 128 KiB.
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
    /// With `--wg`: journal each rotation and roll back one without a handshake.
    pub journal: Option<crate::journal::Journal>,
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

/// Reads one whole message within `deadline`.
fn read_message(
    stream: &mut TcpStream,
    deadline: Instant,
    kind: Kind,
    suite: Option<Suite>,
) -> Outcome<(codec::Header, Vec<u8>)> {
    let head = read_head(stream, deadline, kind)?;
    read_message_after(stream, head, deadline, kind, suite)
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
    /// Successful exchanges. `AtomicUsize`, not `AtomicU64`: 32-bit MIPS has no 64-bit atomics.
    successes: AtomicUsize,
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
    ui.log(&format!("[{}] listening on {local}", event::LISTENING));
    let slots = Slots::new(config.max_connections, config.max_per_address);
    if let Some(journal) = &config.journal {
        // Crash recovery before new exchanges: rotations a crash interrupted are completed or
        // undone (watching may take the rollback bound, so the server does not wait for it).
        if let Err(f) = journal.recover(ui) {
            ui.error(&format!(
                "[{}] recovering from the journal: {f}",
                event::RECOVERY
            ));
        }
    }
    let shared = Arc::new(Shared {
        config,
        slots,
        in_flight: InFlight::default(),
        refused: Refused::default(),
        successes: AtomicUsize::new(0),
        stopping: AtomicBool::new(false),
    });
    let mut listing = PeerListing::default();
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
                ui.error(&format!(
                    "[{}] accepting a connection: {e}",
                    event::EXCHANGE_FAILED
                ));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let _ = stream.set_nonblocking(false);
        accept_one(&shared, ui, stream, peer, &mut listing);
    }
    let left = shared.slots.in_use();
    if left > 0 {
        ui.log(&format!(
            "[{}] --count reached: accepting no more connections, waiting for {left} in flight",
            event::DONE
        ));
    }
    shared.slots.wait_idle();
    if let Some(line) = shared.refused.flush() {
        ui.log(&line);
    }
    ui.log(&format!(
        "[{}] {} exchange(s) done (--count), exiting",
        event::DONE,
        shared.successes.load(Ordering::SeqCst)
    ));
    Ok(())
}

/// How long the accept loop reuses one `wg show IFACE allowed-ips` listing. The loop is
/// serial, so running `wg` (a process) for every connection would let a flood of connections
/// slow every accept; the thread that serves a connection looks its peer up afresh before it
/// answers, so a listing up to this old only decides who gets a slot, never who gets a key.
const PEER_LISTING_TTL: Duration = Duration::from_secs(1);

/// The accept loop's cached `wg show IFACE allowed-ips` (or its failure).
#[derive(Default)]
struct PeerListing {
    cached: Option<(Instant, Result<String, Failure>)>,
}

impl PeerListing {
    fn peer_for(&mut self, iface: &str, address: IpAddr) -> Outcome<String> {
        let fresh = self
            .cached
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < PEER_LISTING_TTL);
        if !fresh {
            self.cached = Some((Instant::now(), wg::allowed_ips(iface)));
        }
        match self.cached.as_ref().map(|(_, listing)| listing) {
            Some(Ok(listing)) => wg::peer_in(listing, iface, address),
            Some(Err(f)) => Err(Failure::new(f.code, f.message.clone())),
            None => wg::peer_for_address(iface, address),
        }
    }
}

/// Gives an accepted connection a slot and a thread, or refuses it.
fn accept_one(
    shared: &Arc<Shared>,
    ui: Ui,
    stream: TcpStream,
    peer: SocketAddr,
    listing: &mut PeerListing,
) {
    let address = wg::canonical(peer.ip());
    // With --wg, who gets the key is settled before the connection gets a slot: an address no
    // peer owns gets none.
    let wg_peer = match &shared.config.wg {
        Some(iface) => match listing.peer_for(iface, address) {
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
            let started = Instant::now();
            match handle(stream, slot, wg_peer, &worker, ui) {
                Ok(done) => {
                    ui.log(&format!(
                        "[{}] {peer}: {done} ({:.2} s)",
                        event::EXCHANGED,
                        started.elapsed().as_secs_f64()
                    ));
                    let done = worker.successes.fetch_add(1, Ordering::SeqCst);
                    let n = u64::try_from(done).unwrap_or(u64::MAX).saturating_add(1);
                    if worker.config.count != 0 && n >= worker.config.count {
                        worker.stopping.store(true, Ordering::SeqCst);
                    }
                }
                Err(f) => ui.error(&format!("[{}] {peer}: {f}", event::EXCHANGE_FAILED)),
            }
        });
    if let Err(e) = spawned {
        // The closure (and with it the slot and the stream) was dropped.
        ui.error(&format!(
            "[{}] {peer}: could not start a thread: {e}",
            event::EXCHANGE_FAILED
        ));
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
    slot: Slot,
    wg_peer: Option<(String, String)>,
    shared: &Shared,
    ui: Ui,
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
    let (header, request) =
        read_message_after(&mut stream, head, deadline, Kind::Request, config.suite)
            .map_err(|f| f.context("request"))?;
    let suite = header.suite;
    // The accept loop's listing may be a second old: the peer is looked up afresh before
    // anything is answered, and a connection whose address changed hands is refused.
    if let Some((iface, key)) = &wg_peer {
        let address = stream
            .peer_addr()
            .map(|a| wg::canonical(a.ip()))
            .map_err(|e| net(format!("the client's address: {e}")))?;
        let now = wg::peer_for_address(iface, address)?;
        if &now != key {
            return Err(Failure::new(
                Code::WireGuard,
                format!(
                    "{address} moved from peer {key} to peer {now} on {iface} during the \
                     exchange; nothing applied"
                ),
            ));
        }
    }
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
    let confirmation = Confirmation::new(&psk, &confirm::request_digest(&request), &response);
    drop(request);
    write_all(&mut stream, &response, deadline, "response")?;
    let (_, tag) = read_message(&mut stream, deadline, Kind::ClientConfirm, Some(suite))
        .map_err(|f| f.context("no confirmation from the client; PSK not applied"))?;
    confirmation
        .check_client(suite, &tag)
        .map_err(|e| from_pqpsk(e).context("client's confirmation; PSK not applied"))?;
    let journal = config.journal.as_ref().zip(wg_peer.as_ref());
    if let Some((journal, (iface, key))) = journal {
        journal.begin(iface, key, suite.name(), &psk, config.psk.as_deref(), ui)?;
        crate::journal::crash_point("server-before-apply");
    }
    let applied = apply_server_psk(
        &psk,
        wg_peer.as_ref().map(|(i, k)| (i.as_str(), k.clone())),
        config,
    );
    if let Some((journal, (iface, key))) = journal {
        match &applied {
            Ok(_) => {
                crate::journal::crash_point("server-after-apply");
                journal.applied(iface, key, ui)?;
            }
            Err(f) => {
                journal.abandon(iface, key);
                journal.failed(iface, key, &f.message, ui);
            }
        }
    }
    let mut message = [0u8; confirm::SERVER_CONFIRM_LEN];
    let sent = confirmation
        .encode_server(suite, applied.is_ok(), &mut message)
        .map_err(from_pqpsk)
        .and_then(|n| {
            write_all(
                &mut stream,
                message.get(..n).unwrap_or_default(),
                deadline,
                "server confirmation",
            )
        });
    let _ = stream.shutdown(Shutdown::Both);
    let done = applied?;
    let done = sent.map(|()| format!("{done}; fingerprint {}", codec::fingerprint(&psk)))?;
    // The connection is closed: its slot goes back, so a watch of up to --rollback-after
    // holds none (`serve --count` still waits for it). The peer's claim stays until the watch
    // ends: a second rotation before this one is confirmed would journal this unconfirmed key
    // as the one to roll back to.
    let _watch = slot.into_watch();
    if let Some((journal, (iface, key))) = journal {
        if journal.watch(iface, key, ui)? == crate::journal::Watched::RolledBack {
            return Err(Failure::new(
                Code::WireGuard,
                format!("{done}; rolled back: no handshake with it"),
            ));
        }
    }
    Ok(done)
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
    request_digest: &MessageDigest,
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
            match read_head(&mut stream, soon.min(deadline), Kind::BoundResponse) {
                Ok(head) if head == BUSY => busy(address),
                _ => sending,
            },
        );
    }
    let head = read_head(&mut stream, deadline, Kind::BoundResponse)
        .map_err(|f| f.context(format!("response from {address}")))?;
    if head == BUSY {
        return Err(busy(address));
    }
    let (_, response) = read_message_after(
        &mut stream,
        head,
        deadline,
        Kind::BoundResponse,
        Some(suite),
    )
    .map_err(|f| f.context(format!("response from {address}")))?;
    let psk = finish(&response)?;
    let confirmation = Confirmation::new(&psk, request_digest, &response);
    let mut message = [0u8; confirm::CLIENT_CONFIRM_LEN];
    let n = confirmation
        .encode_client(suite, &mut message)
        .map_err(from_pqpsk)?;
    write_all(
        &mut stream,
        message.get(..n).unwrap_or_default(),
        deadline,
        "confirmation",
    )?;
    let result = read_message(&mut stream, deadline, Kind::ServerConfirm, Some(suite));
    let result = match result {
        Ok((_, m)) => Some(confirmation.check_server(suite, &m).map_err(|e| {
            from_pqpsk(e).context(format!(
                "{address}: server's confirmation; nothing was applied on this side"
            ))
        })?),
        Err(f) if f.code == Code::Network && f.message.contains("after 0 of") => None,
        Err(f) => {
            return Err(f.context(format!(
                "{address}: server's confirmation; it may or may not have applied the PSK; \
                 nothing was changed on this side (run the exchange again)"
            )))
        }
    };
    match result {
        Some(true) => Ok(psk),
        Some(false) => Err(Failure::new(
            Code::WireGuard,
            format!(
                "{address}: the server could not apply the new PSK (see its log); nothing was \
                 changed on this side"
            ),
        )),
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
pub fn resolve(address: &str, deadline: Instant) -> Outcome<Vec<SocketAddr>> {
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
