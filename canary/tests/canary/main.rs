//! The canary crate's integration tests, one binary: the state machine with fakes in
//! virtual time, the stores, and the adapters against the emulator and moto.

mod adapters;
mod decommission;
mod pre_traffic;
mod rehearsals;
mod render;
mod simulation;
mod state_machine;
mod stores;
mod support;
