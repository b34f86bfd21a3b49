//! clientgo's clients: the typed [`Clientset`](kubernetes::Clientset), the [`DiscoveryClient`],
//! the [`DynamicClient`] and the list [`ListPager`].
//!
//! Mirrors client-go's `kubernetes`, `discovery`, `dynamic` and `tools/pager` packages. Every client is
//! built on [`clientgo_rest::RestClient`]; the verbs are written once, generically
//! ([`ResourceClient`]), so a typed client, a custom resource's client and a dynamic client share one
//! implementation. Building clients performs no network I/O.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod discovery;
pub mod dynamic;
pub mod kubernetes;
mod options;
pub mod pager;
mod resource_client;

pub use discovery::{DiscoveryClient, Info};
pub use dynamic::DynamicClient;
pub use kubernetes::Clientset;
pub use options::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, PatchOptions, PatchType, Preconditions,
    UpdateOptions, WriteOptions,
};
pub use pager::{ListPager, DEFAULT_PAGE_SIZE};
pub use resource_client::ResourceClient;
