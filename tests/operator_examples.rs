//! Runs the operator example's `run` against the embedded API server and checks what it reports.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/operator_crd.rs"]
mod operator_crd;

mod support;

use clientgo::dynamic::DynamicClient;
use clientgo_example::{NoArgs, Session};
use support::GUARD;

/// Whether the session's cluster still has the CRD, and its namespace.
async fn leftovers(session: &Session) -> (bool, bool) {
    let crds = DynamicClient::new(session.config())
        .unwrap()
        .resource(&operator_crd::crd_resource(), None);
    let crd = crds.get(operator_crd::CRD, &Default::default()).await;
    let ns = session
        .clientset()
        .core_v1()
        .namespaces()
        .get("operator-crd", &Default::default())
        .await;
    (
        !crd.is_err_and(|e| e.is_not_found()),
        !ns.is_err_and(|e| e.is_not_found()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_crd_creates_children_scales_fails_over_and_cleans_up() {
    let session = support::session("operator_crd").await;
    tokio::time::timeout(GUARD, operator_crd::run(&session, &NoArgs {}))
        .await
        .unwrap()
        .unwrap();
    session.finish().await.unwrap();
    let lines = support::example_lines(&session);
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("missing {l:?} in {lines:#?}"))
    };
    assert_eq!(lines[0], "crd widgets.example.com registered");
    let first = pos("operator-a: started leading");
    let alpha = pos("widget/alpha: deployment.apps/widget-alpha 1 replicas of nginx:1.27, owned by the widget, status written");
    pos("widget/beta: deployment.apps/widget-beta 2 replicas of nginx:1.27, owned by the widget, status written");
    pos("widget/gamma: deployment.apps/widget-gamma 3 replicas of nginx:1.27, owned by the widget, status written");
    let scaled = pos("widget/beta scaled to 5: deployment.apps/widget-beta now has 5 replicas");
    let kill = pos("killing operator-a (no release)");
    let takeover = pos("operator-b: started leading");
    let deleted =
        pos("widget/gamma deleted: cleanup removed deployment.apps/widget-gamma, then the widget went");
    assert!(first < alpha && alpha < scaled && scaled < kill && kill < takeover && takeover < deleted);
    assert!(!lines[..takeover].contains(&"operator-b: started leading".to_owned()));
    assert_eq!(
        lines[deleted + 1],
        "events: alpha: Synced, beta: Synced, gamma: CleanedUp, gamma: Synced"
    );
    assert_eq!(lines[deleted + 2], "max reconciles of one key at once: 1");
    assert_eq!(
        lines[deleted + 3],
        "widget/alpha and widget/beta deleted through the operator too, so the CRD can go"
    );
    assert_eq!(lines[deleted + 4..], ["operator-b: stopped leading"]);
    // The session deleted the CRD and the namespace: nothing was held by a finalizer.
    let all = session.out().lines();
    assert_eq!(
        all[all.len() - 2..],
        [
            "cleanup: deleted CustomResourceDefinition widgets.example.com",
            "cleanup: deleted namespace operator-crd",
        ]
    );
    assert_eq!(leftovers(&session).await, (false, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_crd_stops_gracefully_and_releases_the_lease_on_interrupt() {
    let session = support::session("operator_crd").await;
    let ctrl_c = async {
        session
            .out()
            .wait_for(|l| l == "operator-a: started leading")
            .await;
        session.interrupt();
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(operator_crd::run(&session, &NoArgs {}), ctrl_c)
    })
    .await
    .unwrap();
    result.unwrap();
    let lines = support::example_lines(&session);
    let at = lines
        .iter()
        .position(|l| l == "interrupted: stopping the replicas gracefully")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        lines[at..].contains(&"operator-a: stopped leading".to_owned()),
        "the leader stopped gracefully: {lines:#?}"
    );
    let lease = session
        .clientset()
        .coordination_v1()
        .leases("operator-crd")
        .get("widget-operator", &Default::default())
        .await
        .unwrap();
    assert_eq!(
        lease.spec.holder_identity.as_deref().unwrap_or_default(),
        "",
        "release on cancel handed the Lease back"
    );
    session.finish().await.unwrap();
    assert_eq!(leftovers(&session).await, (false, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_crd_interrupted_with_widgets_left_releases_their_finalizers() {
    let session = support::session("operator_crd").await;
    // Ctrl-C once the Widgets carry the operator's finalizer.
    let ctrl_c = async {
        session
            .out()
            .wait_for(|l| l.starts_with("widget/gamma: deployment.apps/widget-gamma"))
            .await;
        session.interrupt();
    };
    let (result, ()) = tokio::time::timeout(GUARD, async {
        tokio::join!(operator_crd::run(&session, &NoArgs {}), ctrl_c)
    })
    .await
    .unwrap();
    result.unwrap();
    let lines = support::example_lines(&session);
    assert_eq!(
        lines.last().unwrap(),
        "released the finalizer of widget/alpha, widget/beta, widget/gamma (no operator left to clean up; its deployments go with the namespace)",
        "{lines:#?}"
    );
    let widgets = session
        .clientset()
        .resource::<operator_crd::Widget>(Some("operator-crd"))
        .list(&Default::default())
        .await
        .unwrap();
    assert!(
        widgets.items.iter().all(|w| w.metadata.finalizers.is_empty()),
        "{:?}",
        widgets.items
    );
    session.finish().await.unwrap();
    assert_eq!(leftovers(&session).await, (false, false));
}
