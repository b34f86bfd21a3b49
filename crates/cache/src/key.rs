//! Key functions: how an object is named in a store.
//!
//! Mirrors the key functions of client-go `tools/cache/store.go`: `KeyFunc`,
//! [`meta_namespace_key_func`], [`deletion_handling_meta_namespace_key_func`] and
//! [`split_meta_namespace_key`].

use clientgo_apimachinery::Object;

use crate::delta::DeltaObject;
use crate::error::KeyError;

/// Makes the storage key of an object. Must be deterministic.
///
/// Mirrors client-go `cache.KeyFunc`.
pub type KeyFunc<K> = fn(&K) -> Result<String, KeyError>;

/// The default key: `namespace/name`, or `name` for cluster-scoped objects.
///
/// Mirrors client-go `cache.MetaNamespaceKeyFunc`.
///
/// # Errors
/// [`KeyError::MissingName`] when the object has no name (client-go would return the key `""` or
/// `"ns/"`, which every nameless object would share).
#[doc(alias = "MetaNamespaceKeyFunc")]
pub fn meta_namespace_key_func<K: Object>(obj: &K) -> Result<String, KeyError> {
    let name = obj.name();
    if name.is_empty() {
        return Err(KeyError::MissingName {
            namespace: obj.namespace().map(str::to_owned),
        });
    }
    Ok(match obj.namespace() {
        Some(ns) => {
            let mut key = String::with_capacity(ns.len() + 1 + name.len());
            key.push_str(ns);
            key.push('/');
            key.push_str(name);
            key
        }
        None => name.to_owned(),
    })
}

/// The key of a delta's object: a tombstone's recorded key, or [`meta_namespace_key_func`].
///
/// Mirrors client-go `cache.DeletionHandlingMetaNamespaceKeyFunc`, the key function informers'
/// indexers use so that `DeletedFinalStateUnknown` tombstones can be deleted by key.
///
/// # Errors
/// As [`meta_namespace_key_func`].
#[doc(alias = "DeletionHandlingMetaNamespaceKeyFunc")]
pub fn deletion_handling_meta_namespace_key_func<K: Object>(
    obj: &DeltaObject<K>,
) -> Result<String, KeyError> {
    match obj {
        DeltaObject::DeletedFinalStateUnknown(tombstone) => Ok(tombstone.key.clone()),
        DeltaObject::Object(obj) => meta_namespace_key_func(&**obj),
    }
}

/// Splits a [`meta_namespace_key_func`] key into `(namespace, name)`; the namespace is `""` for a
/// cluster-scoped key.
///
/// Mirrors client-go `cache.SplitMetaNamespaceKey`.
///
/// # Errors
/// [`KeyError::UnexpectedKeyFormat`] when the key has more than one `/`.
#[doc(alias = "SplitMetaNamespaceKey")]
pub fn split_meta_namespace_key(key: &str) -> Result<(&str, &str), KeyError> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) => Ok(("", name)),
        (Some(ns), Some(name), None) => Ok((ns, name)),
        _ => Err(KeyError::UnexpectedKeyFormat { key: key.to_owned() }),
    }
}
