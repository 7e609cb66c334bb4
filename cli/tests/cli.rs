//! Runs the real `pqpsk` binary: files, pipes, TCP, bad inputs, bad clients, a fake `wg`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{dir, fails, ok, pqpsk, read_psk, Run, BIN};

/// Header + ML-KEM-1024 public key + McEliece-348864 public key, and the response's size.
const REQUEST_LEN: usize = 12 + 1568 + 261_120;
/// Header, digest of the request (protocol 2), ML-KEM and McEliece ciphertexts.
const RESPONSE_LEN: usize = 12 + 32 + 1568 + 96;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Only these names in `d`: no temporary or half-written files left behind.
fn only_files(d: &Path, names: &[&str]) {
    let mut found: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    found.sort();
    let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    names.sort();
    assert_eq!(found, names);
}

/// keygen + respond in `d`: files state, req, resp, server.psk.
fn exchange_files(d: &Path) {
    ok(&["keygen", "--state", "state", "--request", "req"], d);
    ok(
        &[
            "respond",
            "--request",
            "req",
            "--response",
            "resp",
            "--psk",
            "server.psk",
        ],
        d,
    );
}

#[test]
fn files_round_trip_0600_and_single_use_state() {
    let d = dir("files");
    exchange_files(&d);
    assert_eq!(
        fs::metadata(d.join("req")).unwrap().len(),
        REQUEST_LEN as u64
    );
    assert_eq!(
        fs::metadata(d.join("resp")).unwrap().len(),
        RESPONSE_LEN as u64
    );
    for f in ["state", "req", "resp", "server.psk"] {
        assert_eq!(mode(&d.join(f)), 0o600, "{f}");
    }
    let finished = ok(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "client.psk",
        ],
        &d,
    );
    assert!(
        finished
            .stderr
            .starts_with("pqpsk: [new-psk] new PSK, fingerprint "),
        "{}",
        finished.stderr
    );
    assert_eq!(mode(&d.join("client.psk")), 0o600);
    let server = read_psk(&d.join("server.psk"));
    assert_eq!(server, read_psk(&d.join("client.psk")));
    // The state was consumed: removed, and a second finish says why it cannot run.
    only_files(&d, &["req", "resp", "server.psk", "client.psk"]);
    fails(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "again.psk",
        ],
        &d,
        5,
        "does not exist",
    );
    assert!(!d.join("again.psk").exists());
    // A new exchange gives a new key.
    exchange_files(&d);
    ok(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "client.psk",
        ],
        &d,
    );
    assert_ne!(read_psk(&d.join("client.psk")), server);
}

#[test]
fn pipes_keygen_respond_finish() {
    let d = dir("pipes");
    let mut keygen = Command::new(BIN)
        .args(["keygen", "--state", "state", "--request", "-"])
        .current_dir(&d)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut respond = Command::new(BIN)
        .args([
            "respond",
            "--request",
            "-",
            "--response",
            "-",
            "--psk",
            "server.psk",
        ])
        .current_dir(&d)
        .stdin(keygen.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let finish = Command::new(BIN)
        .args([
            "finish",
            "--state",
            "state",
            "--response",
            "-",
            "--psk",
            "-",
        ])
        .current_dir(&d)
        .stdin(respond.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(keygen.wait().unwrap().success());
    assert!(respond.wait().unwrap().success());
    assert!(
        finish.status.success(),
        "{}",
        String::from_utf8_lossy(&finish.stderr)
    );
    let client = String::from_utf8(finish.stdout).unwrap();
    assert_eq!(client.trim_end(), read_psk(&d.join("server.psk")));
    only_files(&d, &["server.psk"]);
}

#[test]
fn consumed_damaged_and_wrong_states_are_refused() {
    let d = dir("states");
    exchange_files(&d);
    let good = fs::read(d.join("state")).unwrap();
    let finish = [
        "finish",
        "--state",
        "state",
        "--response",
        "resp",
        "--psk",
        "c.psk",
    ];
    // What a crash after consuming leaves: zeros in place.
    fs::write(d.join("state"), vec![0u8; good.len()]).unwrap();
    fails(&finish, &d, 5, "already consumed");
    // A flipped bit anywhere is caught by the checksum.
    let mut flipped = good.clone();
    flipped[100] ^= 1;
    fs::write(d.join("state"), &flipped).unwrap();
    fails(&finish, &d, 5, "checksum");
    fs::write(d.join("state"), &good[..good.len() - 1]).unwrap();
    fails(&finish, &d, 5, "truncated or damaged");
    fs::write(d.join("state"), b"hello").unwrap();
    fails(&finish, &d, 5, "not a pqpsk state file");
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 100_000]);
    fs::write(d.join("state"), &longer).unwrap();
    // A state problem, whatever its kind: exit 5 as documented (it was 4, a message's code).
    fails(&finish, &d, 5, "too large");
    assert!(!d.join("c.psk").exists());
    // The good state still works after all of these.
    fs::write(d.join("state"), &good).unwrap();
    ok(&finish, &d);
    assert_eq!(read_psk(&d.join("c.psk")), read_psk(&d.join("server.psk")));
    // `-` is refused as a state: it could not be consumed.
    fails(
        &["keygen", "--state", "-", "--request", "r"],
        &d,
        2,
        "must be a file",
    );
}

#[test]
fn a_bad_response_leaves_the_state_usable_and_a_foreign_one_gives_another_key() {
    let d = dir("bad-response");
    exchange_files(&d);
    let resp = fs::read(d.join("resp")).unwrap();
    let finish = [
        "finish",
        "--state",
        "state",
        "--response",
        "bad",
        "--psk",
        "c.psk",
    ];
    fs::write(d.join("bad"), &resp[..RESPONSE_LEN - 1]).unwrap();
    fails(
        &finish,
        &d,
        4,
        "truncated bound response: needed 1708 bytes, got 1707",
    );
    fs::write(d.join("bad"), [&resp[..], b"x"].concat()).unwrap();
    fails(&finish, &d, 4, "oversized bound response");
    fs::write(d.join("bad"), fs::read(d.join("req")).unwrap()).unwrap();
    fails(
        &finish,
        &d,
        4,
        "expected a bound response message, got a request",
    );
    // An output that cannot be written is found before the state is consumed.
    fails(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "nodir/c.psk",
        ],
        &d,
        3,
        "directory nodir does not exist",
    );
    assert!(d.join("state").exists() && !d.join("c.psk").exists());
    // A well-formed response to another request (a stale file): refused before the state is
    // consumed (protocol 1 accepted it and gave each side a different key).
    let other = dir("bad-response-other");
    exchange_files(&other);
    fs::copy(other.join("resp"), d.join("bad")).unwrap();
    fails(&finish, &d, 4, "answers another request");
    assert!(!d.join("c.psk").exists());
    // A protocol-1 response (type 2, no request digest): refused, naming the protocols.
    let mut v1 = resp[..12].to_vec();
    v1[5] = 2;
    v1[8..12].copy_from_slice(&((RESPONSE_LEN - 44) as u32).to_be_bytes());
    v1.extend_from_slice(&resp[44..]);
    fs::write(d.join("bad"), &v1).unwrap();
    fails(&finish, &d, 4, "speaks protocol 1");
    // The right response still works after all of these.
    fs::copy(d.join("resp"), d.join("bad")).unwrap();
    ok(&finish, &d);
    assert_eq!(read_psk(&d.join("c.psk")), read_psk(&d.join("server.psk")));
    assert!(!d.join("state").exists());
}

#[test]
fn malformed_requests_get_exact_messages_and_no_output() {
    let d = dir("bad-request");
    ok(&["keygen", "--state", "state", "--request", "req"], &d);
    let req = fs::read(d.join("req")).unwrap();
    let respond = [
        "respond",
        "--request",
        "bad",
        "--response",
        "resp",
        "--psk",
        "s.psk",
    ];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            req[..1000].to_vec(),
            "truncated request: needed 262700 bytes, got 1000",
        ),
        (
            req[..5].to_vec(),
            "truncated request: needed 12 bytes, got 5",
        ),
        (Vec::new(), "truncated request: needed 12 bytes, got 0"),
        ([&req[..], &req[..]].concat(), "oversized request"),
        (vec![0x55; REQUEST_LEN], "not a pqpsk message"),
        (
            [&req[..6], &[0x77, 0x77], &req[8..]].concat(),
            "suite id 0x7777 is not supported",
        ),
        (
            [&req[..4], &[9], &req[5..]].concat(),
            "wire-format version 9",
        ),
        (
            [&req[..5], &[7], &req[6..]].concat(),
            "message type 7 is unknown",
        ),
        (
            [&req[..8], &[0xff, 0xff, 0xff, 0xff], &req[12..]].concat(),
            "header declares a 4294967295-byte body; suite mlkem1024-mceliece348864 needs 262688",
        ),
    ];
    for (bytes, text) in cases {
        fs::write(d.join("bad"), &bytes).unwrap();
        fails(&respond, &d, 4, text);
        only_files(&d, &["state", "req", "bad"]);
    }
    // An ML-KEM key with unreduced coefficients (all ones) fails the FIPS 203 check.
    let mut bad_key = req.clone();
    bad_key[12..12 + 1568].fill(0xff);
    fs::write(d.join("bad"), &bad_key).unwrap();
    fails(&respond, &d, 4, "FIPS 203");
    fails(
        &[
            "respond",
            "--request",
            "missing",
            "--response",
            "r",
            "--psk",
            "p",
        ],
        &d,
        3,
        "missing",
    );
    only_files(&d, &["state", "req", "bad"]);
}

#[test]
fn usage_suites_and_formats() {
    let d = dir("usage");
    fails(&[], &d, 2, "no command");
    fails(&["frobnicate"], &d, 2, "unknown command");
    fails(&["keygen", "--state", "s"], &d, 2, "needs --request");
    fails(
        &["keygen", "--state", "s", "--request", "r", "--bogus"],
        &d,
        2,
        "unknown option --bogus",
    );
    fails(
        &[
            "keygen",
            "--suite",
            "nope",
            "--state",
            "s",
            "--request",
            "r",
        ],
        &d,
        2,
        "unknown suite",
    );
    // With the `ivpn` feature these work (tests/ivpn.rs).
    #[cfg(not(feature = "ivpn"))]
    fails(
        &[
            "keygen",
            "--suite",
            "ivpn-kyber1024-mceliece348864",
            "--state",
            "s",
            "--request",
            "r",
        ],
        &d,
        8,
        "not supported in this build",
    );
    // With the `ivpn` feature these work (tests/ivpn.rs).
    #[cfg(not(feature = "ivpn"))]
    fails(
        &[
            "keygen",
            "--format",
            "ivpn-json",
            "--state",
            "s",
            "--request",
            "r",
        ],
        &d,
        8,
        "not supported in this build",
    );
    fails(
        &[
            "keygen",
            "--format",
            "xml",
            "--state",
            "s",
            "--request",
            "r",
        ],
        &d,
        2,
        "--format",
    );
    fails(
        &["respond", "--request", "r", "--response", "-", "--psk", "-"],
        &d,
        2,
        "only one output",
    );
    fails(
        &["serve", "--listen", "127.0.0.1:0"],
        &d,
        2,
        "--wg IFACE or --psk",
    );
    fails(
        &["connect", "127.0.0.1:1", "--wg", "wg0"],
        &d,
        2,
        "go together",
    );
    fails(
        &["connect", "127.0.0.1:1", "--wg", "wg0", "--peer", "--help"],
        &d,
        2,
        "not a WireGuard public key",
    );
    fails(
        &["serve", "--listen", "127.0.0.1:0", "--wg", "-rf"],
        &d,
        2,
        "not a valid interface",
    );
    fails(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--psk",
            "p",
            "--timeout",
            "0",
        ],
        &d,
        2,
        "--timeout \"0\": expected a whole number from 1 to 86400",
    );
    fails(
        &[
            "connect",
            "127.0.0.1:1",
            "--psk",
            "p",
            "--timeout",
            "99999999999999999999",
        ],
        &d,
        2,
        "from 1 to 86400",
    );
    assert!(ok(&["--help"], &d).stdout.starts_with(b"pqpsk"));
    only_files(&d, &[]);
}

#[test]
fn outputs_replace_files_atomically_and_failed_writes_leave_nothing() {
    let d = dir("atomic");
    fs::write(d.join("server.psk"), "old\n").unwrap();
    fs::set_permissions(d.join("server.psk"), fs::Permissions::from_mode(0o644)).unwrap();
    let before = fs::metadata(d.join("server.psk")).unwrap().ino();
    exchange_files(&d);
    // A new file renamed over the old one (new inode), with the new mode.
    assert_ne!(fs::metadata(d.join("server.psk")).unwrap().ino(), before);
    assert_eq!(mode(&d.join("server.psk")), 0o600);
    // A destination that cannot be replaced: the error names it and no temporary is left.
    fs::create_dir(d.join("adir")).unwrap();
    fs::write(d.join("adir/inside"), "x").unwrap();
    fails(
        &[
            "respond",
            "--request",
            "req",
            "--response",
            "resp2",
            "--psk",
            "adir",
        ],
        &d,
        3,
        "adir",
    );
    only_files(&d, &["state", "req", "resp", "server.psk", "adir"]);
    fails(
        &[
            "respond",
            "--request",
            "req",
            "--response",
            "resp2",
            "--psk",
            "nodir/p",
        ],
        &d,
        3,
        "nodir",
    );
    only_files(&d, &["state", "req", "resp", "server.psk", "adir"]);
}

/// A running `pqpsk serve`, its log lines, killed on drop.
struct Server {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    fn start(d: &Path, extra: &[&str], env: &[(&str, String)]) -> Server {
        Server::start_on(d, "127.0.0.1:0", extra, env)
    }

    fn start_on(d: &Path, listen: &str, extra: &[&str], env: &[(&str, String)]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", listen])
            .args(extra)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .current_dir(d)
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, log) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            port: 0,
            log,
            seen: Vec::new(),
        };
        let line = server.wait_for("listening on");
        server.port = line.rsplit(':').next().unwrap().parse().unwrap();
        server
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The first log line not yet matched that contains `text` (lines may arrive in any order
    /// across connections); fails after 20 s.
    fn wait_for(&mut self, text: &str) -> String {
        if let Some(i) = self.seen.iter().position(|l| l.contains(text)) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) if line.contains(text) => return line,
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no log line with {text:?}; saw {:?}", self.seen),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn connect(d: &Path, address: &str, extra: &[&str]) -> Run {
    let mut args = vec!["connect", address];
    args.extend_from_slice(extra);
    pqpsk(&args).cwd(d).run()
}

#[test]
fn serve_and_connect_over_loopback() {
    let d = dir("tcp");
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    for _ in 0..2 {
        let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        // The client's one-shot line carries the event id of the server's (README's list).
        let done = format!(
            "pqpsk: [exchanged] exchange with {} done in ",
            server.address()
        );
        assert!(run.stderr.contains(&done), "{}", run.stderr);
        server.wait_for("PSK written to server.psk");
        assert_eq!(
            read_psk(&d.join("client.psk")),
            read_psk(&d.join("server.psk"))
        );
        assert_eq!(mode(&d.join("client.psk")), 0o600);
    }
    drop(server);
    let refused = fails(
        &[
            "connect",
            &format!("127.0.0.1:{}", free_port()),
            "--psk",
            "c",
        ],
        &d,
        6,
        "refused",
    );
    // Its error line has the id `rotate` logs a failed rotation with.
    assert!(
        refused
            .stderr
            .starts_with("pqpsk: error: [exchange-failed] "),
        "{}",
        refused.stderr
    );
    // --count: the server exits by itself after that many exchanges.
    let mut server = Server::start(&d, &["--psk", "server.psk", "--count", "1"], &[]);
    assert_eq!(
        connect(&d, &server.address(), &["--psk", "client.psk"]).code,
        0
    );
    server.wait_for("exiting");
    assert!(server.child.wait().unwrap().success());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A complete, valid request made by `keygen` in `d`.
fn request_bytes(d: &Path) -> Vec<u8> {
    ok(&["keygen", "--state", "state", "--request", "req"], d);
    fs::read(d.join("req")).unwrap()
}

/// Reads until EOF or error; true if the peer closed within `within`.
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    }
}

#[test]
fn bad_clients_neither_crash_nor_block_the_server() {
    let d = dir("bad-clients");
    let request = request_bytes(&d);
    let mut server = Server::start(&d, &["--psk", "server.psk", "--timeout", "5"], &[]);
    let addr = server.address();

    // Stalls after 5 bytes: holds its slot until its deadline, blocks nobody.
    let mut staller = TcpStream::connect(&addr).unwrap();
    staller.write_all(&request[..5]).unwrap();
    let good = connect(&d, &addr, &["--psk", "client.psk"]);
    assert_eq!(good.code, 0, "{}", good.stderr);
    server.wait_for("PSK written");
    assert!(closed_within(&mut staller, Duration::from_secs(10)));
    server.wait_for("timed out waiting for the request header (got 5 bytes)");

    // Disconnects half way through the request.
    let mut half = TcpStream::connect(&addr).unwrap();
    half.write_all(&request[..REQUEST_LEN / 2]).unwrap();
    drop(half);
    server.wait_for(&format!(
        "peer closed the connection after {} of {REQUEST_LEN} bytes of the request",
        REQUEST_LEN / 2
    ));

    // Announces an absurd length: refused on the header, before any body is read.
    let mut huge = TcpStream::connect(&addr).unwrap();
    huge.write_all(&[&request[..8], &[0xff, 0xff, 0xff, 0xff]].concat())
        .unwrap();
    assert!(closed_within(&mut huge, Duration::from_secs(2)));
    server.wait_for("header declares a 4294967295-byte body");

    // Garbage.
    let mut garbage = TcpStream::connect(&addr).unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert!(closed_within(&mut garbage, Duration::from_secs(2)));
    server.wait_for("not a pqpsk message");

    // Takes the response but never confirms: the server does not apply its key.
    fs::remove_file(d.join("server.psk")).unwrap();
    let mut taker = TcpStream::connect(&addr).unwrap();
    taker.write_all(&request).unwrap();
    let mut response = vec![0u8; RESPONSE_LEN];
    taker.read_exact(&mut response).unwrap();
    drop(taker);
    server.wait_for("no confirmation from the client; PSK not applied");
    assert!(!d.join("server.psk").exists());

    // Still serving.
    assert_eq!(connect(&d, &addr, &["--psk", "client.psk"]).code, 0);
    server.wait_for("PSK written");
    assert_eq!(
        read_psk(&d.join("client.psk")),
        read_psk(&d.join("server.psk"))
    );
}

/// A server with one connection slot (`--timeout SECS`), and the client that holds it: it sent
/// two bytes of a header and stalls.
fn one_slot_server_held(d: &Path, timeout: &str) -> (Server, TcpStream) {
    let server = Server::start(
        d,
        &[
            "--psk",
            "server.psk",
            "--max-connections",
            "1",
            "--timeout",
            timeout,
        ],
        &[],
    );
    let mut holder = TcpStream::connect(server.address()).unwrap();
    holder.write_all(b"PQ").unwrap();
    // The slot is taken once the server has accepted the holder; give it a moment.
    std::thread::sleep(Duration::from_millis(300));
    (server, holder)
}

#[test]
fn connection_cap_refuses_extra_clients() {
    let d = dir("cap");
    let (mut server, first) = one_slot_server_held(&d, "5");
    let mut second = TcpStream::connect(server.address()).unwrap();
    assert!(closed_within(&mut second, Duration::from_secs(2)));
    server.wait_for("refused 1 connection(s) (1 at --max-connections)");
    drop(first);
    server.wait_for("peer closed");
    let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn client_times_out_on_a_silent_server_and_reports_a_closing_one() {
    let d = dir("client-timeout");
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let holder = std::thread::spawn(move || {
        let (mut s, _) = silent.accept().unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
        // Second connection: read the request, then hang up without answering.
        let (mut s, _) = silent.accept().unwrap();
        let mut buf = vec![0u8; REQUEST_LEN];
        s.read_exact(&mut buf).unwrap();
    });
    let started = Instant::now();
    fails(
        &["connect", &addr, "--psk", "c.psk", "--timeout", "2"],
        &d,
        6,
        "timed out waiting for the bound response",
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    fails(
        &["connect", &addr, "--psk", "c.psk"],
        &d,
        6,
        "peer closed the connection after 0 of 12 bytes of the bound response",
    );
    holder.join().unwrap();
    assert!(!d.join("c.psk").exists());
}

/// A stand-in for `wg`: `show` prints one peer, `set` records its arguments and stdin.
fn fake_wg(d: &Path) -> PathBuf {
    let path = d.join("fake-wg");
    fs::write(
        &path,
        "#!/bin/sh\n\
         case \"$1\" in\n\
         show) printf '%s\\t%s\\n' \"$FAKE_PEER\" \"$FAKE_RANGE\" ;;\n\
         set) [ -n \"$FAKE_FAIL_SET\" ] && { echo 'fake wg: refused' >&2; exit 1; }\n\
              echo \"$@\" > \"$FAKE_LOG.args\"; cat > \"$FAKE_LOG.key\" ;;\n\
         *) echo \"fake wg: unexpected $*\" >&2; exit 1 ;;\n\
         esac\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

const CLIENT_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const SERVER_KEY: &str = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=";

#[test]
fn wg_mode_gives_the_key_to_the_right_peer_through_a_pipe() {
    let d = dir("wg");
    let wg = fake_wg(&d).display().to_string();
    let env = |range: &str, log: &str| {
        vec![
            ("PQPSK_WG", wg.clone()),
            ("FAKE_PEER", CLIENT_KEY.to_string()),
            ("FAKE_RANGE", range.to_string()),
            ("FAKE_LOG", d.join(log).display().to_string()),
        ]
    };
    // `connect` to `server`, the key for peer SERVER_KEY on wg1, with the fake `wg`'s `env`.
    let client = |server: &Server, env: &[(&str, String)], extra: &[&str]| {
        let args = [
            "connect",
            &server.address(),
            "--wg",
            "wg1",
            "--peer",
            SERVER_KEY,
        ];
        pqpsk(args.iter().chain(extra)).cwd(&d).env(env).run()
    };
    let mut server = Server::start(&d, &["--wg", "wg0"], &env("127.0.0.0/8", "server"));
    let run = client(&server, &env("(none)", "client"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    server.wait_for(&format!("PSK given to peer {CLIENT_KEY} on wg0"));
    let server_key = fs::read_to_string(d.join("server.key")).unwrap();
    let client_key = fs::read_to_string(d.join("client.key")).unwrap();
    assert_eq!(server_key.len(), 45);
    assert_eq!(server_key, client_key);
    // The key went through stdin, never argv.
    assert_eq!(
        fs::read_to_string(d.join("server.args")).unwrap().trim(),
        format!("set wg0 peer {CLIENT_KEY} preshared-key /dev/stdin")
    );
    assert_eq!(
        fs::read_to_string(d.join("client.args")).unwrap().trim(),
        format!("set wg1 peer {SERVER_KEY} preshared-key /dev/stdin")
    );
    drop(server);

    // A connection from an address no peer owns is refused before the exchange; the client
    // applies nothing.
    let mut server = Server::start(&d, &["--wg", "wg0"], &env("10.0.0.2/32", "server2"));
    let run = client(&server, &env("(none)", "client2"), &[]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    server.wait_for("no peer of wg0 has an allowed-ips range containing 127.0.0.1");
    assert!(!d.join("server2.key").exists() && !d.join("client2.key").exists());
    drop(server);

    // The server's `wg set` fails: it says so to the client, which then changes nothing.
    let mut failing = env("127.0.0.0/8", "server3");
    failing.push(("FAKE_FAIL_SET", "1".to_string()));
    let mut server = Server::start(&d, &["--wg", "wg0"], &failing);
    let run = client(&server, &env("(none)", "client3"), &[]);
    let stderr = run.stderr;
    assert_eq!(run.code, 7, "{stderr}");
    assert!(
        stderr.contains("the server could not apply the new PSK"),
        "{stderr}"
    );
    server.wait_for("fake wg: refused");
    assert!(!d.join("client3.key").exists());
    drop(server);

    // The client's own `wg set` fails after the server applied: the message says the sides now
    // differ, and the key is still in the --psk file.
    let mut server = Server::start(&d, &["--wg", "wg0"], &env("127.0.0.0/8", "server4"));
    let mut failing = env("(none)", "client4");
    failing.push(("FAKE_FAIL_SET", "1".to_string()));
    let run = client(&server, &failing, &["--psk", "client4.psk"]);
    let stderr = run.stderr;
    assert_eq!(run.code, 7, "{stderr}");
    assert!(
        stderr.contains("the server has applied the new PSK but this side could not"),
        "{stderr}"
    );
    server.wait_for("PSK given to peer");
    let server_key = fs::read_to_string(d.join("server4.key")).unwrap();
    assert_eq!(
        fs::read_to_string(d.join("client4.psk")).unwrap(),
        server_key
    );
}

#[test]
fn a_killed_keygen_leaves_no_partial_file_under_the_real_names() {
    let d = dir("killed");
    // Kill at moments spread over key generation and the writes that follow it.
    for delay_ms in [50u64, 200, 350, 400, 450, 500, 600, 800] {
        for f in ["state", "req"] {
            let _ = fs::remove_file(d.join(f));
        }
        let mut child = Command::new(BIN)
            .args(["keygen", "--state", "state", "--request", "req"])
            .current_dir(&d)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        for (name, full) in [("state", 6670u64), ("req", REQUEST_LEN as u64)] {
            if let Ok(meta) = fs::metadata(d.join(name)) {
                assert_eq!(meta.len(), full, "{name} after a kill at {delay_ms} ms");
                assert_eq!(meta.permissions().mode() & 0o777, 0o600);
            }
        }
        // Anything else is a temporary, named so it cannot be taken for an output.
        for entry in fs::read_dir(&d).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                name == "state" || name == "req" || name.contains(".pqpsk-tmp-"),
                "{name}"
            );
        }
    }
}

// Defects found by trying the command as an attacker and an unlucky router would (issue 12,
// section 4). Each test failed before its fix.

/// The bytes of a state file `d/state` made by keygen, and the matching response and PSK.
fn finished_setup(d: &Path) -> Vec<u8> {
    exchange_files(d);
    fs::read(d.join("state")).unwrap()
}

const FINISH: [&str; 7] = [
    "finish",
    "--state",
    "state",
    "--response",
    "resp",
    "--psk",
    "client.psk",
];

#[test]
fn state_files_are_never_opened_through_a_symlink() {
    let d = dir("state-symlink");
    fs::write(d.join("victim"), b"precious").unwrap();
    std::os::unix::fs::symlink("victim", d.join("state")).unwrap();
    // keygen used to overwrite the link's target with zeros while "wiping the old state".
    fails(
        &["keygen", "--state", "state", "--request", "req"],
        &d,
        3,
        "symbolic link",
    );
    assert_eq!(fs::read(d.join("victim")).unwrap(), b"precious");
    assert!(!d.join("req").exists());
    // finish refuses a linked state (it would wipe the target).
    let other = dir("state-symlink-good");
    let good = finished_setup(&other);
    fs::write(d.join("real"), &good).unwrap();
    fs::copy(other.join("resp"), d.join("resp")).unwrap();
    fs::remove_file(d.join("state")).unwrap();
    std::os::unix::fs::symlink("real", d.join("state")).unwrap();
    fails(&FINISH, &d, 5, "symbolic link");
    assert_eq!(fs::read(d.join("real")).unwrap(), good);
    assert!(!d.join("client.psk").exists());
}

#[test]
fn inputs_and_outputs_that_are_the_same_file_are_refused() {
    let d = dir("same-file");
    fails(
        &["keygen", "--state", "x", "--request", "x"],
        &d,
        2,
        "same file",
    );
    fails(
        &["keygen", "--state", "x", "--request", "./x"],
        &d,
        2,
        "same file",
    );
    assert!(!d.join("x").exists());
    let good = finished_setup(&d);
    // finish --state S --psk S wrote the PSK, then deleted it as the consumed state.
    fails(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "state",
        ],
        &d,
        2,
        "same file",
    );
    // A hard link is the same file under another name.
    fs::hard_link(d.join("state"), d.join("alias")).unwrap();
    fails(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "alias",
        ],
        &d,
        2,
        "same file",
    );
    fails(
        &[
            "respond",
            "--request",
            "req",
            "--response",
            "req",
            "--psk",
            "s2.psk",
        ],
        &d,
        2,
        "same file",
    );
    fails(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "state",
            "--psk",
            "c.psk",
        ],
        &d,
        2,
        "same file",
    );
    assert_eq!(fs::read(d.join("state")).unwrap(), good);
    fs::remove_file(d.join("alias")).unwrap();
    ok(&FINISH, &d);
    assert_eq!(
        read_psk(&d.join("client.psk")),
        read_psk(&d.join("server.psk"))
    );
}

#[test]
fn a_psk_that_cannot_be_written_does_not_lose_the_exchange() {
    let d = dir("psk-unwritable");
    finished_setup(&d);
    // Short enough for the file system, too long once the temporary's prefix is added.
    let long = "p".repeat(250);
    let run = pqpsk([
        "finish",
        "--state",
        "state",
        "--response",
        "resp",
        "--psk",
        &long,
    ])
    .cwd(&d)
    .run();
    assert_eq!(run.code, 3, "{}", run.stderr);
    // The state was not consumed: the exchange can still be finished.
    ok(&FINISH, &d);
    assert_eq!(
        read_psk(&d.join("client.psk")),
        read_psk(&d.join("server.psk"))
    );
}

#[test]
fn stale_temporaries_are_removed_and_a_half_wiped_state_reads_as_consumed() {
    let d = dir("stale");
    // What a kill between create and rename leaves; no process has this id (above pid_max).
    let stale = d.join(".state.pqpsk-tmp-99999999-0");
    fs::write(&stale, b"a whole secret state").unwrap();
    let stale_psk = d.join(".client.psk.pqpsk-tmp-99999999-3");
    fs::write(&stale_psk, b"a psk").unwrap();
    // A temporary of a name we do not write, and one of a live process, are left alone.
    let foreign = d.join(".other.pqpsk-tmp-99999999-0");
    fs::write(&foreign, b"x").unwrap();
    let live = d.join(format!(".state.pqpsk-tmp-{}-0", std::process::id()));
    fs::write(&live, b"y").unwrap();
    let good = finished_setup(&d);
    assert!(
        !stale.exists(),
        "keygen left a stale temporary of its state"
    );
    assert!(foreign.exists() && live.exists());
    ok(&FINISH, &d);
    assert!(
        !stale_psk.exists(),
        "finish left a stale temporary of its PSK"
    );
    // A wipe interrupted after its first block: reported as consumed, not as "bad magic".
    let mut half = good.clone();
    half[..4096].fill(0);
    fs::write(d.join("state"), &half).unwrap();
    fails(&FINISH, &d, 5, "consumed");
}

#[test]
fn a_state_with_a_valid_checksum_but_impossible_length_is_a_state_error() {
    use sha2_free_checksum::sha256;
    let d = dir("state-length");
    let good = finished_setup(&d);
    // Same magic and suite, a 10-byte "secret", a correct checksum over it.
    let mut bad = good[..10].to_vec();
    bad.extend_from_slice(&10u32.to_be_bytes());
    bad.extend_from_slice(&[7u8; 10]);
    let sum = sha256(&bad);
    bad.extend_from_slice(&sum);
    fs::write(d.join("state"), &bad).unwrap();
    fails(&FINISH, &d, 5, "state file");
}

/// SHA-256 by `sha256sum` (the test crate has no hash dependency of its own).
mod sha2_free_checksum {
    use std::io::Write;
    use std::process::{Command, Stdio};

    pub fn sha256(data: &[u8]) -> Vec<u8> {
        let mut child = Command::new("sha256sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(data).unwrap();
        let out = child.wait_with_output().unwrap();
        let hex = String::from_utf8(out.stdout).unwrap();
        (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }
}

#[test]
fn non_regular_outputs_are_refused() {
    let d = dir("non-regular");
    let fifo = d.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // A FIFO as --state used to block forever.
    let run = pqpsk(["keygen", "--state", "fifo", "--request", "req"])
        .cwd(&d)
        .within(20)
        .expect("keygen blocked on a FIFO state");
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    assert!(!d.join("req").exists());
    // A symlink to a device, as a PSK output, used to be replaced by a regular file.
    finished_setup(&d);
    std::os::unix::fs::symlink("/dev/null", d.join("out.psk")).unwrap();
    fails(
        &[
            "respond",
            "--request",
            "req",
            "--response",
            "resp2",
            "--psk",
            "out.psk",
        ],
        &d,
        3,
        "symbolic link",
    );
    assert!(fs::symlink_metadata(d.join("out.psk"))
        .unwrap()
        .file_type()
        .is_symlink());
    fails(
        &[
            "finish",
            "--state",
            "state",
            "--response",
            "resp",
            "--psk",
            "fifo",
        ],
        &d,
        3,
        "not a regular file",
    );
    // Nothing was consumed by the refusals.
    ok(&FINISH, &d);
}

/// Starts `pqpsk serve` on a known port with its stderr closed (the log reader went away).
fn serve_with_closed_stderr(d: &Path, extra: &[&str]) -> (Child, String) {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &address, "--psk", "server.psk"])
        .args(extra)
        .current_dir(d)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&address).is_err() {
        assert!(Instant::now() < deadline, "server never listened");
        assert!(
            child.try_wait().unwrap().is_none(),
            "server exited with a closed stderr"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, address)
}

#[test]
fn a_closed_stderr_neither_panics_nor_stops_server_or_client() {
    let d = dir("closed-stderr");
    let (mut server, address) = serve_with_closed_stderr(&d, &["--count", "2"]);
    for _ in 0..2 {
        let run = connect(&d, &address, &["--psk", "client.psk"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            read_psk(&d.join("client.psk")),
            read_psk(&d.join("server.psk"))
        );
    }
    // --count still ends the server, with success.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit after --count"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    // The client's error exit code, with nobody reading its stderr: 6, not a panic's 101.
    let mut client = Command::new(BIN)
        .args([
            "connect",
            &format!("127.0.0.1:{}", free_port()),
            "--psk",
            "c",
        ])
        .current_dir(&d)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(client.stderr.take());
    assert_eq!(client.wait().unwrap().code(), Some(6));
}

/// Sends a whole request and reads the whole response, but never confirms: an exchange in
/// flight for as long as the stream is open.
fn exchange_in_flight(address: &str, request: &[u8]) -> TcpStream {
    let mut taker = TcpStream::connect(address).unwrap();
    taker.write_all(request).unwrap();
    let mut response = vec![0u8; RESPONSE_LEN];
    taker.read_exact(&mut response).unwrap();
    taker
}

#[test]
fn a_second_exchange_for_the_same_psk_is_refused_while_one_is_in_flight() {
    let d = dir("overlap");
    let request = request_bytes(&d);
    let mut server = Server::start(&d, &["--psk", "server.psk", "--timeout", "20"], &[]);
    let first = exchange_in_flight(&server.address(), &request);
    let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("busy"), "{}", run.stderr);
    server.wait_for("in flight");
    assert!(!d.join("client.psk").exists() && !d.join("server.psk").exists());
    drop(first);
    server.wait_for("no confirmation from the client; PSK not applied");
    let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    server.wait_for("PSK written");
    assert_eq!(
        read_psk(&d.join("client.psk")),
        read_psk(&d.join("server.psk"))
    );
}

#[test]
fn one_address_cannot_take_every_slot_and_a_full_server_says_it_is_busy() {
    let d = dir("per-address");
    // Dual-stack: connections to ::1 and to 127.0.0.1 come from two different addresses.
    let mut server = Server::start_on(
        &d,
        "[::]:0",
        &[
            "--psk",
            "server.psk",
            "--max-connections",
            "4",
            "--timeout",
            "20",
        ],
        &[],
    );
    let v6 = format!("[::1]:{}", server.port);
    let v4 = format!("127.0.0.1:{}", server.port);
    let mut hogs = Vec::new();
    for _ in 0..8 {
        let mut s = TcpStream::connect(&v6).unwrap();
        let _ = s.write_all(b"PQ");
        hogs.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    server.wait_for("refused");
    let run = connect(&d, &v4, &["--psk", "client.psk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    server.wait_for("PSK written");
    drop(hogs);

    // When every slot is taken, the client is told the server is busy (it used to see
    // "Connection reset by peer").
    let (mut full, _holder) = one_slot_server_held(&d, "20");
    let run = connect(&d, &full.address(), &["--psk", "c2.psk"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(run.stderr.contains("busy"), "{}", run.stderr);
    full.wait_for("refused");
}

#[test]
fn a_stalled_header_frees_its_slot_early() {
    let d = dir("header-deadline");
    let mut server = Server::start(&d, &["--psk", "server.psk", "--timeout", "60"], &[]);
    let mut staller = TcpStream::connect(server.address()).unwrap();
    staller.write_all(b"PQ").unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut staller, Duration::from_secs(20)));
    assert!(started.elapsed() < Duration::from_secs(20));
    server.wait_for("timed out waiting for the request header");
}

#[test]
fn refused_connections_are_summarised_not_logged_one_by_one() {
    let d = dir("flood");
    let (mut server, holder) = one_slot_server_held(&d, "20");
    for _ in 0..200 {
        if let Ok(s) = TcpStream::connect(server.address()) {
            drop(s);
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(holder);
    server.wait_for("peer closed");
    let _ = server.child.kill();
    let _ = server.child.wait();
    let mut lines = server.seen.len();
    while server.log.recv_timeout(Duration::from_secs(2)).is_ok() {
        lines += 1;
    }
    assert!(lines < 20, "{lines} log lines for 200 refused connections");
}

// Protocol 2: responses bound to their request, key confirmation before anyone applies.

/// A bound-response header for the suite named in `request`'s header.
fn bound_header(request: &[u8], kind: u8, body_len: usize) -> Vec<u8> {
    let mut h = b"PQPK".to_vec();
    h.push(1);
    h.push(kind);
    h.extend_from_slice(&request[6..8]);
    h.extend_from_slice(&(body_len as u32).to_be_bytes());
    h
}

/// SHA-256 of `label || data` (the digests of `pqpsk::confirm`).
fn labelled_digest(label: &[u8], data: &[u8]) -> Vec<u8> {
    sha2_free_checksum::sha256(&[label, data].concat())
}

#[test]
fn the_client_applies_nothing_without_a_bound_response_and_a_correct_server_tag() {
    let d = dir("fake-server");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let fake = std::thread::spawn(move || {
        for attempt in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            let mut request = vec![0u8; REQUEST_LEN];
            s.read_exact(&mut request).unwrap();
            let digest = if attempt == 0 {
                // A stale response: the digest of some other request.
                labelled_digest(b"pqpsk v2 request digest", b"another request")
            } else {
                labelled_digest(b"pqpsk v2 request digest", &request)
            };
            let mut response = bound_header(&request, 0x10, RESPONSE_LEN - 12);
            response.extend_from_slice(&digest);
            response.resize(RESPONSE_LEN, 0);
            s.write_all(&response).unwrap();
            if attempt == 1 {
                // Takes the client's tag, answers "applied" with a tag it cannot compute.
                let mut tag = [0u8; 44];
                s.read_exact(&mut tag).unwrap();
                let mut confirm = bound_header(&request, 0x12, 33);
                confirm.push(1);
                confirm.extend_from_slice(&[0u8; 32]);
                s.write_all(&confirm).unwrap();
            }
            let mut rest = Vec::new();
            let _ = s.read_to_end(&mut rest);
        }
    });
    fails(
        &["connect", &addr, "--psk", "c.psk"],
        &d,
        4,
        "answers another request",
    );
    fails(
        &["connect", &addr, "--psk", "c.psk"],
        &d,
        10,
        "key confirmation failed",
    );
    fake.join().unwrap();
    assert!(!d.join("c.psk").exists());
}

#[test]
fn the_server_applies_nothing_for_a_wrong_client_tag() {
    let d = dir("wrong-client-tag");
    let request = request_bytes(&d);
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    let mut s = TcpStream::connect(server.address()).unwrap();
    s.write_all(&request).unwrap();
    let mut response = vec![0u8; RESPONSE_LEN];
    s.read_exact(&mut response).unwrap();
    // The response is bound to this very request.
    assert_eq!(
        response[12..44],
        labelled_digest(b"pqpsk v2 request digest", &request)[..]
    );
    let mut confirm = bound_header(&request, 0x11, 32);
    confirm.extend_from_slice(&[0x5a; 32]);
    s.write_all(&confirm).unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(10)));
    server.wait_for("client's confirmation; PSK not applied: key confirmation failed");
    assert!(!d.join("server.psk").exists());
    // And an honest client still gets through, both sides logging the same fingerprint.
    let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = server.wait_for("PSK written to server.psk");
    let fingerprint = line.rsplit("fingerprint ").next().unwrap()[..16].to_string();
    assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit()), "{line}");
    assert!(
        run.stderr.contains(&format!("fingerprint {fingerprint}")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(&read_psk(&d.join("client.psk"))));
}

#[test]
fn a_protocol_1_state_is_refused_with_a_clear_message() {
    let d = dir("v1-state");
    let good = finished_setup(&d);
    let mut old = good.clone();
    old[..8].copy_from_slice(b"pqpskst1");
    fs::write(d.join("state"), &old).unwrap();
    fails(&FINISH, &d, 5, "older pqpsk (state format 1");
}

#[test]
fn rotate_runs_exchanges_one_after_another_and_retries_with_backoff() {
    let d = dir("rotate");
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    let started = Instant::now();
    let run = pqpsk([
        "rotate",
        &server.address(),
        "--psk",
        "client.psk",
        "--interval",
        "1",
        "--jitter",
        "0",
        "--count",
        "2",
    ])
    .cwd(&d)
    .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("2 rotation(s) done"), "{}", run.stderr);
    assert!(started.elapsed() >= Duration::from_secs(1));
    let first = server.wait_for("PSK written");
    let second = server.wait_for("PSK written");
    assert_ne!(first, second);
    assert_eq!(
        read_psk(&d.join("client.psk")),
        read_psk(&d.join("server.psk"))
    );
    drop(server);

    // Nobody listens at first: the failure is logged, the retry comes 5 s later and succeeds
    // once a server is there.
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let mut rotate = Command::new(BIN)
        .args([
            "rotate",
            &address,
            "--psk",
            "late.psk",
            "--interval",
            "60",
            "--count",
            "1",
        ])
        .current_dir(&d)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _server = Server::start_on(&d, &address, &["--psk", "late-server.psk"], &[]);
    let deadline = Instant::now() + Duration::from_secs(40);
    let status = loop {
        if let Some(status) = rotate.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "rotate did not recover");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    rotate
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("failure 1 in a row; retrying in 5 s"),
        "{stderr}"
    );
    assert_eq!(
        read_psk(&d.join("late.psk")),
        read_psk(&d.join("late-server.psk"))
    );
}

// The journal and rollback (`--journal DIR`, with `--wg`), against a fake `wg` that keeps each
// interface's key in FAKE_DIR/IFACE.key and its latest handshake in FAKE_DIR/IFACE.hs. With
// FAKE_STALE_HS set, every `set` also dates a handshake one second later: what a handshake in
// flight with the old key, whose response was made just before the apply, looks like to a
// responder (WireGuard dates it when the initiator's first packet arrives).

const OLD_KEY: &str = "T0xET0xET0xET0xET0xET0xET0xET0xET0xET0xET0w=";

fn stateful_wg(d: &Path) -> PathBuf {
    let path = d.join("stateful-wg");
    fs::write(
        &path,
        "#!/bin/sh\n\
         case \"$1 $3\" in\n\
         'show allowed-ips') printf '%s\\t%s\\n' \"$FAKE_PEER\" \"$FAKE_RANGE\" ;;\n\
         'show preshared-keys') printf '%s\\t%s\\n' \"$FAKE_PEER\" \"$(cat \"$FAKE_DIR/$2.key\" 2>/dev/null || echo '(none)')\" ;;\n\
         'show latest-handshakes') printf '%s\\t%s\\n' \"$FAKE_PEER\" \"$(cat \"$FAKE_DIR/$2.hs\" 2>/dev/null || echo 0)\" ;;\n\
         'set peer') if [ \"$6\" = /dev/null ]; then rm -f \"$FAKE_DIR/$2.key\"; else head -c 44 > \"$FAKE_DIR/$2.key\"; fi\n\
              if [ -n \"$FAKE_STALE_HS\" ]; then echo $(($(date +%s) + 1)) > \"$FAKE_DIR/$2.hs\"; fi\n\
              cat \"$FAKE_DIR/$2.key\" >> \"$FAKE_DIR/$2.log\" 2>/dev/null; echo >> \"$FAKE_DIR/$2.log\" ;;\n\
         *) echo \"fake wg: unexpected $*\" >&2; exit 1 ;;\n\
         esac\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn wg_env(wg: &Path, d: &Path, peer: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PQPSK_WG", wg.display().to_string()),
        ("FAKE_PEER", peer.to_string()),
        ("FAKE_RANGE", "127.0.0.0/8".to_string()),
        ("FAKE_DIR", d.display().to_string()),
    ]
}

/// A journal test's directory `journal-NAME` and its stateful fake `wg`: an empty journal
/// directory `j`, and `OLD_KEY` as the PSK both interfaces had before (wg0 the server's, wg1 the
/// client's).
fn journal_dir(name: &str) -> (PathBuf, PathBuf) {
    let d = dir(&format!("journal-{name}"));
    let wg = stateful_wg(&d);
    fs::create_dir_all(d.join("j")).unwrap();
    for iface in ["wg0", "wg1"] {
        fs::write(d.join(format!("{iface}.key")), OLD_KEY).unwrap();
    }
    (d, wg)
}

/// `serve --wg wg0 --journal JOURNAL EXTRA` in `d`, whose peer (CLIENT_KEY) the fake `wg` knows;
/// `env` adds to the fake's settings (a crash point, stale handshakes).
fn journal_server(
    d: &Path,
    wg: &Path,
    journal: &str,
    extra: &[&str],
    env: &[(&'static str, String)],
) -> Server {
    let mut args = vec!["--wg", "wg0", "--journal", journal];
    args.extend_from_slice(extra);
    let mut all = wg_env(wg, d, CLIENT_KEY);
    all.extend_from_slice(env);
    Server::start(d, &args, &all)
}

/// `connect ADDRESS --wg wg1 --peer SERVER_KEY --journal j --rollback-after BOUND`: a client
/// whose key goes to the stateful fake `wg`, journalled in `j`.
fn journalled_connect(address: &str, bound: &str) -> Vec<String> {
    [
        "connect",
        address,
        "--wg",
        "wg1",
        "--peer",
        SERVER_KEY,
        "--journal",
        "j",
        "--rollback-after",
        bound,
    ]
    .map(String::from)
    .to_vec()
}

/// Journal entries (not status files) in `dir`.
fn journal_files(dir: &Path) -> usize {
    fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "journal")
        })
        .count()
}

/// `pqpsk status --journal DIR --machine`: the fields of its one line.
fn status_fields(d: &Path, journal: &str) -> Vec<String> {
    let run = ok(&["status", "--journal", journal, "--machine"], d);
    let text = run.stdout_text();
    assert_eq!(text.lines().count(), 1, "{text}");
    text.trim_end().split('\t').map(str::to_string).collect()
}

#[test]
fn a_client_key_without_a_handshake_is_rolled_back_and_one_with_a_handshake_stays() {
    let (d, wg) = journal_dir("client");
    let env = wg_env(&wg, &d, SERVER_KEY);
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    let connect = journalled_connect(&server.address(), "2");
    // No handshake, and WireGuard had no PSK before: the key and the --psk file both go.
    let _ = fs::remove_file(d.join("wg1.key"));
    let mut with_file = connect.clone();
    with_file.extend(["--psk".to_string(), "client.psk".to_string()]);
    let run = pqpsk(&with_file).cwd(&d).env(&env).run();
    assert_eq!(run.code, 7, "{}", run.stderr);
    server.wait_for("PSK written");
    assert!(!d.join("wg1.key").exists());
    assert!(!d.join("client.psk").exists());
    fs::remove_file(d.join("wg1.log")).unwrap();
    // A symbolic link in the file's place is not followed by the rollback.
    fs::write(d.join("wg1.key"), OLD_KEY).unwrap();
    fs::write(d.join("elsewhere"), "untouched").unwrap();
    let mut crashing = env.clone();
    crashing.push(("PQPSK_CRASH_AT", "watching".to_string()));
    assert_eq!(pqpsk(&with_file).cwd(&d).env(&crashing).run().code, -1);
    server.wait_for("PSK written");
    fs::remove_file(d.join("client.psk")).unwrap();
    std::os::unix::fs::symlink("elsewhere", d.join("client.psk")).unwrap();
    let run = pqpsk(["recover", "--journal", "j", "--rollback-after", "2"])
        .cwd(&d)
        .env(&env)
        .run();
    // Refused (exit 3), and the entry kept: the next start tries again.
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(journal_files(&d.join("j")), 1);
    assert_eq!(
        fs::read_to_string(d.join("elsewhere")).unwrap(),
        "untouched"
    );
    fs::remove_file(d.join("client.psk")).unwrap();
    let run = pqpsk(["recover", "--journal", "j", "--rollback-after", "2"])
        .cwd(&d)
        .env(&env)
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read_psk(&d.join("client.psk")), OLD_KEY);
    assert_eq!(mode(&d.join("client.psk")), 0o600);
    fs::remove_file(d.join("wg1.log")).unwrap();
    // No handshake ever: the previous key comes back.
    let run = pqpsk(&connect).cwd(&d).env(&env).run();
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(run.stderr.contains("rolled back"), "{}", run.stderr);
    server.wait_for("PSK written");
    assert_eq!(fs::read_to_string(d.join("wg1.key")).unwrap(), OLD_KEY);
    let log = fs::read_to_string(d.join("wg1.log")).unwrap();
    assert_eq!(
        log.lines().collect::<Vec<_>>(),
        [read_psk(&d.join("server.psk")).as_str(), OLD_KEY]
    );
    assert_eq!(journal_files(&d.join("j")), 0);
    let status = status_fields(&d, "j");
    assert_eq!(status[..3], ["wg1", SERVER_KEY, "mlkem1024-mceliece348864"]);
    assert_eq!(status[3], "0", "no successful rotation yet");
    assert_eq!(status[5], "rolled-back");
    assert!(status[6].contains("no handshake"), "{status:?}");
    // A handshake after the apply: the new key stays.
    fs::write(d.join("wg1.hs"), "4000000000").unwrap();
    let run = pqpsk(&connect).cwd(&d).env(&env).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("rotation complete"), "{}", run.stderr);
    let line = server.wait_for("PSK written");
    assert_eq!(
        fs::read_to_string(d.join("wg1.key")).unwrap(),
        read_psk(&d.join("server.psk"))
    );
    assert_eq!(journal_files(&d.join("j")), 0);
    let status = status_fields(&d, "j");
    assert_eq!(status[5], "ok");
    assert_ne!(status[3], "0");
    assert!(
        line.contains(&format!("fingerprint {}", status[4])),
        "{line}"
    );
    let human = ok(&["status", "--journal", "j"], &d)
        .stdout_text()
        .to_string();
    assert!(human.contains("state: ok"), "{human}");
    assert!(!human.contains(&read_psk(&d.join("server.psk"))));
}

#[test]
fn after_a_crash_recover_completes_or_undoes_what_the_journal_says() {
    let (d, wg) = journal_dir("crash");
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    let connect = journalled_connect(&server.address(), "1");
    let recover = ["recover", "--journal", "j", "--rollback-after", "2"];
    for point in [
        "client-before-confirm",
        "client-before-apply",
        "client-after-apply",
        "watching",
        "rolled-back",
    ] {
        fs::write(d.join("wg1.key"), OLD_KEY).unwrap();
        let _ = fs::remove_file(d.join("wg1.hs"));
        let mut env = wg_env(&wg, &d, SERVER_KEY);
        env.push(("PQPSK_CRASH_AT", point.to_string()));
        let run = pqpsk(&connect).cwd(&d).env(&env).run();
        assert_eq!(run.code, -1, "{point}: did not crash: {}", run.stderr);
        assert_eq!(journal_files(&d.join("j")), 1, "{point}: no journal entry");
        let applied = fs::read_to_string(d.join("wg1.key")).unwrap() != OLD_KEY;
        assert_eq!(
            applied,
            point == "client-after-apply" || point == "watching",
            "{point}"
        );
        // Restarted (no handshake ever comes): back to the previous key, journal empty.
        let run = pqpsk(&recover)
            .cwd(&d)
            .env(&wg_env(&wg, &d, SERVER_KEY))
            .run();
        assert_eq!(run.code, 0, "{point}: {}", run.stderr);
        assert_eq!(
            fs::read_to_string(d.join("wg1.key")).unwrap(),
            OLD_KEY,
            "{point}"
        );
        assert_eq!(journal_files(&d.join("j")), 0, "{point}");
    }
    // A crash after applying, then a handshake: recovery keeps the new key.
    fs::write(d.join("wg1.key"), OLD_KEY).unwrap();
    let mut env = wg_env(&wg, &d, SERVER_KEY);
    env.push(("PQPSK_CRASH_AT", "client-after-apply".to_string()));
    assert_eq!(pqpsk(&connect).cwd(&d).env(&env).run().code, -1);
    server.wait_for("PSK written");
    fs::write(d.join("wg1.hs"), "4000000000").unwrap();
    let run = pqpsk(&recover)
        .cwd(&d)
        .env(&wg_env(&wg, &d, SERVER_KEY))
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("rotation complete"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(d.join("wg1.key")).unwrap(),
        read_psk(&d.join("server.psk"))
    );
}

#[test]
fn the_server_rolls_back_a_key_no_handshake_used() {
    let (d, wg) = journal_dir("server");
    let mut server = journal_server(
        &d,
        &wg,
        "j",
        &["--psk", "server.psk", "--rollback-after", "2"],
        &[],
    );
    let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    server.wait_for("rolled back");
    assert_eq!(fs::read_to_string(d.join("wg0.key")).unwrap(), OLD_KEY);
    // The --psk file written in the same exchange follows the key back (atomically, 0600).
    assert_eq!(read_psk(&d.join("server.psk")), OLD_KEY);
    assert_eq!(mode(&d.join("server.psk")), 0o600);
    assert_eq!(journal_files(&d.join("j")), 0);
    // Killed right after applying: the restarted server undoes it by itself.
    drop(server);
    let crash = [("PQPSK_CRASH_AT", "server-after-apply".to_string())];
    let mut crashing = journal_server(&d, &wg, "j", &[], &crash);
    let run = connect(&d, &crashing.address(), &["--psk", "client.psk"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert_eq!(crashing.child.wait().unwrap().code(), None);
    assert_ne!(fs::read_to_string(d.join("wg0.key")).unwrap(), OLD_KEY);
    let mut restarted = journal_server(&d, &wg, "j", &["--rollback-after", "2"], &[]);
    restarted.wait_for("rolled back");
    assert_eq!(fs::read_to_string(d.join("wg0.key")).unwrap(), OLD_KEY);
    assert_eq!(journal_files(&d.join("j")), 0);
}

#[test]
fn two_clients_for_the_same_psk_file_do_not_run_at_once() {
    let d = dir("client-lock");
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    let mut rotate = Command::new(BIN)
        .args([
            "rotate",
            &server.address(),
            "--psk",
            "client.psk",
            "--interval",
            "600",
        ])
        .current_dir(&d)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    server.wait_for("PSK written");
    // The service holds its lock while it sleeps: a second client is refused.
    fails(
        &["connect", &server.address(), "--psk", "client.psk"],
        &d,
        2,
        "another pqpsk",
    );
    // Killed with SIGKILL, it leaves its lock behind; the next client takes it over.
    rotate.kill().unwrap();
    rotate.wait().unwrap();
    assert!(d.join(".client.psk.pqpsk-lock").exists());
    ok(&["connect", &server.address(), "--psk", "client.psk"], &d);
    assert!(!d.join(".client.psk.pqpsk-lock").exists());
}

#[test]
fn an_idle_tunnel_rotates_because_the_client_nudges_it_into_a_handshake() {
    let (d, wg) = journal_dir("nudge");
    let mut server = Server::start(&d, &["--psk", "server.psk"], &[]);
    // Stands in for WireGuard: the first datagram through the "tunnel" (the server's address is
    // in the peer's range, 127.0.0.0/8) makes a handshake, recorded as now.
    let tunnel = std::net::UdpSocket::bind(server.address()).unwrap();
    tunnel
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let hs = d.join("wg1.hs");
    let wg_side = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let (n, _) = tunnel.recv_from(&mut buf).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        fs::write(hs, now.to_string()).unwrap();
        buf[..n].to_vec()
    });
    let run = pqpsk(journalled_connect(&server.address(), "10"))
        .cwd(&d)
        .env(&wg_env(&wg, &d, SERVER_KEY))
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(wg_side.join().unwrap(), b"pqpsk nudge");
    assert!(
        run.stderr.contains(&format!(
            "[nudging] peer {SERVER_KEY} on wg1: sending a datagram to {}",
            server.address()
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[rotated]"), "{}", run.stderr);
    server.wait_for("PSK written");
    assert_eq!(
        fs::read_to_string(d.join("wg1.key")).unwrap(),
        read_psk(&d.join("server.psk"))
    );
    assert_eq!(journal_files(&d.join("j")), 0);
}

#[test]
fn a_server_watching_for_a_handshake_holds_no_connection_slot() {
    let (d, wg) = journal_dir("slot");
    let mut server = journal_server(
        &d,
        &wg,
        "j",
        &["--rollback-after", "4", "--max-connections", "1"],
        &[],
    );
    let run = connect(&d, &server.address(), &["--psk", "client.psk"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The server now watches for up to 4 s; its one slot is free: a connection is served (and
    // fails on its bad header) instead of being told the server is busy.
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream.write_all(b"not a header").unwrap();
    let line = server.wait_for("[exchange-failed]");
    assert!(line.contains("request"), "{line}");
    assert!(
        !server.seen.iter().any(|l| l.contains("[refused]")),
        "{:?}",
        server.seen
    );
    server.wait_for("rolled back");
    assert_eq!(fs::read_to_string(d.join("wg0.key")).unwrap(), OLD_KEY);
}

#[test]
fn a_handshake_in_flight_with_the_old_key_does_not_keep_the_new_one() {
    // The server journals in `sj`, the client in `j`.
    let (d, wg) = journal_dir("stale");
    fs::create_dir_all(d.join("sj")).unwrap();
    let stale = [("FAKE_STALE_HS", "1".to_string())];
    let mut server = journal_server(&d, &wg, "sj", &["--rollback-after", "8"], &stale);
    // The server applies and sees a handshake dated a second later, made with the old key; the
    // client is killed before it applies, so its restart keeps the old key.
    let mut env = wg_env(&wg, &d, SERVER_KEY);
    env.push(("PQPSK_CRASH_AT", "client-before-apply".to_string()));
    let run = pqpsk(journalled_connect(&server.address(), "8"))
        .cwd(&d)
        .env(&env)
        .run();
    assert_eq!(run.code, -1, "did not crash: {}", run.stderr);
    let run = pqpsk(["recover", "--journal", "j", "--rollback-after", "8"])
        .cwd(&d)
        .env(&wg_env(&wg, &d, SERVER_KEY))
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read_to_string(d.join("wg1.key")).unwrap(), OLD_KEY);
    // The server must not count that handshake: it rolls back, and both sides agree.
    let line = server.wait_for("[ro");
    assert!(line.contains("[rolled-back]"), "{line}");
    assert_eq!(fs::read_to_string(d.join("wg0.key")).unwrap(), OLD_KEY);
    assert_eq!(journal_files(&d.join("sj")), 0);
}
