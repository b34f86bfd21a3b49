//! What the embedded API server pays per write for patches, field ownership (managedFields) and
//! server-side apply, on the benchmark pod (fixtures/bench/pod.json).
//!
//! Run: `cargo bench --bench managed_fields`. Keep it short on the 2-core machine.

use std::hint::black_box;
use std::time::Duration;

use clientgo_apimachinery::Time;
use clientgo_apiserver::apply::{server_side_apply, update_managed_fields, UPDATE};
use clientgo_apiserver::patch::{json_patch, merge_patch, strategic_merge_patch};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};

fn pod() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/bench/pod.json");
    let text = std::fs::read_to_string(path).expect("bench pod fixture");
    let mut pod: Value = serde_json::from_str(&text).expect("bench pod is JSON");
    if let Some(meta) = pod["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    pod
}

fn bench_managed_fields(c: &mut Criterion) {
    let now = Time::from_unix_seconds(1_795_000_000);
    let base = pod();
    let mut stored = base.clone();
    update_managed_fields(None, &mut stored, "kubelet", UPDATE, now);
    let mut labelled = stored.clone();
    labelled["metadata"]["labels"]["bench"] = json!("1");

    let mut g = c.benchmark_group("managed_fields");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("clone_pod_baseline", |b| b.iter(|| black_box(stored.clone())));
    g.bench_function("update_managed_fields_create", |b| {
        b.iter(|| {
            let mut p = base.clone();
            update_managed_fields(None, &mut p, "kubelet", UPDATE, now);
            black_box(p)
        });
    });
    g.bench_function("update_managed_fields_label_change", |b| {
        b.iter(|| {
            let mut p = labelled.clone();
            update_managed_fields(Some(&stored), &mut p, "controller", UPDATE, now);
            black_box(p)
        });
    });
    let json_doc = json!([{"op": "add", "path": "/metadata/labels/bench", "value": "1"}]);
    g.bench_function("json_patch_add_label", |b| {
        b.iter(|| {
            let mut p = stored.clone();
            json_patch(&mut p, &json_doc).expect("patch applies");
            black_box(p)
        });
    });
    let merge_doc = json!({"metadata": {"labels": {"bench": "1"}}});
    g.bench_function("merge_patch_label", |b| {
        b.iter(|| {
            let mut p = stored.clone();
            merge_patch(&mut p, &merge_doc);
            black_box(p)
        });
    });
    let smp_doc = json!({"spec": {"containers": [{"name": "app", "image": "registry/app:2"}]}});
    g.bench_function("strategic_merge_patch_container", |b| {
        b.iter(|| {
            let mut p = stored.clone();
            strategic_merge_patch(&mut p, &smp_doc).expect("patch applies");
            black_box(p)
        });
    });
    let applied = server_side_apply(None, &base, "bench", false, now).expect("apply creates");
    g.bench_function("server_side_apply_noop", |b| {
        b.iter(|| black_box(server_side_apply(Some(&applied), &base, "bench", false, now)));
    });
    g.finish();
}

criterion_group!(benches, bench_managed_fields);
criterion_main!(benches);
