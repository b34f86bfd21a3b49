//! Objects for unit tests.

use std::sync::Arc;

use clientgo_apimachinery::{DynamicObject, ObjectMeta};

/// The object type unit tests store.
pub(crate) type Obj = DynamicObject;

/// A pod-like object `ns/name` at resource version `rv` (cluster-scoped when `ns` is empty).
pub(crate) fn pod(ns: &str, name: &str, rv: &str) -> Arc<Obj> {
    labelled(ns, name, rv, &[])
}

/// As [`pod`], with labels.
pub(crate) fn labelled(ns: &str, name: &str, rv: &str, labels: &[(&str, &str)]) -> Arc<Obj> {
    Arc::new(DynamicObject {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: (!ns.is_empty()).then(|| ns.into()),
            resource_version: Some(rv.into()),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..ObjectMeta::default()
        },
        ..DynamicObject::default()
    })
}

/// A named value, keyed by its name: what the queue and heap tests of client-go store.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Named {
    pub(crate) name: String,
    pub(crate) val: i64,
}

/// A shared [`Named`].
pub(crate) fn named(name: &str, val: i64) -> Arc<Named> {
    Arc::new(Named {
        name: name.into(),
        val,
    })
}

/// The key of a [`Named`]: its name.
pub(crate) fn named_key(o: &Named) -> Result<String, crate::error::KeyError> {
    Ok(o.name.clone())
}

/// Known objects listed in the order given: client-go's `literalListerGetter` of
/// `delta_fifo_test.go`, whose fixed order makes a relist's tombstones come out in a known order
/// (a [`Cache`](crate::Cache) lists its keys in hash order).
pub(crate) struct Literal(pub(crate) Vec<Arc<Obj>>);

impl Literal {
    /// `objs` as shareable known objects.
    pub(crate) fn known(objs: &[Arc<Obj>]) -> crate::store::KnownObjects<Obj> {
        Arc::new(Literal(objs.to_vec()))
    }
}

impl crate::store::KeyListerGetter<Obj> for Literal {
    fn list_keys(&self) -> Vec<String> {
        self.0
            .iter()
            .filter_map(|o| crate::key::meta_namespace_key_func(&**o).ok())
            .collect()
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<Obj>> {
        self.0
            .iter()
            .find(|o| crate::key::meta_namespace_key_func(&***o).is_ok_and(|k| k == key))
            .cloned()
    }
}
