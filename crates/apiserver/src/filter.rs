//! Label and field selectors applied to stored objects, for list and watch.
//!
//! Mirrors the apiserver's `storage.SelectionPredicate`: a namespace scope plus parsed label and field
//! selectors, with the set of field labels each resource supports (`GetAttrs`/`SelectableFields`).

// `Status` is the API's error value and travels to the HTTP layer unchanged; boxing it at every
// step would add noise on a path that is never hot.
#![allow(clippy::result_large_err)]

use clientgo_apimachinery::{fields, labels, Status};

use crate::object::StoredObject;
use crate::resources::ResourceInfo;
use crate::status::bad_request;

/// What a list or watch selects.
#[derive(Debug, Clone)]
pub struct Filter {
    prefix: String,
    labels: Option<labels::Selector>,
    fields: Vec<fields::Requirement>,
}

impl Filter {
    /// Builds the filter for a request on `info` in `namespace` (`None`: all namespaces).
    ///
    /// # Errors
    /// 400 BadRequest naming the bad selector or the unsupported field label.
    pub fn new(
        info: &ResourceInfo,
        namespace: Option<&str>,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Self, Status> {
        let labels = match label_selector.filter(|s| !s.trim().is_empty()) {
            Some(s) => Some(labels::Selector::parse(s).map_err(|e| bad_request(e.to_string()))?),
            None => None,
        };
        let fields = match field_selector.filter(|s| !s.trim().is_empty()) {
            Some(s) => {
                let sel = fields::Selector::parse(s).map_err(|e| bad_request(e.to_string()))?;
                let reqs = sel.requirements().to_vec();
                for r in &reqs {
                    let f = r.field();
                    if f != "metadata.name"
                        && f != "metadata.namespace"
                        && !info.extra_field_labels().contains(&f)
                    {
                        return Err(bad_request(format!("field label not supported: {f}")));
                    }
                }
                reqs
            }
            None => Vec::new(),
        };
        let prefix = match namespace {
            Some(ns) if info.namespaced => format!("{ns}/"),
            _ => String::new(),
        };
        Ok(Filter {
            prefix,
            labels,
            fields,
        })
    }

    /// The store key prefix this filter scopes to.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether any label or field selector is set (the real server then omits remainingItemCount).
    pub fn has_selectors(&self) -> bool {
        self.labels.is_some() || !self.fields.is_empty()
    }

    /// Whether `obj` is selected (the key prefix is checked by the caller's range).
    pub fn matches(&self, obj: &StoredObject) -> bool {
        if let Some(l) = &self.labels {
            if !l.matches(obj.labels()) {
                return false;
            }
        }
        self.fields.iter().all(|r| r.matches_value(obj.field(r.field())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::builtin_resources;

    fn pods() -> ResourceInfo {
        builtin_resources()
            .into_iter()
            .find(|r| r.plural == "pods")
            .expect("pods are built in")
    }

    #[test]
    fn selector_errors_carry_the_parser_message_once() {
        let err = Filter::new(&pods(), None, Some("a in (x"), None).unwrap_err();
        let msg = err.message.unwrap_or_default();
        assert_eq!(err.code, Some(400));
        assert_eq!(msg.matches("unable to parse requirement").count(), 1, "{msg}");

        let err = Filter::new(&pods(), None, None, Some("metadata.name")).unwrap_err();
        let msg = err.message.unwrap_or_default();
        assert!(!msg.contains("invalid field selector \""), "{msg}");
        assert!(msg.contains("metadata.name"), "{msg}");

        let err = Filter::new(&pods(), None, None, Some("spec.bogus=x")).unwrap_err();
        assert_eq!(
            err.message.as_deref(),
            Some("field label not supported: spec.bogus")
        );
    }
}
