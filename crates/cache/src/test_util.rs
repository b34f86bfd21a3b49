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
