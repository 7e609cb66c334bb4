//! `pqpsk`: agree on a post-quantum WireGuard pre-shared key from a shell script.
//!
//! Files for the offline flow (`keygen`, `respond`, `finish`), TCP for the online one (`serve`,
//! `connect`). See `pqpsk --help` and the README's command-line section.

mod args;
mod codec;
mod fail;
mod files;
mod journal;
mod limits;
mod lock;
mod net;
mod rotate;
mod state;
mod status;
mod wg;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use pqpsk::confirm::{self, MessageDigest};
use pqpsk::{ClientSecret, Psk, Suite};

use args::{Grammar, Options};
use codec::{Format, Kind, Source};
use fail::{event, Code, Failure, Outcome};

/// The global help's first lines; the commands, the options and [`HELP_TAIL`] follow.
const HELP_HEAD: &str = "\
pqpsk: agree on a post-quantum WireGuard pre-shared key (ML-KEM-1024 + Classic-McEliece-348864)
";

const HELP_TAIL: &str = "\
Exit codes: 0 ok, 1 internal error, 2 usage, 3 local file I/O, 4 malformed or wrong-suite
message (also a response to another request), 5 state missing/consumed/corrupt,
6 network (refused, closed, timeout, server busy),
7 WireGuard (`wg` failed, no peer for an address), 8 not supported in this build, 9 RNG failure,
10 key confirmation failed (the peer does not hold the same key; nothing was applied).

Protocol 2: the response carries the digest of its request (finish refuses a response to
another request before it consumes the state), and online both sides prove they hold the same
key before either applies it. Each side logs the new key's fingerprint (never the key).
One exchange per WireGuard peer and --psk file at a time: a second is told the server is busy.
The request header must arrive within 5 s.
";

/// `pqpsk --help`: every command's synopsis, then every option once.
fn global_help() -> String {
    let mut text = String::from(HELP_HEAD);
    for command in COMMANDS {
        if let Some(heading) = command.heading {
            text.push('\n');
            text.push_str(heading);
            text.push('\n');
        }
        let g = &command.grammar;
        for (i, line) in g.synopsis.lines().enumerate() {
            let indent = if i == 0 { "  " } else { "                " };
            text.push_str(indent);
            text.push_str(line.trim_start());
            text.push('\n');
        }
        for line in g.about.lines() {
            text.push_str("                ");
            text.push_str(line.trim_start());
            text.push('\n');
        }
    }
    text.push_str("\n`pqpsk COMMAND --help` shows one command's usage and options.\n\nOptions:\n");
    for opt in args::OPTIONS {
        args::option_help(&mut text, opt);
    }
    text.push('\n');
    text.push_str(HELP_TAIL);
    text
}

/// What the user sees on stderr besides errors.
#[derive(Clone, Copy)]
pub struct Ui {
    quiet: bool,
    /// Progress and timing of long steps: only on a terminal.
    progress: bool,
}

impl Ui {
    fn new(quiet: bool) -> Ui {
        Ui {
            quiet,
            progress: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A log line (server events): printed unless `--quiet`.
    pub fn log(&self, line: &str) {
        if !self.quiet {
            stderr_line(format_args!("pqpsk: {line}"));
        }
    }

    /// An error that does not end the program (one server connection).
    pub fn error(&self, line: &str) {
        stderr_line(format_args!("pqpsk: error: {line}"));
    }

    /// Runs a long step, showing what it is and how long it took when stderr is a terminal.
    fn step<T>(&self, label: &str, f: impl FnOnce() -> T) -> T {
        if !self.progress {
            return f();
        }
        let _ = write!(io::stderr(), "pqpsk: {label}... ");
        let started = Instant::now();
        let value = f();
        let took = started.elapsed();
        if took.as_secs() >= 1 {
            stderr_line(format_args!("{:.2} s", took.as_secs_f64()));
        } else {
            stderr_line(format_args!("{} ms", took.as_millis()));
        }
        value
    }
}

/// Writes one line to stderr, ignoring failure: a closed stderr (the log reader went away)
/// must neither panic (as `eprintln!` does) nor stop a server; exit codes stay the documented
/// ones.
fn stderr_line(line: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Writes to stdout, ignoring failure (help text to a closed pipe).
fn stdout_text(text: std::fmt::Arguments<'_>) {
    let _ = io::stdout().lock().write_fmt(text);
}

/// Stack for the cryptography: key generation needs about 100 KB of stack with McEliece and the
/// HQC suite's operations up to about 240 KB (no_std.md and README's suite table have the
/// figures), more than musl's 128 KiB thread default and some routers' main-thread limit.
const CRYPTO_STACK: usize = 2 << 20;

/// Runs `f` on a thread with [`CRYPTO_STACK`] bytes of stack.
fn with_big_stack<T: Send>(f: impl FnOnce() -> Outcome<T> + Send) -> Outcome<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("pqpsk crypto".into())
            .stack_size(CRYPTO_STACK)
            .spawn_scoped(scope, f)
            .map_err(|e| Failure::new(Code::Internal, format!("starting a thread: {e}")))?;
        handle
            .join()
            .map_err(|_| Failure::new(Code::Internal, "the cryptography thread panicked"))?
    })
}

/// Upper bounds for numeric options: a deadline that overflows `Instant` or thousands of
/// 0.5 MB connections are mistakes, not configurations.
const MAX_TIMEOUT_SECS: u64 = 86_400;
const MAX_CONNECTIONS: u64 = 1024;

/// A PSK file's bytes: 44 characters of base64 and a newline.
const PSK_LINE_LEN: usize = 45;

fn psk_line(psk: &Psk) -> zeroize::Zeroizing<Vec<u8>> {
    let text = psk.to_base64();
    let mut line = zeroize::Zeroizing::new(Vec::with_capacity(PSK_LINE_LEN));
    line.extend_from_slice(text.as_str().as_bytes());
    line.push(b'\n');
    line
}

/// Writes a PSK as base64 plus a newline, 0600 and atomically (`-`: stdout).
pub fn deliver_psk(path: &Path, psk: &Psk) -> Outcome<()> {
    files::write_atomic(path, &psk_line(psk)).map_err(|f| f.context("writing PSK"))
}

fn format_of(o: &Options) -> Outcome<Format> {
    let format = Format::parse(o.get("--format").unwrap_or("binary"))?;
    format.check_supported()?;
    Ok(format)
}

fn suite_of(o: &Options) -> Outcome<Option<Suite>> {
    o.get("--suite").map(codec::parse_suite).transpose()
}

/// Refuses two uses of stdin (or of stdout) in one command.
fn one_stdio(paths: &[&Path], output: bool) -> Outcome<()> {
    if paths.iter().filter(|p| files::is_stdio(p)).count() > 1 {
        let which = if output { "stdout" } else { "stdin" };
        return Err(Failure::new(
            Code::Usage,
            format!(
                "only one {} can be - ({which})",
                if output { "output" } else { "input" }
            ),
        ));
    }
    Ok(())
}

fn state_path(o: &Options) -> Outcome<PathBuf> {
    let path = o.path("--state")?;
    if files::is_stdio(&path) {
        return Err(Failure::new(
            Code::Usage,
            "--state must be a file, not -: finish consumes it so that it is used only once",
        ));
    }
    Ok(path)
}

/// Client key generation on the big stack; returns the secret, the request message and its
/// digest (which the response must carry).
/// `ivpn`: the request is IVPN's JSON document with these fields, else a binary message.
fn keygen_request(
    ui: Ui,
    suite: Suite,
    ivpn: Option<&codec::ivpn::RequestFields>,
) -> Outcome<(Box<ClientSecret>, Vec<u8>, MessageDigest)> {
    let (secret, request) = ui.step(
        &format!("generating key pairs ({suite}; McEliece takes seconds on small CPUs)"),
        || {
            with_big_stack(|| {
                let mut secret = ClientSecret::new_boxed();
                let request = match ivpn {
                    None => codec::generate_request(&mut secret, suite)?,
                    Some(fields) => codec::ivpn::generate_request(&mut secret, suite, fields)?,
                };
                Ok((secret, request))
            })
        },
    )?;
    let digest = confirm::request_digest(&request);
    Ok((secret, request, digest))
}

/// Reads a whole message file (or stdin), checking the header before reading the body.
fn read_message_file(path: &Path, kind: Kind, suite: Option<Suite>) -> Outcome<Vec<u8>> {
    let name = files::describe(path, false);
    let what = format!("{} {name}", kind.name());
    let mut input = files::open_input(path, kind.name())?;
    let mut read = |buf: &mut [u8]| input.read(buf);
    let (header, message) =
        codec::read_message(&mut read, Source::File, kind, suite).map_err(|f| f.context(&what))?;
    codec::expect_end(&mut read, &header).map_err(|f| f.context(&what))?;
    Ok(message)
}

/// The options that only an ivpn-json request has (refused with any other format).
const IVPN_REQUEST_OPTIONS: [&str; 4] = [
    "--kem-library-version",
    "--session-token-file",
    "--public-key",
    "--connected-public-key",
];

/// The IVPN request's own fields, from the command line (`None` for the binary format).
fn ivpn_fields(o: &Options, format: Format) -> Outcome<Option<codec::ivpn::RequestFields>> {
    if format != Format::IvpnJson {
        return match IVPN_REQUEST_OPTIONS.iter().find(|n| o.get(n).is_some()) {
            Some(name) => Err(Failure::new(
                Code::Usage,
                format!("{name} belongs to IVPN's request: it needs --format ivpn-json"),
            )),
            None => Ok(None),
        };
    }
    let session_token = match o.get("--session-token-file") {
        None => zeroize::Zeroizing::new(String::new()),
        Some(path) => read_token(Path::new(path))?,
    };
    Ok(Some(codec::ivpn::RequestFields {
        session_token,
        public_key: o.get("--public-key").unwrap_or_default().to_string(),
        connected_public_key: o
            .get("--connected-public-key")
            .unwrap_or_default()
            .to_string(),
        kem_library_version: o.get("--kem-library-version").map(str::to_string),
    }))
}

/// An IVPN session token from a file (one line; a final newline is dropped).
fn read_token(path: &Path) -> Outcome<zeroize::Zeroizing<String>> {
    let what = format!("--session-token-file {}", path.display());
    let mut input = files::open_input(path, "session token")?;
    let text = codec::read_document(&mut input, codec::ivpn::MAX_TOKEN_LEN, "session token")
        .map_err(|f| Failure::new(Code::Usage, f.message).context(&what))?;
    let text = zeroize::Zeroizing::new(text);
    let token = text.strip_suffix('\n').unwrap_or(&text);
    let token = token.strip_suffix('\r').unwrap_or(token);
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::new(
            Code::Usage,
            format!("{what}: expected one line of printable ASCII (the session token)"),
        ));
    }
    Ok(zeroize::Zeroizing::new(token.to_string()))
}

/// Reads a whole JSON document file (or stdin) of at most `limit` bytes.
fn read_json_file(path: &Path, what: &str, limit: usize) -> Outcome<String> {
    let name = files::describe(path, false);
    let mut input = files::open_input(path, what)?;
    codec::read_document(&mut input, limit, what).map_err(|f| f.context(format!("{what} {name}")))
}

fn keygen(o: &Options, ui: Ui) -> Outcome<()> {
    let format = format_of(o)?;
    let ivpn = ivpn_fields(o, format)?;
    let suite = match format {
        Format::Binary => suite_of(o)?.unwrap_or_default(),
        Format::IvpnJson => codec::ivpn::suite(suite_of(o)?)?,
    };
    let state = state_path(o)?;
    let request_path = o.path("--request")?;
    files::check_distinct(&[("--state", &state), ("--request", &request_path)])?;
    if format == Format::Binary {
        files::check_binary_output(&request_path, "request")?;
    }
    files::check_output(&state, "state")?;
    files::check_output(&request_path, "request")?;
    let (secret, request, digest) = keygen_request(ui, suite, ivpn.as_ref())?;
    // State first: a crash before the request exists leaves nothing anyone could answer.
    state::store(&state, suite, &digest, &secret)?;
    files::write_atomic(&request_path, &request).map_err(|f| f.context("writing request"))
}

fn respond(o: &Options, ui: Ui) -> Outcome<()> {
    let format = format_of(o)?;
    let suite = match (format, suite_of(o)?) {
        // With ivpn-json, a --suite must be an IVPN one; the request says which otherwise.
        (Format::IvpnJson, Some(named)) => Some(codec::ivpn::suite(Some(named))?),
        (_, named) => named,
    };
    let (request_path, response_path, psk_path) = (
        o.path("--request")?,
        o.path("--response")?,
        o.path("--psk")?,
    );
    one_stdio(&[&response_path, &psk_path], true)?;
    files::check_distinct(&[
        ("--request", &request_path),
        ("--response", &response_path),
        ("--psk", &psk_path),
    ])?;
    if format == Format::Binary {
        files::check_binary_output(&response_path, "response")?;
    }
    files::check_output(&response_path, "response")?;
    files::check_output(&psk_path, "PSK")?;
    let (response, psk) = match format {
        Format::Binary => {
            let request = read_message_file(&request_path, Kind::Request, suite)?;
            ui.step("encapsulating", || {
                with_big_stack(|| codec::respond(&request))
            })?
        }
        Format::IvpnJson => {
            let what = format!("request {}", files::describe(&request_path, false));
            let request = read_json_file(&request_path, "request", codec::ivpn::MAX_REQUEST_LEN)?;
            ui.step("encapsulating", || {
                with_big_stack(|| codec::ivpn::respond(&request, suite))
            })
            .map_err(|f| f.context(&what))?
        }
    };
    // The PSK first: a response is only worth sending if its key was kept.
    deliver_psk(&psk_path, &psk)?;
    ui.log(&format!(
        "[{}] new PSK, fingerprint {}",
        event::NEW_PSK,
        codec::fingerprint(&psk)
    ));
    files::write_atomic(&response_path, &response).map_err(|f| f.context("writing response"))
}

fn finish(o: &Options, ui: Ui) -> Outcome<()> {
    let format = format_of(o)?;
    let state = state_path(o)?;
    let (response_path, psk_path) = (o.path("--response")?, o.path("--psk")?);
    files::check_distinct(&[
        ("--state", &state),
        ("--response", &response_path),
        ("--psk", &psk_path),
    ])?;
    files::check_output(&psk_path, "PSK")?;
    // The response first: in `keygen | respond | finish` it arrives only after keygen has
    // written the state.
    if format == Format::IvpnJson {
        let reply = read_json_file(&response_path, "reply", codec::ivpn::MAX_REPLY_LEN)?;
        let loaded = state::load(&state)?;
        return finish_ivpn(&reply, loaded, &state, &response_path, &psk_path, ui);
    }
    let response = read_message_file(&response_path, Kind::BoundResponse, None)?;
    let loaded = state::load(&state)?;
    let response_suite = codec::decode_header(&response)?.suite;
    codec::check_suite(Some(loaded.suite), response_suite).map_err(|f| {
        f.context(format!(
            "response {}",
            files::describe(&response_path, false)
        ))
    })?;
    // A response to another request (a stale file) is refused while the state is intact.
    codec::check_request(&loaded.request_digest, &response).map_err(|f| {
        f.context(format!(
            "response {}",
            files::describe(&response_path, false)
        ))
    })?;
    let digest = loaded.request_digest;
    decapsulate_and_deliver(loaded, &state, &psk_path, ui, |secret| {
        codec::finish(secret, &digest, &response)
    })
}

/// The end of `finish`, once the response was checked: consumes the state, decapsulates with
/// `decapsulate` and writes the PSK.
fn decapsulate_and_deliver(
    mut loaded: state::Loaded,
    state: &Path,
    psk_path: &Path,
    ui: Ui,
    decapsulate: impl FnOnce(&mut ClientSecret) -> Outcome<Psk> + Send,
) -> Outcome<()> {
    // The PSK's temporary exists at its full size on disk before the state is consumed: a
    // full disk or an impossible name fails here, with the state still usable.
    let output =
        files::Reserved::new(psk_path, PSK_LINE_LEN).map_err(|f| f.context("writing PSK"))?;
    // Consumed before use: from here on, a crash cannot leave a reusable state behind.
    state::consume(&loaded, state)?;
    let mut psk = None;
    ui.step("decapsulating", || {
        with_big_stack(|| {
            psk = Some(decapsulate(&mut loaded.secret)?);
            Ok(())
        })
    })?;
    drop(loaded);
    let psk = psk.ok_or_else(|| Failure::new(Code::Internal, "no key from decapsulation"))?;
    output
        .commit(&psk_line(&psk))
        .map_err(|f| f.context("writing PSK"))?;
    ui.log(&format!(
        "[{}] new PSK, fingerprint {}",
        event::NEW_PSK,
        codec::fingerprint(&psk)
    ));
    state::remove(state)
}

/// IVPN's reply to a request `keygen --format ivpn-json` made: as `finish` does for a binary
/// response, with the reply's ciphertexts (it carries no request digest to check).
fn finish_ivpn(
    reply: &str,
    loaded: state::Loaded,
    state: &Path,
    response_path: &Path,
    psk_path: &Path,
    ui: Ui,
) -> Outcome<()> {
    // Checked before the state is consumed: a bad reply leaves it usable.
    let (kem1, kem2) = codec::ivpn::reply_ciphertexts(loaded.suite, reply)
        .map_err(|f| f.context(format!("reply {}", files::describe(response_path, false))))?;
    decapsulate_and_deliver(loaded, state, psk_path, ui, |secret| {
        secret.finish(&kem1, &kem2).map_err(fail::from_pqpsk)
    })
}

/// The format of an online command: only the binary one (IVPN's API is an HTTPS call; its
/// documents are for keygen, respond and finish).
fn online_format(o: &Options) -> Outcome<()> {
    match format_of(o)? {
        Format::Binary => Ok(()),
        Format::IvpnJson => Err(Failure::new(
            Code::Usage,
            "--format ivpn-json is for keygen, respond and finish (IVPN's API is an HTTPS \
             call: POST the request with curl or uclient-fetch); serve, connect and rotate \
             speak the binary protocol",
        )),
    }
}

fn serve(o: &Options, ui: Ui) -> Outcome<()> {
    online_format(o)?;
    let wg = o.get("--wg").map(str::to_string);
    if let Some(iface) = &wg {
        wg::check_interface(iface)?;
    }
    let psk = o.get("--psk").map(PathBuf::from);
    if let Some(path) = &psk {
        files::check_output(path, "PSK")?;
    }
    if wg.is_none() && psk.is_none() {
        return Err(Failure::new(
            Code::Usage,
            "`pqpsk serve` needs --wg IFACE or --psk FILE: where each new PSK goes",
        ));
    }
    let max_connections = o.number("--max-connections", 16, MAX_CONNECTIONS)?;
    // A quarter of the slots by default: one host cannot lock the others out.
    let max_per_address = o.number(
        "--max-per-address",
        (max_connections / 4).max(1),
        max_connections,
    )?;
    let config = net::ServeConfig {
        listen: o.require("--listen")?.to_string(),
        suite: suite_of(o)?,
        wg,
        psk,
        max_connections: usize::try_from(max_connections).unwrap_or(usize::MAX),
        max_per_address: usize::try_from(max_per_address).unwrap_or(usize::MAX),
        timeout: Duration::from_secs(o.number("--timeout", 30, MAX_TIMEOUT_SECS)?),
        // 0 (the default when absent): serve until killed.
        count: o.number("--count", 0, u64::MAX)?,
        journal: journal_of(o, o.get("--wg").is_some())?,
    };
    net::serve(config, ui)
}

/// Where one client exchange goes and where its key is applied (from `connect`'s or
/// `rotate`'s options).
pub struct ConnectPlan {
    address: String,
    suite: Suite,
    timeout: Duration,
    psk_path: Option<PathBuf>,
    wg: Option<(String, String)>,
    journal: Option<journal::Journal>,
}

/// `--journal DIR` and `--rollback-after SECS`; the journal needs `--wg` (it watches and
/// restores WireGuard's key).
fn journal_of(o: &Options, has_wg: bool) -> Outcome<Option<journal::Journal>> {
    let bound = Duration::from_secs(o.number(
        "--rollback-after",
        journal::DEFAULT_BOUND_SECS,
        MAX_TIMEOUT_SECS,
    )?);
    match o.get("--journal") {
        None if o.get("--rollback-after").is_some() => Err(Failure::new(
            Code::Usage,
            "--rollback-after needs --journal DIR",
        )),
        None => Ok(None),
        Some(_) if !has_wg => Err(Failure::new(
            Code::Usage,
            "--journal needs --wg: it watches and restores WireGuard's key",
        )),
        Some(dir) => journal::Journal::new(PathBuf::from(dir), bound).map(Some),
    }
}

impl ConnectPlan {
    fn from_options(o: &Options, command: &str) -> Outcome<ConnectPlan> {
        online_format(o)?;
        // `args::parse` checked that there is exactly one.
        let address = o.positional.first().cloned().unwrap_or_default();
        let suite = suite_of(o)?.unwrap_or_default();
        let timeout = Duration::from_secs(o.number("--timeout", 30, MAX_TIMEOUT_SECS)?);
        let psk_path = o.get("--psk").map(PathBuf::from);
        if let Some(path) = &psk_path {
            files::check_output(path, "PSK")?;
        }
        let wg = match (o.get("--wg"), o.get("--peer")) {
            (Some(iface), Some(peer)) => {
                wg::check_interface(iface)?;
                wg::check_public_key(peer)?;
                Some((iface.to_string(), peer.to_string()))
            }
            (None, None) => None,
            _ => {
                return Err(Failure::new(
                    Code::Usage,
                    "--wg IFACE and --peer PUBKEY go together",
                ))
            }
        };
        if wg.is_none() && psk_path.is_none() {
            return Err(Failure::new(
                Code::Usage,
                format!(
                    "`pqpsk {command}` needs --wg IFACE --peer PUBKEY or --psk FILE: where the \
                     PSK goes"
                ),
            ));
        }
        let journal = journal_of(o, wg.is_some())?;
        Ok(ConnectPlan {
            address,
            suite,
            timeout,
            psk_path,
            wg,
            journal,
        })
    }

    /// Locks for this client's targets (its peer, its PSK file), so that no two pqpsk clients
    /// run exchanges for them at once.
    pub fn lock(&self) -> Outcome<Vec<lock::Lock>> {
        let mut locks = Vec::new();
        if let Some((iface, peer)) = &self.wg {
            let digest = <sha2::Sha256 as sha2::Digest>::digest(peer.as_bytes());
            let tag: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            let name = format!("pqpsk-{iface}-{tag}.lock");
            let path = match &self.journal {
                Some(journal) => journal.dir().join(name),
                None => std::env::temp_dir().join(name),
            };
            locks.push(lock::Lock::take(&path, &format!("peer {peer} on {iface}"))?);
        }
        if let Some(psk) = self.psk_path.as_ref().filter(|p| !files::is_stdio(p)) {
            let name = psk
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = psk.with_file_name(format!(".{name}.pqpsk-lock"));
            locks.push(lock::Lock::take(
                &path,
                &format!("PSK file {}", psk.display()),
            )?);
        }
        Ok(locks)
    }

    /// One whole client exchange: key generation, the session, applying the key.
    pub fn run_once(&self, ui: Ui) -> Outcome<()> {
        let address = &self.address;
        let journal = self.journal.as_ref().zip(self.wg.as_ref());
        if let Some((journal, _)) = journal {
            journal.recover(ui)?;
        }
        // Key generation before connecting: the server should not wait seconds for us.
        let (mut secret, request, digest) = keygen_request(ui, self.suite, None)?;
        let started = Instant::now();
        // The key is written by the crypto thread into this frame's slot, not returned through
        // the thread's (heap-allocated, not wiped) result.
        let mut finish = |response: &[u8]| {
            let mut psk = None;
            with_big_stack(|| {
                psk = Some(codec::finish(&mut secret, &digest, response)?);
                Ok(())
            })?;
            let psk =
                psk.ok_or_else(|| Failure::new(Code::Internal, "no key from decapsulation"))?;
            // Pending before this side confirms: a crash from here on is undone on restart.
            if let Some((journal, (iface, peer))) = journal {
                let file = self.psk_path.as_deref();
                journal.begin_client(iface, peer, self.suite.name(), &psk, address, file, ui)?;
                journal::crash_point("client-before-confirm");
            }
            Ok(psk)
        };
        let exchanged = net::exchange(
            address,
            self.timeout,
            &request,
            &digest,
            self.suite,
            &mut finish,
        );
        let psk = match exchanged {
            Ok(psk) => psk,
            Err(f) => {
                if let Some((journal, (iface, peer))) = journal {
                    journal.abandon(iface, peer);
                    journal.failed(iface, peer, &f.message, ui);
                }
                return Err(f);
            }
        };
        journal::crash_point("client-before-apply");
        // The server has applied its key by now: a failure here leaves the two sides different,
        // so the message says so. The file (if any) is written first, so the key is not lost.
        let mismatch = |f: Failure| {
            f.context("the server has applied the new PSK but this side could not (the next handshake will fail until it does)")
        };
        if let Some(path) = &self.psk_path {
            deliver_psk(path, &psk).map_err(mismatch)?;
        }
        if let Some((iface, peer)) = &self.wg {
            wg::set_psk(iface, peer, &psk).map_err(mismatch)?;
        }
        ui.log(&format!(
            "[{}] exchange with {address} done in {:.2} s: new PSK applied, fingerprint {}",
            event::EXCHANGED,
            started.elapsed().as_secs_f64(),
            codec::fingerprint(&psk)
        ));
        if let Some((journal, (iface, peer))) = journal {
            journal::crash_point("client-after-apply");
            journal.applied(iface, peer, ui)?;
            if journal.watch(iface, peer, ui)? == journal::Watched::RolledBack {
                return Err(Failure::new(
                    Code::WireGuard,
                    format!(
                        "peer {peer} on {iface}: no handshake with the new PSK: rolled back to \
                         the previous one"
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn connect(o: &Options, ui: Ui) -> Outcome<()> {
    let plan = ConnectPlan::from_options(o, "connect")?;
    let _locks = plan.lock()?;
    // The same id as `rotate`'s line for a failed rotation: one filter for both.
    plan.run_once(ui)
        .map_err(|f| f.event(event::EXCHANGE_FAILED))
}

fn status(o: &Options, _ui: Ui) -> Outcome<()> {
    let dir = o.path("--journal")?;
    let all = status::all(&dir)?;
    let mut out = String::new();
    for s in &all {
        if o.flag("--machine") {
            out.push_str(&s.to_line());
            out.push('\n');
        } else {
            out.push_str(&status::human(s));
        }
    }
    if all.is_empty() && !o.flag("--machine") {
        out.push_str("no rotation recorded in this journal yet\n");
    }
    stdout_text(format_args!("{out}"));
    Ok(())
}

fn recover(o: &Options, ui: Ui) -> Outcome<()> {
    o.require("--journal")?;
    journal_of(o, true)?
        .ok_or_else(|| Failure::new(Code::Usage, "`pqpsk recover` needs --journal DIR"))?
        .recover(ui)
}

fn rotate(o: &Options, ui: Ui) -> Outcome<()> {
    let plan = ConnectPlan::from_options(o, "rotate")?;
    let interval = o
        .get("--interval")
        .map(|_| o.number("--interval", 0, rotate::MAX_INTERVAL_SECS))
        .transpose()?
        .ok_or_else(|| {
            Failure::new(
                Code::Usage,
                "`pqpsk rotate` needs --interval SECS (how often to rotate)",
            )
        })?;
    let schedule = rotate::Schedule {
        interval: Duration::from_secs(interval),
        // A tenth of the interval by default, so that many clients spread out.
        jitter: Duration::from_secs(match o.get("--jitter") {
            Some("0") => 0,
            _ => o.number("--jitter", interval / 10, interval)?,
        }),
        count: o.number("--count", 0, u64::MAX)?,
    };
    // Held for the whole life of the service.
    let _locks = plan.lock()?;
    rotate::run(&plan, &schedule, ui)
}

/// One subcommand: its grammar (options, usage) and what runs it.
struct Command {
    /// A heading printed before it in `pqpsk --help`.
    heading: Option<&'static str>,
    grammar: Grammar,
    run: fn(&Options, Ui) -> Outcome<()>,
}

// Each synopsis begins on a line of its own, indented by two spaces (`.ci/contrib` finds the
// subcommands there and checks that the man page has a section for each).
const COMMANDS: &[Command] = &[
    Command {
        heading: Some("Offline, through files (a path of - is stdin or stdout):"),
        grammar: Grammar {
            name: "keygen",
            synopsis: "\
  pqpsk keygen  [--suite S] [--format F] --state STATE --request REQ",
            about: "client: key pairs and request",
            options: &[
                "suite",
                "format",
                "state",
                "request",
                "kem-library-version",
                "session-token-file",
                "public-key",
                "connected-public-key",
            ],
            positionals: &[],
        },
        run: keygen,
    },
    Command {
        heading: None,
        grammar: Grammar {
            name: "respond",
            synopsis: "\
  pqpsk respond [--suite S] [--format F] --request REQ --response RESP --psk PSK",
            about: "server: response and its PSK",
            options: &["suite", "format", "request", "response", "psk"],
            positionals: &[],
        },
        run: respond,
    },
    Command {
        heading: None,
        grammar: Grammar {
            name: "finish",
            synopsis: "\
  pqpsk finish  [--format F] --state STATE --response RESP --psk PSK",
            about: "client: its PSK; STATE is consumed",
            options: &["format", "state", "response", "psk"],
            positionals: &[],
        },
        run: finish,
    },
    Command {
        heading: Some(
            "Online, one exchange per TCP connection (run it inside the tunnel or another\n\
             authenticated channel: the exchange itself authenticates nobody):",
        ),
        grammar: Grammar {
            name: "serve",
            synopsis: "\
  pqpsk serve   --listen ADDR (--wg IFACE | --psk PSK) [--suite S] [--max-connections N]\n\
                [--max-per-address N] [--timeout SECS] [--count N]\n\
                [--journal DIR [--rollback-after SECS]]",
            about: "server: one exchange per connection, the key to WireGuard or a file",
            options: &[
                "format",
                "suite",
                "listen",
                "wg",
                "psk",
                "max-connections",
                "max-per-address",
                "timeout",
                "count",
                "journal",
                "rollback-after",
            ],
            positionals: &[],
        },
        run: serve,
    },
    Command {
        heading: None,
        grammar: Grammar {
            name: "connect",
            synopsis: "\
  pqpsk connect ADDR (--wg IFACE --peer PUBKEY | --psk PSK) [--suite S] [--timeout SECS]\n\
                [--journal DIR [--rollback-after SECS]]",
            about: "client: one exchange with the server at ADDR",
            options: &[
                "format",
                "suite",
                "wg",
                "peer",
                "psk",
                "timeout",
                "journal",
                "rollback-after",
            ],
            positionals: &["ADDR"],
        },
        run: connect,
    },
    Command {
        heading: None,
        grammar: Grammar {
            name: "rotate",
            synopsis: "\
  pqpsk rotate  ADDR (--wg IFACE --peer PUBKEY | --psk PSK) --interval SECS [--jitter SECS]\n\
                [--count N] [--suite S] [--timeout SECS] [--journal DIR [--rollback-after SECS]]",
            about: "client as a service: one exchange every SECS (plus a random delay up to\n\
                    --jitter, default a tenth of SECS); a failed one is retried after 5 s, 10 s,\n\
                    20 s ... (never more than SECS); exchanges never overlap; --count N stops\n\
                    after N successful rotations",
            options: &[
                "format",
                "suite",
                "wg",
                "peer",
                "psk",
                "timeout",
                "interval",
                "jitter",
                "count",
                "journal",
                "rollback-after",
            ],
            positionals: &["ADDR"],
        },
        run: rotate,
    },
    Command {
        heading: Some("The rotation journal (--journal DIR):"),
        grammar: Grammar {
            name: "recover",
            synopsis: "\
  pqpsk recover --journal DIR [--rollback-after SECS]",
            about: "complete or undo the rotations a crash interrupted, then exit",
            options: &["journal", "rollback-after"],
            positionals: &[],
        },
        run: recover,
    },
    Command {
        heading: None,
        grammar: Grammar {
            name: "status",
            synopsis: "\
  pqpsk status  --journal DIR [--machine]",
            about: "per peer: suite, last successful rotation, fingerprint, state (pending,\n\
                    applied, ok, rolled-back), last error",
            options: &["journal", "machine"],
            positionals: &[],
        },
        run: status,
    },
];

/// A command-line argument as text: a non-UTF-8 one is a usage error, never a panic.
fn text_arg(arg: &OsString) -> Outcome<&str> {
    arg.to_str().ok_or_else(|| {
        Failure::new(
            Code::Usage,
            format!("argument {} is not valid UTF-8", arg.to_string_lossy()),
        )
    })
}

fn run(argv: Vec<OsString>) -> Outcome<()> {
    let mut argv = argv.into_iter();
    let Some(name) = argv.next() else {
        return Err(Failure::new(
            Code::Usage,
            format!("no command given\n\n{}", global_help()),
        ));
    };
    let name = text_arg(&name)?;
    match name {
        "help" | "--help" | "-h" => {
            stdout_text(format_args!("{}", global_help()));
            return Ok(());
        }
        "version" | "--version" | "-V" => {
            stdout_text(format_args!("pqpsk {}\n", env!("CARGO_PKG_VERSION")));
            return Ok(());
        }
        _ => {}
    }
    let command = COMMANDS
        .iter()
        .find(|c| c.grammar.name == name)
        .ok_or_else(|| {
            Failure::new(
                Code::Usage,
                format!("unknown command {name:?} (try `pqpsk --help`)"),
            )
        })?;
    let options = args::parse(&command.grammar, argv)?;
    if options.flag("--help") {
        stdout_text(format_args!("{}", command.grammar.help()));
        return Ok(());
    }
    (command.run)(&options, Ui::new(options.flag("--quiet")))
}

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            stderr_line(format_args!("pqpsk: error: {failure}"));
            ExitCode::from(failure.code as u8)
        }
    }
}
