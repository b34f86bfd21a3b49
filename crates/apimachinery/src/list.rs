//! Lists of objects and their metadata.

use crate::unknown_fields::UnknownFields;
use crate::wire_struct;

/// Metadata of a list response: its resourceVersion and paging state.
///
/// Mirrors apimachinery `metav1.ListMeta`; fields it does not model are kept in
/// [`ListMeta::unknown_fields`].
#[doc(alias = "metav1.ListMeta")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListMeta {
    /// The resourceVersion the list was read at; start a watch from here.
    pub resource_version: Option<String>,
    /// Opaque token for the next page, when the list was limited and more items remain.
    pub continue_: Option<String>,
    /// How many items remain after this page, when the server can tell cheaply.
    pub remaining_item_count: Option<i64>,
    /// Deprecated link to the list.
    pub self_link: Option<String>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(ListMeta, "list metadata" {
    "resourceVersion" => resource_version: opt,
    "continue" => continue_: opt,
    "remainingItemCount" => remaining_item_count: opt,
    "selfLink" => self_link: opt,
});

/// A list response: `{"kind":"PodList","apiVersion":"v1","metadata":{...},"items":[...]}`.
///
/// Generic over the item type, where Go generates one `XxxList` type per resource. Fields it does
/// not model are kept in [`List::unknown_fields`].
#[doc(alias = "PodList")]
#[derive(Debug, Clone, PartialEq)]
pub struct List<T> {
    /// `apiVersion` of the list.
    pub api_version: String,
    /// `kind` of the list, e.g. `PodList`.
    pub kind: String,
    /// Paging and version metadata.
    pub metadata: ListMeta,
    /// The objects.
    pub items: Vec<T>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(List<T>, "a list" {
    "apiVersion" => api_version: omit,
    "kind" => kind: omit,
    "metadata" => metadata: req,
    "items" => items: req,
});

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            api_version: String::new(),
            kind: String::new(),
            metadata: ListMeta::default(),
            items: Vec::new(),
            unknown_fields: UnknownFields::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::RawJson;

    use super::*;

    #[test]
    fn unknown_fields_of_a_list_and_its_metadata_come_back() {
        let text = r#"{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"7","continue":"c","x-meta":1},"items":[{"a":1}],"x-list":"kept"}"#;
        let list: List<Value> = serde_json::from_str(text).expect("decodes");
        assert_eq!(list.metadata.continue_.as_deref(), Some("c"));
        assert_eq!(
            list.metadata.unknown_fields.get("x-meta").map(RawJson::as_str),
            Some("1")
        );
        assert_eq!(
            list.unknown_fields.get("x-list").map(RawJson::as_str),
            Some(r#""kept""#)
        );
        assert_eq!(list.items, [json!({"a": 1})]);
        assert_eq!(serde_json::to_string(&list).expect("encodes"), text);
    }

    #[test]
    fn items_and_metadata_are_always_written_and_null_items_read_as_none() {
        let list: List<Value> = serde_json::from_str(r#"{"items":null}"#).expect("decodes");
        assert!(list.items.is_empty());
        assert_eq!(
            serde_json::to_string(&list).expect("encodes"),
            r#"{"metadata":{},"items":[]}"#
        );
    }
}
