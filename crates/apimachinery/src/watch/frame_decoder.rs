//! The sans-IO frame decoder that splits a watch response body into one JSON document per event.
//!
//! Mirrors client-go's JSON framer (`k8s.io/apimachinery/pkg/util/framer`, `NewJSONFramedReader`)
//! together with the size-limited `streaming.Decoder`
//! (`k8s.io/apimachinery/pkg/runtime/serializer/streaming/streaming.go`). The API server writes one
//! JSON object per event followed by a newline, but HTTP chunk boundaries are not frame boundaries: a
//! frame may be split across any number of chunks, several frames may share a chunk, and the last frame
//! may lack its newline. So frame ends are found by JSON structure (depth, strings, escapes), never by
//! chunk or newline.
//!
//! The caller owns the I/O: it [`push`](FrameDecoder::push)es whatever bytes arrived, drains
//! [`next_frame`](FrameDecoder::next_frame) until it returns `None`, and calls
//! [`finish`](FrameDecoder::finish) when the body ends. [`WatchEventDecoder`] does the same and decodes
//! each frame into a typed [`WatchEvent`](crate::WatchEvent).

// SSE2 intrinsics for 64-byte blocks (see the crate's `deny(unsafe_code)`).
#[allow(unsafe_code)]
mod scan;
mod streaming;

use std::fmt;

use thiserror::Error;

use self::scan::Scanner;

pub use self::streaming::{decode_frame, DecodeError, WatchEventDecoder};

/// The default limit on one frame's size: 16 MiB.
///
/// Mirrors the `maxBytes` of client-go's `streaming.NewDecoder`. The API server refuses to store an
/// object over about 1.5 MiB, so a real frame never comes near it; the limit exists so that a broken or
/// hostile stream cannot make the decoder buffer without bound.
pub const MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;

/// How many leading bytes of a frame an error shows.
const ERROR_HEAD_LEN: usize = 64;

/// Buffer capacity kept once a large frame has been consumed; more is given back to the allocator.
const RETAINED_CAPACITY: usize = 1024 * 1024;

/// Splits a byte stream into JSON-object frames, without I/O.
///
/// Mirrors client-go's JSON framer (`k8s.io/apimachinery/pkg/util/framer`, `NewJSONFramedReader`)
/// together with the size limit of `streaming.Decoder` (`pkg/runtime/serializer/streaming`). The API
/// server writes one JSON object per event followed by a newline, but HTTP chunk boundaries are not
/// frame boundaries: a frame may be split across any number of chunks, several frames may share a
/// chunk, and the last frame may lack its newline. So frame ends are found by JSON structure (depth,
/// strings, escapes), never by chunk or newline. Unlike Go's framer, which hands `encoding/json` an
/// `io.Reader`, this one is sans-IO: the caller [`push`](FrameDecoder::push)es whatever bytes
/// arrived, drains [`next_frame`](FrameDecoder::next_frame) until it returns `None`, and calls
/// [`finish`](FrameDecoder::finish) when the body ends.
///
/// Work is linear in the input: each byte is scanned once, whatever the chunking (a 10 MiB object fed
/// one byte at a time costs the same scan as one push of 10 MiB), and consumed bytes are dropped from
/// the buffer in amortised constant time per byte.
///
/// Memory is bounded: the decoder keeps at most the current incomplete frame (no more than
/// [`max_frame_size`](FrameDecoder::max_frame_size) bytes) plus the unscanned rest of the last pushed
/// chunk, provided the caller drains [`next_frame`](FrameDecoder::next_frame) after each push.
///
/// # Errors and resynchronisation
///
/// [`next_frame`](FrameDecoder::next_frame) reports bad input as a [`FrameError`] and keeps going; it
/// never panics. After [`FrameError::TooLarge`] it skips the rest of the oversized frame, following its
/// structure without buffering it, and resumes at the next frame. After [`FrameError::NotAnObject`] it
/// skips to the next newline, since the API server ends every frame with one. Most callers should still
/// end the watch on the first error, as client-go's `StreamWatcher` does: the resourceVersion they hold
/// is still valid for a new watch.
#[doc(alias = "NewJSONFramedReader")]
#[doc(alias = "streaming.Decoder")]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Bytes before this index are consumed: returned, skipped or reported.
    start: usize,
    /// Bytes before this index have been scanned (`start <= scanned <= buf.len()`).
    scanned: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    state: State,
    max_frame_size: usize,
    finished: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames: whitespace is skipped, `{` opens a frame, anything else is an error.
    Idle,
    /// Inside the frame that starts at `start`.
    Frame(Scanner),
    /// Following the structure of an oversized frame to its end, dropping its bytes as they are scanned.
    SkipFrame(Scanner),
    /// After a frame that was not an object: dropping bytes up to and including the next newline.
    SkipLine,
}

/// One complete frame: the bytes of one JSON object, borrowed from the decoder's buffer.
///
/// The borrow ends before the next [`FrameDecoder::push`], so frames are never copied.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    offset: u64,
    bytes: &'a [u8],
}

impl<'a> Frame<'a> {
    /// The frame's JSON text, from its `{` to its matching `}`, without surrounding whitespace.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The stream offset of the frame's first byte (0 is the first byte ever pushed).
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("offset", &self.offset)
            .field("len", &self.bytes.len())
            .field("head", &head_of(self.bytes))
            .finish()
    }
}

/// Bad framing in a watch stream: what was wrong, where it starts, and how the frame begins.
///
/// Mirrors the errors of client-go's `streaming.Decoder` (`ErrObjectTooLarge`) and JSON framer, with
/// the stream offset and the frame's first bytes added so that a broken stream can be diagnosed from
/// the error alone.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A frame grew past the size limit. The decoder skips the rest of it and carries on.
    #[error("watch frame at byte {offset} is larger than the limit of {limit} bytes (starts with {head:?})")]
    TooLarge {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// The limit in force, [`MAX_FRAME_SIZE`] unless configured.
        limit: usize,
        /// The frame's first bytes (at most 64, lossy UTF-8).
        head: String,
    },
    /// Something other than whitespace or a JSON object appeared where a frame should start, e.g. `]`,
    /// an array, or a bare word. The decoder skips to the next newline and carries on.
    #[error("watch frame at byte {offset} is not a JSON object (starts with {head:?})")]
    NotAnObject {
        /// Stream offset of the first offending byte.
        offset: u64,
        /// The bytes from there to the end of the line (at most 64, lossy UTF-8).
        head: String,
    },
    /// The stream ended inside a frame.
    #[error("watch stream ended inside the frame at byte {offset} after {len} bytes (starts with {head:?})")]
    Truncated {
        /// Stream offset of the frame's first byte.
        offset: u64,
        /// How many bytes of the frame arrived.
        len: usize,
        /// The frame's first bytes (at most 64, lossy UTF-8).
        head: String,
    },
}

impl FrameError {
    /// The stream offset where the offending frame starts.
    pub fn offset(&self) -> u64 {
        match self {
            FrameError::TooLarge { offset, .. }
            | FrameError::NotAnObject { offset, .. }
            | FrameError::Truncated { offset, .. } => *offset,
        }
    }

    /// The offending frame's first bytes, as lossy UTF-8.
    pub fn head(&self) -> &str {
        match self {
            FrameError::TooLarge { head, .. }
            | FrameError::NotAnObject { head, .. }
            | FrameError::Truncated { head, .. } => head,
        }
    }
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl fmt::Debug for FrameDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameDecoder")
            .field("offset", &self.offset())
            .field("buffered", &self.buffered_len())
            .field("state", &self.state)
            .field("max_frame_size", &self.max_frame_size)
            .field("finished", &self.finished)
            .finish()
    }
}

impl FrameDecoder {
    /// A decoder with the default [`MAX_FRAME_SIZE`].
    pub fn new() -> Self {
        FrameDecoder::with_max_frame_size(MAX_FRAME_SIZE)
    }

    /// A decoder that reports frames longer than `max_frame_size` bytes as [`FrameError::TooLarge`].
    pub fn with_max_frame_size(max_frame_size: usize) -> Self {
        FrameDecoder {
            buf: Vec::new(),
            start: 0,
            scanned: 0,
            base: 0,
            state: State::Idle,
            max_frame_size,
            finished: false,
        }
    }

    /// The frame size limit in force.
    pub fn max_frame_size(&self) -> usize {
        self.max_frame_size
    }

    /// How many bytes have been consumed: the stream offset where the next frame can start.
    pub fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// How many bytes are buffered and not yet consumed (an incomplete frame, or pushed bytes not yet
    /// drained through [`next_frame`](FrameDecoder::next_frame)).
    pub fn buffered_len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Appends the next bytes of the stream, in whatever pieces they arrived.
    ///
    /// Drain [`next_frame`](FrameDecoder::next_frame) afterwards: bytes are scanned there, not here.
    /// Pushing after [`finish`](FrameDecoder::finish) continues the stream as if `finish` had not been
    /// called.
    pub fn push(&mut self, chunk: &[u8]) {
        self.finished = false;
        self.compact(chunk.len());
        self.buf.extend_from_slice(chunk);
    }

    /// Marks the end of the stream: once the complete frames are drained,
    /// [`next_frame`](FrameDecoder::next_frame) reports a trailing incomplete frame as
    /// [`FrameError::Truncated`]. Trailing whitespace is not an error.
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// The next complete frame, an error about the input, or `None` when more bytes are needed (or,
    /// after [`finish`](FrameDecoder::finish), when the stream is exhausted).
    ///
    /// After an error, call again: the decoder resynchronises as described on [`FrameDecoder`].
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, FrameError>> {
        loop {
            match self.state {
                State::Idle => {
                    let skipped = self.buf.get(self.start..)?;
                    let Some(ws) = skipped.iter().position(|b| !is_json_whitespace(*b)) else {
                        self.start = self.buf.len();
                        self.scanned = self.start;
                        return None;
                    };
                    self.start += ws;
                    self.scanned = self.start;
                    let rest = self.buf.get(self.start..)?;
                    if rest.first() == Some(&b'{') {
                        self.scanned += 1;
                        self.state = State::Frame(Scanner::opened());
                        continue;
                    }
                    // Wait for a line or a full head so that the error reads the same whatever the
                    // chunking.
                    let line_end = rest.iter().take(ERROR_HEAD_LEN).position(|&b| b == b'\n');
                    if line_end.is_none() && rest.len() < ERROR_HEAD_LEN && !self.finished {
                        return None;
                    }
                    let shown = rest.get(..line_end.unwrap_or(rest.len())).unwrap_or(rest);
                    let err = FrameError::NotAnObject {
                        offset: self.offset(),
                        head: head_of(shown),
                    };
                    self.state = State::SkipLine;
                    return Some(Err(err));
                }
                State::SkipLine => {
                    let rest = self.buf.get(self.start..)?;
                    match rest.iter().position(|&b| b == b'\n') {
                        Some(nl) => {
                            self.start += nl + 1;
                            self.scanned = self.start;
                            self.state = State::Idle;
                        }
                        None => {
                            self.start = self.buf.len();
                            self.scanned = self.start;
                            return None;
                        }
                    }
                }
                State::SkipFrame(mut scanner) => {
                    let rest = self.buf.get(self.scanned..)?;
                    match scanner.scan(rest) {
                        Some(end) => {
                            self.scanned += end;
                            self.start = self.scanned;
                            self.state = State::Idle;
                        }
                        None => {
                            self.scanned = self.buf.len();
                            self.start = self.scanned;
                            self.state = State::SkipFrame(scanner);
                            return None;
                        }
                    }
                }
                State::Frame(mut scanner) => {
                    // Never look further than the limit allows, so an oversized frame is reported at
                    // the same point whatever the chunking.
                    let limit_end = self.start.saturating_add(self.max_frame_size).min(self.buf.len());
                    let window = self.buf.get(self.scanned..limit_end).unwrap_or_default();
                    if let Some(end) = scanner.scan(window) {
                        let frame_start = self.start;
                        let frame_end = self.scanned + end;
                        self.start = frame_end;
                        self.scanned = frame_end;
                        self.state = State::Idle;
                        let bytes = self.buf.get(frame_start..frame_end)?;
                        return Some(Ok(Frame {
                            offset: self.base + frame_start as u64,
                            bytes,
                        }));
                    }
                    self.scanned = self.scanned.max(limit_end);
                    let frame = self.buf.get(self.start..self.scanned).unwrap_or_default();
                    if frame.len() >= self.max_frame_size {
                        let err = FrameError::TooLarge {
                            offset: self.offset(),
                            limit: self.max_frame_size,
                            head: head_of(frame),
                        };
                        self.start = self.scanned;
                        self.state = State::SkipFrame(scanner);
                        return Some(Err(err));
                    }
                    self.state = State::Frame(scanner);
                    if self.finished {
                        let err = FrameError::Truncated {
                            offset: self.offset(),
                            len: frame.len(),
                            head: head_of(frame),
                        };
                        self.start = self.scanned;
                        self.state = State::Idle;
                        return Some(Err(err));
                    }
                    return None;
                }
            }
        }
    }

    /// Drops consumed bytes before `incoming` more are appended.
    ///
    /// Consumed bytes are dropped for free when nothing is left, and otherwise only when the buffer
    /// would have to grow, in place of the reallocation (which would copy them anyway). Frames before
    /// the current one are consumed by then, so the bytes moved belong to the frame in progress, which
    /// then starts at index 0 and stays there until it completes: each byte is moved at most once and
    /// the copying stays linear in the stream length. The capacity stays within about twice the
    /// largest frame plus chunk seen.
    fn compact(&mut self, incoming: usize) {
        if self.start == 0 {
            return;
        }
        let remaining = self.buf.len() - self.start;
        if remaining == 0 {
            self.base += self.start as u64;
            self.buf.clear();
            self.start = 0;
            self.scanned = 0;
            if self.buf.capacity() > RETAINED_CAPACITY {
                self.buf.shrink_to(RETAINED_CAPACITY);
            }
            return;
        }
        if self.buf.len() + incoming > self.buf.capacity() {
            self.buf.copy_within(self.start.., 0);
            self.buf.truncate(remaining);
            self.base += self.start as u64;
            self.scanned -= self.start;
            self.start = 0;
        }
    }
}

fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The first bytes of a frame for an error message: at most [`ERROR_HEAD_LEN`] bytes, cut back to a
/// character boundary when the cut splits one, as lossy UTF-8.
fn head_of(bytes: &[u8]) -> String {
    let mut head = bytes.get(..ERROR_HEAD_LEN).unwrap_or(bytes);
    if head.len() < bytes.len() {
        if let Err(e) = std::str::from_utf8(head) {
            if e.error_len().is_none() {
                head = head.get(..e.valid_up_to()).unwrap_or(head);
            }
        }
    }
    String::from_utf8_lossy(head).into_owned()
}

#[cfg(test)]
mod tests;
