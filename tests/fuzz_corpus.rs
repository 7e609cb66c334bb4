//! Replays every committed fuzz corpus and crash file (fuzz/corpus/<target>/, fuzz/artifacts/<target>/)
//! through the same target bodies the fuzzer runs (fuzz/targets.rs), so a regression is caught on
//! stable Rust without libFuzzer.
//!
//! `PQPSK_WRITE_CORPUS=1 cargo test --test fuzz_corpus` rewrites the seed files (valid messages
//! of every suite and type, and one of each kind of malformed message) before replaying them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

use pqpsk::confirm;
use pqpsk::wire::{self, Request, Response, HEADER_LEN};
use pqpsk::{ClientSecret, Suite};
use targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Files in `dir`, sorted; none if it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn committed_corpora_and_artifacts_replay_cleanly() {
    if std::env::var_os("PQPSK_WRITE_CORPUS").is_some() {
        write_seed_corpus();
    }
    let run = || {
        let mut replayed = 0;
        for (name, body) in TARGETS {
            let corpus = files_in(&fuzz_dir().join("corpus").join(name));
            assert!(!corpus.is_empty(), "no committed corpus for {name}");
            for file in corpus
                .iter()
                .chain(&files_in(&fuzz_dir().join("artifacts").join(name)))
            {
                let data = std::fs::read(file).unwrap();
                let outcome = std::panic::catch_unwind(|| body(&data));
                assert!(outcome.is_ok(), "{name} panics on {}", file.display());
                replayed += 1;
            }
        }
        replayed
    };
    // finish_from_wire generates a McEliece key pair once: give it the stack that needs.
    let replayed = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
    assert!(replayed >= TARGETS.len());
}

/// A valid request and response for `suite`, from a real exchange with fixed RNGs.
fn valid_messages(suite: Suite) -> (Vec<u8>, Vec<u8>) {
    let mut client = ClientSecret::new_boxed();
    let mut workspace = Box::new(pqpsk::mceliece::KeygenWorkspace::new());
    let mut request = vec![0u8; wire::request_len(suite)];
    client
        .generate_request_in(suite, &mut targets_rng(3), &mut workspace, &mut request)
        .unwrap();
    let mut response = vec![0u8; wire::response_len(suite)];
    // Seeds for the protocol-1 targets, which stay fuzzed while the calls are deprecated.
    #[allow(deprecated)]
    wire::respond_to_request(&mut targets_rng(4), &request, &mut response).unwrap();
    (request, response)
}

fn targets_rng(salt: u8) -> targets::test_rng::FixedRng {
    targets::test_rng::FixedRng::new(salt)
}

/// Writes the seed corpora: valid messages and one of each kind of malformed input.
fn write_seed_corpus() {
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    for &suite in Suite::ALL {
        let (request, response) = valid_messages(suite);
        let name = suite.name();
        let mut add_both = |target: &'static str, label: &str, bytes: &[u8]| {
            seeds.push((target, format!("{name}-{label}"), bytes.to_vec()));
        };
        // Whole messages where the body matters; the 261 KB request only where it must be whole.
        add_both("decode_request", "valid", &request);
        add_both(
            "decode_request",
            "truncated-body",
            &request[..request.len() - 1],
        );
        add_both(
            "decode_request",
            "trailing-byte",
            &[&request[..], &[0]].concat(),
        );
        add_both("respond_from_wire", "valid", &request);
        for target in ["decode_response", "finish_from_wire"] {
            add_both(target, "valid", &response);
            add_both(target, "truncated-body", &response[..response.len() - 1]);
            add_both(target, "trailing-byte", &[&response[..], &[0]].concat());
        }
        // Header faults: a header and a few body bytes are enough, since the header is checked
        // before the body is looked at.
        for (target, message) in [
            ("decode_request", &request),
            ("respond_from_wire", &request),
            ("decode_response", &response),
            ("finish_from_wire", &response),
        ] {
            let prefix = &message[..HEADER_LEN + 16];
            add_both(target, "header-and-16", prefix);
            add_both(target, "short-header", &message[..HEADER_LEN - 1]);
            for (label, offset, value) in [
                ("bad-magic", 0, b'X'),
                ("version-2", 4, 2),
                ("type-0", 5, 0),
                ("suite-unknown", 6, 0xFF),
                ("body-length-off", 11, message[11] ^ 1),
            ] {
                let mut bad = prefix.to_vec();
                bad[offset] = value;
                add_both(target, label, &bad);
            }
        }
        // The other message type in each slot (its header alone: the type is checked first).
        add_both("decode_request", "a-response", &response[..HEADER_LEN]);
        add_both("respond_from_wire", "a-response", &response[..HEADER_LEN]);
        add_both("decode_response", "a-request", &request[..HEADER_LEN]);
        add_both("finish_from_wire", "a-request", &request[..HEADER_LEN]);
        // An ML-KEM coefficient equal to q = 3329 (0xD01): fails the FIPS 203 modulus check.
        let mut bad_key = request.clone();
        bad_key[HEADER_LEN] = 0x01;
        bad_key[HEADER_LEN + 1] = (bad_key[HEADER_LEN + 1] & 0xF0) | 0x0D;
        add_both("respond_from_wire", "mlkem-coefficient-q", &bad_key);
        add_both("decode_header", "request-header", &request[..HEADER_LEN]);
        add_both("decode_header", "response-header", &response[..HEADER_LEN]);
        add_both("decode_header", "empty", &[]);
        // Round trip: selector (even = request, odd = response; suite index in the upper bits).
        let index = Suite::ALL.iter().position(|s| *s == suite).unwrap() as u8;
        add_both("roundtrip", "request", &[index << 1, 1, 2, 3]);
        add_both("roundtrip", "response", &[(index << 1) | 1, 0xFF]);
        // Protocol 2: a bound response to the digest finish_bound_from_wire expects, one to
        // another request, a protocol-1 response, and the header faults.
        let mut bound = vec![0u8; confirm::MAX_BOUND_RESPONSE_LEN];
        let n = confirm::respond_bound(&mut targets_rng(4), &request, &mut bound)
            .unwrap()
            .0;
        bound.truncate(n);
        let mut for_fuzz = bound.clone();
        for_fuzz[HEADER_LEN..HEADER_LEN + confirm::DIGEST_LEN].fill(0x42);
        for target in ["decode_bound_response", "finish_bound_from_wire"] {
            add_both(target, "valid", &for_fuzz);
            add_both(target, "another-request", &bound);
            add_both(target, "protocol-1", &response);
            add_both(target, "truncated-body", &for_fuzz[..n - 1]);
            add_both(target, "trailing-byte", &[&for_fuzz[..], &[0]].concat());
            add_both(target, "short-header", &for_fuzz[..HEADER_LEN - 1]);
            add_both(target, "a-request", &request[..HEADER_LEN]);
        }
        add_both(
            "decode_header",
            "bound-response-header",
            &bound[..HEADER_LEN],
        );
    }
    // Confirmations of the fixed exchange in targets::check_confirmation.
    {
        let c = confirm::Confirmation::new(&pqpsk::Psk::from_bytes([9; 32]), &[3; 32], b"response");
        let suite = Suite::default();
        let mut client = [0u8; confirm::CLIENT_CONFIRM_LEN];
        c.encode_client(suite, &mut client).unwrap();
        let mut applied = [0u8; confirm::SERVER_CONFIRM_LEN];
        c.encode_server(suite, true, &mut applied).unwrap();
        let mut not_applied = applied;
        c.encode_server(suite, false, &mut not_applied).unwrap();
        let mut wrong_tag = client;
        wrong_tag[HEADER_LEN] ^= 1;
        let mut bad_status = applied;
        bad_status[HEADER_LEN] = 7;
        for (label, bytes) in [
            ("client", &client[..]),
            ("server-applied", &applied[..]),
            ("server-not-applied", &not_applied[..]),
            ("wrong-tag", &wrong_tag[..]),
            ("bad-status", &bad_status[..]),
            ("truncated", &client[..client.len() - 1]),
            ("header", &client[..HEADER_LEN]),
        ] {
            seeds.push(("check_confirmation", label.to_string(), bytes.to_vec()));
        }
        // The same confirmations framed for every other suite of the build (IVPN's too, with
        // --all-features): the target checks them against the default suite, so these reach
        // the suite comparison of both checks.
        for &other in Suite::ALL.iter().filter(|&&s| s != suite) {
            let mut client = [0u8; confirm::CLIENT_CONFIRM_LEN];
            c.encode_client(other, &mut client).unwrap();
            let mut applied = [0u8; confirm::SERVER_CONFIRM_LEN];
            c.encode_server(other, true, &mut applied).unwrap();
            for (label, bytes) in [("client", &client[..]), ("server-applied", &applied[..])] {
                seeds.push((
                    "check_confirmation",
                    format!("{}-{label}", other.name()),
                    bytes.to_vec(),
                ));
            }
        }
        seeds.push((
            "decode_header",
            "client-confirm-header".to_string(),
            client[..HEADER_LEN].to_vec(),
        ));
        seeds.push((
            "decode_header",
            "server-confirm-header".to_string(),
            applied[..HEADER_LEN].to_vec(),
        ));
    }
    for (label, text) in [
        ("valid", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
        (
            "non-canonical",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
        ),
        ("no-padding", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A"),
        (
            "bad-character",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8=",
        ),
        ("too-short", "AAECAwQ="),
    ] {
        seeds.push(("psk_base64", label.to_string(), text.as_bytes().to_vec()));
    }
    // Sanity: the valid seeds really are valid, so the corpus starts the fuzzer at the deep paths.
    for (target, label, bytes) in &seeds {
        if label.ends_with("-valid") && target.starts_with("decode_request") {
            Request::decode(bytes).unwrap();
        }
        if label.ends_with("-valid") && target.starts_with("decode_response") {
            Response::decode(bytes).unwrap();
        }
    }
    for (target, label, bytes) in seeds {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{label}")), bytes).unwrap();
    }
}
