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
/// the name is not a directory, a symbolic link or another non-regular file (FIFO, device,
/// socket), which an atomic rename would silently replace, or which would block. Also removes
/// stale temporaries of this output left by a killed run. (The write itself can still fail; it
/// then leaves nothing.)
pub fn check_output(path: &Path, what: &str) -> Outcome<()> {
    if is_stdio(path) {
        return Ok(());
    }
    let (dir, name) = split(path)?;
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
    if let Ok(meta) = fs::symlink_metadata(path) {
        check_regular(&meta, path, what, Code::Io)?;
    }
    remove_stale_temporaries(&dir, &name);
    Ok(())
}

/// Refuses anything but a regular file, saying what it is instead.
fn check_regular(meta: &fs::Metadata, path: &Path, what: &str, code: Code) -> Outcome<()> {
    let kind = meta.file_type();
    let problem = if kind.is_symlink() {
        "is a symbolic link: refusing to follow it (give the path of the file itself)"
    } else if kind.is_dir() {
        "is a directory"
    } else if !kind.is_file() {
        "is not a regular file (a FIFO, device or socket): refusing to use it"
    } else {
        return Ok(());
    };
    Err(Failure::new(
        code,
        format!("{what} {}: {problem}", path.display()),
    ))
}

/// What identifies the file a path names: device and inode of the file, or of its directory
/// plus the name when it does not exist yet. `None` for `-`.
fn identity(path: &Path) -> Option<(u64, u64, Option<std::ffi::OsString>)> {
    use std::os::unix::fs::MetadataExt;
    if is_stdio(path) {
        return None;
    }
    if let Ok(meta) = fs::metadata(path) {
        return Some((meta.dev(), meta.ino(), None));
    }
    let (dir, _) = split(path).ok()?;
    let meta = fs::metadata(dir).ok()?;
    Some((
        meta.dev(),
        meta.ino(),
        path.file_name().map(|n| n.to_owned()),
    ))
}

/// Refuses two of `files` (`(option, path)`) that are the same file, compared by device and
/// inode: `finish --state S --psk S` would write the PSK and then delete it as the state.
pub fn check_distinct(files: &[(&str, &Path)]) -> Outcome<()> {
    let ids: Vec<_> = files.iter().map(|(_, p)| identity(p)).collect();
    for (i, (a, pa)) in files.iter().enumerate() {
        for (j, (b, pb)) in files.iter().enumerate().skip(i + 1) {
            if let (Some(x), Some(y)) = (ids.get(i), ids.get(j)) {
                if x.is_some() && x == y {
                    return Err(Failure::new(
                        Code::Usage,
                        format!(
                            "{a} {} and {b} {} are the same file: give each its own",
                            pa.display(),
                            pb.display()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Flags for opening a secret file: never through a symbolic link, and never blocking on a
/// FIFO (the descriptor is checked to be a regular file before any read or write).
fn secret_flags() -> i32 {
    libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC
}

/// Opens an existing secret file (the client state) for reading and wiping, without following
/// a link, and checks through the descriptor that it is a regular file.
pub fn open_secret(path: &Path, what: &str, code: Code) -> Outcome<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(secret_flags())
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                Failure::new(
                    code,
                    format!(
                        "{what} {}: is a symbolic link: refusing to follow it (give the path of \
                         the file itself)",
                        path.display()
                    ),
                )
            } else {
                io_failure(&format!("opening {what}"), path, &e)
            }
        })?;
    let meta = file
        .metadata()
        .map_err(|e| io_failure(&format!("checking {what}"), path, &e))?;
    check_regular(&meta, path, what, code)?;
    Ok(file)
}

/// Reads a whole secret file of at most `max` bytes through its descriptor. The buffer is
/// allocated once at its bound (no reallocation leaves copies in freed memory) and wiped on
/// drop; a longer file is an error found without reading more than `max + 1` bytes.
pub fn read_secret(
    file: &File,
    path: &Path,
    what: &str,
    max: usize,
) -> Outcome<Zeroizing<Vec<u8>>> {
    let limit = max.saturating_add(1);
    let mut data = Zeroizing::new(Vec::with_capacity(limit));
    let taken = u64::try_from(limit).unwrap_or(u64::MAX);
    file.take(taken)
        .read_to_end(&mut data)
        .map_err(|e| io_failure(&format!("reading {what}"), path, &e))?;
    if data.len() > max {
        return Err(Failure::new(
            Code::State,
            format!(
                "{what} {}: too large: expected at most {max} bytes",
                path.display()
            ),
        ));
    }
    Ok(data)
}

/// Overwrites the whole of an open file with zeros in one write and flushes it to disk.
///
/// One write, so that a kill cannot leave part of a secret behind a wiped start. On a
/// journaling or copy-on-write filesystem (or flash with wear levelling) old blocks may survive
/// elsewhere; this is the best a program can do without help from the filesystem.
pub fn wipe(file: &File) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    let zeros = vec![0u8; len];
    // write_all_at loops only on a short write, which regular files do not do at these sizes.
    file.write_all_at(&zeros, 0)?;
    file.sync_all()
}

/// Wipes a file named by path, without following a link; a non-regular file is left alone.
pub fn wipe_in_place(path: &Path) -> io::Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(secret_flags())
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(io::ErrorKind::InvalidInput.into());
    }
    wipe(&file)
}

/// The prefix of every temporary of `name`: `.NAME.pqpsk-tmp-` (then `PID-N`).
fn temp_prefix(name: &str) -> String {
    format!(".{name}.pqpsk-tmp-")
}

/// Wipes and removes temporaries of `name` in `dir` whose process is gone: what a kill between
/// create and rename leaves (a whole state or PSK). Only on systems with `/proc`, where a
/// process's liveness can be checked; a temporary of a running writer is never touched.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = temp_prefix(name);
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else {
            continue;
        };
        let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), n.parse::<u32>()) else {
            continue;
        };
        if pid == std::process::id() || proc.join(pid.to_string()).exists() {
            continue;
        }
        let stale = entry.path();
        let _ = wipe_in_place(&stale);
        let _ = fs::remove_file(&stale);
    }
}

/// A new temporary file next to an output, renamed onto it once complete. Dropped before
/// that, it is wiped and removed.
struct Temp {
    file: File,
    temp: PathBuf,
    dest: PathBuf,
    dir: PathBuf,
    renamed: bool,
}

impl Temp {
    /// Creates the temporary (0600, `O_EXCL`, never through a link).
    fn create(path: &Path) -> Outcome<Temp> {
        let (dir, name) = split(path)?;
        let temp = temp_path(&dir, &name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temp)
            .map_err(|e| io_failure("creating temporary file", &temp, &e))?;
        Ok(Temp {
            file,
            temp,
            dest: path.to_path_buf(),
            dir,
            renamed: false,
        })
    }

    /// Makes `data` the whole content, flushed to disk.
    fn fill(&mut self, data: &[u8]) -> Outcome<()> {
        use std::os::unix::fs::FileExt;
        self.file
            .write_all_at(data, 0)
            .and_then(|()| {
                self.file
                    .set_len(u64::try_from(data.len()).unwrap_or(u64::MAX))
            })
            .and_then(|()| self.file.sync_all())
            .map_err(|e| io_failure("writing", &self.temp, &e))
    }

    /// Renames the complete temporary onto its output and flushes the directory.
    fn rename(mut self) -> Outcome<()> {
        fs::rename(&self.temp, &self.dest)
            .map_err(|e| io_failure("renaming temporary file onto", &self.dest, &e))?;
        self.renamed = true;
        sync_dir(&self.dir).map_err(|e| io_failure("flushing directory", &self.dir, &e))
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.renamed {
            // It may hold part of a secret: overwrite what is there, then remove it.
            let _ = wipe(&self.file);
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// An output whose temporary file already exists with its final size, flushed: once this
/// exists, writing the data cannot fail for lack of space or an impossible name. `finish`
/// reserves its PSK before it consumes the state.
pub struct Reserved(Option<Temp>);

impl Reserved {
    /// Creates `path`'s temporary with `len` zero bytes, on disk (nothing for `-`).
    pub fn new(path: &Path, len: usize) -> Outcome<Reserved> {
        if is_stdio(path) {
            return Ok(Reserved(None));
        }
        let mut temp = Temp::create(path)?;
        temp.fill(&vec![0u8; len])?;
        Ok(Reserved(Some(temp)))
    }

    /// Writes `data` into the reserved temporary and renames it onto the output.
    pub fn commit(self, data: &[u8]) -> Outcome<()> {
        match self.0 {
            None => write_stdout(data),
            Some(mut temp) => {
                temp.fill(data)?;
                temp.rename()
            }
        }
    }
}

fn write_stdout(data: &[u8]) -> Outcome<()> {
    let mut out = io::stdout().lock();
    out.write_all(data)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(Code::Io, format!("writing standard output: {e}")))
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
        return write_stdout(data);
    }
    let mut temp = Temp::create(path)?;
    temp.fill(data)?;
    temp.rename()
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
    dir.join(format!("{}{}-{n}", temp_prefix(name), std::process::id()))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The secret is read into one allocation of its bound: no reallocation (which would leave
    /// copies of the secret in freed heap) even for the largest allowed file.
    #[test]
    fn secrets_are_read_into_one_bounded_allocation() {
        let dir = std::env::temp_dir().join(format!("pqpsk-read-secret-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s");
        for len in [1usize, 6_000, 6_638] {
            fs::write(&path, vec![7u8; len]).unwrap();
            let file = open_secret(&path, "state file", Code::State).unwrap();
            let data = read_secret(&file, &path, "state file", 6_638).unwrap();
            assert_eq!(data.len(), len);
            assert_eq!(data.capacity(), 6_639, "reallocated for {len} bytes");
        }
        fs::write(&path, vec![7u8; 6_639]).unwrap();
        let file = open_secret(&path, "state file", Code::State).unwrap();
        let e = read_secret(&file, &path, "state file", 6_638).unwrap_err();
        assert_eq!(e.code, Code::State);
        fs::remove_dir_all(&dir).unwrap();
    }
}
