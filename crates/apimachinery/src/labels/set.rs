//! [`Labels`]: what a selector matches against.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use crate::{SharedStr, StringMap};

/// A set of labels a [`Selector`](super::Selector) can be matched against.
///
/// Mirrors apimachinery's `labels.Labels` interface (`Has`, `Get`). Implemented for
/// [`StringMap`] (what `metadata.labels` is) and for the standard maps of `String` to `String`, so
/// code that keeps labels in a `BTreeMap` or `HashMap` matches them without converting.
pub trait Labels {
    /// The value of `label`, if it is set.
    fn get_label(&self, label: &str) -> Option<&str>;

    /// Whether `label` is set. Mirrors `labels.Labels.Has`.
    fn has_label(&self, label: &str) -> bool {
        self.get_label(label).is_some()
    }
}

impl Labels for StringMap {
    fn get_label(&self, label: &str) -> Option<&str> {
        self.get(label).map(SharedStr::as_str)
    }
}

impl Labels for BTreeMap<String, String> {
    fn get_label(&self, label: &str) -> Option<&str> {
        self.get(label).map(String::as_str)
    }
}

impl<S: BuildHasher> Labels for HashMap<String, String, S> {
    fn get_label(&self, label: &str) -> Option<&str> {
        self.get(label).map(String::as_str)
    }
}

impl<L: Labels + ?Sized> Labels for &L {
    fn get_label(&self, label: &str) -> Option<&str> {
        (**self).get_label(label)
    }
}
