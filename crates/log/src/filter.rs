//! Which events reach a program's log: its own and the client library's.

use tracing::Metadata;
use tracing_subscriber::filter::{filter_fn, FilterFn};

/// The target prefix of the embedded API server, which may run in the same process as the client.
const SERVER_TARGET: &str = "clientgo_apiserver";

/// Whether an event with this target belongs to the client side of `program`: the program's own
/// code (targets starting with `program`, its module path) and the client library (`clientgo*`
/// crates), but not the embedded API server nor the HTTP stack's internals (hyper's connection
/// pool and the like).
///
/// client-go's logs are client-go's alone: an example that runs the embedded server in-process
/// would otherwise mix the server's own request logs into the client's at `-v 4` and up.
pub fn is_client_target(target: &str, program: &str) -> bool {
    target.starts_with(program) || (target.starts_with("clientgo") && !target.starts_with(SERVER_TARGET))
}

/// A per-layer filter passing only [`is_client_target`] events:
/// `layer.with_filter(klog::client_only(module_path!()))`.
pub fn client_only(program: &'static str) -> FilterFn<impl Fn(&Metadata<'_>) -> bool> {
    filter_fn(move |meta| is_client_target(meta.target(), program))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_and_the_http_stack_are_not_the_client() {
        let app = "custom_logger_json_file";
        assert!(is_client_target("custom_logger_json_file", app));
        assert!(is_client_target(
            "logging_examples::custom_logger_json_file",
            "logging_examples::custom_logger_json_file"
        ));
        assert!(is_client_target("clientgo_rest::execute", app));
        assert!(is_client_target("clientgo_example::session", app));
        assert!(!is_client_target("clientgo_apiserver::server::router", app));
        assert!(!is_client_target("hyper_util::client::legacy::pool", app));
        assert!(!is_client_target("rustls::client", app));
    }
}
