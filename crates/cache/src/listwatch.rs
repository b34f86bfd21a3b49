//! Where a reflector gets its data: a list function and a watch function.
//!
//! Mirrors client-go `tools/cache/listwatch.go`: the [`ListerWatcher`] interface and [`ListWatch`],
//! built from a typed or dynamic [`ResourceClient`] with an optional options tweak (selectors), as
//! `NewFilteredListWatchFromClient` does. [`FnListWatch`] wraps two closures, for tests and for
//! callers whose source is not a plain resource client.

use std::fmt;
use std::sync::Arc;

use clientgo_apimachinery::{List, WatchEvent};
use clientgo_client::{ListOptions, ResourceClient};
use clientgo_rest::Error;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A watch's events, as the REST layer delivers them: ERROR events and broken connections arrive
/// as `Err`, and the stream ends when the server closes the watch.
pub type WatchStream<K> = BoxStream<'static, Result<WatchEvent<K>, Error>>;

/// Lists and watches one collection. Mirrors client-go `cache.ListerWatcher` (`Lister` + `Watcher`).
///
/// The options passed in are the ones that must be sent: the resourceVersion to resume from, the
/// page size, `allowWatchBookmarks`, `timeoutSeconds`. An implementation that ignores them breaks
/// resumption (the seed's `watch_double_loop_rewatch` mistake); [`ListWatch`] forwards them and
/// adds only its own selectors.
pub trait ListerWatcher<K>: Send + Sync + 'static {
    /// One list request (a single page when `opts.limit` is set). Mirrors `List`.
    fn list(&self, opts: ListOptions) -> BoxFuture<'static, Result<List<K>, Error>>;

    /// Starts a watch. Mirrors `Watch`.
    fn watch(&self, opts: ListOptions) -> BoxFuture<'static, Result<WatchStream<K>, Error>>;

    /// Whether [`ListerWatcher::watch`] honours a streaming list (`sendInitialEvents` ending with
    /// the `k8s.io/initial-events-end` bookmark). A reflector never streams from a list-watch that
    /// says no, whatever its options. Mirrors client-go's
    /// `watchlist.DoesClientNotSupportWatchListSemantics` (inverted). Default: yes.
    fn supports_watch_list(&self) -> bool {
        true
    }
}

impl<K, L: ListerWatcher<K> + ?Sized> ListerWatcher<K> for Arc<L> {
    fn list(&self, opts: ListOptions) -> BoxFuture<'static, Result<List<K>, Error>> {
        (**self).list(opts)
    }

    fn watch(&self, opts: ListOptions) -> BoxFuture<'static, Result<WatchStream<K>, Error>> {
        (**self).watch(opts)
    }

    fn supports_watch_list(&self) -> bool {
        (**self).supports_watch_list()
    }
}

/// A function that adjusts the options of every list and watch (typically selectors).
/// Mirrors client-go `internalinterfaces.TweakListOptionsFunc`.
pub type TweakListOptions = Arc<dyn Fn(&mut ListOptions) + Send + Sync>;

/// A [`ListerWatcher`] over a [`ResourceClient`]. Mirrors client-go `cache.ListWatch` as built by
/// `NewFilteredListWatchFromClient`: every request gets the caller's options, then the tweak.
pub struct ListWatch<K> {
    client: ResourceClient<K>,
    tweak: Option<TweakListOptions>,
}

impl<K> Clone for ListWatch<K> {
    fn clone(&self) -> Self {
        ListWatch {
            client: self.client.clone(),
            tweak: self.tweak.clone(),
        }
    }
}

impl<K> fmt::Debug for ListWatch<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListWatch")
            .field("client", &self.client)
            .field("tweak", &self.tweak.is_some())
            .finish()
    }
}

impl<K> ListWatch<K> {
    /// Lists and watches everything `client` addresses (its namespace, or all namespaces).
    /// Mirrors `NewListWatchFromClient` without a field selector.
    pub fn new(client: ResourceClient<K>) -> Self {
        ListWatch { client, tweak: None }
    }

    /// Adds an options tweak applied to every request (after the caller's options).
    /// Mirrors `NewFilteredListWatchFromClient`.
    pub fn with_tweak(mut self, tweak: TweakListOptions) -> Self {
        self.tweak = Some(tweak);
        self
    }

    /// Restricts every request to a label and a field selector (`""` means everything).
    pub fn with_selectors(self, label_selector: &str, field_selector: &str) -> Self {
        let (l, f) = (label_selector.to_owned(), field_selector.to_owned());
        self.with_tweak(Arc::new(move |o: &mut ListOptions| {
            o.label_selector.clone_from(&l);
            o.field_selector.clone_from(&f);
        }))
    }

    fn tweaked(&self, mut opts: ListOptions) -> ListOptions {
        if let Some(t) = &self.tweak {
            t(&mut opts);
        }
        opts
    }
}

impl<K> ListerWatcher<K> for ListWatch<K>
where
    K: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn list(&self, opts: ListOptions) -> BoxFuture<'static, Result<List<K>, Error>> {
        let client = self.client.clone();
        let opts = self.tweaked(opts);
        Box::pin(async move { client.list(&opts).await })
    }

    fn watch(&self, opts: ListOptions) -> BoxFuture<'static, Result<WatchStream<K>, Error>> {
        let client = self.client.clone();
        let opts = self.tweaked(opts);
        Box::pin(async move { Ok(client.watch(&opts).await?.boxed()) })
    }
}

type ListFn<K> = Box<dyn Fn(ListOptions) -> BoxFuture<'static, Result<List<K>, Error>> + Send + Sync>;
type WatchFn<K> = Box<dyn Fn(ListOptions) -> BoxFuture<'static, Result<WatchStream<K>, Error>> + Send + Sync>;

/// A [`ListerWatcher`] made of two closures. Mirrors client-go's `cache.ListWatch{ListFunc, WatchFunc}`
/// literal.
pub struct FnListWatch<K> {
    list: ListFn<K>,
    watch: WatchFn<K>,
    watch_list: bool,
}

impl<K> fmt::Debug for FnListWatch<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnListWatch").finish_non_exhaustive()
    }
}

impl<K> FnListWatch<K> {
    /// Wraps a list and a watch function.
    pub fn new<LF, WF>(list: LF, watch: WF) -> Self
    where
        LF: Fn(ListOptions) -> BoxFuture<'static, Result<List<K>, Error>> + Send + Sync + 'static,
        WF: Fn(ListOptions) -> BoxFuture<'static, Result<WatchStream<K>, Error>> + Send + Sync + 'static,
    {
        FnListWatch {
            list: Box::new(list),
            watch: Box::new(watch),
            watch_list: true,
        }
    }

    /// Declares that the watch function cannot serve a streaming list (a scripted watch, a
    /// source with no `sendInitialEvents`), so reflectors list and watch instead.
    #[must_use]
    pub fn without_watch_list(mut self) -> Self {
        self.watch_list = false;
        self
    }
}

impl<K: 'static> ListerWatcher<K> for FnListWatch<K> {
    fn list(&self, opts: ListOptions) -> BoxFuture<'static, Result<List<K>, Error>> {
        (self.list)(opts)
    }

    fn watch(&self, opts: ListOptions) -> BoxFuture<'static, Result<WatchStream<K>, Error>> {
        (self.watch)(opts)
    }

    fn supports_watch_list(&self) -> bool {
        self.watch_list
    }
}
