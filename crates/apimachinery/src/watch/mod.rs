//! Watch events and the sans-IO decoder that finds them in a byte stream.

mod event;
mod frame_decoder;

pub use event::{Bookmark, EventType, WatchEvent, INITIAL_EVENTS_END_ANNOTATION};
pub use frame_decoder::{
    decode_frame, DecodeError, Frame, FrameDecoder, FrameError, WatchEventDecoder, MAX_FRAME_SIZE,
};
