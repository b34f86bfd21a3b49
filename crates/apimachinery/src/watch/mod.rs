//! Watch events and the sans-IO decoder that finds them in a byte stream.

mod event;

pub use event::{Bookmark, EventType, WatchEvent, INITIAL_EVENTS_END_ANNOTATION};
