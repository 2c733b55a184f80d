//! Integration tests of the parity harness: seeded divergences, noise learning, id
//! mapping, the HTTP target against a loopback server, the rendered reports, and the
//! `local:` and `lambda:` targets with real sandboxes (the whole corpus, Python vs Rust), and
//! the write calls compared in order (`writes`).

mod http;
mod local;
mod redaction;
mod render;
mod replay;
mod seeded;
mod shapes;
mod support;
mod writes;
