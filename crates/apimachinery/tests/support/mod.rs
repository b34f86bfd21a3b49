//! Shared helpers of the apimachinery integration tests.

pub mod transcript;
