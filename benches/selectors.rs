//! Label and field selector parsing and matching: what informers and the API server pay per object.
//!
//! Run: `cargo bench --bench selectors`. Keep it short on the 2-core machine.

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use clientgo::apimachinery::{fields, labels, Object, ObjectMeta, StringMap};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const LABEL_SELECTOR: &str =
    "app=web,tier in (frontend,backend),!canary,environment notin (dev,test),pod-template-hash";

struct Pod {
    metadata: ObjectMeta,
    node_name: String,
    phase: String,
}

impl Object for Pod {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }

    fn field(&self, path: &str) -> Option<Cow<'_, str>> {
        match path {
            "metadata.name" => Some(Cow::Borrowed(self.name())),
            "metadata.namespace" => Some(Cow::Borrowed(self.metadata.namespace.as_deref().unwrap_or(""))),
            "spec.nodeName" => Some(Cow::Borrowed(&self.node_name)),
            "status.phase" => Some(Cow::Borrowed(&self.phase)),
            _ => None,
        }
    }
}

/// Labels shaped like a Deployment-owned pod's, plus a few more, as in the bench pod fixture.
fn pod_labels() -> StringMap {
    [
        ("app", "web"),
        ("tier", "frontend"),
        ("environment", "prod"),
        ("pod-template-hash", "7d4b9c8f6"),
        ("app.kubernetes.io/name", "web"),
        ("app.kubernetes.io/instance", "web-prod"),
        ("app.kubernetes.io/version", "1.27.3"),
        ("team", "payments"),
    ]
    .into_iter()
    .collect()
}

fn bench_selectors(c: &mut Criterion) {
    let mut group = c.benchmark_group("selectors");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(1));

    group.bench_function("label_parse", |b| {
        b.iter(|| labels::Selector::parse(black_box(LABEL_SELECTOR)));
    });
    let selector = labels::Selector::parse(LABEL_SELECTOR).expect("benchmark selector is valid");
    let matching = pod_labels();
    let mut other = pod_labels();
    other.insert("canary".to_owned(), "true".to_owned());
    group.bench_function("label_match_hit", |b| {
        b.iter(|| black_box(&selector).matches(black_box(&matching)));
    });
    group.bench_function("label_match_miss_last", |b| {
        b.iter(|| black_box(&selector).matches(black_box(&other)));
    });
    group.bench_function("label_display", |b| b.iter(|| black_box(&selector).to_string()));

    let field_selector = "metadata.namespace=prod,spec.nodeName=node-17,status.phase!=Succeeded";
    group.bench_function("field_parse", |b| {
        b.iter(|| fields::Selector::parse(black_box(field_selector)));
    });
    let fs = fields::Selector::parse(field_selector).expect("benchmark selector is valid");
    let mut pod = Pod {
        metadata: ObjectMeta::default(),
        node_name: "node-17".to_owned(),
        phase: "Running".to_owned(),
    };
    pod.metadata.name = Some("web-7d4b9c8f6-x2x9q".into());
    pod.metadata.namespace = Some("prod".into());
    pod.metadata.labels = pod_labels();
    group.bench_function("field_match_hit", |b| {
        b.iter(|| black_box(&fs).matches(black_box(&pod)));
    });
    group.finish();
}

criterion_group!(benches, bench_selectors);
criterion_main!(benches);
