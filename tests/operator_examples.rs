//! Runs the operator example's `run` against the embedded API server and checks what it reports.

#![allow(dead_code)] // The example's `main` is unused here.

#[path = "../examples/operator_crd.rs"]
mod operator_crd;

use clientgo_apiserver::ApiServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_crd_creates_children_scales_fails_over_and_cleans_up() {
    let s = ApiServer::start().await.unwrap();
    let lines = operator_crd::run(s.kubeconfig_path(), std::future::pending())
        .await
        .unwrap();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_crd_stops_gracefully_and_releases_the_lease_on_interrupt() {
    let s = ApiServer::start().await.unwrap();
    let mut config = clientgo_rest::Config::new(s.url());
    config.qps = -1.0;
    let leases = clientgo_client::Clientset::new(&config)
        .unwrap()
        .coordination_v1()
        .leases("default");
    let holder = |leases: clientgo_client::ResourceClient<clientgo_api::coordination::v1::Lease>| async move {
        leases
            .get("widget-operator", &Default::default())
            .await
            .ok()
            .and_then(|l| l.spec.holder_identity)
            .unwrap_or_default()
    };
    // Main's Ctrl-C, fired once operator-a holds the Lease.
    let watched = leases.clone();
    let interrupt = async move {
        while holder(watched.clone()).await != "operator-a" {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let lines = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        operator_crd::run(s.kubeconfig_path(), interrupt),
    )
    .await
    .expect("run returns after the interrupt")
    .unwrap();
    let at = lines
        .iter()
        .position(|l| l == "interrupted: stopping the replicas gracefully")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(
        lines[at..].contains(&"operator-a: stopped leading".to_owned()),
        "the leader stopped gracefully: {lines:#?}"
    );
    assert_eq!(
        holder(leases).await,
        "",
        "release on cancel handed the Lease back"
    );
}
