//! The `cutover` binary as a user runs it, one module per command family. One test
//! binary for the crate: the modules share `support`.

mod architecture;
mod bench;
mod canary;
mod corpus;
mod deploy;
mod example;
mod help;
mod local;
mod new;
mod package;
mod parity;
mod parity_fuzz;
mod parity_shard;
mod report;
mod rewrite;
mod snapshots;
mod support;
