//! Typed watch events out of a byte stream: the frame decoder plus serde.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use thiserror::Error;

use super::{head_of, Frame, FrameDecoder, FrameError};
use crate::watch::{EventType, WatchEvent};

/// Why a watch stream could not be decoded into a [`WatchEvent`], and where.
///
/// Mirrors the errors client-go's watch decoder (`rest/watch/decoder.go`) passes on from its framer and
/// serializer, each kind its own variant so that callers never match on message text. Every variant
/// carries the stream offset of the frame and its first bytes.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The stream could not be split into frames: too large, not an object, or truncated.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A frame is not valid JSON. The decoder skips that frame and carries on.
    #[error("invalid JSON in the watch frame at byte {offset} (starts with {head:?})")]
    InvalidJson {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The frame's first bytes (at most 64, lossy UTF-8).
        head: String,
        /// What serde_json found wrong, with the line and column inside the frame.
        #[source]
        source: serde_json::Error,
    },
    /// A frame's `type` is none of ADDED, MODIFIED, DELETED, BOOKMARK, ERROR. The decoder skips that
    /// frame and carries on.
    #[error("unknown watch event type {event_type:?} in the frame at byte {offset}, expected ADDED, MODIFIED, DELETED, BOOKMARK or ERROR")]
    UnknownEventType {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The frame's first bytes (at most 64, lossy UTF-8).
        head: String,
        /// The `type` the frame carried.
        event_type: String,
    },
    /// A frame is valid JSON but not a watch event of the expected object type: `type` or `object` is
    /// missing, or the object does not fit. The decoder skips that frame and carries on.
    #[error("the watch frame at byte {offset} is not a valid watch event (starts with {head:?})")]
    InvalidEvent {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The frame's first bytes (at most 64, lossy UTF-8).
        head: String,
        /// What did not fit.
        #[source]
        source: serde_json::Error,
    },
}

impl DecodeError {
    /// The stream offset where the offending frame starts.
    pub fn offset(&self) -> u64 {
        match self {
            DecodeError::Frame(e) => e.offset(),
            DecodeError::InvalidJson { offset, .. }
            | DecodeError::UnknownEventType { offset, .. }
            | DecodeError::InvalidEvent { offset, .. } => *offset,
        }
    }

    /// The offending frame's first bytes, as lossy UTF-8.
    pub fn head(&self) -> &str {
        match self {
            DecodeError::Frame(e) => e.head(),
            DecodeError::InvalidJson { head, .. }
            | DecodeError::UnknownEventType { head, .. }
            | DecodeError::InvalidEvent { head, .. } => head,
        }
    }
}

/// Decodes a watch response body, pushed in arbitrary chunks, into typed [`WatchEvent`]s. Sans-IO.
///
/// Mirrors client-go's watch `Decoder` (`rest/watch/decoder.go`) over a `streaming.Decoder` with the
/// JSON framer. Each frame found by the [`FrameDecoder`] is decoded straight from the decoder's buffer
/// with serde_json after one UTF-8 check of the frame: no copy of the frame is made.
///
/// ```
/// use clientgo_apimachinery::{DynamicObject, WatchEvent, WatchEventDecoder};
///
/// let mut decoder = WatchEventDecoder::<DynamicObject>::new();
/// let mut events = Vec::new();
/// for chunk in [&b"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"na"[..], b"me\":\"a\"}}}\n{\"ty"] {
///     decoder.push(chunk);
///     while let Some(event) = decoder.next_event() {
///         events.push(event?);
///     }
/// }
/// decoder.finish();
/// let truncated = decoder.next_event().expect("the stream ended inside a frame");
/// assert!(truncated.is_err());
/// assert!(matches!(&events[..], [WatchEvent::Added(o)] if o.metadata.name.as_deref() == Some("a")));
/// # Ok::<(), clientgo_apimachinery::watch::DecodeError>(())
/// ```
#[doc(alias = "Decoder")]
pub struct WatchEventDecoder<T> {
    frames: FrameDecoder,
    // fn() -> T: the decoder produces Ts but holds none, so it is Send and Sync whatever T is.
    _produces: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for WatchEventDecoder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchEventDecoder")
            .field("frames", &self.frames)
            .finish()
    }
}

impl<T: DeserializeOwned> Default for WatchEventDecoder<T> {
    fn default() -> Self {
        WatchEventDecoder::new()
    }
}

impl<T: DeserializeOwned> WatchEventDecoder<T> {
    /// A decoder with the default frame size limit, [`MAX_FRAME_SIZE`](super::MAX_FRAME_SIZE).
    pub fn new() -> Self {
        WatchEventDecoder::from_frames(FrameDecoder::new())
    }

    /// A decoder that reports frames longer than `max_frame_size` bytes as [`FrameError::TooLarge`].
    pub fn with_max_frame_size(max_frame_size: usize) -> Self {
        WatchEventDecoder::from_frames(FrameDecoder::with_max_frame_size(max_frame_size))
    }

    fn from_frames(frames: FrameDecoder) -> Self {
        WatchEventDecoder {
            frames,
            _produces: PhantomData,
        }
    }

    /// The underlying frame decoder, e.g. for its [`offset`](FrameDecoder::offset).
    pub fn frames(&self) -> &FrameDecoder {
        &self.frames
    }

    /// Appends the next bytes of the body. See [`FrameDecoder::push`].
    pub fn push(&mut self, chunk: &[u8]) {
        self.frames.push(chunk);
    }

    /// Marks the end of the body. See [`FrameDecoder::finish`].
    pub fn finish(&mut self) {
        self.frames.finish();
    }

    /// The next event, an error about the input, or `None` when more bytes are needed (or the stream
    /// is exhausted after [`finish`](WatchEventDecoder::finish)).
    ///
    /// After an error, call again: a frame that was framed correctly but failed to decode is skipped,
    /// framing errors resynchronise as described on [`FrameDecoder`].
    pub fn next_event(&mut self) -> Option<Result<WatchEvent<T>, DecodeError>> {
        Some(match self.frames.next_frame()? {
            Ok(frame) => decode_frame(frame),
            Err(e) => Err(DecodeError::Frame(e)),
        })
    }
}

/// Decodes one frame from a [`FrameDecoder`] into a [`WatchEvent`], telling apart bad JSON, an unknown
/// event type and an event that does not fit the object type.
///
/// This is what [`WatchEventDecoder::next_event`] does with each frame; it is public for callers that
/// drive a [`FrameDecoder`] themselves, e.g. to look at a frame before decoding it. Mirrors the decode
/// step of client-go's watch `Decoder.Decode` (`rest/watch/decoder.go`).
pub fn decode_frame<T: DeserializeOwned>(frame: Frame<'_>) -> Result<WatchEvent<T>, DecodeError> {
    // One UTF-8 check of the whole frame lets serde read it as `str`, which skips the per-string
    // validation `from_slice` does (about a tenth of a Pod's decode time). Invalid UTF-8 goes through
    // `from_slice`, so the error still names the position serde finds.
    let decoded = match std::str::from_utf8(frame.bytes()) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(frame.bytes()),
    };
    decoded.map_err(|source| classify(frame, source))
}

/// Only the `type` of an event, to explain a failed decode. serde skips every other field.
#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Option<std::borrow::Cow<'a, str>>,
}

/// Runs only on the error path, so the second look at the frame costs nothing on good streams.
#[cold]
fn classify(frame: Frame<'_>, source: serde_json::Error) -> DecodeError {
    let offset = frame.offset();
    let head = head_of(frame.bytes());
    if source.is_syntax() || source.is_eof() || source.is_io() {
        return DecodeError::InvalidJson { offset, head, source };
    }
    if let Ok(TypeOnly {
        event_type: Some(name),
    }) = serde_json::from_slice::<TypeOnly<'_>>(frame.bytes())
    {
        if EventType::parse(&name).is_none() {
            return DecodeError::UnknownEventType {
                offset,
                head,
                event_type: name.into_owned(),
            };
        }
    }
    DecodeError::InvalidEvent { offset, head, source }
}
