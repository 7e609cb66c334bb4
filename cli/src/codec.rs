//! Message encoding: the one place that knows how requests and responses look on the wire.
//!
//! The binary format is `pqpsk::wire` (12-byte header, then the body). IVPN's JSON body is
//! selected with `--format ivpn-json` and needs the library's `ivpn` feature, which this build
//! does not have: [`Format::check_supported`] says so. Adding it means a new arm in the functions
//! below, nothing else in the command.

use std::io;

use pqpsk::{ClientSecret, OsRng, Psk, Suite};

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

/// Which message a header announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Request,
    Response,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Response => "response",
        }
    }
}

/// What the 12-byte header says: enough to know the exact total length before reading the body.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    pub kind: Kind,
    pub suite: Suite,
    /// Header plus body, already checked against what the suite requires.
    pub total_len: usize,
}

pub use backend::{decode_header, finish, generate_request, respond, HEADER_LEN};

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
    let mut head = [0u8; HEADER_LEN];
    fill(read, &mut head, 0, source, expected)?;
    let header = decode_header(&head)?;
    if header.kind != expected {
        return Err(Failure::new(
            Code::Input,
            format!(
                "expected a {} message, got a {}",
                expected.name(),
                header.kind.name()
            ),
        ));
    }
    if let Some(wanted) = suite {
        if header.suite != wanted {
            return Err(Failure::new(
                Code::Input,
                format!("wrong suite: expected {wanted}, got {}", header.suite),
            ));
        }
    }
    let mut message = vec![0u8; header.total_len];
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
                        header.kind.name(),
                        header.total_len,
                        header.suite
                    ),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure::new(Code::Io, format!("reading: {e}"))),
        }
    }
}

/// Runs the library with the OS random number generator.
fn os_rng() -> OsRng {
    OsRng
}

/// The binary format, written to the `pqpsk::wire` contract (issue 4) until that module lands;
/// then these bodies become calls to `pqpsk::wire` and nothing else changes.
mod backend {
    use super::*;
    use pqpsk::sizes::{MLKEM_CIPHERTEXT_LEN, MLKEM_PUBLIC_KEY_LEN};

    pub const HEADER_LEN: usize = 12;
    const MAGIC: [u8; 4] = *b"PQPK";
    const VERSION: u8 = 1;
    const TYPE_REQUEST: u8 = 1;
    const TYPE_RESPONSE: u8 = 2;

    const fn request_len(suite: Suite) -> usize {
        HEADER_LEN + suite.kem1_public_key_len() + suite.kem2_public_key_len()
    }

    const fn response_len(suite: Suite) -> usize {
        HEADER_LEN + suite.kem1_ciphertext_len() + suite.kem2_ciphertext_len()
    }

    fn header_bytes(kind: u8, suite: Suite, body_len: usize) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        let (magic, rest) = h.split_at_mut(4);
        magic.copy_from_slice(&MAGIC);
        let (fixed, len) = rest.split_at_mut(4);
        let id = suite.id().to_be_bytes();
        fixed.copy_from_slice(&[VERSION, kind, id[0], id[1]]);
        len.copy_from_slice(&u32::try_from(body_len).unwrap_or(u32::MAX).to_be_bytes());
        h
    }

    pub fn decode_header(bytes: &[u8]) -> Outcome<Header> {
        let bad = |m: String| Failure::new(Code::Input, m);
        let h: &[u8; HEADER_LEN] = bytes.try_into().map_err(|_| {
            bad(format!(
                "header: expected {HEADER_LEN} bytes, got {}",
                bytes.len()
            ))
        })?;
        let [m0, m1, m2, m3, version, kind, s0, s1, l0, l1, l2, l3] = *h;
        if [m0, m1, m2, m3] != MAGIC {
            return Err(bad("bad magic: not a pqpsk message".into()));
        }
        if version != VERSION {
            return Err(bad(format!("unsupported version {version}")));
        }
        let kind = match kind {
            TYPE_REQUEST => Kind::Request,
            TYPE_RESPONSE => Kind::Response,
            other => return Err(bad(format!("unknown message type {other}"))),
        };
        let id = u16::from_be_bytes([s0, s1]);
        let suite = Suite::from_id(id).ok_or_else(|| bad(format!("unknown suite id {id:#06x}")))?;
        let body_len = u32::from_be_bytes([l0, l1, l2, l3]) as usize;
        let total_len = match kind {
            Kind::Request => request_len(suite),
            Kind::Response => response_len(suite),
        };
        if body_len != total_len - HEADER_LEN {
            return Err(bad(format!(
                "body length of {} for suite {suite}: expected {}, header says {body_len}",
                kind.name(),
                total_len - HEADER_LEN
            )));
        }
        Ok(Header {
            kind,
            suite,
            total_len,
        })
    }

    pub fn generate_request(secret: &mut ClientSecret, suite: Suite) -> Outcome<Vec<u8>> {
        let mut out = vec![0u8; request_len(suite)];
        let (head, body) = out.split_at_mut(HEADER_LEN);
        head.copy_from_slice(&header_bytes(TYPE_REQUEST, suite, body.len()));
        let (pk1, pk2) = body.split_at_mut(MLKEM_PUBLIC_KEY_LEN);
        secret
            .generate(&mut os_rng(), pk1, pk2)
            .map_err(from_pqpsk)?;
        Ok(out)
    }

    /// Checks and answers a whole request; returns the response and the server's PSK.
    pub fn respond(request: &[u8]) -> Outcome<(Vec<u8>, Psk)> {
        let header = decode_header(request.get(..HEADER_LEN).unwrap_or(request))?;
        if header.kind != Kind::Request {
            return Err(Failure::new(
                Code::Input,
                "expected a request, got a response",
            ));
        }
        if request.len() != header.total_len {
            return Err(Failure::new(
                Code::Input,
                format!(
                    "request: expected {} bytes, got {}",
                    header.total_len,
                    request.len()
                ),
            ));
        }
        // The McEliece backend wants its key mutably; work on a copy of the body.
        let mut body = request.get(HEADER_LEN..).unwrap_or_default().to_vec();
        let (pk1, pk2) = body.split_at_mut(MLKEM_PUBLIC_KEY_LEN);
        let mut out = vec![0u8; response_len(header.suite)];
        let (head, cts) = out.split_at_mut(HEADER_LEN);
        head.copy_from_slice(&header_bytes(TYPE_RESPONSE, header.suite, cts.len()));
        let (ct1, ct2) = cts.split_at_mut(MLKEM_CIPHERTEXT_LEN);
        let psk = pqpsk::respond(&mut os_rng(), pk1, pk2, ct1, ct2).map_err(from_pqpsk)?;
        Ok((out, psk))
    }

    pub fn finish(secret: &mut ClientSecret, response: &[u8]) -> Outcome<Psk> {
        let header = decode_header(response.get(..HEADER_LEN).unwrap_or(response))?;
        if header.kind != Kind::Response || response.len() != header.total_len {
            return Err(Failure::new(Code::Input, "not a complete response"));
        }
        let body = response.get(HEADER_LEN..).unwrap_or_default();
        let (ct1, ct2) = body.split_at(MLKEM_CIPHERTEXT_LEN);
        secret.finish(ct1, ct2).map_err(from_pqpsk)
    }
}
