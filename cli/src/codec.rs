//! Message encoding: the one place that knows how requests and responses look on the wire.
//!
//! The binary format is `pqpsk::wire` (12-byte header, then the body); its errors and their
//! messages are the library's. IVPN's JSON documents (`--format ivpn-json`, the body of IVPN's
//! `session/wg/set` call and its reply) are in [`ivpn`]; they need this command's `ivpn`
//! feature (the library's `ivpn-json`), and a build without it says so
//! ([`Format::check_supported`], exit 8).

use std::io::{self, Read};

use pqpsk::confirm::{self, MessageDigest};
use pqpsk::{wire, ClientSecret, Psk, Suite, SysRng};

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
            Format::IvpnJson if cfg!(feature = "ivpn") => Ok(()),
            Format::IvpnJson => Err(ivpn::unsupported()),
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
    if !cfg!(feature = "ivpn") && (lower.contains("ivpn") || lower.contains("kyber")) {
        return Err(Failure::new(
            Code::Unsupported,
            format!(
                "suite {name:?} is not supported in this build (IVPN suites need the command's \
                 `ivpn` feature); this build knows: {}",
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
        .generate_request_in(suite, &mut SysRng, &mut workspace, &mut out)
        .map_err(from_pqpsk)?;
    out.truncate(n);
    Ok(out)
}

/// Server: checks and answers a whole request with a bound response (protocol 2); returns
/// the response and the server's PSK.
pub fn respond(request: &[u8]) -> Outcome<(Vec<u8>, Psk)> {
    let mut out = vec![0u8; confirm::MAX_BOUND_RESPONSE_LEN];
    let (n, psk) = confirm::respond_bound(&mut SysRng, request, &mut out).map_err(from_pqpsk)?;
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

/// Reads a whole text document of at most `limit` bytes (a JSON file or stdin): a longer one
/// is refused after `limit + 1` bytes, without reading the rest.
pub fn read_document(read: &mut dyn io::Read, limit: usize, what: &str) -> Outcome<String> {
    let mut bytes = Vec::new();
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    (&mut *read)
        .take(bound)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new(Code::Io, format!("reading the {what}: {e}")))?;
    if bytes.len() > limit {
        return Err(Failure::new(
            Code::Input,
            format!("oversized {what}: more than {limit} bytes"),
        ));
    }
    if bytes.is_empty() {
        return Err(Failure::new(Code::Input, format!("empty {what}")));
    }
    String::from_utf8(bytes).map_err(|e| {
        Failure::new(
            Code::Input,
            format!(
                "{what} is not UTF-8 text (byte {} is not): not a JSON document",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// IVPN's JSON documents (`--format ivpn-json`): the `session/wg/set` request a client POSTs
/// (`kem_public_key1`, `kem_public_key2`, `kem_library_version` and the account fields) and
/// the reply's `kem_cipher1`/`kem_cipher2`. Parsing is the library's (`pqpsk::ivpn::json`,
/// serde_json); what this module adds is the bounded read, the suite rules and the wording.
///
/// Unlike the binary protocol 2, IVPN's reply does not carry its request's digest: a reply to
/// another request is not detected, it gives another PSK (the KEMs reject implicitly).
pub mod ivpn {
    use super::*;

    /// The largest request document read: the hybrid's is about 350.5 KB (348,160 characters
    /// of McEliece key, 2,092 of Kyber key, the account fields), with room for whitespace.
    pub const MAX_REQUEST_LEN: usize = 512 * 1024;
    /// The largest reply read: a real one is about 2.3 KB (2,092 + 128 characters of
    /// ciphertext, the status, a message, the tunnel address).
    pub const MAX_REPLY_LEN: usize = 64 * 1024;
    /// The longest session token file read.
    pub const MAX_TOKEN_LEN: usize = 4096;

    /// The request's fields besides the KEM keys (`--session-token-file`, `--public-key`,
    /// `--connected-public-key`, `--kem-library-version`).
    #[derive(Default)]
    // Read only with the `ivpn` feature; without it ivpn-json is refused before they are used.
    #[cfg_attr(not(feature = "ivpn"), allow(dead_code))]
    pub struct RequestFields {
        pub session_token: zeroize::Zeroizing<String>,
        pub public_key: String,
        pub connected_public_key: String,
        /// `None`: what IVPN's apps send (`pqpsk::ivpn::encoding::KEM_LIBRARY_VERSION`).
        pub kem_library_version: Option<String>,
    }

    pub fn unsupported() -> Failure {
        Failure::new(
            Code::Unsupported,
            "--format ivpn-json is not supported in this build (it needs the command's `ivpn` \
             feature: IVPN's JSON documents and Kyber suites; build with --features ivpn)",
        )
    }

    /// The suite of an ivpn-json exchange: `--suite` if it is an IVPN suite, else IVPN's
    /// desktop hybrid.
    #[cfg(feature = "ivpn")]
    pub fn suite(named: Option<Suite>) -> Outcome<Suite> {
        match named {
            None => Ok(Suite::IvpnKyber1024McEliece348864),
            Some(s @ (Suite::IvpnKyber1024McEliece348864 | Suite::IvpnKyber1024)) => Ok(s),
            Some(other) => Err(Failure::new(
                Code::Usage,
                format!(
                    "--format ivpn-json needs an IVPN suite (ivpn-kyber1024-mceliece348864, the \
                     default, or ivpn-kyber1024), not {other}"
                ),
            )),
        }
    }

    #[cfg(feature = "ivpn")]
    fn json_failure(what: &str, e: pqpsk::ivpn::json::JsonError) -> Failure {
        Failure::new(Code::Input, format!("{what}: {e}"))
    }

    /// Client: generates the suite's key pairs into `secret` and returns the request document.
    #[cfg(feature = "ivpn")]
    pub fn generate_request(
        secret: &mut ClientSecret,
        suite: Suite,
        fields: &RequestFields,
    ) -> Outcome<Vec<u8>> {
        let mut workspace = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
        let mut kem1 = vec![0u8; suite.kem1_public_key_len()];
        let mut kem2 = vec![0u8; suite.kem2_public_key_len()];
        secret
            .generate_in(suite, &mut SysRng, &mut workspace, &mut kem1, &mut kem2)
            .map_err(from_pqpsk)?;
        let mut request = pqpsk::ivpn::json::KeySetRequest::new(
            suite,
            &fields.session_token,
            &fields.public_key,
            &fields.connected_public_key,
            &kem1,
            &kem2,
        );
        if let Some(version) = &fields.kem_library_version {
            request.kem_library_version.clone_from(version);
        }
        let mut json = request
            .to_json()
            .map_err(|e| Failure::new(Code::Internal, format!("building the request: {e}")))?;
        json.push('\n');
        Ok(json.into_bytes())
    }

    /// Server: answers a request document; `expected` (from `--suite`), when given, is the
    /// only suite accepted. Returns the reply document, the PSK and the suite.
    #[cfg(feature = "ivpn")]
    pub fn respond(body: &str, expected: Option<Suite>) -> Outcome<(Vec<u8>, Psk)> {
        use pqpsk::ivpn::json::{KeySetReply, KeySetRequest};
        let request = KeySetRequest::from_json(body).map_err(|e| json_failure("request", e))?;
        let suite = request.suite;
        check_suite(expected, suite)?;
        let mut kem1 = vec![0u8; suite.kem1_ciphertext_len()];
        let mut kem2 = vec![0u8; suite.kem2_ciphertext_len()];
        let psk = pqpsk::respond_suite(
            suite,
            &mut SysRng,
            &request.kem_public_key1,
            &request.kem_public_key2,
            &mut kem1,
            &mut kem2,
        )
        .map_err(|e| from_pqpsk(e).context("request"))?;
        let mut reply = KeySetReply::success(suite, "", &kem1, &kem2)
            .map_err(|e| Failure::new(Code::Internal, format!("building the reply: {e}")))?;
        reply.push('\n');
        Ok((reply.into_bytes(), psk))
    }

    /// Client: the ciphertexts of a reply to a request made for `suite` (checked before the
    /// state is consumed).
    #[cfg(feature = "ivpn")]
    pub fn reply_ciphertexts(suite: Suite, body: &str) -> Outcome<(Vec<u8>, Vec<u8>)> {
        if !matches!(
            suite,
            Suite::IvpnKyber1024McEliece348864 | Suite::IvpnKyber1024
        ) {
            return Err(Failure::new(
                Code::Input,
                format!(
                    "the state is for suite {suite}, not an IVPN suite: finish it with --format \
                     binary"
                ),
            ));
        }
        let reply = pqpsk::ivpn::json::KeySetReply::from_json(suite, body)
            .map_err(|e| json_failure("reply", e))?;
        Ok((reply.kem_cipher1, reply.kem_cipher2))
    }

    #[cfg(not(feature = "ivpn"))]
    pub fn suite(_: Option<Suite>) -> Outcome<Suite> {
        Err(unsupported())
    }

    #[cfg(not(feature = "ivpn"))]
    pub fn generate_request(_: &mut ClientSecret, _: Suite, _: &RequestFields) -> Outcome<Vec<u8>> {
        Err(unsupported())
    }

    #[cfg(not(feature = "ivpn"))]
    pub fn respond(_: &str, _: Option<Suite>) -> Outcome<(Vec<u8>, Psk)> {
        Err(unsupported())
    }

    #[cfg(not(feature = "ivpn"))]
    pub fn reply_ciphertexts(_: Suite, _: &str) -> Outcome<(Vec<u8>, Vec<u8>)> {
        Err(unsupported())
    }
}
