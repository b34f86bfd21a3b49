//! The definitions: how many, where they live, and the facts of a few well-known ones.

use std::collections::BTreeSet;

use clientgo_codegen::ir::{Definition, DefinitionKind, GroupVersion, Home, Ty};
use clientgo_codegen::spec::{Gvk, Scalar};
use serde_json::json;

use crate::support::{ir, spec};

fn gv(group: &str, version: &str) -> GroupVersion {
    GroupVersion {
        group: group.to_owned(),
        version: version.to_owned(),
    }
}

#[test]
fn documents_hold_1203_schemas_of_578_definitions() {
    let spec = spec();
    let copies: usize = spec.definitions.values().map(|d| d.files.len()).sum();
    assert_eq!(copies, 1203);
    assert_eq!(spec.definitions.len(), 578);
    let ir = ir();
    let meta = ir
        .definitions
        .values()
        .filter(|d| d.home == Home::Apimachinery)
        .count();
    assert_eq!((ir.definitions.len() - meta, meta), (554, 24));
}

#[test]
fn duplicates_differ_only_in_the_gvk_lists_of_delete_options_and_watch_event() {
    // The loader refuses copies that differ in anything but the GVK list (see errors.rs), so loading proves the
    // rest identical; these are the two whose lists differ.
    let merged: Vec<&str> = spec()
        .definitions
        .values()
        .filter(|d| d.gvks_merged)
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        merged,
        [
            "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
            "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
        ]
    );
    // Every document that carries DeleteOptions names its own group/version; the merged list has them all (the
    // authentication and authorization documents serve only create-only reviews and carry none).
    let delete_options = &ir().definitions["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"];
    let listed: BTreeSet<(&str, &str)> = delete_options
        .gvks
        .iter()
        .map(|g| (g.group.as_str(), g.version.as_str()))
        .collect();
    let expected: BTreeSet<(&str, &str)> = ir()
        .group_versions
        .iter()
        .filter(|gv| !gv.group.starts_with("authentication.") && !gv.group.starts_with("authorization."))
        .map(|gv| (gv.group.as_str(), gv.version.as_str()))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(listed.len(), 20);
    assert!(delete_options.gvks.iter().all(|g| g.kind == "DeleteOptions"));
}

#[test]
fn fields_number_2428_with_the_required_and_default_facts_of_go_fields() {
    let ir = ir();
    let fields: Vec<_> = ir.definitions.values().flat_map(Definition::fields).collect();
    assert_eq!(fields.len(), 2428);
    let api_fields = ir
        .definitions
        .values()
        .filter(|d| d.home != Home::Apimachinery)
        .flat_map(Definition::fields);
    assert_eq!(api_fields.count(), 2337);
    let count = |required: bool, default: bool| {
        fields
            .iter()
            .filter(|f| f.required == required && f.default.is_some() == default)
            .count()
    };
    assert_eq!(
        count(true, true),
        380,
        "required with a default (Go value fields without omitempty)"
    );
    assert_eq!(count(false, false), 1643, "optional without a default");
    assert_eq!(count(false, true), 278, "optional with a default");
    assert_eq!(count(true, false), 127, "required without a default");
}

#[test]
fn enums_are_98_fields_with_70_distinct_value_sets_per_group_version() {
    fn values(ty: &Ty) -> Option<&[String]> {
        match ty {
            Ty::Enum(values) => Some(values),
            Ty::List(inner) | Ty::Map(inner) => values(inner),
            _ => None,
        }
    }
    let mut fields = 0;
    let mut values_over_fields = 0;
    let mut sets = BTreeSet::new();
    for def in ir().definitions.values() {
        for field in def.fields() {
            if let Some(v) = values(&field.ty) {
                fields += 1;
                values_over_fields += v.len();
                let mut sorted = v.to_vec();
                sorted.sort();
                sets.insert((def.home.clone(), sorted));
            }
        }
    }
    assert_eq!(fields, 98);
    assert_eq!(values_over_fields, 434);
    assert_eq!(sets.len(), 70);
    assert_eq!(sets.iter().map(|(_, v)| v.len()).sum::<usize>(), 291);
}

#[test]
fn container_port_fields_carry_type_required_default_and_enum() {
    let port = &ir().definitions["io.k8s.api.core.v1.ContainerPort"];
    assert_eq!(port.home, Home::Api(gv("", "v1")));
    assert_eq!(
        (port.go_package.as_str(), port.go_name.as_str()),
        ("k8s.io/api/core/v1", "ContainerPort")
    );
    let facts: Vec<_> = port
        .fields()
        .iter()
        .map(|f| {
            (
                f.json_name.as_str(),
                f.rust_name.as_str(),
                &f.ty,
                f.required,
                f.default.clone(),
            )
        })
        .collect();
    let protocol = Ty::Enum(vec!["SCTP".into(), "TCP".into(), "UDP".into()]);
    assert_eq!(
        facts,
        [
            ("containerPort", "container_port", &Ty::I32, true, Some(json!(0))),
            ("hostIP", "host_ip", &Ty::String, false, None),
            ("hostPort", "host_port", &Ty::I32, false, None),
            ("name", "name", &Ty::String, false, None),
            ("protocol", "protocol", &protocol, false, Some(json!("TCP"))),
        ]
    );
}

#[test]
fn kinds_lists_and_nested_types_have_their_homes_and_gvks() {
    let defs = &ir().definitions;
    let pod = &defs["io.k8s.api.core.v1.Pod"];
    assert_eq!(
        pod.gvks,
        [Gvk {
            group: String::new(),
            version: "v1".into(),
            kind: "Pod".into()
        }]
    );
    let spec_field = pod
        .fields()
        .iter()
        .find(|f| f.json_name == "spec")
        .expect("Pod.spec");
    assert_eq!(
        (&spec_field.ty, spec_field.default.clone()),
        (&Ty::Def("io.k8s.api.core.v1.PodSpec".into()), Some(json!({})))
    );
    let pod_list = &defs["io.k8s.api.core.v1.PodList"];
    let items = pod_list
        .fields()
        .iter()
        .find(|f| f.json_name == "items")
        .expect("PodList.items");
    assert_eq!(
        items.ty,
        Ty::List(Box::new(Ty::Def("io.k8s.api.core.v1.Pod".into())))
    );
    assert!(items.required && items.default.is_none());

    let props = &defs["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"];
    assert_eq!(props.home, Home::Api(gv("apiextensions.k8s.io", "v1")));
    assert_eq!(
        props.go_package,
        "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
    );
    assert_eq!(props.rust_name, "JsonSchemaProps");
    let api_service = &defs["io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService"];
    assert_eq!(api_service.home, Home::Api(gv("apiregistration.k8s.io", "v1")));
    assert_eq!(api_service.rust_name, "ApiService");
    let role = &defs["io.k8s.api.rbac.v1.ClusterRole"];
    assert_eq!(role.home, Home::Api(gv("rbac.authorization.k8s.io", "v1")));
    let hpa2 = &defs["io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler"];
    assert_eq!(hpa2.home, Home::Api(gv("autoscaling", "v2")));

    let secret = &defs["io.k8s.api.core.v1.Secret"];
    let data = secret
        .fields()
        .iter()
        .find(|f| f.json_name == "data")
        .expect("Secret.data");
    assert_eq!(data.ty, Ty::Map(Box::new(Ty::Bytes)));
}

#[test]
fn apimachinery_scalars_and_free_form_types_keep_their_shape() {
    let defs = &ir().definitions;
    let kind = |name: &str| &defs[&format!("io.k8s.apimachinery.pkg.{name}")].kind;
    assert_eq!(
        kind("api.resource.Quantity"),
        &DefinitionKind::OneOf(vec![Scalar::String, Scalar::Number])
    );
    assert_eq!(
        kind("util.intstr.IntOrString"),
        &DefinitionKind::OneOf(vec![Scalar::Integer, Scalar::String])
    );
    assert_eq!(kind("apis.meta.v1.Time"), &DefinitionKind::DateTime);
    assert_eq!(kind("apis.meta.v1.MicroTime"), &DefinitionKind::DateTime);
    assert_eq!(kind("runtime.RawExtension"), &DefinitionKind::FreeForm);
    assert_eq!(kind("apis.meta.v1.FieldsV1"), &DefinitionKind::FreeForm);
    let json = &defs["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON"];
    assert_eq!(json.kind, DefinitionKind::Any);
    assert!(defs
        .values()
        .filter(|d| d.home == Home::Apimachinery)
        .all(|d| d.go_package.starts_with("k8s.io/apimachinery/pkg/")));
}
