//! The `pqpsk` command (built with its `ivpn` feature) against liboqs 0.13.0, with IVPN's JSON
//! documents as files, in both directions:
//!
//! - our `keygen --format ivpn-json` -> liboqs encapsulates (a reply written here with
//!   serde_json and the `base64` crate) -> our `finish`;
//! - liboqs key pairs (a request written here) -> our `respond` -> liboqs decapsulates.
//!
//! Either way the PSK file must be IVPN's formula over liboqs' own shared secrets. The binary
//! is `$PQPSK_BIN` (`.ci/ivpn-interop` builds it and sets it): this package is a workspace of
//! its own and cannot build the command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

mod common;
use common::{ivpn_formula, ivpn_request, kems, on_big_stack};

/// (command-line name, has McEliece).
const SUITES: [(&str, bool); 2] = [
    ("ivpn-kyber1024-mceliece348864", true),
    ("ivpn-kyber1024", false),
];

fn bin() -> PathBuf {
    let path = std::env::var_os("PQPSK_BIN").unwrap_or_else(|| {
        panic!(
            "PQPSK_BIN is not set: run .ci/ivpn-interop, or build `cargo build -p pqpsk-cli \
             --features ivpn` in the main workspace and set PQPSK_BIN to target/debug/pqpsk"
        )
    });
    PathBuf::from(path)
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("interop-command-{name}"));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn pqpsk(args: &[&str], cwd: &Path) {
    let out = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pqpsk {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// IVPN's PSK as the command writes it: WireGuard's base64 line.
fn ivpn_psk_line(ss_kyber: &[u8], ss_mceliece: Option<&[u8]>) -> String {
    format!("{}\n", STANDARD.encode(ivpn_formula(ss_kyber, ss_mceliece)))
}

fn b64(value: &serde_json::Value, field: &str) -> Vec<u8> {
    STANDARD
        .decode(value[field].as_str().unwrap_or_else(|| panic!("no {field}")))
        .unwrap()
}

/// Our keygen and finish, liboqs encapsulating.
fn our_client_liboqs_server(suite: &str, hybrid: bool) {
    let (kyber, mceliece) = kems();
    let d = dir(&format!("client-{suite}"));
    pqpsk(
        &[
            "keygen", "--format", "ivpn-json", "--suite", suite, "--state", "state", "--request",
            "req.json",
        ],
        &d,
    );
    let request: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("req.json")).unwrap()).unwrap();
    assert_eq!(request["kem_library_version"], "0.10.0");
    let pk1 = b64(&request, "kem_public_key1");
    let (ct1, ss1) = kyber
        .encapsulate(kyber.public_key_from_bytes(&pk1).unwrap())
        .unwrap();
    let mut reply = serde_json::json!({
        "status": 200,
        "message": "OK",
        "ip_address": "172.16.0.2",
        "kem_cipher1": STANDARD.encode(ct1.as_ref()),
    });
    let ss2 = if hybrid {
        let pk2 = b64(&request, "kem_public_key2");
        let (ct2, ss2) = mceliece
            .encapsulate(mceliece.public_key_from_bytes(&pk2).unwrap())
            .unwrap();
        reply["kem_cipher2"] = STANDARD.encode(ct2.as_ref()).into();
        Some(ss2)
    } else {
        assert!(request.get("kem_public_key2").is_none());
        None
    };
    fs::write(d.join("reply.json"), reply.to_string()).unwrap();
    pqpsk(
        &[
            "finish", "--format", "ivpn-json", "--state", "state", "--response", "reply.json",
            "--psk", "client.psk",
        ],
        &d,
    );
    let expected = ivpn_psk_line(ss1.as_ref(), ss2.as_ref().map(|s| s.as_ref()));
    assert_eq!(
        fs::read_to_string(d.join("client.psk")).unwrap(),
        expected,
        "{suite}: our keygen/finish, liboqs encapsulation"
    );
}

/// liboqs key pairs and decapsulation, our respond.
fn liboqs_client_our_server(suite: &str, hybrid: bool) {
    let (kyber, mceliece) = kems();
    let d = dir(&format!("server-{suite}"));
    let (pk1, sk1) = kyber.keypair().unwrap();
    let second = hybrid.then(|| mceliece.keypair().unwrap());
    let request = ivpn_request(pk1.as_ref(), second.as_ref().map(|(pk2, _)| pk2.as_ref()));
    fs::write(d.join("req.json"), request.to_string()).unwrap();
    pqpsk(
        &[
            "respond", "--format", "ivpn-json", "--suite", suite, "--request", "req.json",
            "--response", "reply.json", "--psk", "server.psk",
        ],
        &d,
    );
    let reply: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("reply.json")).unwrap()).unwrap();
    assert_eq!(reply["status"], 200);
    let ct1 = b64(&reply, "kem_cipher1");
    let ss1 = kyber
        .decapsulate(&sk1, kyber.ciphertext_from_bytes(&ct1).unwrap())
        .unwrap();
    let ss2 = second.map(|(_, sk2)| {
        let ct2 = b64(&reply, "kem_cipher2");
        mceliece
            .decapsulate(&sk2, mceliece.ciphertext_from_bytes(&ct2).unwrap())
            .unwrap()
    });
    if !hybrid {
        assert!(reply.get("kem_cipher2").is_none());
    }
    let expected = ivpn_psk_line(ss1.as_ref(), ss2.as_ref().map(|s| s.as_ref()));
    assert_eq!(
        fs::read_to_string(d.join("server.psk")).unwrap(),
        expected,
        "{suite}: liboqs keygen/decapsulation, our respond"
    );
}

#[test]
fn command_client_with_liboqs_server() {
    on_big_stack(|| {
        for (suite, hybrid) in SUITES {
            our_client_liboqs_server(suite, hybrid);
        }
    });
}

#[test]
fn liboqs_client_with_command_server() {
    on_big_stack(|| {
        for (suite, hybrid) in SUITES {
            liboqs_client_our_server(suite, hybrid);
        }
    });
}
