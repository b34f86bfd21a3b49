//! Resource quantities such as `500m` or `128Mi`.

use std::fmt;

use crate::shared_str::SharedStr;
use serde::{Deserialize, Serialize};

/// A resource amount as the server writes it: `100m`, `2`, `128Mi`, `1e3`.
///
/// Mirrors apimachinery `resource.Quantity` (`apimachinery/pkg/api/resource/quantity.go`) as a string
/// newtype: the text is kept exactly as received (Go canonicalizes on encode; the server already sends
/// canonical text), so nothing is lost, and a quantity is one word: most (`500m`, `128Mi`) fit in
/// a [`SharedStr`] inline and cost no allocation. Arithmetic on
/// quantities is left to callers for now.
#[doc(alias = "resource.Quantity")]
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quantity(pub SharedStr);

impl Quantity {
    /// The quantity's text, e.g. `500m`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Quantity {
    fn from(s: &str) -> Self {
        Quantity(s.into())
    }
}

impl From<String> for Quantity {
    fn from(s: String) -> Self {
        Quantity(s.into())
    }
}
