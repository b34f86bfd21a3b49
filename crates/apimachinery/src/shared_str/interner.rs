//! The process-wide table that decoded [`SharedStr`]s are looked up in, so repeated strings are
//! kept once.
//!
//! The table holds one share of each block it knows. Nothing is removed when the last object using
//! a string goes away (that would put a lock in every drop); instead a shard sweeps out the blocks
//! only it still holds once it has grown to twice its size after the previous sweep, so garbage is
//! bounded by the live entries and the sweeping costs O(1) per insert, amortised. Sixteen shards,
//! chosen by a cheap function of the string, keep concurrent decoders off each other's locks.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

use super::SharedStr;

/// Number of shards; a power of two.
const SHARDS: usize = 16;

/// A shard never sweeps below this many entries: small tables are not worth the scan.
const MIN_SWEEP_AT: usize = 1024;

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

/// A share of the table's block for `s`, adding one if there is none.
pub(super) fn intern(s: &str) -> SharedStr {
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

/// Sweeps the shard of `s` now (for tests).
#[cfg(test)]
pub(super) fn sweep_for(s: &str) {
    shard_of(s).sweep();
}
