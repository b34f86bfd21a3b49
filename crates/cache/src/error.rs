//! The cache layer's errors.

/// Why a key function could not make a key for an object, or split a key back.
///
/// Mirrors the errors client-go's `MetaNamespaceKeyFunc` and `SplitMetaNamespaceKey` return
/// (`tools/cache/store.go`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The object has an empty name, so it has no stable key.
    ///
    /// client-go would return `""` (or `"ns/"`), and every nameless object would then share one
    /// key; we refuse instead.
    #[error(
        "object has no metadata.name{}",
        namespace.as_deref().map(|ns| format!(" (namespace {ns:?})")).unwrap_or_default()
    )]
    MissingName {
        /// The object's namespace, if it has one.
        namespace: Option<String>,
    },
    /// An empty [`Deltas`](crate::Deltas) has no newest object to take a key from.
    ///
    /// Mirrors client-go `ErrZeroLengthDeltasObject`.
    #[error("0 length Deltas object; can't get key")]
    EmptyDeltas,
    /// A key handed to [`split_meta_namespace_key`](crate::split_meta_namespace_key) is not
    /// `name` or `namespace/name`.
    #[error("unexpected key format: {key:?}")]
    UnexpectedKeyFormat {
        /// The key as given.
        key: String,
    },
}

/// Errors of stores, indexers and FIFOs.
///
/// Mirrors the `error` values of client-go's `tools/cache`: `KeyError`, the "Index with name %s
/// does not exist" and "indexer conflict" errors of `thread_safe_store.go`, and the refusal to add
/// indexers to a store that already holds objects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key function failed for an object.
    #[error("couldn't create key for object")]
    Key(#[from] KeyError),
    /// A query named an index the store does not have.
    #[error("index with name {name:?} does not exist")]
    IndexNotFound {
        /// The index name asked for.
        name: String,
    },
    /// `add_indexers` named indexes that already exist.
    #[error("indexer conflict: {names:?}")]
    IndexerConflict {
        /// The names present in both the store and the request.
        names: Vec<String>,
    },
    /// `add_indexers` was called on a store that already holds objects.
    #[error("cannot add indexers to a store that already holds {len} objects")]
    StoreNotEmpty {
        /// How many objects the store held.
        len: usize,
    },
}

impl Error {
    /// True when a key function failed.
    pub fn is_key_error(&self) -> bool {
        matches!(self, Error::Key(_))
    }

    /// True when a query named an unknown index.
    pub fn is_index_not_found(&self) -> bool {
        matches!(self, Error::IndexNotFound { .. })
    }
}

/// Why an informer refused a change. Mirrors the errors client-go's `sharedIndexInformer`
/// returns for late changes (`SetTransform` and `AddIndexers` once started, `AddEventHandler`
/// once stopped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InformerError {
    /// The informer runs already: the setting would be ignored, so it is refused.
    #[error("the informer has already started: {what} must be set before it runs")]
    AlreadyStarted {
        /// What could not be set.
        what: &'static str,
    },
    /// The informer has stopped: a handler added now would never hear anything.
    #[error("the informer has stopped: no handler can be added")]
    Stopped,
    /// The indexer refused the indexes.
    #[error("the indexes could not be added")]
    Indexers(#[source] Error),
}
