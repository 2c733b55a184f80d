//! `cutover canary` through the binary (being built).
