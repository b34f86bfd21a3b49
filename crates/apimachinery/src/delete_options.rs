//! The body of a DELETE: `metav1.DeleteOptions` and its `Preconditions`.

use crate::unknown_fields::UnknownFields;
use crate::wire_struct;

/// The body of a DELETE: grace period, propagation and preconditions.
///
/// Mirrors apimachinery `metav1.DeleteOptions`. Lives here, beside the other `meta/v1` types, so
/// that the client (which sends it) and the API server (which reads it) share one definition; the
/// client crate re-exports it. Fields it does not model are kept in
/// [`DeleteOptions::unknown_fields`]. Build it from `Default` and set the fields you need.
#[doc(alias = "metav1.DeleteOptions")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteOptions {
    /// Seconds before the object is removed (0: immediately).
    pub grace_period_seconds: Option<i64>,
    /// `Orphan`, `Background` or `Foreground`.
    pub propagation_policy: Option<String>,
    /// Delete only if the object still has this uid / resourceVersion.
    pub preconditions: Option<Preconditions>,
    /// `["All"]` for a dry run.
    pub dry_run: Vec<String>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(DeleteOptions, "delete options" {
    "gracePeriodSeconds" => grace_period_seconds: opt,
    "propagationPolicy" => propagation_policy: opt,
    "preconditions" => preconditions: opt,
    "dryRun" => dry_run: list,
});

/// Conditions a delete requires: the object must still have this uid and resourceVersion.
///
/// Mirrors apimachinery `metav1.Preconditions`.
#[doc(alias = "metav1.Preconditions")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Preconditions {
    /// Required uid.
    pub uid: Option<String>,
    /// Required resourceVersion.
    pub resource_version: Option<String>,
    /// Fields this type does not model, kept verbatim and written back after the modelled ones.
    pub unknown_fields: UnknownFields,
}

wire_struct!(Preconditions, "delete preconditions" {
    "uid" => uid: opt,
    "resourceVersion" => resource_version: opt,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_only_what_is_set_and_decodes_what_the_client_sends() {
        let mut opts = DeleteOptions::default();
        assert_eq!(serde_json::to_string(&opts).unwrap(), "{}");
        opts.grace_period_seconds = Some(0);
        opts.propagation_policy = Some("Foreground".into());
        opts.preconditions = Some(Preconditions {
            uid: Some("u-1".into()),
            ..Preconditions::default()
        });
        opts.dry_run = vec!["All".into()];
        let text = r#"{"gracePeriodSeconds":0,"propagationPolicy":"Foreground","preconditions":{"uid":"u-1"},"dryRun":["All"]}"#;
        assert_eq!(serde_json::to_string(&opts).unwrap(), text);
        assert_eq!(serde_json::from_str::<DeleteOptions>(text).unwrap(), opts);
    }

    #[test]
    fn fields_of_a_newer_server_survive() {
        let text = r#"{"orphanDependents":false,"preconditions":{"resourceVersion":"7","x":1},"ignoreStoreReadErrorWithClusterBreakingPotential":true}"#;
        let opts: DeleteOptions = serde_json::from_str(text).unwrap();
        assert_eq!(opts.unknown_fields.len(), 2);
        assert_eq!(
            serde_json::to_string(&opts).unwrap(),
            r#"{"preconditions":{"resourceVersion":"7","x":1},"orphanDependents":false,"ignoreStoreReadErrorWithClusterBreakingPotential":true}"#
        );
    }
}
