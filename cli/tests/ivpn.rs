//! `--format ivpn-json` and the IVPN suites through the real binary (feature `ivpn`; run by
//! `.ci/ivpn-interop`, which also checks these documents against liboqs in interop/).
#![cfg(feature = "ivpn")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::fs;
use std::path::Path;

use common::{dir, fails, ok, pqpsk, read_psk};

const WG_KEY: &str = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

/// A Kyber-only keygen in `d` with `extra` options: IVPN's request in `req.json`, the client
/// state in `state`.
fn kyber_keygen(d: &Path, extra: &[&str]) {
    let mut args = vec![
        "keygen",
        "--format",
        "ivpn-json",
        "--suite",
        "ivpn-kyber1024",
        "--state",
        "state",
        "--request",
        "req.json",
    ];
    args.extend_from_slice(extra);
    ok(&args, d);
}

/// `respond` to IVPN's request `request`, the reply in `reply`, the PSK in `server.psk`.
fn respond<'a>(request: &'a str, reply: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "respond",
        "--format",
        "ivpn-json",
        "--request",
        request,
        "--response",
        reply,
        "--psk",
        "server.psk",
    ];
    args.extend_from_slice(extra);
    args
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

const FINISH: [&str; 8] = [
    "finish",
    "--format",
    "ivpn-json",
    "--state",
    "state",
    "--response",
    "reply.json",
    "--psk",
];

#[test]
fn keygen_respond_finish_agree_in_both_ivpn_suites() {
    for (suite, kem2) in [
        (None, true),
        (Some("ivpn-kyber1024-mceliece348864"), true),
        (Some("ivpn-kyber1024"), false),
    ] {
        let d = dir(&format!("roundtrip-{kem2}-{}", suite.is_some()));
        fs::write(d.join("token"), "session-token-1\n").unwrap();
        let mut keygen = vec![
            "keygen",
            "--format",
            "ivpn-json",
            "--state",
            "state",
            "--request",
            "req.json",
            "--session-token-file",
            "token",
            "--public-key",
            WG_KEY,
        ];
        if let Some(s) = suite {
            keygen.extend(["--suite", s]);
        }
        ok(&keygen, &d);
        let request = json(&d.join("req.json"));
        assert_eq!(request["session_token"], "session-token-1");
        assert_eq!(request["public_key"], WG_KEY);
        assert_eq!(request["connected_public_key"], "");
        assert_eq!(request["kem_library_version"], "0.10.0");
        assert_eq!(request["kem_public_key1"].as_str().unwrap().len(), 2092);
        match request.get("kem_public_key2") {
            Some(key) => {
                assert!(kem2);
                assert_eq!(key.as_str().unwrap().len(), 348_160);
            }
            None => assert!(!kem2),
        }
        ok(&respond("req.json", "reply.json", &[]), &d);
        let reply = json(&d.join("reply.json"));
        assert_eq!(reply["status"], 200);
        assert_eq!(reply["kem_cipher1"].as_str().unwrap().len(), 2092);
        assert_eq!(reply.get("kem_cipher2").is_some(), kem2);
        let mut finish = FINISH.to_vec();
        finish.push("client.psk");
        ok(&finish, &d);
        assert_eq!(
            read_psk(&d.join("server.psk")),
            read_psk(&d.join("client.psk"))
        );
        assert!(!d.join("state").exists(), "the state is consumed");
    }
}

#[test]
fn request_fields_and_version_override() {
    let d = dir("fields");
    kyber_keygen(
        &d,
        &[
            "--kem-library-version",
            "0.12.0",
            "--connected-public-key",
            WG_KEY,
        ],
    );
    let request = json(&d.join("req.json"));
    assert_eq!(request["kem_library_version"], "0.12.0");
    assert_eq!(request["connected_public_key"], WG_KEY);
    assert_eq!(request["session_token"], "");
    // Usage errors: options of IVPN's request without ivpn-json, a non-IVPN suite, a bad key,
    // a bad token file, ivpn-json online.
    let base = ["keygen", "--state", "s2", "--request", "r2"];
    let with = |extra: &[&'static str]| {
        let mut v = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    fails(
        &with(&["--kem-library-version", "0.10.0"]),
        &d,
        2,
        "--kem-library-version belongs to IVPN's request: it needs --format ivpn-json",
    );
    fails(
        &with(&["--format", "ivpn-json", "--suite", "mlkem1024"]),
        &d,
        2,
        "needs an IVPN suite",
    );
    fails(
        &with(&["--format", "ivpn-json", "--public-key", "nope"]),
        &d,
        2,
        "not a WireGuard public key",
    );
    fails(
        &with(&["--format", "ivpn-json", "--kem-library-version", "0.10 0"]),
        &d,
        2,
        "printable ASCII",
    );
    fs::write(d.join("two-lines"), "a\nb\n").unwrap();
    fails(
        &with(&["--format", "ivpn-json", "--session-token-file", "two-lines"]),
        &d,
        2,
        "one line of printable ASCII",
    );
    fails(
        &with(&["--format", "ivpn-json", "--session-token-file", "absent"]),
        &d,
        3,
        "absent",
    );
    fails(
        &[
            "connect",
            "127.0.0.1:1",
            "--psk",
            "p",
            "--format",
            "ivpn-json",
        ],
        &d,
        2,
        "is for keygen, respond and finish",
    );
    for name in ["s2", "r2", "p"] {
        assert!(!d.join(name).exists(), "{name} written by a failed command");
    }
}

/// One Kyber-only keygen, then bad replies: each refused with exit 4, the state kept, and the
/// good reply still finishes.
#[test]
fn bad_replies_are_refused_and_leave_the_state_usable() {
    let d = dir("bad-replies");
    kyber_keygen(&d, &[]);
    ok(&respond("req.json", "good.json", &[]), &d);
    let good = fs::read_to_string(d.join("good.json")).unwrap();
    let cipher = json(&d.join("good.json"))["kem_cipher1"]
        .as_str()
        .unwrap()
        .to_string();
    let cases: Vec<(String, &str)> = vec![
        ("{\"status\": 200, ".to_string(), "malformed JSON at line 1"),
        ("[1, 2]".to_string(), "not an object"),
        ("{\"status\": 200}".to_string(), "`kem_cipher1` is missing"),
        (
            format!("{{\"status\": \"200\", \"kem_cipher1\": \"{cipher}\"}}"),
            "`status` must be an integer",
        ),
        (
            "{\"status\": 200, \"kem_cipher1\": 7}".to_string(),
            "`kem_cipher1` must be a string",
        ),
        (
            format!("{{\"status\": 200, \"kem_cipher1\": \"{}\"}}", &cipher[4..]),
            "kem_cipher1",
        ),
        (
            format!(
                "{{\"status\": 200, \"kem_cipher1\": \"{}!{}\"}}",
                &cipher[..10],
                &cipher[11..]
            ),
            "invalid base64 character at position 10",
        ),
        (
            "{\"status\": 401, \"message\": \"Unauthorized\"}".to_string(),
            "server reported status 401: Unauthorized",
        ),
        (String::new(), "empty reply"),
        (
            " ".repeat(64 * 1024 + 1),
            "oversized reply: more than 65536 bytes",
        ),
        ("{\"status\": 200}\u{0}\u{ff}".to_string(), "malformed JSON"),
    ];
    for (body, text) in &cases {
        fs::write(d.join("reply.json"), body).unwrap();
        let mut finish = FINISH.to_vec();
        finish.push("client.psk");
        fails(&finish, &d, 4, text);
        assert!(d.join("state").exists(), "state consumed by a bad reply");
        assert!(!d.join("client.psk").exists());
    }
    // Not UTF-8 at all.
    fs::write(d.join("reply.json"), b"{\"status\": \xff}").unwrap();
    let mut finish = FINISH.to_vec();
    finish.push("client.psk");
    fails(&finish, &d, 4, "not UTF-8 text");
    // An endless stream on stdin is cut at the bound.
    let endless = vec![b' '; 4 << 20];
    let run = pqpsk([
        "finish",
        "--format",
        "ivpn-json",
        "--state",
        "state",
        "--response",
        "-",
        "--psk",
        "client.psk",
    ])
    .cwd(&d)
    .stdin(&endless)
    .run();
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("oversized reply"), "{}", run.stderr);
    // The good reply still works.
    fs::write(d.join("reply.json"), good).unwrap();
    finish = FINISH.to_vec();
    finish.push("-");
    let run = ok(&finish, &d);
    assert_eq!(
        run.stdout_text(),
        format!("{}\n", read_psk(&d.join("server.psk")))
    );
}

#[test]
fn bad_requests_are_refused_before_anything_is_written() {
    let d = dir("bad-requests");
    kyber_keygen(&d, &[]);
    let request = json(&d.join("req.json"));
    let run =
        |request: &str, extra: &[&str]| pqpsk(respond(request, "reply.json", extra)).cwd(&d).run();
    let mut no_key = request.clone();
    no_key.as_object_mut().unwrap().remove("kem_public_key1");
    fs::write(d.join("no-key.json"), no_key.to_string()).unwrap();
    let mut short_key = request.clone();
    short_key["kem_public_key1"] = "AAAA".into();
    fs::write(d.join("short-key.json"), short_key.to_string()).unwrap();
    fs::write(d.join("huge.json"), vec![b' '; 512 * 1024 + 1]).unwrap();
    fs::write(d.join("bad.json"), "{\"kem_public_key1\": }").unwrap();
    for (file, extra, code, text) in [
        ("no-key.json", &[][..], 4, "`kem_public_key1` is missing"),
        ("short-key.json", &[], 4, "kem_public_key1"),
        (
            "huge.json",
            &[],
            4,
            "oversized request: more than 524288 bytes",
        ),
        ("bad.json", &[], 4, "malformed JSON at line 1, column 21"),
        (
            "req.json",
            &["--suite", "ivpn-kyber1024-mceliece348864"][..],
            4,
            "suite",
        ),
        (
            "req.json",
            &["--suite", "mlkem1024"],
            2,
            "needs an IVPN suite",
        ),
    ] {
        let out = run(file, extra);
        assert_eq!(out.code, code, "{file} {extra:?}: {}", out.stderr);
        assert!(out.stderr.contains(text), "{file}: {}", out.stderr);
        assert!(!d.join("reply.json").exists() && !d.join("server.psk").exists());
    }
    // A binary request is not a JSON document, and a binary state cannot finish an IVPN reply.
    ok(
        &[
            "keygen",
            "--suite",
            "mlkem1024",
            "--state",
            "bin-state",
            "--request",
            "bin-req",
        ],
        &d,
    );
    let out = run("bin-req", &[]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    ok(&respond("req.json", "reply.json", &[]), &d);
    fails(
        &[
            "finish",
            "--format",
            "ivpn-json",
            "--state",
            "bin-state",
            "--response",
            "reply.json",
            "--psk",
            "client.psk",
        ],
        &d,
        4,
        "not an IVPN suite",
    );
    assert!(d.join("bin-state").exists());
}
