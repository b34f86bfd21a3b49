//! Where the queues' background tasks run.

use std::future::Future;

/// Runs a queue's background task (the delaying queue's timer, the metrics updater).
///
/// Inside a tokio runtime it is spawned there. Outside one (a queue built on a plain thread) it gets
/// a small dedicated thread with a current-thread runtime, so the queue works without async code.
/// Every such task ends when its queue shuts down or is dropped; nothing needs joining.
pub(crate) fn spawn<F>(name: &'static str, task: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        // Detached on purpose: the task watches the queue's stop signal and ends by itself.
        drop(handle.spawn(task));
        return;
    }
    let spawned = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
            {
                Ok(rt) => rt.block_on(task),
                Err(error) => {
                    tracing::error!(task = name, %error, "could not start a runtime for the workqueue background task");
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(task = name, %error, "could not start the workqueue background thread");
    }
}

/// A one-way "stop now" flag a background task can await.
#[derive(Debug, Default)]
pub(crate) struct StopSignal {
    stopped: std::sync::atomic::AtomicBool,
    notify: tokio::sync::Notify,
}

impl StopSignal {
    /// Sets the flag and wakes the task, now or whenever it next waits.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, std::sync::atomic::Ordering::Release);
        self.notify.notify_waiters();
        // Also leave a permit, for a task between its flag check and its wait.
        self.notify.notify_one();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Completes once [`stop`](Self::stop) has been called.
    pub(crate) async fn stopped(&self) {
        while !self.is_stopped() {
            self.notify.notified().await;
        }
    }

    /// Completes when stopped or when [`poke`](Self::poke) is called, whichever comes first.
    pub(crate) async fn poked(&self) {
        if !self.is_stopped() {
            self.notify.notified().await;
        }
    }

    /// Wakes the task without stopping it (leaves a permit if it is not waiting yet).
    pub(crate) fn poke(&self) {
        self.notify.notify_one();
    }
}
