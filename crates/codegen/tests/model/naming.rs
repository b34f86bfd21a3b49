//! Rust names of every definition and property: the tricky ones pinned, all of them valid and unique.

use std::collections::{BTreeMap, BTreeSet};

use clientgo_codegen::ir::Definition;
use clientgo_codegen::naming::{field_name, type_name, UNKNOWN_FIELDS};

use crate::support::ir;

/// JSON property names whose Rust names are easy to get wrong; each occurs in v1.36.2.
const FIELDS: &[(&str, &str)] = &[
    ("podIPs", "pod_ips"),
    ("podCIDRs", "pod_cidrs"),
    ("clusterIPs", "cluster_ips"),
    ("externalIPs", "external_ips"),
    ("nonResourceURLs", "non_resource_urls"),
    ("targetWWNs", "target_wwns"),
    ("imageID", "image_id"),
    ("hostIPC", "host_ipc"),
    ("hostPID", "host_pid"),
    ("setHostnameAsFQDN", "set_hostname_as_fqdn"),
    ("insecureSkipTLSVerify", "insecure_skip_tls_verify"),
    (
        "currentCPUUtilizationPercentage",
        "current_cpu_utilization_percentage",
    ),
    ("openAPIV3Schema", "open_api_v3_schema"),
    ("fieldsV1", "fields_v1"),
    ("downwardAPI", "downward_api"),
    ("scaleIO", "scale_io"),
    ("systemUUID", "system_uuid"),
    (
        "x-kubernetes-preserve-unknown-fields",
        "x_kubernetes_preserve_unknown_fields",
    ),
    ("type", "type_"),
    ("continue", "continue_"),
    ("enum", "enum_"),
    ("$ref", "ref_path"),
    ("$schema", "schema"),
    ("apiVersion", "api_version"),
];

/// Go type names with acronyms, and their Rust names; each is a v1.36.2 definition.
const TYPES: &[(&str, &str)] = &[
    ("HTTPGetAction", "HttpGetAction"),
    ("PodIP", "PodIp"),
    ("CSIDriver", "CsiDriver"),
    ("JSONSchemaProps", "JsonSchemaProps"),
    ("JSONSchemaPropsOrBool", "JsonSchemaPropsOrBool"),
    ("ISCSIVolumeSource", "IscsiVolumeSource"),
    ("ScaleIOVolumeSource", "ScaleIoVolumeSource"),
    ("CephFSVolumeSource", "CephFsVolumeSource"),
    ("SELinuxOptions", "SeLinuxOptions"),
    ("APIService", "ApiService"),
    ("IPAddress", "IpAddress"),
    ("ServiceCIDR", "ServiceCidr"),
    ("PodOS", "PodOs"),
    ("GRPCAction", "GrpcAction"),
    ("HPAScalingPolicy", "HpaScalingPolicy"),
    ("FieldsV1", "FieldsV1"),
    ("JSON", "Json"),
    ("HorizontalPodAutoscaler", "HorizontalPodAutoscaler"),
];

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "unsafe", "use", "where",
    "while", "yield",
];

#[test]
fn tricky_field_names_are_pinned() {
    let json_names: BTreeSet<&str> = ir()
        .definitions
        .values()
        .flat_map(Definition::fields)
        .map(|f| f.json_name.as_str())
        .collect();
    for (json, rust) in FIELDS {
        assert!(json_names.contains(json), "{json} is a v1.36.2 property");
        assert_eq!(field_name(json).as_deref(), Ok(*rust), "{json}");
    }
}

#[test]
fn tricky_type_names_are_pinned() {
    let go_names: BTreeMap<&str, &str> = ir()
        .definitions
        .values()
        .map(|d| (d.go_name.as_str(), d.rust_name.as_str()))
        .collect();
    for (go, rust) in TYPES {
        assert_eq!(
            go_names.get(go),
            Some(rust),
            "{go} is a v1.36.2 definition named {rust}"
        );
        assert_eq!(type_name(go).as_deref(), Ok(*rust));
    }
}

fn is_snake_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !name.contains("__")
        && !KEYWORDS.contains(&name)
}

#[test]
fn all_2428_field_names_are_snake_case_identifiers_unique_per_struct() {
    let mut fields = 0;
    for def in ir().definitions.values() {
        let mut seen = BTreeSet::new();
        for f in def.fields() {
            fields += 1;
            assert!(
                is_snake_identifier(&f.rust_name),
                "{}.{} -> {}",
                def.name,
                f.json_name,
                f.rust_name
            );
            assert_ne!(f.rust_name, UNKNOWN_FIELDS, "{}.{}", def.name, f.json_name);
            assert!(
                seen.insert(f.rust_name.as_str()),
                "{}: {} twice",
                def.name,
                f.rust_name
            );
        }
    }
    assert_eq!(fields, 2428);
}

#[test]
fn type_names_are_camel_case_and_unique_per_module() {
    let mut modules: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for def in ir().definitions.values() {
        let rust = def.rust_name.as_str();
        assert!(
            rust.starts_with(|c: char| c.is_ascii_uppercase())
                && rust.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{} -> {rust}",
            def.name
        );
        assert!(
            modules.entry(format!("{:?}", def.home)).or_default().insert(rust),
            "{rust} twice in {:?}",
            def.home
        );
    }
    // Go names that repeat across groups stay apart by module, never renamed.
    let events: Vec<_> = ir()
        .definitions
        .values()
        .filter(|d| d.go_name == "Event")
        .map(|d| d.rust_name.as_str())
        .collect();
    assert_eq!(events, ["Event", "Event"]);
}
