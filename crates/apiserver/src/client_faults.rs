//! Faults aimed at one client, and a log of the requests served.
//!
//! Clients are told apart by their `User-Agent`, so one replica of a controller can lose the
//! server (every request hangs, or fails) while its peers keep talking to it: what a network
//! partition or an overloaded node does to a leader election. The log lets a test count the
//! requests a client made (the real server's audit log plays that part), and the in-flight count
//! tells a test driving a fake clock that every answer has been sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::faults::InjectedError;

/// The most requests [`ClientFaults::requests`] keeps; later ones are not logged.
pub const MAX_LOGGED_REQUESTS: usize = 100_000;

/// What happens to every request of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientFault {
    /// The server never answers (not even headers) until the client gives up.
    Hang,
    /// The server answers with this error.
    Fail(InjectedError),
}

/// One request that reached the server (faulted ones included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRequest {
    /// The HTTP method (`GET`, `PUT`, ...).
    pub method: http::Method,
    /// The path, without the query.
    pub path: String,
    /// The client's `User-Agent` (`""` when it sent none).
    pub user_agent: String,
}

/// Per-client faults and the request log of a running server
/// ([`crate::Faults::clients`]). All off by default.
#[derive(Debug, Default)]
pub struct ClientFaults {
    faults: Mutex<Vec<(String, Option<http::Method>, ClientFault)>>,
    log: Mutex<Option<Vec<ServedRequest>>>,
    in_flight: AtomicUsize,
}

/// Counts a request as in flight until dropped.
pub(crate) struct Serving<'a>(&'a AtomicUsize);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ClientFaults {
    /// Applies `fault` from now on to every request whose `User-Agent` is exactly `user_agent`
    /// and whose method is `method` (`None`: any method); `fault` `None` serves them normally
    /// again. A fault for one method wins over one for any method.
    pub fn set(&self, user_agent: &str, method: Option<&http::Method>, fault: Option<ClientFault>) {
        let mut g = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        g.retain(|(ua, m, _)| !(ua == user_agent && m.as_ref() == method));
        if let Some(f) = fault {
            g.push((user_agent.to_owned(), method.cloned(), f));
        }
    }

    /// Serves every client normally again (the log is kept).
    pub fn clear(&self) {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// Starts logging served requests (clearing the log), or stops it.
    pub fn record_requests(&self, on: bool) {
        *self.log.lock().unwrap_or_else(PoisonError::into_inner) = on.then(Vec::new);
    }

    /// The requests logged since [`ClientFaults::record_requests`] was turned on, in order.
    pub fn requests(&self) -> Vec<ServedRequest> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .unwrap_or_default()
    }

    /// Requests being handled now (hanging ones not counted): 0 means every request that
    /// reached the server has been answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Logs the request and returns the fault it gets, if any.
    pub(crate) fn on_request(
        &self,
        method: &http::Method,
        path: &str,
        user_agent: &str,
    ) -> Option<ClientFault> {
        if let Some(log) = self.log.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            if log.len() < MAX_LOGGED_REQUESTS {
                log.push(ServedRequest {
                    method: method.clone(),
                    path: path.to_owned(),
                    user_agent: user_agent.to_owned(),
                });
            }
        }
        let g = self.faults.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = || g.iter().filter(|(ua, _, _)| ua == user_agent);
        mine()
            .find(|(_, m, _)| m.as_ref() == Some(method))
            .or_else(|| mine().find(|(_, m, _)| m.is_none()))
            .map(|(_, _, f)| *f)
    }

    /// Counts a request in flight until the returned guard drops.
    pub(crate) fn serve(&self) -> Serving<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Serving(&self.in_flight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_for_one_method_wins_over_one_for_any_and_only_its_client_is_hit() {
        let f = ClientFaults::default();
        f.set("a", None, Some(ClientFault::Fail(InjectedError::Internal)));
        f.set("a", Some(&http::Method::PUT), Some(ClientFault::Hang));
        assert_eq!(
            f.on_request(&http::Method::PUT, "/x", "a"),
            Some(ClientFault::Hang)
        );
        assert_eq!(
            f.on_request(&http::Method::GET, "/x", "a"),
            Some(ClientFault::Fail(InjectedError::Internal))
        );
        assert_eq!(f.on_request(&http::Method::PUT, "/x", "b"), None);
        f.set("a", Some(&http::Method::PUT), None);
        assert_eq!(
            f.on_request(&http::Method::PUT, "/x", "a"),
            Some(ClientFault::Fail(InjectedError::Internal))
        );
        f.clear();
        assert_eq!(f.on_request(&http::Method::PUT, "/x", "a"), None);
    }

    #[test]
    fn the_log_holds_requests_only_while_recording_and_in_flight_counts_guards() {
        let f = ClientFaults::default();
        f.on_request(&http::Method::GET, "/before", "a");
        f.record_requests(true);
        f.on_request(&http::Method::GET, "/during", "a");
        let served = f.serve();
        assert_eq!(f.in_flight(), 1);
        drop(served);
        assert_eq!(f.in_flight(), 0);
        assert_eq!(
            f.requests(),
            [ServedRequest {
                method: http::Method::GET,
                path: "/during".to_owned(),
                user_agent: "a".to_owned(),
            }]
        );
        f.record_requests(false);
        assert!(f.requests().is_empty());
    }
}
