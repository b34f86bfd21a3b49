//! Tests of the generator's model against the vendored v1.36.2 documents and the real API server's recorded
//! discovery answers, and of its errors on malformed input. One test binary: the spec is loaded once.

mod support;

mod definitions;
mod discovery;
mod emit;
mod errors;
mod naming;
mod resources;
mod sample;
mod summary;
