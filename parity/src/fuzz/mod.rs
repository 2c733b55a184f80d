//! `cutover parity fuzz`: looks for the inputs where two versions part, instead of only
//! replaying what was recorded.
//!
//! - [`generate_mutants`] draws structured mutations of the corpus's events from a seed
//!   ([`SplitMix64`](prng), so the same seed gives the same mutants everywhere): a field
//!   dropped, nulled or of another type, header names in another case, unknown fields,
//!   the body's encoding, unicode and huge values, and the shapes of other API Gateway
//!   kinds ([`EventShape`]), in the event and inside a JSON body;
//! - [`Fuzzer`] replays the corpus unmutated (the state and ids the mutants need), then
//!   each mutant against both sides one at a time, compares the answers with the
//!   comparison and rules of `parity run` (a mutant has no recorded answer: the
//!   baseline's is the reference), groups divergences by function, mutation and path,
//!   shrinks each group to its smallest mutant, and compares the writes at the end;
//! - [`FuzzReport`] holds the result, redacted; [`render_fuzz`] prints it.

mod generate;
mod mutation;
mod prng;
mod render;
mod report;
mod run;
mod shape;

pub use mutation::{BodyEncoding, Change, HeaderCase, JsonType, Mutation, MutationKind, UnicodeText};
pub use render::{FuzzFormat, render_fuzz};
pub use report::{
    CorpusCheck, Finding, FuzzReport, FuzzTiming, KindSummary, MutantError, MutantTotals, SmallestMutant, WritesCheck,
};
pub use run::{FuzzError, FuzzProgress, FuzzSettings, Fuzzer};
pub use shape::EventShape;
