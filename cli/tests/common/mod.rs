//! What the command's tests share (tests/cli.rs, ivpn.rs and args.rs): a fresh directory per
//! test, and one way to run the real `pqpsk` binary and check how it ended.
//!
//! `pqpsk(args)` sets a run up; `.cwd(dir)`, `.env(vars)` and `.stdin(bytes)` add to it, and
//! `.run()`, `.ok()`, `.fails(code, text)` or `.within(secs)` run it. `ok` and `fails` as free
//! functions are the common case: fixed arguments in a test's directory.

// Each test file is a crate of its own and uses only part of this module.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_pqpsk");

/// A fresh, empty directory for one test: `NAME` prefixed with the test file's name (`cli-`,
/// `ivpn-`), so that two files' tests of the same name do not share one.
pub fn dir(name: &str) -> PathBuf {
    let d = tmp().join(format!("{}-{name}", env!("CARGO_CRATE_NAME")));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// How a run ended.
pub struct Run {
    /// The exit code; -1 when a signal ended the process (a crash point, a kill).
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// stdout as text; fails the test if it is not UTF-8.
    pub fn stdout_text(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is not UTF-8")
    }
}

/// A run of the binary being set up (see the module's docs).
#[must_use = "nothing runs until .run(), .ok(), .fails() or .within()"]
pub struct Pqpsk {
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
}

/// `pqpsk ARGS`, with stdin empty, in a scratch directory that tests without files of their own
/// share, unless `.cwd` names another.
pub fn pqpsk<I>(args: I) -> Pqpsk
where
    I: IntoIterator,
    I::Item: AsRef<OsStr>,
{
    Pqpsk {
        args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
        cwd: None,
        env: Vec::new(),
        stdin: None,
    }
}

impl Pqpsk {
    pub fn cwd(mut self, cwd: &Path) -> Self {
        self.cwd = Some(cwd.to_path_buf());
        self
    }

    /// Environment variables on top of the test's own.
    pub fn env(mut self, vars: &[(&str, String)]) -> Self {
        self.env
            .extend(vars.iter().map(|(k, v)| (k.to_string(), v.clone())));
        self
    }

    /// What the command reads on stdin (otherwise nothing: /dev/null).
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    fn spawn(&mut self) -> Child {
        let cwd = match &self.cwd {
            Some(cwd) => cwd.clone(),
            None => {
                let scratch = tmp().join(format!("{}-scratch", env!("CARGO_CRATE_NAME")));
                fs::create_dir_all(&scratch).unwrap();
                scratch
            }
        };
        let mut child = Command::new(BIN)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(bytes) = self.stdin.take() {
            let mut pipe = child.stdin.take().unwrap();
            // From a thread, so that a command writing much before it reads cannot deadlock
            // with us; it may also stop reading early (a bounded read): a broken pipe is fine.
            std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        child
    }

    fn ended(child: Child) -> Run {
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs to the end, whatever the outcome.
    pub fn run(mut self) -> Run {
        let child = self.spawn();
        Pqpsk::ended(child)
    }

    /// Fails the test unless the command succeeds.
    pub fn ok(self) -> Run {
        let args = self.args.clone();
        let run = self.run();
        assert_eq!(run.code, 0, "pqpsk {args:?} failed: {}", run.stderr);
        run
    }

    /// Fails the test unless the command exits with `code` and its stderr contains `text`.
    pub fn fails(self, code: i32, text: &str) -> Run {
        let args = self.args.clone();
        let run = self.run();
        assert_eq!(run.code, code, "pqpsk {args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(text),
            "pqpsk {args:?}: expected {text:?} in {:?}",
            run.stderr
        );
        run
    }

    /// Runs for at most `secs` seconds: None if the command had to be killed (it blocked).
    pub fn within(mut self, secs: u64) -> Option<Run> {
        let mut child = self.spawn();
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return Some(Pqpsk::ended(child));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

/// `pqpsk ARGS` in `cwd`; fails the test unless it succeeds.
pub fn ok(args: &[&str], cwd: &Path) -> Run {
    pqpsk(args).cwd(cwd).ok()
}

/// `pqpsk ARGS` in `cwd`; fails the test unless it exits with `code` and says `text`.
pub fn fails(args: &[&str], cwd: &Path, code: i32, text: &str) -> Run {
    pqpsk(args).cwd(cwd).fails(code, text)
}

/// The key in a PSK file: one line of 44 base64 characters.
pub fn read_psk(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    assert_eq!(text.len(), 45, "{text:?}");
    assert!(text.ends_with('\n'));
    text.trim_end().to_string()
}
