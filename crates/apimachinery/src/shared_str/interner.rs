//! The process-wide table that decoded [`SharedStr`]s are looked up in, so repeated strings are
//! kept once.
//!
//! The table holds one share of each block it knows. Nothing is removed when the last object using
//! a string goes away (that would put a lock in every drop); instead a shard sweeps out the blocks
//! only it still holds once it has grown to twice its size after the previous sweep, so garbage is
//! bounded by the live entries and the sweeping costs O(1) per insert, amortised. Sixteen shards,
//! chosen by a cheap function of the string, keep concurrent decoders off each other's locks.
//!
//! In front of the table each thread keeps a small direct-mapped cache of the strings it interned
//! last, indexed by a hash of a few of the string's bytes: decoding a stream of similar objects
//! finds nearly every repeated string there, with one comparison and no lock. A slot that holds a
//! different string is simply overwritten, so a collision costs a trip to the table and nothing
//! else; the cache holds at most [`FRONT_SLOTS`] shares per thread.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use super::SharedStr;

/// Number of shards; a power of two.
pub(super) const SHARDS: usize = 16;

/// A shard never sweeps below this many entries: small tables are not worth the scan.
pub(super) const MIN_SWEEP_AT: usize = 1024;

/// One lock's worth of the table.
struct Shard {
    /// Interned blocks, looked up by their text (`SharedStr: Borrow<str>`).
    strings: HashSet<SharedStr>,
    /// Sweep when `strings` reaches this many entries.
    sweep_at: usize,
}

static TABLE: LazyLock<[Mutex<Shard>; SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| Mutex::new(Shard::new())));

impl Shard {
    fn new() -> Self {
        Shard {
            // Randomly keyed SipHash: the strings come from the API server, and a crafted set of
            // colliding label values must not turn every decode into a linear scan.
            strings: HashSet::new(),
            sweep_at: MIN_SWEEP_AT,
        }
    }

    /// Drops the blocks nobody but the table holds, and sets the next sweep at twice what is left.
    fn sweep(&mut self) {
        // A count of 1 is the table's own share; other shares can only be made from it under this
        // shard's lock, which we hold, so the block is garbage.
        self.strings.retain(|s| s.share_count() > 1);
        self.sweep_at = (self.strings.len() * 2).max(MIN_SWEEP_AT);
    }
}

/// The shard for `s`: a function of its length and two of its bytes, cheap and good enough to
/// spread the lock traffic (the shard's own hash set does the real hashing).
fn shard_of(s: &str) -> MutexGuard<'static, Shard> {
    let b = s.as_bytes();
    let mix = b.len()
        ^ usize::from(b.last().copied().unwrap_or(0)) << 2
        ^ usize::from(b.get(b.len() / 2).copied().unwrap_or(0)) << 1;
    // A panic while holding a shard leaves it consistent (a `HashSet` call either happened or not).
    TABLE[mix % SHARDS].lock().unwrap_or_else(PoisonError::into_inner)
}

/// Slots in each thread's front cache; a power of two.
const FRONT_SLOTS: usize = 1024;

thread_local! {
    /// This thread's front cache: slot `front_slot(s)` holds the last string interned there.
    static FRONT: RefCell<Box<[Option<SharedStr>]>> =
        RefCell::new(vec![None; FRONT_SLOTS].into_boxed_slice());
}

/// The front cache slot for `s`: a hash of its length and of up to 24 bytes from its start,
/// middle and end, so it costs the same however long the string (a field set can be kilobytes).
/// Not keyed: a crafted collision only evicts a slot, and the full comparison decides a hit.
fn front_slot(s: &str) -> usize {
    let b = s.as_bytes();
    let word = |at: usize| {
        let mut w = [0u8; 8];
        let end = (at + 8).min(b.len());
        w[..end - at].copy_from_slice(&b[at..end]);
        u64::from_le_bytes(w)
    };
    let mut h = b.len() as u64;
    for at in [0, b.len() / 2, b.len().saturating_sub(8)] {
        h = (h.rotate_left(23) ^ word(at.min(b.len()))).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    (h >> 32) as usize & (FRONT_SLOTS - 1)
}

/// A share of the table's block for `s`, adding one if there is none; looked up in this thread's
/// front cache first.
pub(super) fn intern(s: &str) -> SharedStr {
    let cached = FRONT.try_with(|front| {
        let mut front = front.borrow_mut();
        let slot = &mut front[front_slot(s)];
        match slot {
            Some(hit) if hit.as_str() == s => hit.clone(),
            _ => {
                let found = intern_in_table(s);
                *slot = Some(found.clone());
                found
            }
        }
    });
    // Only while this thread is being torn down is the front cache gone.
    cached.unwrap_or_else(|_| intern_in_table(s))
}

/// A share of the table's block for `s`, adding one if there is none.
fn intern_in_table(s: &str) -> SharedStr {
    let mut shard = shard_of(s);
    if let Some(found) = shard.strings.get(s) {
        return found.clone();
    }
    if shard.strings.len() >= shard.sweep_at {
        shard.sweep();
    }
    let block = SharedStr::new(s);
    shard.strings.insert(block.clone());
    block
}

/// Whether the table holds a block for `s` (for tests).
#[cfg(test)]
pub(super) fn is_interned(s: &str) -> bool {
    shard_of(s).strings.contains(s)
}

/// Number of blocks the whole table holds, swept or not (for tests).
#[cfg(test)]
pub(super) fn table_len() -> usize {
    TABLE
        .iter()
        .map(|shard| shard.lock().map_or(0, |g| g.strings.len()))
        .sum()
}

/// Empties this thread's front cache (for tests).
#[cfg(test)]
pub(super) fn clear_front() {
    FRONT.with(|front| front.borrow_mut().fill(None));
}

/// Sweeps the shard of `s` now (for tests).
#[cfg(test)]
pub(super) fn sweep_for(s: &str) {
    shard_of(s).sweep();
}
