//! What the watch tools' integration tests share.

use clientgo_api::core::v1::ConfigMap;
use clientgo_apimachinery::ObjectMeta;

/// ConfigMap `default/name` at resourceVersion `rv`.
pub fn config_map_at(name: &str, rv: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            resource_version: Some(rv.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    }
}
