//! One client exchange per peer at a time across processes: a lock file holding the owner's
//! process id, created with `O_EXCL` (never through a link) and removed when dropped. A lock
//! whose process is gone (killed with SIGKILL) is taken over, where `/proc` can tell.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::fail::{Code, Failure, Outcome};

/// A held lock; released on drop.
pub struct Lock {
    path: PathBuf,
}

fn owner_alive(path: &Path) -> Option<u32> {
    let pid: u32 = fs::read_to_string(path).ok()?.trim().parse().ok()?;
    let proc = Path::new("/proc");
    // Without /proc liveness cannot be checked: the lock is then taken as held.
    let alive = !proc.join("self").exists() || proc.join(pid.to_string()).exists();
    (alive && pid != std::process::id()).then_some(pid)
}

impl Lock {
    /// Takes the lock at `path` for `what` (a peer, a PSK file), or says who holds it.
    pub fn take(path: &Path, what: &str) -> Outcome<Lock> {
        for _ in 0..2 {
            let created = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(path);
            match created {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(Lock {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if let Some(pid) = owner_alive(path) {
                        return Err(Failure::new(
                            Code::Usage,
                            format!(
                                "{what}: another pqpsk (process {pid}) is rotating it (lock {}); \
                                 run one client per peer",
                                path.display()
                            ),
                        ));
                    }
                    // Left by a process that is gone: take it over.
                    let _ = fs::remove_file(path);
                }
                Err(e) => {
                    return Err(Failure::new(
                        Code::Io,
                        format!("creating lock {}: {e}", path.display()),
                    ))
                }
            }
        }
        Err(Failure::new(
            Code::Io,
            format!("lock {}: could not be taken", path.display()),
        ))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}
