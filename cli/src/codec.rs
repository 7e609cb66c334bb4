//! Message encoding: the one place that knows how requests and responses look on the wire.
//!
//! The binary format is `pqpsk::wire` (12-byte header, then the body); its errors and their
//! messages are the library's. IVPN's JSON body is
//! selected with `--format ivpn-json` and needs the library's `ivpn` feature, which this build
//! does not have: [`Format::check_supported`] says so. Adding it means a new arm in the functions
//! below, nothing else in the command.

use std::io;

use pqpsk::confirm::{self, MessageDigest};
use pqpsk::{wire, ClientSecret, OsRng, Psk, Suite};

use crate::fail::{from_pqpsk, Code, Failure, Outcome};

/// How the messages are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// pqpsk's own binary messages (`pqpsk::wire`).
    Binary,
    /// The JSON body of IVPN's `session/wg/set` call (base64 fields).
    IvpnJson,
}

impl Format {
    pub fn parse(name: &str) -> Outcome<Format> {
        match name {
            "binary" => Ok(Format::Binary),
            "ivpn-json" => Ok(Format::IvpnJson),
            _ => Err(Failure::new(
                Code::Usage,
                format!("unknown --format {name:?}: expected binary or ivpn-json"),
            )),
        }
    }

    /// Refuses formats this build cannot speak, before any work is done.
    pub fn check_supported(self) -> Outcome<()> {
        match self {
            Format::Binary => Ok(()),
            Format::IvpnJson => Err(Failure::new(
                Code::Unsupported,
                "--format ivpn-json is not supported in this build (it needs pqpsk's `ivpn` \
                 feature: IVPN's JSON body and Kyber suites)",
            )),
        }
    }
}

/// A suite named on the command line.
pub fn parse_suite(name: &str) -> Outcome<Suite> {
    if let Some(suite) = Suite::from_name(name) {
        return Ok(suite);
    }
    let known: Vec<&str> = Suite::ALL.iter().map(|s| s.name()).collect();
    let lower = name.to_ascii_lowercase();
    if lower.contains("ivpn") || lower.contains("kyber") {
        return Err(Failure::new(
            Code::Unsupported,
            format!(
                "suite {name:?} is not supported in this build (IVPN suites need pqpsk's `ivpn` \
                 feature); this build knows: {}",
                known.join(", ")
            ),
        ));
    }
    Err(Failure::new(
        Code::Usage,
        format!(
            "unknown suite {name:?}; this build knows: {}",
            known.join(", ")
        ),
    ))
}

pub use pqpsk::wire::{Header, MessageType as Kind, HEADER_LEN};

/// Checks the 12-byte header: magic, version, type, known suite, exact body length.
pub fn decode_header(bytes: &[u8]) -> Outcome<Header> {
    Header::decode(bytes).map_err(from_pqpsk)
}

/// Where a message is read from: decides the wording and exit code of a short read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    File,
    Peer,
}

/// Reads one whole message of kind `expected` through `read` (a file, stdin or a socket).
///
/// The header is read and checked first; only then is a buffer of the exact length the suite
/// requires allocated, so a peer cannot make us allocate by announcing a large length.
/// `suite`, when given, is the only suite accepted.
pub fn read_message(
    read: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    source: Source,
    expected: Kind,
    suite: Option<Suite>,
) -> Outcome<(Header, Vec<u8>)> {
    let head = read_head(read, source, expected)?;
    read_message_after(read, head, source, expected, suite)
}

/// Reads the 12 bytes of a header, unchecked (a server may send [`crate::net::BUSY`] there).
pub fn read_head(
    read: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    source: Source,
    expected: Kind,
) -> Outcome<[u8; HEADER_LEN]> {
    let mut head = [0u8; HEADER_LEN];
    fill(read, &mut head, 0, source, expected).map_err(|f| {
        // Only a timeout reads differently: the header has its own, shorter deadline.
        if f.message.starts_with("timed out waiting for the") {
            Failure::new(
                f.code,
                f.message
                    .replacen(expected.name(), &format!("{} header", expected.name()), 1),
            )
        } else {
            f
        }
    })?;
    Ok(head)
}

/// Checks `head` and reads the rest of its message (see [`read_message`]).
pub fn read_message_after(
    read: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    head: [u8; HEADER_LEN],
    source: Source,
    expected: Kind,
    suite: Option<Suite>,
) -> Outcome<(Header, Vec<u8>)> {
    let header = decode_header(&head)?;
    if expected == Kind::BoundResponse && header.message_type == Kind::Response {
        // An older server (protocol 1): say so, naming both protocols.
        return Err(from_pqpsk(pqpsk::Error::UnboundResponse));
    }
    if header.message_type != expected {
        return Err(from_pqpsk(pqpsk::Error::WrongMessageType {
            expected,
            actual: header.message_type,
        }));
    }
    check_suite(suite, header.suite)?;
    // Exact: the length the suite requires, not a number the peer chose.
    let mut message = vec![0u8; header.message_len()];
    let (start, body) = message.split_at_mut(HEADER_LEN);
    start.copy_from_slice(&head);
    fill(read, body, HEADER_LEN, source, expected)?;
    Ok((header, message))
}

/// Fills `buf` completely; `already` bytes of the message were read before (for messages).
fn fill(
    read: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    buf: &mut [u8],
    already: usize,
    source: Source,
    kind: Kind,
) -> Outcome<()> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        match read(rest) {
            Ok(0) => {
                let (needed, got) = (already + buf.len(), already + done);
                return Err(match source {
                    Source::File => Failure::new(
                        Code::Input,
                        format!(
                            "truncated {}: needed {needed} bytes, got {got}",
                            kind.name()
                        ),
                    ),
                    Source::Peer => Failure::new(
                        Code::Network,
                        format!(
                            "peer closed the connection after {got} of {needed} bytes of the {}",
                            kind.name()
                        ),
                    ),
                });
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_failure(&e, source, kind, already + done)),
        }
    }
    Ok(())
}

fn read_failure(error: &io::Error, source: Source, kind: Kind, got: usize) -> Failure {
    let timed_out = matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    );
    match (source, timed_out) {
        (Source::Peer, true) => Failure::new(
            Code::Network,
            format!(
                "timed out waiting for the {} (got {got} bytes)",
                kind.name()
            ),
        ),
        (Source::Peer, false) => Failure::new(
            Code::Network,
            format!("reading the {} from the peer: {error}", kind.name()),
        ),
        (Source::File, _) => {
            Failure::new(Code::Io, format!("reading the {}: {error}", kind.name()))
        }
    }
}

/// Checks that a file input has nothing after the message.
pub fn expect_end(
    read: &mut dyn FnMut(&mut [u8]) -> io::Result<usize>,
    header: &Header,
) -> Outcome<()> {
    let mut extra = [0u8; 1];
    loop {
        match read(&mut extra) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                return Err(Failure::new(
                    Code::Input,
                    format!(
                        "oversized {}: trailing bytes after the {} bytes the suite {} requires",
                        header.message_type.name(),
                        header.message_len(),
                        header.suite
                    ),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure::new(Code::Io, format!("reading: {e}"))),
        }
    }
}

/// Refuses a message of another suite than the one this exchange uses (when one is set).
pub fn check_suite(expected: Option<Suite>, actual: Suite) -> Outcome<()> {
    match expected {
        Some(expected) if expected != actual => {
            Err(from_pqpsk(pqpsk::Error::WrongSuite { expected, actual }))
        }
        _ => Ok(()),
    }
}

/// Client: generates both key pairs straight into a request message.
pub fn generate_request(secret: &mut ClientSecret, suite: Suite) -> Outcome<Vec<u8>> {
    // Any suite of this build (`parse_suite` only names those); McEliece's scratch on the heap.
    let mut workspace = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
    let mut out = vec![0u8; wire::request_len(suite)];
    let n = secret
        .generate_request_in(suite, &mut OsRng, &mut workspace, &mut out)
        .map_err(from_pqpsk)?;
    out.truncate(n);
    Ok(out)
}

/// Server: checks and answers a whole request with a bound response (protocol 2); returns
/// the response and the server's PSK.
pub fn respond(request: &[u8]) -> Outcome<(Vec<u8>, Psk)> {
    let mut out = vec![0u8; confirm::MAX_BOUND_RESPONSE_LEN];
    let (n, psk) = confirm::respond_bound(&mut OsRng, request, &mut out).map_err(from_pqpsk)?;
    out.truncate(n);
    Ok((out, psk))
}

/// Refuses a response that does not answer the request with digest `request_digest`, before
/// anything is consumed or decapsulated.
pub fn check_request(request_digest: &MessageDigest, response: &[u8]) -> Outcome<()> {
    confirm::BoundResponse::decode(response)
        .and_then(|r| r.check_request(request_digest))
        .map_err(from_pqpsk)
}

/// Client: decapsulates a whole bound response to its own request; a malformed one, or one
/// for another request, leaves `secret` usable.
pub fn finish(
    secret: &mut ClientSecret,
    request_digest: &MessageDigest,
    response: &[u8],
) -> Outcome<Psk> {
    secret
        .finish_bound_response(request_digest, response)
        .map_err(from_pqpsk)
}

/// The PSK's public fingerprint as 16 hex digits, for logs and `status`.
pub fn fingerprint(psk: &Psk) -> String {
    confirm::fingerprint(psk)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
