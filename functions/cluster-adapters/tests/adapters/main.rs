//! The adapters and the handlers on real and odd input, one test binary for the crate:
//! `moto_replay` (the corpus against moto through the real SDK clients), `compensation`
//! (create-cluster's partial failures beside the Python original), `odd_events` (Python's
//! answers to events nobody meant to send, from a golden file).

mod compensation;
mod moto_replay;
mod odd_events;
mod support;
