//! Small serde helpers shared by the API types.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` as the type's default, so `"labels": null` decodes like an absent field.
///
/// The API server omits empty fields instead of writing `null`, but hand-written manifests and other
/// clients do write it; Go's decoder accepts both, so we do too.
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
