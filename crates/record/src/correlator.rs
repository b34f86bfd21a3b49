//! The EventCorrelator: decides, without I/O, what one recorded event costs the API server.
//!
//! Mirrors client-go `tools/record/events_cache.go` (`EventCorrelator`, `EventAggregator`,
//! `eventLogger`, `EventSourceObjectSpamFilter`) and the series of `tools/events`:
//! - **Spam filter**: a token bucket per source and object (burst 25, one token per 5 minutes)
//!   for every write: a new Event or a series patch without a token is not sent (a dropped
//!   repeat still counts towards its series). Repeats folded into a queued patch need no token.
//! - **Aggregation**: more than 10 events about one object with the same type and reason but
//!   different notes within 10 minutes are combined into one event whose note starts with
//!   `(combined from similar events): `.
//! - **Series**: an event identical to one written less than 6 minutes ago is not written again;
//!   the first one's series count grows, and the sink PATCHes the count. While a patch is queued,
//!   further repeats only raise the count that patch will carry (client-go patches once per
//!   repeat; coalescing keeps a hot loop to a handful of requests).

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clientgo_api::core::v1::ObjectReference;
use clientgo_api::events::v1::Event;
use clientgo_apimachinery::MicroTime;
use clientgo_flowcontrol::TokenBucket;

use lru::LruCache;

mod lru;

/// The prefix client-go puts on the note of an aggregated event.
pub const COMBINED_PREFIX: &str = "(combined from similar events): ";

/// The correlator's tunables; the defaults are client-go's.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelatorOptions {
    /// Events a source may emit about one object in a burst (client-go: 25).
    pub spam_burst: u32,
    /// Tokens per second refilled into each spam bucket (client-go: 1/300, one per 5 minutes).
    pub spam_qps: f64,
    /// Distinct notes of similar events tolerated before they are combined (client-go: 10).
    pub max_similar_events: usize,
    /// Window in which similar events count towards aggregation (client-go: 10 minutes).
    pub aggregate_window: Duration,
    /// A repeat this long after the previous occurrence starts a new event instead of growing
    /// the series (client-go `tools/events`: 6 minutes).
    pub series_window: Duration,
    /// Entries kept per cache before the least recently used is forgotten (client-go's LRU:
    /// 4096). Entries idle past their window are forgotten sooner (see [`EventCorrelator`]).
    pub max_entries: usize,
}

impl Default for CorrelatorOptions {
    fn default() -> Self {
        CorrelatorOptions {
            spam_burst: 25,
            spam_qps: 1.0 / 300.0,
            max_similar_events: 10,
            aggregate_window: Duration::from_secs(600),
            series_window: Duration::from_secs(360),
            max_entries: 4096,
        }
    }
}

/// What the sink must do about one recorded event.
#[derive(Debug, Clone, PartialEq)]
pub enum Correlation {
    /// First occurrence: create this Event.
    Create(Box<Event>),
    /// A repeat: patch the series of the Event cached under this key
    /// ([`EventCorrelator::take_patch`] reads the count when the patch is sent).
    Patch(String),
    /// A repeat counted into a patch that is already queued.
    Coalesced,
    /// Not sent: the spam filter had no token. A dropped repeat is still counted, so the next
    /// patch of its series carries it.
    Dropped,
}

/// The series patch of one cached event, read when it is sent so it carries the latest count.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPatch {
    /// The Event as first created (recreated with the series if it has vanished).
    pub event: Event,
    /// How many times it has occurred (at least 2).
    pub count: i32,
    /// When it last occurred.
    pub last_observed: MicroTime,
}

#[derive(Debug)]
struct SeriesEntry {
    event: Event,
    count: i32,
    last_observed: MicroTime,
    last_seen: Instant,
    patch_queued: bool,
}

#[derive(Debug)]
struct SimilarRecord {
    notes: HashSet<String>,
    first_seen: Instant,
}

/// Correlates recorded events: aggregation, series, then the spam filter on what would be sent.
///
/// Its three caches (spam buckets, similar-event records, series) each hold at most
/// [`CorrelatorOptions::max_entries`] keys, least recently used out first, in O(log n) per event.
/// An entry idle past the point where it can still matter (a series past `series_window`, a
/// similar record past `aggregate_window`, a spam bucket idle long enough to have refilled to its
/// burst) is dropped on the next write, so a controller that once emitted events about many
/// objects does not keep them for hours.
#[derive(Debug)]
pub struct EventCorrelator {
    options: CorrelatorOptions,
    spam: LruCache<TokenBucket>,
    similar: LruCache<SimilarRecord>,
    series: LruCache<SeriesEntry>,
    last_name_nanos: u128,
}

impl EventCorrelator {
    /// A correlator with `options`.
    pub fn new(options: CorrelatorOptions) -> Self {
        let refill = Duration::try_from_secs_f64(f64::from(options.spam_burst) / options.spam_qps)
            .unwrap_or(Duration::MAX);
        EventCorrelator {
            spam: LruCache::new(options.max_entries, refill),
            similar: LruCache::new(options.max_entries, options.aggregate_window),
            series: LruCache::new(options.max_entries, options.series_window),
            options,
            last_name_nanos: 0,
        }
    }

    /// Correlates `event` (its name unset) observed at `now` (monotonic) and `observed` (wall).
    pub fn correlate(&mut self, mut event: Event, now: Instant, observed: MicroTime) -> Correlation {
        let key = self.aggregate(&mut event, now);
        let window = self.options.series_window;
        let queued = self
            .series
            .peek_mut(&key)
            .filter(|e| now.saturating_duration_since(e.last_seen) < window)
            .map(|e| e.patch_queued);
        if let Some(queued) = queued {
            // A repeat folded into a queued patch costs the server nothing: no token needed.
            let send = !queued && self.allow(&event, now);
            let entry = self.series.get_mut(&key, now).expect("checked above");
            entry.count = entry.count.saturating_add(1);
            entry.last_observed = observed;
            entry.last_seen = now;
            return if queued {
                Correlation::Coalesced
            } else if send {
                entry.patch_queued = true;
                Correlation::Patch(key)
            } else {
                Correlation::Dropped
            };
        }
        if !self.allow(&event, now) {
            return Correlation::Dropped;
        }
        event.metadata.name = Some(self.event_name(event.regarding.as_ref()).into());
        event.event_time = Some(observed);
        self.series.insert(
            key,
            SeriesEntry {
                event: event.clone(),
                count: 1,
                last_observed: observed,
                last_seen: now,
                patch_queued: false,
            },
            now,
        );
        Correlation::Create(Box::new(event))
    }

    /// The patch queued for `key`, with the count as of now; `None` when the entry was
    /// forgotten meanwhile. Clears the queued mark, so the next repeat queues a new patch.
    pub fn take_patch(&mut self, key: &str) -> Option<SeriesPatch> {
        let entry = self.series.peek_mut(key)?;
        entry.patch_queued = false;
        Some(SeriesPatch {
            event: entry.event.clone(),
            count: entry.count,
            last_observed: entry.last_observed,
        })
    }

    /// Marks a queued patch as abandoned (the queue was full), so a later repeat queues again.
    pub fn cancel_patch(&mut self, key: &str) {
        if let Some(entry) = self.series.peek_mut(key) {
            entry.patch_queued = false;
        }
    }

    /// Takes a spam token for the event's source and object.
    fn allow(&mut self, event: &Event, now: Instant) -> bool {
        let key = spam_key(event);
        let (burst, qps) = (self.options.spam_burst, self.options.spam_qps);
        let bucket = self.spam.get_or_insert_with(&key, now, || {
            // Options are validated by `TokenBucket::new`; an invalid pair disables the filter.
            TokenBucket::new(qps, burst, now)
                .unwrap_or_else(|_| TokenBucket::new(f64::MAX, u32::MAX, now).expect("valid bucket"))
        });
        bucket.try_take(now)
    }

    /// Combines similar events (same object, type and reason, different notes) past the limit;
    /// returns the key of the series the event belongs to.
    fn aggregate(&mut self, event: &mut Event, now: Instant) -> String {
        let key = aggregate_key(event);
        let (max, window) = (self.options.max_similar_events, self.options.aggregate_window);
        let record = self.similar.get_or_insert_with(&key, now, || SimilarRecord {
            notes: HashSet::new(),
            first_seen: now,
        });
        if now.saturating_duration_since(record.first_seen) >= window {
            record.notes.clear();
            record.first_seen = now;
        }
        let note = event.note.take().unwrap_or_default();
        if record.notes.contains(note.as_str()) || record.notes.len() < max {
            record.notes.insert(note.clone().into());
            event.note = Some(note);
            return series_key(event);
        }
        // Past the limit every similar event is one series, keyed without its note; the
        // combined event keeps the note of the first one combined.
        event.note = Some(format!("{COMBINED_PREFIX}{note}").into());
        key
    }

    /// `<regarding name>.<hex nanoseconds>`, like client-go, strictly increasing per correlator
    /// so two events recorded in the same nanosecond never collide.
    fn event_name(&mut self, regarding: Option<&ObjectReference>) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        self.last_name_nanos = now.max(self.last_name_nanos + 1);
        let base = regarding
            .and_then(|r| r.name.as_deref())
            .filter(|n| !n.is_empty())
            .unwrap_or("event");
        format!("{base}.{:x}", self.last_name_nanos)
    }
}

fn push_ref(out: &mut String, r: Option<&ObjectReference>) {
    let Some(r) = r else {
        out.push('\u{1f}');
        return;
    };
    for part in [&r.kind, &r.namespace, &r.name, &r.uid, &r.api_version] {
        out.push_str(part.as_deref().unwrap_or(""));
        out.push('\u{1f}');
    }
}

/// Source and object: client-go's `getSpamKey`.
fn spam_key(e: &Event) -> String {
    let mut k = String::new();
    for part in [&e.reporting_controller, &e.reporting_instance] {
        k.push_str(part.as_deref().unwrap_or(""));
        k.push('\u{1f}');
    }
    push_ref(&mut k, e.regarding.as_ref());
    k
}

/// Everything but the note: client-go's `EventAggregatorByReasonFunc`.
fn aggregate_key(e: &Event) -> String {
    let mut k = spam_key(e);
    for part in [&e.type_, &e.reason, &e.action] {
        k.push_str(part.as_deref().unwrap_or(""));
        k.push('\u{1f}');
    }
    push_ref(&mut k, e.related.as_ref());
    k
}

/// Everything, note included: client-go `tools/events`' `getKey`.
fn series_key(e: &Event) -> String {
    let mut k = aggregate_key(e);
    k.push('\u{1e}');
    k.push_str(e.note.as_deref().unwrap_or(""));
    k
}

#[cfg(test)]
mod tests;
