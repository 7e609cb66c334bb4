//! The command line itself (issue 17): per-subcommand help, exit codes of bad arguments,
//! non-UTF-8 arguments, through the real `pqpsk` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use common::pqpsk;

/// Every subcommand the command has.
const SUBCOMMANDS: [&str; 8] = [
    "keygen", "respond", "finish", "serve", "connect", "rotate", "recover", "status",
];

fn usage_error(args: &[&str], text: &str) -> String {
    pqpsk(args).fails(2, text).stderr
}

#[test]
fn every_subcommand_prints_its_own_usage_for_help_and_h() {
    let global = pqpsk(["--help"]).ok().stdout_text().to_string();
    for command in SUBCOMMANDS {
        assert!(
            global.contains(&format!("\n  pqpsk {command} ")),
            "{command} missing from the global help"
        );
        for flag in ["--help", "-h"] {
            // Options before the flag are fine; the help wins over missing required ones.
            let run = pqpsk([command, flag]).ok();
            let help = run.stdout_text();
            assert!(
                help.starts_with(&format!("usage: pqpsk {command} ")),
                "pqpsk {command} {flag}: {help:?}"
            );
            assert!(help.contains("-h, --help"));
            assert!(run.stderr.is_empty(), "{}", run.stderr);
            // Not the global help.
            assert!(!help.contains("Exit codes: 0 ok"));
        }
    }
    // Each lists its own options and not the others'.
    let help = |args: &[&str]| pqpsk(args).ok().stdout_text().to_string();
    let keygen = help(&["keygen", "--help"]);
    assert!(keygen.contains("--state STATE") && keygen.contains("--request REQ"));
    assert!(!keygen.contains("--listen") && !keygen.contains("--machine"));
    let serve = help(&["serve", "-h"]);
    assert!(serve.contains("--listen ADDR") && serve.contains("--max-connections N"));
    assert!(!serve.contains("--peer") && !serve.contains("--state"));
    let status = help(&["status", "-qh"]);
    assert!(status.contains("--machine"));
    // Every line of every help fits a terminal.
    for text in [global, keygen, serve, status] {
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "too long: {line:?}");
        }
    }
}

#[test]
fn bad_listen_is_a_usage_error() {
    for bad in [
        "nonsense",
        "10.0.0.1",
        "10.0.0.1:70000",
        "::1:7700",
        "a b:1",
        ":7700",
    ] {
        usage_error(
            &["serve", "--listen", bad, "--psk", "p"],
            &format!("--listen {bad:?}"),
        );
    }
}

#[test]
fn bad_peer_is_an_error_about_a_public_key() {
    for bad in [
        "abc",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=",
        // Non-canonical: the last character before = has unused bits set.
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
        "--help",
    ] {
        let stderr = usage_error(
            &["connect", "127.0.0.1:1", "--wg", "wg0", "--peer", bad],
            "not a WireGuard public key",
        );
        assert!(!stderr.contains("PSK"), "{stderr}");
        assert!(stderr.contains("`wg pubkey`"), "{stderr}");
    }
}

#[test]
fn non_utf8_arguments_are_usage_errors_not_panics() {
    let bad = || OsString::from_vec(vec![b'x', 0xff, b'y']);
    let cases: Vec<Vec<OsString>> = vec![
        vec![bad()],
        vec![
            "keygen".into(),
            "--state".into(),
            bad(),
            "--request".into(),
            "r".into(),
        ],
        vec!["connect".into(), bad(), "--psk".into(), "p".into()],
        vec!["keygen".into(), OsString::from_vec(b"--st\xffate".to_vec())],
    ];
    for args in cases {
        let run = pqpsk(&args).run();
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("pqpsk: error: "), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn option_forms_and_their_errors() {
    usage_error(&["keygen", "--state"], "--state needs a value");
    usage_error(&["keygen", "--quiet=yes"], "--quiet takes no value");
    usage_error(&["keygen", "-x"], "unknown option -x for `pqpsk keygen`");
    usage_error(
        &["keygen", "--listen", "1.2.3.4:5"],
        "unknown option --listen",
    );
    usage_error(
        &["keygen", "--state", "a", "--state=b"],
        "--state given twice",
    );
    usage_error(&["keygen", "stray"], "takes 0 argument(s)");
    usage_error(
        &["connect", "--psk", "p"],
        "takes 1 argument(s) (ADDR), got 0",
    );
    usage_error(&["status", "--journal="], "non-empty");
    // `--` ends the options: what follows is positional.
    usage_error(&["status", "--", "--journal", "d"], "takes 0 argument(s)");
}

#[test]
fn status_and_recover_refuse_format() {
    // They read and write only the journal: a --format they would ignore is an error instead.
    for command in ["status", "recover"] {
        for format in ["binary", "ivpn-json"] {
            usage_error(
                &[command, "--journal", "j", "--format", format],
                &format!("unknown option --format for `pqpsk {command}`"),
            );
        }
        let help = pqpsk([command, "--help"]).ok();
        assert!(
            !help.stdout_text().contains("--format"),
            "{command}: {}",
            help.stdout_text()
        );
    }
}
