//! What bounds a server: connection slots (in all and per source address), exchanges in flight
//! per WireGuard peer or PSK file, and a summary of refused connections instead of one log
//! line each.
//!
//! One source address may hold only part of the slots, so that a single host (a stalled
//! script, a flood) cannot lock legitimate clients out. Two exchanges that would apply a key
//! to the same peer or file never overlap: with both in flight, the two sides could apply
//! their keys in different orders and end up with different PSKs.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How often, at most, refused connections are summarised in the log.
pub const SUMMARY_EVERY: Duration = Duration::from_secs(10);

/// Why a connection got no slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every slot is taken (`--max-connections`).
    Full,
    /// Its address holds its share already (`--max-per-address`).
    PerAddress,
    /// With `--wg`: no peer owns the address.
    NoPeer,
}

#[derive(Default)]
struct Counts {
    in_use: usize,
    per_address: HashMap<IpAddr, usize>,
    /// Exchanges whose connection has closed but whose rollback watch still runs: they hold
    /// no slot, but `serve --count` waits for them too.
    watching: usize,
}

/// Locks a mutex whose holder may have panicked: the counts stay meaningful either way.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Connection slots, shared by the accept loop and the connection threads.
pub struct Slots {
    max: usize,
    max_per_address: usize,
    counts: Mutex<Counts>,
    freed: Condvar,
}

/// One taken slot, given back when dropped (however the connection's thread ends).
pub struct Slot {
    slots: Arc<Slots>,
    address: IpAddr,
}

impl Slots {
    pub fn new(max: usize, max_per_address: usize) -> Arc<Slots> {
        Arc::new(Slots {
            max,
            max_per_address: max_per_address.clamp(1, max.max(1)),
            counts: Mutex::new(Counts::default()),
            freed: Condvar::new(),
        })
    }

    /// A slot for a connection from `address`, or why there is none.
    pub fn take(self: &Arc<Self>, address: IpAddr) -> Result<Slot, Refusal> {
        let mut counts = lock(&self.counts);
        if counts.in_use >= self.max {
            return Err(Refusal::Full);
        }
        let mine = counts.per_address.entry(address).or_insert(0);
        if *mine >= self.max_per_address {
            return Err(Refusal::PerAddress);
        }
        *mine += 1;
        counts.in_use += 1;
        Ok(Slot {
            slots: Arc::clone(self),
            address,
        })
    }

    /// Connections served, and watches still running.
    pub fn in_use(&self) -> usize {
        let counts = lock(&self.counts);
        counts.in_use + counts.watching
    }

    /// Waits until no slot is taken and no watch runs (the exchanges in flight have ended).
    pub fn wait_idle(&self) {
        let mut counts = lock(&self.counts);
        while counts.in_use > 0 || counts.watching > 0 {
            counts = self
                .freed
                .wait(counts)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// An exchange's rollback watch, which outlives its connection's [`Slot`]: counted for
/// [`Slots::wait_idle`] until dropped.
pub struct Watch {
    slots: Arc<Slots>,
}

impl Slot {
    /// Gives the slot back (the connection is closed) but keeps the exchange counted while its
    /// watch runs, so that a watch of up to `--rollback-after` does not hold a connection slot.
    pub fn into_watch(self) -> Watch {
        let slots = Arc::clone(&self.slots);
        lock(&slots.counts).watching += 1;
        drop(self);
        Watch { slots }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut counts = lock(&self.slots.counts);
        counts.watching = counts.watching.saturating_sub(1);
        drop(counts);
        self.slots.freed.notify_all();
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = lock(&self.slots.counts);
        counts.in_use = counts.in_use.saturating_sub(1);
        if let Some(n) = counts.per_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.per_address.remove(&self.address);
            }
        }
        drop(counts);
        self.slots.freed.notify_all();
    }
}

/// Targets (WireGuard peers, PSK files) with an exchange in flight.
#[derive(Default)]
pub struct InFlight(Mutex<HashSet<String>>);

/// The claim of one exchange on its targets, released when dropped.
pub struct Claim<'a> {
    set: &'a InFlight,
    targets: Vec<String>,
}

impl InFlight {
    /// Claims every one of `targets`, or none: `Err` names the first one already in flight.
    pub fn claim(&self, targets: Vec<String>) -> Result<Claim<'_>, String> {
        let mut set = lock(&self.0);
        if let Some(busy) = targets.iter().find(|t| set.contains(*t)) {
            return Err(busy.clone());
        }
        set.extend(targets.iter().cloned());
        Ok(Claim { set: self, targets })
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut set = lock(&self.set.0);
        for t in &self.targets {
            set.remove(t);
        }
    }
}

/// Refused connections, counted and written as one summary line at most every
/// [`SUMMARY_EVERY`] (a local flood used to write hundreds of KB of log in seconds).
pub struct Refused {
    state: Mutex<RefusedState>,
}

struct RefusedState {
    counts: [u64; 3],
    last_detail: Option<String>,
    last_summary: Option<Instant>,
}

impl Default for Refused {
    fn default() -> Self {
        Refused {
            state: Mutex::new(RefusedState {
                counts: [0; 3],
                last_detail: None,
                last_summary: None,
            }),
        }
    }
}

impl Refused {
    /// Counts one refusal; returns a summary line when one is due.
    pub fn note(&self, why: Refusal, detail: Option<String>) -> Option<String> {
        let mut s = lock(&self.state);
        let i = why as usize;
        if let Some(c) = s.counts.get_mut(i) {
            *c = c.saturating_add(1);
        }
        if detail.is_some() {
            s.last_detail = detail;
        }
        let due = s.last_summary.is_none_or(|t| t.elapsed() >= SUMMARY_EVERY);
        due.then(|| Self::take_summary(&mut s))
    }

    /// The summary of what was counted since the last one (at exit), if anything was.
    pub fn flush(&self) -> Option<String> {
        let mut s = lock(&self.state);
        (s.counts.iter().any(|&c| c > 0)).then(|| Self::take_summary(&mut s))
    }

    fn take_summary(s: &mut RefusedState) -> String {
        let [full, per_address, no_peer] = s.counts;
        let total = full + per_address + no_peer;
        let mut parts = Vec::new();
        if full > 0 {
            parts.push(format!("{full} at --max-connections"));
        }
        if per_address > 0 {
            parts.push(format!("{per_address} over --max-per-address"));
        }
        if no_peer > 0 {
            parts.push(format!("{no_peer} from addresses no peer owns"));
        }
        let mut line = format!(
            "[{}] refused {total} connection(s) ({}); next summary in {} s at the earliest",
            crate::fail::event::REFUSED,
            parts.join(", "),
            SUMMARY_EVERY.as_secs()
        );
        if let Some(detail) = s.last_detail.take() {
            line.push_str(&format!("; last: {detail}"));
        }
        s.counts = [0; 3];
        s.last_summary = Some(Instant::now());
        line
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slots_per_address_and_in_all() {
        let slots = Slots::new(3, 2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let a1 = slots.take(a).unwrap();
        let _a2 = slots.take(a).unwrap();
        assert_eq!(slots.take(a).err(), Some(Refusal::PerAddress));
        let _b1 = slots.take(b).unwrap();
        assert_eq!(slots.take(b).err(), Some(Refusal::Full));
        drop(a1);
        assert!(slots.take(a).is_ok());
        assert_eq!(slots.in_use(), 3 - 1);
    }

    #[test]
    fn a_watch_frees_its_slot_but_keeps_the_server_from_going_idle() {
        let slots = Slots::new(1, 1);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let watch = slots.take(a).unwrap().into_watch();
        // The slot is free for the next connection, even from the same address.
        let next = slots.take(a).unwrap();
        drop(next);
        assert_eq!(slots.in_use(), 1, "the watch still counts");
        let waiter = {
            let slots = Arc::clone(&slots);
            std::thread::spawn(move || slots.wait_idle())
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiter.is_finished(), "wait_idle returned during a watch");
        drop(watch);
        waiter.join().unwrap();
        assert_eq!(slots.in_use(), 0);
    }

    #[test]
    fn claims_are_all_or_nothing() {
        let set = InFlight::default();
        let one = set.claim(vec!["p".into(), "f".into()]).unwrap();
        assert_eq!(
            set.claim(vec!["q".into(), "f".into()]).err(),
            Some("f".into())
        );
        // The failed claim took nothing: q is free.
        drop(set.claim(vec!["q".into()]).unwrap());
        drop(one);
        assert!(set.claim(vec!["f".into()]).is_ok());
    }

    #[test]
    fn refusals_are_summarised() {
        let r = Refused::default();
        let first = r.note(Refusal::Full, None).unwrap();
        assert!(first.starts_with("[refused] refused 1 connection(s) (1 at --max-connections)"));
        for _ in 0..100 {
            assert!(r.note(Refusal::PerAddress, None).is_none());
        }
        let last = r.flush().unwrap();
        assert!(
            last.starts_with("[refused] refused 100 connection(s) (100 over --max-per-address)")
        );
        assert!(r.flush().is_none());
    }
}
