//! The canary controller (being built).
