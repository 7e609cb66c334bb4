//! A small command-line parser.
//!
//! Hand-written rather than clap: the whole grammar is five subcommands with `--name VALUE`
//! options, and on a router every 100 KB of binary counts (clap adds several hundred KB to a
//! stripped binary and a dozen crates to the build).

use std::path::PathBuf;

use crate::fail::{Code, Failure, Outcome};

/// The options one subcommand accepts: `(name, takes a value)`.
pub type Spec = &'static [(&'static str, bool)];

/// Parsed options of one subcommand.
#[derive(Debug, Default)]
pub struct Options {
    values: Vec<(&'static str, String)>,
    flags: Vec<&'static str>,
    pub positional: Vec<String>,
    command: &'static str,
}

fn usage(message: String) -> Failure {
    Failure::new(Code::Usage, message)
}

/// Parses `args` (after the subcommand) against `spec`. Accepts `--name VALUE`, `--name=VALUE`
/// and `-q` for `--quiet`; a lone `-` is a value (stdin/stdout), `--` ends the options.
pub fn parse(command: &'static str, spec: Spec, args: &[String]) -> Outcome<Options> {
    let mut options = Options {
        command,
        ..Options::default()
    };
    let mut rest = args.iter();
    let mut only_positional = false;
    while let Some(arg) = rest.next() {
        if only_positional || arg == "-" || !arg.starts_with('-') {
            options.positional.push(arg.clone());
            continue;
        }
        if arg == "--" {
            only_positional = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let name = if name == "-q" { "--quiet" } else { name };
        let Some(&(known, takes_value)) = spec.iter().find(|(n, _)| *n == name) else {
            return Err(usage(format!(
                "unknown option {name} for `pqpsk {command}` (see `pqpsk {command} --help`)"
            )));
        };
        if options.flags.contains(&known) || options.values.iter().any(|(n, _)| *n == known) {
            return Err(usage(format!("{known} given twice")));
        }
        if takes_value {
            let value = match inline {
                Some(v) => v,
                None => rest
                    .next()
                    .cloned()
                    .ok_or_else(|| usage(format!("{known} needs a value")))?,
            };
            if value.is_empty() {
                return Err(usage(format!("{known} needs a non-empty value")));
            }
            options.values.push((known, value));
        } else if inline.is_some() {
            return Err(usage(format!("{known} takes no value")));
        } else {
            options.flags.push(known);
        }
    }
    Ok(options)
}

impl Options {
    pub fn flag(&self, name: &str) -> bool {
        self.flags.contains(&name)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn require(&self, name: &str) -> Outcome<&str> {
        self.get(name).ok_or_else(|| {
            usage(format!(
                "`pqpsk {}` needs {name} (see `pqpsk {} --help`)",
                self.command, self.command
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
                        "{name} {text:?}: expected a whole number from 1 to {max}"
                    ))
                }),
        }
    }

    /// Exactly `n` positional arguments.
    pub fn positionals(&self, names: &[&str]) -> Outcome<&[String]> {
        if self.positional.len() != names.len() {
            return Err(usage(format!(
                "`pqpsk {}` takes {} argument(s) ({}), got {}: {:?}",
                self.command,
                names.len(),
                names.join(" "),
                self.positional.len(),
                self.positional
            )));
        }
        Ok(&self.positional)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SPEC: Spec = &[("--state", true), ("--quiet", false)];

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn forms_and_errors() {
        let o = parse("t", SPEC, &strings(&["--state=a", "-q", "x", "-"])).unwrap();
        assert_eq!(o.get("--state"), Some("a"));
        assert!(o.flag("--quiet"));
        assert_eq!(o.positional, ["x", "-"]);
        let o = parse("t", SPEC, &strings(&["--state", "-"])).unwrap();
        assert_eq!(o.get("--state"), Some("-"));
        for bad in [
            &["--nope"][..],
            &["--state"],
            &["--state", "a", "--state", "b"],
            &["--quiet=1"],
            &["--state="],
        ] {
            let e = parse("t", SPEC, &strings(bad)).unwrap_err();
            assert_eq!(e.code, Code::Usage, "{bad:?}");
        }
    }
}
