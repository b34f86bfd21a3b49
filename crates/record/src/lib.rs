//! Events for humans: client-go's `tools/record` and `tools/events`.
//!
//! An [`EventBroadcaster`] owns one bounded queue and one writer task; [`EventRecorder`]s made
//! from it record events about objects without ever waiting on the API server. Events are
//! written as events.k8s.io/v1 Events (core/v1 Events when the server lacks that API), after the
//! [`EventCorrelator`] has dropped spam (25 per source and object, then one per 5 minutes),
//! combined floods of similar events, and folded repeats into one Event whose series count grows
//! by PATCH.
//!
//! ```no_run
//! # async fn demo(clientset: clientgo_client::Clientset, cm: clientgo_api::core::v1::ConfigMap) {
//! use clientgo_record::{get_reference, BroadcasterOptions, EventBroadcaster, EventType};
//!
//! let broadcaster = EventBroadcaster::new(&clientset, BroadcasterOptions::default());
//! let recorder = broadcaster.new_recorder("example.com/demo-controller", "demo-0");
//! recorder.eventf(&get_reference(&cm), EventType::Normal, "Synced", format_args!("synced {}", 3));
//! broadcaster.shutdown().await; // writes what is queued
//! # }
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod broadcaster;
mod correlator;
mod reference;
mod sink;

pub use broadcaster::{BroadcasterOptions, EventBroadcaster, EventRecorder, EventStats, EventType, NewEvent};
pub use correlator::{Correlation, CorrelatorOptions, EventCorrelator, SeriesPatch, COMBINED_PREFIX};
pub use reference::{get_dynamic_reference, get_reference};
