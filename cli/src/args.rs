//! The command line: every option defined once ([`OPTIONS`]: name, value name, help line,
//! check), parsed with `lexopt`, and the help text generated from the same table.
//!
//! `lexopt` rather than clap: it is one small crate with no dependencies, works on `OsString`
//! (a non-UTF-8 argument is an error here, never a panic), and adds a few KB to the binary,
//! where clap adds hundreds on a router. Accepted forms: `--name VALUE`, `--name=VALUE`, `-q`
//! and `-h` (also combined, `-qh`); a lone `-` is a value (stdin/stdout); `--` ends the options.

use std::ffi::OsString;
use std::path::PathBuf;

use lexopt::Arg;

use crate::fail::{Code, Failure, Outcome};

/// One option: defined here once; subcommands list the names they take.
pub struct Opt {
    /// The long name, without `--`.
    pub name: &'static str,
    /// A one-letter form, if any.
    pub short: Option<char>,
    /// The value's name in help (`--state STATE`), or `None` for a flag.
    pub value: Option<&'static str>,
    /// What it does: one or more lines, each shown after the option in help.
    pub help: &'static str,
    /// Checks a value at parse time (so that a bad one is a usage error, exit 2).
    pub check: fn(&str) -> Result<(), String>,
}

fn any(_: &str) -> Result<(), String> {
    Ok(())
}

/// The options of every subcommand. Keep the names and meanings stable: scripts use them.
pub const OPTIONS: &[Opt] = &[
    Opt {
        name: "suite",
        short: None,
        value: Some("S"),
        help: "mlkem1024-mceliece348864 (default), mlkem1024-hqc256, mlkem1024;\n\
               with the `ivpn` feature also ivpn-kyber1024-mceliece348864\n\
               (ivpn-json's default) and ivpn-kyber1024",
        check: any,
    },
    Opt {
        name: "format",
        short: None,
        value: Some("F"),
        help: "binary (default) or ivpn-json (IVPN's session/wg/set JSON body:\n\
               keygen, respond and finish; needs the `ivpn` feature)",
        check: any,
    },
    Opt {
        name: "state",
        short: None,
        value: Some("STATE"),
        help: "the client's secret between keygen and finish (0600; finish\n\
               consumes it)",
        check: any,
    },
    Opt {
        name: "request",
        short: None,
        value: Some("REQ"),
        help: "the request file (- is stdin or stdout)",
        check: any,
    },
    Opt {
        name: "response",
        short: None,
        value: Some("RESP"),
        help: "the response file (- is stdin or stdout)",
        check: any,
    },
    Opt {
        name: "psk",
        short: None,
        value: Some("PSK"),
        help: "write the PSK as WireGuard's 44-character base64 (file mode 0600,\n\
               atomic; - is stdout). Outputs must be regular files or absent: a\n\
               symbolic link, FIFO or device is refused; no two files of one\n\
               command may be the same file",
        check: any,
    },
    Opt {
        name: "listen",
        short: None,
        value: Some("ADDR"),
        help: "serve: the address and port to listen on (HOST:PORT, [V6]:PORT)",
        check: check_listen,
    },
    Opt {
        name: "wg",
        short: None,
        value: Some("IFACE"),
        help: "server: give the PSK to the peer of IFACE whose allowed-ips contain\n\
               the connection's source address; client: `wg set IFACE peer PUBKEY\n\
               preshared-key` (the key goes through a pipe, never argv)",
        check: any,
    },
    Opt {
        name: "peer",
        short: None,
        value: Some("PUBKEY"),
        help: "client with --wg: the server's WireGuard public key on IFACE",
        check: check_public_key,
    },
    Opt {
        name: "timeout",
        short: None,
        value: Some("SECS"),
        help: "whole-exchange deadline per connection, name resolution included\n\
               (default 30)",
        check: any,
    },
    Opt {
        name: "max-connections",
        short: None,
        value: Some("N"),
        help: "connections served at once (default 16; more are told the server is\n\
               busy and closed; refusals are summarised in the log every 10 s)",
        check: any,
    },
    Opt {
        name: "max-per-address",
        short: None,
        value: Some("N"),
        help: "connections one source address may hold (default a quarter of\n\
               --max-connections, at least 1); with --wg an address no peer owns\n\
               gets none",
        check: any,
    },
    Opt {
        name: "count",
        short: None,
        value: Some("N"),
        help: "serve: after N successful exchanges accept no more, wait for those\n\
               in flight, exit 0; rotate: stop after N successful rotations",
        check: any,
    },
    Opt {
        name: "interval",
        short: None,
        value: Some("SECS"),
        help: "rotate: one exchange every SECS",
        check: any,
    },
    Opt {
        name: "jitter",
        short: None,
        value: Some("SECS"),
        help: "rotate: plus a random delay up to SECS (default a tenth of --interval)",
        check: any,
    },
    Opt {
        name: "journal",
        short: None,
        value: Some("DIR"),
        help: "with --wg: record the previous and the new key (0600) before\n\
               confirming or applying; after applying, watch `wg show IFACE\n\
               latest-handshakes` and put the previous key back if no handshake\n\
               follows within --rollback-after. On start, rotations a crash\n\
               interrupted are completed or undone",
        check: any,
    },
    Opt {
        name: "rollback-after",
        short: None,
        value: Some("SECS"),
        help: "with --journal (default 190: WireGuard's REJECT_AFTER_TIME 180 s\n\
               + 2 x REKEY_TIMEOUT; the client nudges the tunnel meanwhile)",
        check: any,
    },
    Opt {
        name: "machine",
        short: None,
        value: None,
        help: "status: one tab-separated line per peer (like `wg show dump`)",
        check: any,
    },
    Opt {
        name: "kem-library-version",
        short: None,
        value: Some("V"),
        help: "ivpn-json keygen: the request's kem_library_version (default\n\
               0.10.0, what IVPN's apps send; a server may answer other values\n\
               without post-quantum ciphertexts)",
        check: check_plain_text,
    },
    Opt {
        name: "session-token-file",
        short: None,
        value: Some("FILE"),
        help: "ivpn-json keygen: read the request's session_token from FILE (not\n\
               argv: it is a credential); default empty",
        check: any,
    },
    Opt {
        name: "public-key",
        short: None,
        value: Some("KEY"),
        help: "ivpn-json keygen: the request's public_key, this client's new\n\
               WireGuard public key; default empty",
        check: check_public_key,
    },
    Opt {
        name: "connected-public-key",
        short: None,
        value: Some("KEY"),
        help: "ivpn-json keygen: the request's connected_public_key, the\n\
               WireGuard public key of the tunnel in use; default empty",
        check: check_public_key,
    },
    Opt {
        name: "quiet",
        short: Some('q'),
        value: None,
        help: "no progress, timing or log lines on stderr (errors are still\n\
               printed)",
        check: any,
    },
    Opt {
        name: "help",
        short: Some('h'),
        value: None,
        help: "print this subcommand's usage and exit",
        check: any,
    },
];

/// Options every subcommand takes.
pub const COMMON: &[&str] = &["quiet", "help"];

fn find(name: &str) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| o.name == name)
}

fn usage(message: String) -> Failure {
    Failure::new(Code::Usage, message)
}

/// `--listen`: something `TcpListener::bind` can take: an IP socket address, or HOST:PORT
/// (the host is resolved when listening; a name that does not resolve is a network failure).
fn check_listen(text: &str) -> Result<(), String> {
    if text.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(());
    }
    let expected = "expected HOST:PORT, such as 10.0.0.1:7700 or [fd00::1]:7700";
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!("no port: {expected}"));
    };
    if port.parse::<u16>().is_err() {
        return Err(format!(
            "port {port:?} is not a number from 0 to 65535: {expected}"
        ));
    }
    let name_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if !name_ok {
        return Err(format!(
            "{host:?} is neither an IP address nor a host name (an IPv6 address needs \
             brackets): {expected}"
        ));
    }
    Ok(())
}

/// A WireGuard public key: 32 bytes as 44 characters of standard base64, as `wg pubkey`
/// prints it.
fn check_public_key(text: &str) -> Result<(), String> {
    const EXPECTED: &str = "a WireGuard public key is 44 characters of base64 ending in =, as \
                            `wg pubkey` or `wg show IFACE peers` prints it";
    let detail = match pqpsk::Psk::from_base64(text) {
        Ok(_) => return Ok(()),
        Err(pqpsk::Error::Length { .. }) => format!("{} characters", text.chars().count()),
        Err(pqpsk::Error::Base64Character { position, .. }) => {
            format!("character {} is not base64", position + 1)
        }
        Err(pqpsk::Error::Base64Padding { .. }) => "its = padding is wrong".to_string(),
        Err(pqpsk::Error::Base64NonCanonical { .. }) => {
            "its last character before = is not one a 32-byte key can end with".to_string()
        }
        Err(_) => "it does not decode".to_string(),
    };
    Err(format!("not a WireGuard public key ({detail}): {EXPECTED}"))
}

/// Text that goes into a JSON string as it is: printable ASCII, short.
fn check_plain_text(text: &str) -> Result<(), String> {
    if text.len() <= 64 && text.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err("expected at most 64 printable ASCII characters, no spaces".to_string())
    }
}

/// One subcommand's grammar: its name, the options it takes and its usage text.
pub struct Grammar {
    pub name: &'static str,
    /// The synopsis (`pqpsk keygen [--suite S] ...`), continuation lines indented.
    pub synopsis: &'static str,
    /// What it does, in a line or two.
    pub about: &'static str,
    /// Names from [`OPTIONS`], besides [`COMMON`].
    pub options: &'static [&'static str],
    /// The positional arguments' names (`ADDR`), exactly this many.
    pub positionals: &'static [&'static str],
}

impl Grammar {
    fn takes(&self, opt: &Opt) -> bool {
        self.options.contains(&opt.name) || COMMON.contains(&opt.name)
    }

    /// `pqpsk NAME --help`: the synopsis, what it does, and each of its options.
    pub fn help(&self) -> String {
        let mut text = format!("usage: {}\n\n{}\n\noptions:\n", self.synopsis, self.about);
        for opt in OPTIONS.iter().filter(|o| self.takes(o)) {
            option_help(&mut text, opt);
        }
        text.push_str("\nExit codes and the protocol: `pqpsk --help`; the manual: pqpsk(1).\n");
        text
    }
}

/// `  -q, --quiet      help`, the help's continuation lines aligned under its first.
pub fn option_help(text: &mut String, opt: &Opt) {
    const COLUMN: usize = 26;
    let mut left = match opt.short {
        Some(c) => format!("  -{c}, --{}", opt.name),
        None => format!("  --{}", opt.name),
    };
    if let Some(value) = opt.value {
        left.push(' ');
        left.push_str(value);
    }
    let mut lines = opt.help.lines();
    let first = lines.next().unwrap_or_default();
    if left.len() + 2 > COLUMN {
        text.push_str(&format!("{left}\n{:COLUMN$}{first}\n", ""));
    } else {
        text.push_str(&format!("{left:COLUMN$}{first}\n"));
    }
    for line in lines {
        text.push_str(&format!("{:COLUMN$}{}\n", "", line.trim_start()));
    }
}

/// Parsed options of one subcommand.
#[derive(Debug, Default)]
pub struct Options {
    values: Vec<(&'static str, String)>,
    flags: Vec<&'static str>,
    pub positional: Vec<String>,
    command: &'static str,
}

fn utf8(what: &str, value: OsString) -> Outcome<String> {
    value.into_string().map_err(|raw| {
        usage(format!(
            "{what} {} is not valid UTF-8",
            raw.to_string_lossy()
        ))
    })
}

/// Parses `args` (after the subcommand) against `grammar`. Stops at `--help`/`-h`, whatever
/// follows it (the caller prints the help).
pub fn parse(grammar: &Grammar, args: impl IntoIterator<Item = OsString>) -> Outcome<Options> {
    let command = grammar.name;
    let mut options = Options {
        command,
        ..Options::default()
    };
    let mut parser = lexopt::Parser::from_args(args);
    let unknown = |shown: String| {
        usage(format!(
            "unknown option {shown} for `pqpsk {command}` (see `pqpsk {command} --help`)"
        ))
    };
    loop {
        let arg = match parser.next() {
            Ok(Some(arg)) => arg,
            Ok(None) => break,
            Err(lexopt::Error::UnexpectedValue { option, .. }) => {
                return Err(usage(format!("{option} takes no value")))
            }
            Err(e) => return Err(usage(e.to_string())),
        };
        let opt = match arg {
            Arg::Value(value) => {
                options.positional.push(utf8("argument", value)?);
                continue;
            }
            Arg::Short(c) => OPTIONS
                .iter()
                .find(|o| o.short == Some(c))
                .filter(|o| grammar.takes(o))
                .ok_or_else(|| unknown(format!("-{c}")))?,
            Arg::Long(name) => find(name)
                .filter(|o| grammar.takes(o))
                .ok_or_else(|| unknown(format!("--{name}")))?,
        };
        let shown = format!("--{}", opt.name);
        if opt.name == "help" {
            options.flags.push(opt.name);
            return Ok(options);
        }
        if options.flags.contains(&opt.name) || options.values.iter().any(|(n, _)| *n == opt.name) {
            return Err(usage(format!("{shown} given twice")));
        }
        if opt.value.is_none() {
            options.flags.push(opt.name);
            continue;
        }
        let value = parser
            .value()
            .map_err(|_| usage(format!("{shown} needs a value")))?;
        let value = utf8(&format!("the value of {shown}"), value)?;
        if value.is_empty() {
            return Err(usage(format!("{shown} needs a non-empty value")));
        }
        (opt.check)(&value).map_err(|why| usage(format!("{shown} {value:?}: {why}")))?;
        options.values.push((opt.name, value));
    }
    if options.positional.len() != grammar.positionals.len() {
        return Err(usage(format!(
            "`pqpsk {command}` takes {} argument(s) ({}), got {}: {:?}",
            grammar.positionals.len(),
            grammar.positionals.join(" "),
            options.positional.len(),
            options.positional
        )));
    }
    Ok(options)
}

/// `--name`, the key options are looked up by, to its table entry's name.
fn key(name: &str) -> &str {
    name.strip_prefix("--").unwrap_or(name)
}

impl Options {
    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(&key(name))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        let name = key(name);
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn require(&self, name: &str) -> Outcome<&str> {
        self.get(name).ok_or_else(|| {
            usage(format!(
                "`pqpsk {}` needs --{} (see `pqpsk {} --help`)",
                self.command,
                key(name),
                self.command
            ))
        })
    }

    pub fn path(&self, name: &str) -> Outcome<PathBuf> {
        self.require(name).map(PathBuf::from)
    }

    /// A whole number option in `1..=max`, or `default` when absent.
    pub fn number(&self, name: &str, default: u64, max: u64) -> Outcome<u64> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| {
                    usage(format!(
                        "--{} {text:?}: expected a whole number from 1 to {max}",
                        key(name)
                    ))
                }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const GRAMMAR: Grammar = Grammar {
        name: "t",
        synopsis: "pqpsk t --state STATE [-q] X",
        about: "a test",
        options: &["state", "listen", "peer"],
        positionals: &["X"],
    };

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn forms_and_errors() {
        let o = parse(&GRAMMAR, os(&["--state=a", "-q", "x"])).unwrap();
        assert_eq!(o.get("--state"), Some("a"));
        assert!(o.flag("--quiet"));
        assert_eq!(o.positional, ["x"]);
        let o = parse(&GRAMMAR, os(&["--state", "-", "--", "-x"])).unwrap();
        assert_eq!(o.get("--state"), Some("-"));
        assert_eq!(o.positional, ["-x"]);
        // A value that looks like an option is still the value.
        let o = parse(&GRAMMAR, os(&["--state", "--quiet", "-"])).unwrap();
        assert_eq!(o.get("--state"), Some("--quiet"));
        assert!(!o.flag("--quiet"));
        for (bad, text) in [
            (&["--nope", "x"][..], "unknown option --nope"),
            (&["-z", "x"], "unknown option -z"),
            (&["--machine", "x"], "unknown option --machine"),
            (&["x", "--state"], "--state needs a value"),
            (&["--state", "a", "--state", "b", "x"], "given twice"),
            (&["--quiet=1", "x"], "--quiet takes no value"),
            (&["--state=", "x"], "non-empty"),
            (&[], "takes 1 argument(s) (X), got 0"),
            (&["x", "y"], "got 2"),
            (
                &["--listen", "nonsense", "x"],
                "--listen \"nonsense\": no port",
            ),
            (&["--listen", "host:99999", "x"], "is not a number"),
            (&["--listen", "::1:80", "x"], "needs brackets"),
            (&["--peer", "abc", "x"], "not a WireGuard public key"),
        ] {
            let e = parse(&GRAMMAR, os(bad)).unwrap_err();
            assert_eq!(e.code, Code::Usage, "{bad:?}");
            assert!(e.message.contains(text), "{bad:?}: {}", e.message);
        }
        for good in [
            "127.0.0.1:0",
            "[::1]:7700",
            "localhost:7700",
            "wg.example.net:1",
        ] {
            assert!(check_listen(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn help_stops_parsing_and_lists_only_the_commands_options() {
        // Whatever follows the help flag is not looked at; what precedes it is.
        let o = parse(&GRAMMAR, os(&["--help", "--bogus", "x", "y"])).unwrap();
        assert!(o.flag("--help"));
        assert!(parse(&GRAMMAR, os(&["--bogus", "--help"])).is_err());
        let o = parse(&GRAMMAR, os(&["-qh", "--bogus"])).unwrap();
        assert!(o.flag("--help"));
        let help = GRAMMAR.help();
        assert!(help.starts_with("usage: pqpsk t --state STATE"));
        assert!(help.contains("  --state STATE"));
        assert!(help.contains("  -q, --quiet"));
        assert!(!help.contains("--machine"));
    }

    #[test]
    fn every_option_is_unique_and_has_help() {
        for (i, a) in OPTIONS.iter().enumerate() {
            assert!(!a.help.is_empty(), "{}", a.name);
            for b in &OPTIONS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert!(a.short.is_none() || a.short != b.short, "{}", a.name);
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_is_a_usage_error() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'a', 0xff]);
        for args in [
            vec![bad.clone()],
            vec![OsString::from("--state"), bad.clone(), OsString::from("x")],
            vec![
                OsString::from_vec(b"--st\xffate".to_vec()),
                OsString::from("x"),
            ],
        ] {
            let e = parse(&GRAMMAR, args).unwrap_err();
            assert_eq!(e.code, Code::Usage);
        }
    }
}
