//! Small serde helpers shared by the resource types.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` as the type's default, so `"env": null` decodes like an absent field.
///
/// The API server omits empty collections instead of writing `null`, but hand-written manifests and
/// other clients do write it; Go's decoder accepts both, so we do too. (apimachinery has the same
/// private helper; it is duplicated rather than made public API there.)
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `skip_serializing_if` for booleans Go declares `omitempty`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `skip_serializing_if` for integers Go declares `omitempty`.
pub(crate) fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// Deserializes a list with no spare capacity, accepting `null` as empty.
///
/// serde grows a `Vec` by doubling because JSON gives no length up front, so a two-element list
/// would keep room for four: for containers (512 bytes each) that is a kilobyte wasted per pod in a
/// cache. Shrinking once after decoding costs one `realloc`, usually in place.
pub(crate) fn vec_exact<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Option::<Vec<T>>::deserialize(d)?.unwrap_or_default();
    v.shrink_to_fit();
    Ok(v)
}
