//! [`SharedStr`]: the string type of API object fields, one word wide, shared by reference count.
//!
//! A cached object is mostly strings, and most of them repeat: the pods of one Deployment carry the
//! same image names, container names, environment, tolerations, node names and condition types,
//! and every object says `"True"`, `"IfNotPresent"` or `"ClusterFirst"` somewhere. As `String`s
//! each occurrence costs a 24-byte slot (present or not) plus its own heap block. `SharedStr` is
//! one word (8 bytes on 64-bit targets, `Option<SharedStr>` too), keeps strings of up to 7 bytes
//! inside that word, and shares longer ones: decoding looks a string up in a process-wide interner
//! and takes a reference to the copy already there, so 50,000 cached pods of one template keep one
//! copy of their image name instead of 50,000. The interner is a table of sixteen locked shards,
//! each swept of the strings only it still holds whenever it has doubled, fronted by a small
//! per-thread cache that finds a repeated string with one comparison and no lock.
//!
//! Constants are built at compile time by [`SharedStr::from_static`]: the word points to a
//! `&'static str`, with no count and no allocation, so a string type's known values (Go's
//! `PullPolicy` constants) can be `const` items.
//!
//! It is immutable, like Go's `string`: assign a new value instead of editing in place. It derefs to
//! `str`, compares, hashes and orders like `str`, and converts from `&str` and `String` with
//! `.into()`, so most code written for `String` fields reads the same.

mod interner;

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicUsize, Ordering};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes a string can have and still be kept inside the word: all but the tag byte.
const INLINE_CAP: usize = size_of::<usize>() - 1;

/// Index of the tag byte within the word's memory: the byte holding the word's lowest bit.
const TAG_BYTE: usize = if cfg!(target_endian = "little") {
    0
} else {
    INLINE_CAP
};

/// Index of the first inline string byte within the word's memory.
const DATA_BYTE: usize = if cfg!(target_endian = "little") { 1 } else { 0 };

/// Added to the address of a `&'static str` to mark a static string (bit 1 set, bit 0 clear); a
/// header's address has both bits clear and an inline string has bit 0 set.
const STATIC_TAG: usize = 0b10;

/// The header in front of a shared string's bytes.
#[repr(C)]
struct Header {
    /// Number of `SharedStr`s (and interner entries) pointing here.
    count: AtomicUsize,
    /// Length of the string in bytes.
    len: usize,
}

/// An immutable string in one word: up to 7 bytes inline, longer ones in a reference-counted block
/// that clones share.
///
/// This is the type of the string fields of `ObjectMeta` and of the api crate's objects. Decoding
/// interns: two decoded objects with the same image name point to one block (see the module
/// documentation for why). Building one with [`From`] or [`SharedStr::new`] makes a block of its
/// own; [`SharedStr::interned`] looks it up first, as decoding does.
///
/// ```
/// use clientgo_apimachinery::SharedStr;
///
/// let policy: SharedStr = "IfNotPresent".into();
/// assert_eq!(policy, "IfNotPresent");
/// assert_eq!(policy.len(), 12);
/// let a = SharedStr::interned("registry.local/web:v1.21.6");
/// let b = SharedStr::interned("registry.local/web:v1.21.6");
/// assert!(a.shares_with(&b));
/// assert_eq!(size_of::<Option<SharedStr>>(), size_of::<usize>());
/// ```
pub struct SharedStr {
    /// One of three things, told apart by the two lowest bits:
    /// - `..1`: the string itself: the tag byte holds `len << 1 | 1` and the other bytes hold the
    ///   string's bytes, in memory order;
    /// - `.00`: a pointer to a [`Header`] (word aligned, so both bits are clear);
    /// - `.10`: the address of a `&'static str` plus [`STATIC_TAG`] (see [`SharedStr::from_static`]):
    ///   no count, never freed.
    word: NonNull<u8>,
    /// A `SharedStr` owns a share of a `Header` block; this keeps auto traits honest.
    _owns: PhantomData<Header>,
}

// SAFETY: the string is immutable and the reference count is atomic, exactly like `Arc<str>`.
unsafe impl Send for SharedStr {}
// SAFETY: as above; `&SharedStr` only reads immutable bytes.
unsafe impl Sync for SharedStr {}

impl SharedStr {
    /// The empty string; does not allocate.
    pub const fn empty() -> Self {
        Self::inline_from(&[])
    }

    /// `s` in a block of its own (or inline when short); not looked up in the interner.
    pub fn new(s: &str) -> Self {
        if s.len() <= INLINE_CAP {
            return Self::inline_from(s.as_bytes());
        }
        let layout = Self::block_layout(s.len());
        // SAFETY: the layout has a non-zero size (it includes the header).
        let block = unsafe { std::alloc::alloc(layout) };
        let Some(block) = NonNull::new(block) else {
            std::alloc::handle_alloc_error(layout);
        };
        // SAFETY: the block is freshly allocated with room for the header followed by `s.len()`
        // bytes, and is aligned for the header.
        unsafe {
            block.cast::<Header>().as_ptr().write(Header {
                count: AtomicUsize::new(1),
                len: s.len(),
            });
            std::ptr::copy_nonoverlapping(s.as_ptr(), block.as_ptr().add(size_of::<Header>()), s.len());
        }
        SharedStr {
            word: block,
            _owns: PhantomData,
        }
    }

    /// A static string, built at compile time: no allocation, no reference count, nothing freed, so
    /// constants of string types (Go's `PullPolicy("IfNotPresent")`) can be `const` items.
    ///
    /// Takes a reference to a `&'static str`, which `&"text"` promotes into static memory, because a
    /// `&str` is two words and a `SharedStr` one: the word points to the `&str`. Up to 7 bytes are
    /// kept inline as usual. Cloning and dropping a static string touch no count; its
    /// [`heap_size`](Self::heap_size) is 0.
    ///
    /// ```
    /// use clientgo_apimachinery::SharedStr;
    ///
    /// const IF_NOT_PRESENT: SharedStr = SharedStr::from_static(&"IfNotPresent");
    /// assert_eq!(IF_NOT_PRESENT, "IfNotPresent");
    /// assert_eq!(IF_NOT_PRESENT.heap_size(), 0);
    /// ```
    pub const fn from_static(s: &'static &'static str) -> Self {
        if s.len() <= INLINE_CAP {
            return Self::inline_from(s.as_bytes());
        }
        let to_str: *const &'static str = s;
        // A `&str` is word aligned, so its address has the two lowest bits clear; the tag stays
        // inside the `&str` and keeps the pointer's provenance (`as_str` subtracts it again).
        let word = to_str.cast::<u8>().wrapping_add(STATIC_TAG).cast_mut();
        let Some(word) = NonNull::new(word) else {
            unreachable!()
        };
        SharedStr {
            word,
            _owns: PhantomData,
        }
    }

    /// `s`, sharing the interner's copy when there is one (and leaving one there when there is
    /// not). Strings of up to 7 bytes are kept inline and never interned.
    pub fn interned(s: &str) -> Self {
        if s.len() <= INLINE_CAP {
            return Self::inline_from(s.as_bytes());
        }
        interner::intern(s)
    }

    /// The string.
    pub fn as_str(&self) -> &str {
        let bytes = if self.is_inline() {
            let len = usize::from(self.tag() >> 1);
            // SAFETY: an inline string's bytes are the `len` bytes from `DATA_BYTE` on within the
            // word itself, which lives as long as `&self`.
            unsafe { std::slice::from_raw_parts((&raw const self.word).cast::<u8>().add(DATA_BYTE), len) }
        } else if self.is_static() {
            // SAFETY: a static word is the address of a `&'static str` plus `STATIC_TAG`, made by
            // `from_static` from a reference to it, so subtracting the tag gives that reference back.
            let s: &'static str =
                unsafe { *self.word.as_ptr().wrapping_sub(STATIC_TAG).cast::<&'static str>() };
            s.as_bytes()
        } else {
            let header = self.header();
            // SAFETY: a block holds `header.len` bytes right after the header, alive while this
            // share is.
            unsafe { std::slice::from_raw_parts(self.word.as_ptr().add(size_of::<Header>()), header.len) }
        };
        // SAFETY: the bytes were copied from a `&str` and never change.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Whether `self` and `other` are the same block (interned or cloned from one another) or the
    /// same static string, so hold the text once between them. Inline strings share nothing.
    pub fn shares_with(&self, other: &SharedStr) -> bool {
        !self.is_inline() && self.word == other.word
    }

    /// Bytes this string holds on the heap beyond its own word: the block, or 0 when inline or
    /// static. Shared blocks count in full for every holder.
    pub fn heap_size(&self) -> usize {
        if self.is_block() {
            Self::block_layout(self.len()).size()
        } else {
            0
        }
    }

    /// An inline string of at most [`INLINE_CAP`] bytes.
    const fn inline_from(bytes: &[u8]) -> Self {
        assert!(bytes.len() <= INLINE_CAP);
        let mut memory = [0u8; size_of::<usize>()];
        // Lossless: `bytes.len()` is at most 7 here (asserted above). A const fn cannot call
        // `u8::try_from`, so the bounded length is packed into the tag byte with `as`.
        #[allow(clippy::cast_possible_truncation)]
        let tag = ((bytes.len() as u8) << 1) | 1;
        memory[TAG_BYTE] = tag;
        let mut i = 0;
        while i < bytes.len() {
            memory[DATA_BYTE + i] = bytes[i];
            i += 1;
        }
        let word = usize::from_ne_bytes(memory);
        // The tag byte holds the word's lowest bit, which is set, so the word is never zero.
        let Some(word) = NonNull::new(std::ptr::without_provenance_mut(word)) else {
            unreachable!()
        };
        SharedStr {
            word,
            _owns: PhantomData,
        }
    }

    fn tag(&self) -> u8 {
        self.word.as_ptr().addr().to_ne_bytes()[TAG_BYTE]
    }

    fn is_inline(&self) -> bool {
        self.word.as_ptr().addr() & 1 == 1
    }

    /// Made by [`SharedStr::from_static`] from a string longer than the inline capacity.
    fn is_static(&self) -> bool {
        self.word.as_ptr().addr() & 0b11 == STATIC_TAG
    }

    /// A pointer to a counted block (neither inline nor static).
    fn is_block(&self) -> bool {
        self.word.as_ptr().addr() & 0b11 == 0
    }

    /// The block's header; only for blocks.
    fn header(&self) -> &Header {
        debug_assert!(self.is_block());
        // SAFETY: a non-inline word points to a live, initialised header for as long as this
        // share exists.
        unsafe { self.word.cast::<Header>().as_ref() }
    }

    /// How many shares the block has; only for blocks.
    fn share_count(&self) -> usize {
        self.header().count.load(Ordering::Acquire)
    }

    fn block_layout(len: usize) -> std::alloc::Layout {
        // A string's length never exceeds `isize::MAX`, so neither can overflow.
        std::alloc::Layout::from_size_align(size_of::<Header>() + len, align_of::<Header>())
            .expect("string length fits a layout")
    }
}

impl Clone for SharedStr {
    fn clone(&self) -> Self {
        if self.is_block() {
            // Relaxed, as in `Arc::clone`: the new share is made from an existing one.
            let old = self.header().count.fetch_add(1, Ordering::Relaxed);
            if old > isize::MAX as usize {
                // Billions of leaked shares: give up rather than wrap, as `Arc` does.
                std::process::abort();
            }
        }
        SharedStr {
            word: self.word,
            _owns: PhantomData,
        }
    }
}

impl Drop for SharedStr {
    fn drop(&mut self) {
        if !self.is_block() {
            return;
        }
        // Release, then Acquire before freeing, as in `Arc::drop`: every other share's reads of
        // the block happen before it is freed.
        if self.header().count.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        let layout = Self::block_layout(self.header().len);
        // SAFETY: this was the last share, so nobody else can reach the block.
        unsafe { std::alloc::dealloc(self.word.as_ptr(), layout) }
    }
}

impl Default for SharedStr {
    fn default() -> Self {
        Self::empty()
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for SharedStr {
    fn as_ref(&self) -> &[u8] {
        self.as_str().as_bytes()
    }
}

impl AsRef<std::ffi::OsStr> for SharedStr {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.as_str().as_ref()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.word == other.word || self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Same as `str`'s, as `Borrow<str>` requires.
        self.as_str().hash(state);
    }
}

/// `SharedStr == other` and `other == SharedStr` for the string types it is compared with.
macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for SharedStr {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }

        impl PartialEq<SharedStr> for $other {
            fn eq(&self, other: &SharedStr) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}

eq_with!(str, &str, String, Cow<'_, str>);

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr::new(s)
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr::new(s)
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr::new(&s)
    }
}

impl From<Box<str>> for SharedStr {
    fn from(s: Box<str>) -> Self {
        SharedStr::new(&s)
    }
}

impl From<Cow<'_, str>> for SharedStr {
    fn from(s: Cow<'_, str>) -> Self {
        SharedStr::new(&s)
    }
}

impl From<&SharedStr> for SharedStr {
    fn from(s: &SharedStr) -> Self {
        s.clone()
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.as_str().to_owned()
    }
}

impl From<&SharedStr> for String {
    fn from(s: &SharedStr) -> Self {
        s.as_str().to_owned()
    }
}

impl std::str::FromStr for SharedStr {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(SharedStr::new(s))
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Decodes a string into a [`SharedStr`], interned or not.
struct SharedStrVisitor {
    intern: bool,
}

impl Visitor<'_> for SharedStrVisitor {
    type Value = SharedStr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<SharedStr, E> {
        Ok(if self.intern {
            SharedStr::interned(v)
        } else {
            SharedStr::new(v)
        })
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    /// Decodes a string, interned (see [`SharedStr::interned`]).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(SharedStrVisitor { intern: true })
    }
}

/// A [`SharedStr`] that decodes into a block of its own instead of an interned one.
///
/// For fields whose values are unique per object (`uid`, `resourceVersion`, a container's id, a
/// pod's IP): interning them would only keep garbage in the interner until its next sweep. Use
/// with `#[serde(deserialize_with = "...")]` through [`unique`] and [`unique_opt`].
pub struct UniqueStr(pub SharedStr);

impl<'de> Deserialize<'de> for UniqueStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(SharedStrVisitor { intern: false })
            .map(UniqueStr)
    }
}

/// Decodes a string field into a block of its own (see [`UniqueStr`]).
pub fn unique<'de, D: Deserializer<'de>>(d: D) -> Result<SharedStr, D::Error> {
    UniqueStr::deserialize(d).map(|u| u.0)
}

/// Decodes an optional string field into a block of its own (see [`UniqueStr`]); `null` is `None`.
pub fn unique_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SharedStr>, D::Error> {
    Option::<UniqueStr>::deserialize(d).map(|u| u.map(|u| u.0))
}

#[cfg(test)]
mod tests;
