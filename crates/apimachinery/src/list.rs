//! Lists of objects and their metadata.

use serde::{Deserialize, Serialize};

use crate::serde_util::null_as_default;

/// Metadata of a list response: its resourceVersion and paging state.
///
/// Mirrors apimachinery `metav1.ListMeta`.
#[doc(alias = "metav1.ListMeta")]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    /// The resourceVersion the list was read at; start a watch from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// Opaque token for the next page, when the list was limited and more items remain.
    #[serde(default, rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_: Option<String>,
    /// How many items remain after this page, when the server can tell cheaply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
    /// Deprecated link to the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

/// A list response: `{"kind":"PodList","apiVersion":"v1","metadata":{...},"items":[...]}`.
///
/// Generic over the item type, where Go generates one `XxxList` type per resource.
#[doc(alias = "PodList")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    /// `apiVersion` of the list.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub api_version: String,
    /// `kind` of the list, e.g. `PodList`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// Paging and version metadata.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The objects.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            api_version: String::new(),
            kind: String::new(),
            metadata: ListMeta::default(),
            items: Vec::new(),
        }
    }
}
