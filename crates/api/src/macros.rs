//! The one-line declaration that makes a struct a Kubernetes resource.

/// Implements [`Object`](clientgo_apimachinery::Object) and [`Resource`](clientgo_apimachinery::Resource)
/// for a struct with `api_version: String`, `kind: String` and `metadata: ObjectMeta` fields, plus a
/// `new(name)` constructor that fills `apiVersion` and `kind`.
///
/// ```text
/// resource!(Pod, group = "", version = "v1", kind = "Pod", plural = "pods", namespaced = true,
///           fields = pod_field);
/// ```
///
/// `fields` is optional: a `fn(&Self, &str) -> Option<Cow<'_, str>>` answering the field-selector
/// paths the API server supports for this kind beyond `metadata.name` and `metadata.namespace`.
macro_rules! resource {
    (
        $ty:ident, group = $group:literal, version = $version:literal, kind = $kind:literal,
        plural = $plural:literal, namespaced = $namespaced:literal $(, fields = $fields:path)? $(,)?
    ) => {
        impl clientgo_apimachinery::Object for $ty {
            fn metadata(&self) -> &clientgo_apimachinery::ObjectMeta {
                &self.metadata
            }

            fn metadata_mut(&mut self) -> &mut clientgo_apimachinery::ObjectMeta {
                &mut self.metadata
            }

            $(
            fn field(&self, path: &str) -> Option<std::borrow::Cow<'_, str>> {
                use std::borrow::Cow;
                match path {
                    "metadata.name" => Some(Cow::Borrowed(self.metadata.name.as_deref().unwrap_or(""))),
                    "metadata.namespace" => {
                        Some(Cow::Borrowed(self.metadata.namespace.as_deref().unwrap_or("")))
                    }
                    _ => $fields(self, path),
                }
            }
            )?
        }

        impl clientgo_apimachinery::Resource for $ty {
            const GROUP: &'static str = $group;
            const VERSION: &'static str = $version;
            const KIND: &'static str = $kind;
            const PLURAL: &'static str = $plural;
            const NAMESPACED: bool = $namespaced;
        }

        impl $ty {
            #[doc = concat!("An empty `", $kind, "` named `name`, with `apiVersion` and `kind` set.")]
            pub fn new(name: impl Into<clientgo_apimachinery::SharedStr>) -> Self {
                $ty {
                    api_version: <Self as clientgo_apimachinery::Resource>::api_version().into(),
                    kind: $kind.into(),
                    metadata: clientgo_apimachinery::ObjectMeta {
                        name: Some(name.into()),
                        ..Default::default()
                    },
                    ..Default::default()
                }
            }
        }
    };
}

pub(crate) use resource;

/// `Some(Cow::Borrowed(..))` of an optional string field, `""` when unset: how the API server's
/// field sets report an empty Go string.
pub(crate) fn str_field(s: Option<&clientgo_apimachinery::SharedStr>) -> Option<std::borrow::Cow<'_, str>> {
    Some(std::borrow::Cow::Borrowed(s.map_or("", |s| s.as_str())))
}
