//! Local files: atomic 0600 writes, bounded reads, and wiping a secret file in place.
//!
//! A path of `-` means stdout (for outputs) or stdin (for inputs).
//!
//! Atomic write: the data goes to a new temporary file in the same directory (created 0600 with
//! `O_EXCL`), is flushed to disk (`fsync`), and only then renamed over the destination, after
//! which the directory is flushed too. A crash at any point leaves either the old file or the
//! complete new one under the destination name, never a mixture; a leftover temporary file has a
//! name (`.NAME.pqpsk-tmp-PID-N`) that cannot be mistaken for the destination.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use zeroize::Zeroizing;

use crate::fail::{Code, Failure, Outcome};

/// Whether `path` is the stdin/stdout placeholder.
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// A readable name for messages: the path, or "standard input/output".
pub fn describe(path: &Path, output: bool) -> String {
    if is_stdio(path) {
        if output {
            "standard output"
        } else {
            "standard input"
        }
        .to_string()
    } else {
        path.display().to_string()
    }
}

fn io_failure(what: &str, path: &Path, error: &io::Error) -> Failure {
    Failure::new(Code::Io, format!("{what} {}: {error}", path.display()))
}

/// Checks, before any work is done, that an output can be created: its directory exists and
/// the name is not a directory. (The write itself can still fail; it then leaves nothing.)
pub fn check_output(path: &Path, what: &str) -> Outcome<()> {
    if is_stdio(path) {
        return Ok(());
    }
    let (dir, _) = split(path)?;
    if !dir.is_dir() {
        return Err(Failure::new(
            Code::Io,
            format!(
                "{what} {}: directory {} does not exist",
                path.display(),
                dir.display()
            ),
        ));
    }
    if path.is_dir() {
        return Err(Failure::new(
            Code::Io,
            format!("{what} {}: is a directory", path.display()),
        ));
    }
    Ok(())
}

/// Refuses to send a binary message to a terminal (checked before any work is done).
pub fn check_binary_output(path: &Path, what: &str) -> Outcome<()> {
    use std::io::IsTerminal;
    if is_stdio(path) && io::stdout().is_terminal() {
        return Err(Failure::new(
            Code::Usage,
            format!("refusing to write the binary {what} to a terminal: redirect or pipe it"),
        ));
    }
    Ok(())
}

/// Writes `data` to `path` atomically with mode 0600 (or to stdout for `-`).
pub fn write_atomic(path: &Path, data: &[u8]) -> Outcome<()> {
    if is_stdio(path) {
        let mut out = io::stdout().lock();
        return out
            .write_all(data)
            .and_then(|()| out.flush())
            .map_err(|e| Failure::new(Code::Io, format!("writing standard output: {e}")));
    }
    let (dir, name) = split(path)?;
    let temp = temp_path(&dir, &name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .map_err(|e| io_failure("creating temporary file", &temp, &e))?;
    let written = file.write_all(data).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written {
        // The temporary may hold part of a secret: overwrite what is there, then remove it.
        let _ = wipe_in_place(&temp);
        let _ = fs::remove_file(&temp);
        return Err(io_failure("writing", &temp, &e));
    }
    if let Err(e) = fs::rename(&temp, path) {
        let _ = wipe_in_place(&temp);
        let _ = fs::remove_file(&temp);
        return Err(io_failure("renaming temporary file onto", path, &e));
    }
    sync_dir(&dir).map_err(|e| io_failure("flushing directory", &dir, &e))
}

/// The directory (`.` for a bare name) and file name of an output path.
fn split(path: &Path) -> Outcome<(PathBuf, String)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Failure::new(Code::Usage, format!("{}: not a file name", path.display())))?
        .to_string();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name))
}

fn temp_path(dir: &Path, name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{name}.pqpsk-tmp-{}-{n}", std::process::id()))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Overwrites a file's current contents with zeros and flushes them to disk, keeping its length.
///
/// On a journaling or copy-on-write filesystem (or flash with wear levelling) old blocks may
/// survive elsewhere; this is the best a program can do without help from the filesystem.
pub fn wipe_in_place(path: &Path) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).open(path)?;
    let len = file.metadata()?.len();
    let zeros = [0u8; 4096];
    let mut left = len;
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        file.write_all(zeros.get(..n).unwrap_or(&zeros))?;
        left -= n as u64;
    }
    file.sync_all()
}

/// Reads a whole input of at most `max` bytes (a longer one is an error, found without reading
/// more than `max + 1` bytes). The buffer is wiped on drop, since it may be a secret.
pub fn read_bounded(path: &Path, what: &str, max: usize) -> Outcome<Zeroizing<Vec<u8>>> {
    let name = describe(path, false);
    let mut data = Zeroizing::new(Vec::new());
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let result = if is_stdio(path) {
        io::stdin().lock().take(limit).read_to_end(&mut data)
    } else {
        File::open(path).and_then(|f| f.take(limit).read_to_end(&mut data))
    };
    result.map_err(|e| Failure::new(Code::Io, format!("reading {what} {name}: {e}")))?;
    if data.len() > max {
        return Err(Failure::new(
            Code::Input,
            format!("{what} {name}: too large: expected at most {max} bytes"),
        ));
    }
    Ok(data)
}

/// Opens an input for streaming reads (`-` = stdin).
pub fn open_input(path: &Path, what: &str) -> Outcome<Box<dyn Read>> {
    if is_stdio(path) {
        return Ok(Box::new(io::stdin()));
    }
    File::open(path)
        .map(|f| Box::new(f) as Box<dyn Read>)
        .map_err(|e| Failure::new(Code::Io, format!("opening {what} {}: {e}", path.display())))
}
