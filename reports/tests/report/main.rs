//! The reports crate from outside: its adapters against moto server, the emulator and
//! aws-smithy-mocks (Logs Insights), its renderers
//! (insta snapshots), and the HTML report in a real headless Chromium. One test binary.

mod aws_source;
mod browser;
mod insights;
mod moto;
mod render;
mod support;
