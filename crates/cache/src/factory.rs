//! One shared informer per kind, with common options.
//!
//! Mirrors client-go `informers/factory.go` (`NewSharedInformerFactoryWithOptions`, `WithNamespace`,
//! `WithTweakListOptions`, `WithCustomResyncConfig`, `InformerFor`, `Start`, `WaitForCacheSync`,
//! `Shutdown`), generic over the kind instead of generated per type.
//!
//! Informers are shared per Rust type, as client-go shares them per Go type, and reported per
//! group/version/kind: core/v1 `Event` and events.k8s.io/v1 `Event` are two informers with two
//! entries in [`SharedInformerFactory::wait_for_cache_sync`]'s answer.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clientgo_apimachinery::{GroupVersionKind, Resource};
use clientgo_client::Clientset;
use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::index::Indexers;
use crate::lister::Lister;
use crate::listwatch::{ListWatch, TweakListOptions};
use crate::reflector::SyncStatus;
use crate::shared_informer::{SharedIndexInformer, SharedIndexInformerBuilder};

struct Entry {
    gvk: GroupVersionKind,
    informer: Box<dyn Any + Send + Sync>,
    run: Option<BoxFuture<'static, ()>>,
    status: Arc<SyncStatus>,
    stop: CancellationToken,
}

/// Builds and shares informers. Mirrors client-go `informers.SharedInformerFactory`.
///
/// # Drop behavior
/// Dropping the factory stops every informer it started (as [`SharedInformerFactory::shutdown`]
/// does, without waiting).
pub struct SharedInformerFactory {
    client: Clientset,
    default_resync: Option<Duration>,
    namespace: Option<String>,
    tweak: Option<TweakListOptions>,
    custom_resync: HashMap<TypeId, Duration>,
    entries: Mutex<HashMap<TypeId, Entry>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl fmt::Debug for SharedInformerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedInformerFactory")
            .field("default_resync", &self.default_resync)
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl SharedInformerFactory {
    /// A factory over `client` with a default resync period (`None`: never). Mirrors
    /// `NewSharedInformerFactory`.
    pub fn new(client: Clientset, default_resync: Option<Duration>) -> Self {
        SharedInformerFactory {
            client,
            default_resync,
            namespace: None,
            tweak: None,
            custom_resync: HashMap::new(),
            entries: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Watches only `namespace`. Mirrors `WithNamespace`.
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Adjusts every list and watch (selectors). Mirrors `WithTweakListOptions`.
    pub fn with_tweak_list_options(mut self, tweak: TweakListOptions) -> Self {
        self.tweak = Some(tweak);
        self
    }

    /// A resync period for kind `K` instead of the default. Mirrors `WithCustomResyncConfig`.
    pub fn with_custom_resync<K: 'static>(mut self, period: Duration) -> Self {
        self.custom_resync.insert(TypeId::of::<K>(), period);
        self
    }

    /// The shared informer for `K`, created on first use; every call returns the same one.
    /// Mirrors `InformerFor` and the generated `Core().V1().Pods().Informer()`. Its reflector's
    /// log lines name it after the first caller's source location and describe its type as
    /// client-go's Go type does (`*v1.Pod`, `*v1.Deployment`).
    #[track_caller]
    pub fn informer_for<K>(&self) -> SharedIndexInformer<K>
    where
        K: Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        self.informer_for_with(|builder| builder)
    }

    /// As [`informer_for`](SharedInformerFactory::informer_for), with `customize` applied to the
    /// informer's builder when this call creates it (reflector options, a transform, a queue,
    /// handler mailboxes); an informer created earlier is returned as it is. Mirrors
    /// `InformerFor` with a `NewInformerFunc`.
    #[track_caller]
    pub fn informer_for_with<K>(
        &self,
        customize: impl FnOnce(SharedIndexInformerBuilder<K>) -> SharedIndexInformerBuilder<K>,
    ) -> SharedIndexInformer<K>
    where
        K: Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        let id = TypeId::of::<K>();
        let mut g = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(inf) = g
            .get(&id)
            .and_then(|e| e.informer.downcast_ref::<SharedIndexInformer<K>>())
        {
            return inf.clone();
        }
        let client = self.client.resource::<K>(self.namespace.as_deref());
        let mut lw = ListWatch::new(client);
        if let Some(t) = &self.tweak {
            lw = lw.with_tweak(Arc::clone(t));
        }
        let resync = self.custom_resync.get(&id).copied().or(self.default_resync);
        let informer = SharedIndexInformer::builder(lw)
            .resync_period(resync)
            .indexers(Indexers::namespace())
            .reflector_options(|o| o.type_description(format!("*{}.{}", K::VERSION, K::KIND)));
        let informer = customize(informer).build();
        g.insert(
            id,
            Entry {
                gvk: GroupVersionKind::new(K::GROUP, K::VERSION, K::KIND),
                informer: Box::new(informer.clone()),
                run: Some(Box::pin(informer.clone().run())),
                status: Arc::clone(informer.status()),
                stop: informer.stop_token(),
            },
        );
        informer
    }

    /// A lister for `K` over its shared informer's indexer.
    #[track_caller]
    pub fn lister<K>(&self) -> Lister<K>
    where
        K: Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
    {
        Lister::new(Arc::clone(self.informer_for::<K>().indexer()))
    }

    /// Starts every informer created so far that is not running yet (call again after creating
    /// more). Mirrors `Start`. Must be called inside a tokio runtime.
    pub fn start(&self) {
        let mut g = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        for e in g.values_mut() {
            if let Some(run) = e.run.take() {
                tasks.push(tokio::spawn(run));
            }
        }
    }

    /// Waits until every started informer has synced; returns each one's result keyed by its
    /// group/version/kind (false when it was stopped first). Mirrors `WaitForCacheSync`, whose
    /// map is keyed by Go type. Bound it with `tokio::time::timeout`.
    pub async fn wait_for_cache_sync(&self) -> HashMap<GroupVersionKind, bool> {
        let waits: Vec<(GroupVersionKind, Arc<SyncStatus>, CancellationToken)> = {
            let g = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            g.values()
                .filter(|e| e.run.is_none())
                .map(|e| (e.gvk.clone(), Arc::clone(&e.status), e.stop.clone()))
                .collect()
        };
        let mut out = HashMap::new();
        for (gvk, status, stop) in waits {
            let ok = tokio::select! {
                () = status.wait_synced() => true,
                () = stop.cancelled() => status.has_synced(),
            };
            out.insert(gvk, ok);
        }
        out
    }

    /// Stops every informer and waits for them to end. Mirrors `Shutdown`.
    pub async fn shutdown(&self) {
        self.stop_all();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        for t in tasks {
            let _ = t.await;
        }
    }

    fn stop_all(&self) {
        let g = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        for e in g.values() {
            e.stop.cancel();
        }
    }
}

impl Drop for SharedInformerFactory {
    fn drop(&mut self) {
        self.stop_all();
    }
}
