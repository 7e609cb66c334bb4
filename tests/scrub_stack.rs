//! The stack scrub of every step of every suite reaches as deep as the step's backends did: after
//! `generate` (with and without a workspace), `respond` and `finish`, nothing but zeros and the
//! paint pattern is left below the public entry points' own frames. A scrub shallower than the
//! backends' depth would leave their deepest frames (return addresses, saved registers, spilled
//! secrets: never all zero) below it, and this test would fail. `.ci/cross` runs it on aarch64,
//! armv7 and s390x too (in the test profile; on aarch64 with `--features ivpn`, every
//! suite), and `.ci/test` once more on x86_64 in our `release-router` profile (opt-level "s",
//! LTO: what `.ci/release` ships), whose frames are larger. `src/secret.rs` lists the other
//! release and size-optimised builds measured.
//!
//! On x86_64 it also checks the peak stack of each step against the table that no_std.md and
//! README.md quote (within 10%), and `PQPSK_WRITE_DOCS=1` rewrites that table from this run: the
//! table is made here and nowhere else.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "common/measure.rs"]
mod measure;
#[path = "common/test_rng.rs"]
mod test_rng;

use measure::{on_big_stack, peak_stack, StackUse};
use pqpsk::mceliece::KeygenWorkspace;
use pqpsk::{respond_suite, ClientSecret, Suite};
use test_rng::FixedRng;

/// Stack below the painting frame that the public entry points themselves may leave holding data
/// after a step: their own frames (pointers, lengths, the result being returned) above the
/// scrubbed one. The scrubbed frame starts right below them.
const ENTRY_FRAMES: usize = 2 * 1024;

/// How far a documented figure may be from this run's.
const TOLERANCE: f64 = 0.10;

/// The documents that quote the table, and its markers.
const DOCS: [&str; 2] = ["no_std.md", "README.md"];
const BEGIN: &str = "<!-- measured by tests/scrub_stack.rs: x86_64-stack -->";
const END: &str = "<!-- end of x86_64-stack -->";
const HEAD: [&str; 2] = [
    "| suite | peak stack, x86_64: `generate` / `generate_in` / `respond` / `finish` (bytes) |",
    "|---|---:|",
];

fn check(suite: Suite, step: &str, stack: StackUse) {
    println!(
        "{suite} {step}: peak stack {} B, data left down to {} B ({} B in all)",
        stack.peak, stack.residue_depth, stack.residue
    );
    assert!(
        stack.peak > 1024,
        "{suite} {step}: painting saw only {} B",
        stack.peak
    );
    assert!(
        stack.residue_depth <= ENTRY_FRAMES,
        "{suite} {step}: data left {} B deep (peak {} B): the scrub does not reach as deep as \
         the backends",
        stack.residue_depth,
        stack.peak
    );
}

/// Peak stack of `generate`, `generate_in`, `respond` and `finish` of `suite`, each checked.
fn measure_suite(suite: Suite, workspace: &mut KeygenWorkspace) -> [usize; 4] {
    let mut pk1 = vec![0u8; suite.kem1_public_key_len()];
    let mut pk2 = vec![0u8; suite.kem2_public_key_len()];
    let mut ct1 = vec![0u8; suite.kem1_ciphertext_len()];
    let mut ct2 = vec![0u8; suite.kem2_ciphertext_len()];

    // Without a workspace first (McEliece's then lies on the stack), then with one.
    let mut other = Box::new(ClientSecret::new());
    let (generated, on_stack) =
        peak_stack(|| other.generate_suite(suite, &mut FixedRng::new(3), &mut pk1, &mut pk2));
    generated.unwrap();
    check(suite, "generate", on_stack);

    let mut client = Box::new(ClientSecret::new());
    let (generated, with_workspace) = peak_stack(|| {
        client.generate_in(suite, &mut FixedRng::new(1), workspace, &mut pk1, &mut pk2)
    });
    generated.unwrap();
    check(suite, "generate_in", with_workspace);

    let (responded, respond) =
        peak_stack(|| respond_suite(suite, &mut FixedRng::new(2), &pk1, &pk2, &mut ct1, &mut ct2));
    let server = responded.unwrap();
    check(suite, "respond", respond);

    let (finished, finish) = peak_stack(|| client.finish(&ct1, &ct2));
    assert_eq!(finished.unwrap(), server, "{suite}");
    check(suite, "finish", finish);

    // A tampered ciphertext takes the same paths (implicit rejection).
    ct1[0] ^= 1;
    let mut again = Box::new(ClientSecret::new());
    again
        .generate_in(suite, &mut FixedRng::new(1), workspace, &mut pk1, &mut pk2)
        .unwrap();
    let (finished, tampered) = peak_stack(|| again.finish(&ct1, &ct2));
    assert_ne!(finished.unwrap(), server, "{suite}: tampered");
    check(suite, "finish (tampered)", tampered);

    [
        on_stack.peak,
        with_workspace.peak,
        respond.peak,
        finish.peak,
    ]
}

fn row(suite: Suite, peaks: &[usize; 4]) -> String {
    let cells: Vec<String> = peaks.iter().map(|&p| thousands(p)).collect();
    format!("| `{suite}` | {} |", cells.join(" / "))
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The suite named in a table row, and the numbers in it.
fn parse_row(row: &str) -> Option<(String, Vec<f64>)> {
    let mut cells = row.trim_matches('|').split('|');
    let suite = cells.next()?.trim().trim_matches('`').to_string();
    let numbers = cells
        .next()?
        .split('/')
        .map(|n| n.trim().replace(',', "").parse::<f64>())
        .collect::<Result<Vec<_>, _>>()
        .ok()?;
    Some((suite, numbers))
}

/// The block's rows in `text`, and the text before and after it.
fn block(text: &str) -> Option<(&str, Vec<&str>, &str)> {
    let start = text.find(BEGIN)? + BEGIN.len() + 1;
    let end = start + text[start..].find(END)?;
    let rows = text[start..end].lines().skip(HEAD.len()).collect();
    Some((&text[..start], rows, &text[end..]))
}

/// Checks (or with `PQPSK_WRITE_DOCS=1` rewrites) the documented table against `measured`.
fn documented_figures_hold(measured: &[(Suite, [usize; 4])]) {
    let write = std::env::var_os("PQPSK_WRITE_DOCS").is_some();
    let mut problems = Vec::new();
    for doc in DOCS {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
        let text = std::fs::read_to_string(&path).unwrap();
        let (before, rows, after) = block(&text).expect("an x86_64-stack block in each document");
        if write {
            let mut lines: Vec<String> = HEAD.iter().map(|h| h.to_string()).collect();
            lines.extend(measured.iter().map(|(suite, peaks)| row(*suite, peaks)));
            // Suites this build lacks (features) keep their documented rows.
            for r in rows {
                if let Some((name, _)) = parse_row(r) {
                    if !measured.iter().any(|(s, _)| s.name() == name) {
                        lines.push(r.to_string());
                    }
                }
            }
            let new = format!("{before}{}\n{after}", lines.join("\n"));
            std::fs::write(&path, new).unwrap();
            println!("rewrote the x86_64-stack table in {doc}");
            continue;
        }
        for (suite, peaks) in measured {
            let documented = rows
                .iter()
                .filter_map(|r| parse_row(r))
                .find(|(name, _)| name == suite.name());
            let ok = documented.as_ref().is_some_and(|(_, numbers)| {
                numbers.len() == peaks.len()
                    && numbers
                        .iter()
                        .zip(peaks)
                        .all(|(&d, &m)| (d - m as f64).abs() <= TOLERANCE * m as f64)
            });
            if !ok {
                problems.push(format!(
                    "{doc}: documented {:?}, measured {}",
                    documented.map(|(_, n)| n),
                    row(*suite, peaks)
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the documented x86_64 stack figures differ from this run by more than 10%; regenerate \
         them with PQPSK_WRITE_DOCS=1 cargo test -p pqpsk --all-features --test scrub_stack:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_step_leaves_nothing_below_its_entry_frames() {
    on_big_stack(|| {
        let mut workspace = Box::new(KeygenWorkspace::new());
        let measured: Vec<(Suite, [usize; 4])> = Suite::ALL
            .iter()
            .map(|&suite| (suite, measure_suite(suite, &mut workspace)))
            .collect();
        // The documented figures are x86_64's in the test profile (other targets' frames
        // differ, and so do optimised builds': `.ci/test` also runs this test in our
        // `release-router` profile, where only the scrub is checked).
        if cfg!(all(target_arch = "x86_64", debug_assertions)) {
            documented_figures_hold(&measured);
        }
    });
}
