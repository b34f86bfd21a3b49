//! The sample values the api crate's round-trip test decodes: every field set, unknown keys at every struct
//! depth when asked, and never at map entries (which would be data, not an unknown field).

use clientgo_codegen::sample::{self, Extras, UNKNOWN_KEY};

use crate::support::ir;

#[test]
fn samples_set_every_field_and_unknown_keys_at_every_struct_depth() {
    let plain = sample::sample(ir(), "io.k8s.api.rbac.v1.ClusterRoleBinding", Extras::none()).unwrap();
    assert_eq!(plain["roleRef"]["name"], "s-name");
    assert_eq!(plain["subjects"][0]["kind"], "s-kind");
    assert_eq!(plain["metadata"]["creationTimestamp"], "2026-01-02T03:04:05Z");
    assert_eq!(plain["metadata"]["labels"]["k-labels"], "s-labels");
    assert!(!plain.to_string().contains(UNKNOWN_KEY));

    let with = sample::sample(
        ir(),
        "io.k8s.api.rbac.v1.ClusterRoleBinding",
        Extras::none().with_unknown_fields(),
    )
    .unwrap();
    for pointer in [
        "",
        "/metadata",
        "/metadata/managedFields/0",
        "/metadata/ownerReferences/0",
        "/roleRef",
        "/subjects/0",
    ] {
        let object = with
            .pointer(pointer)
            .and_then(|v| v.as_object())
            .unwrap_or_else(|| panic!("{pointer}"));
        assert_eq!(
            object.get(UNKNOWN_KEY),
            Some(&sample::unknown_value()),
            "at {pointer:?}"
        );
    }
    assert!(with["metadata"]["labels"].get(UNKNOWN_KEY).is_none());

    let policy = sample::sample(
        ir(),
        "io.k8s.api.scheduling.v1.PriorityClass",
        Extras::none().with_unknown_enum_values(),
    )
    .unwrap();
    assert_eq!(policy["preemptionPolicy"], sample::UNKNOWN_ENUM_VALUE);
    assert!(sample::sample(ir(), "io.k8s.api.rbac.v1.Nothing", Extras::none()).is_none());
}
