//! Cost reports (being built).
