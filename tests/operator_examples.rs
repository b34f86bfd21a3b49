//! Runs the operator example's `run` against the embedded API server and checks what it reports.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/operator_crd.rs"]
mod operator_crd;

use clientgo_apiserver::ApiServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_crd_creates_children_scales_fails_over_and_cleans_up() {
    let s = ApiServer::start().await.unwrap();
    let lines = operator_crd::run(s.kubeconfig_path()).await.unwrap();
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
    assert!(
        lines[deleted + 3..].contains(&"operator-b: stopped leading".to_owned()),
        "{lines:#?}"
    );
}
