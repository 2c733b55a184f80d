//! Integration tests of the parity harness: seeded divergences, noise learning, id
//! mapping, the HTTP target against a loopback server, and the rendered reports.

mod http;
mod render;
mod replay;
mod seeded;
mod support;
