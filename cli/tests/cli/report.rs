//! `cutover report` through the binary (being built).
