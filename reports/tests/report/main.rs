//! The reports crate from outside: its adapters against moto server, its renderers
//! (insta snapshots), and the HTML report in a real headless Chromium. One test binary.

mod browser;
mod moto;
mod render;
mod support;
