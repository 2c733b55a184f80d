//! Lambda's fixed limits that the emulator enforces the same way.

/// Synchronous Invoke refuses a request payload larger than this (413).
pub const MAX_REQUEST_BYTES: usize = 6_291_456;
/// The Runtime API refuses a response larger than this; the caller gets
/// `Function.ResponseSizeTooLarge`.
pub(crate) const MAX_RESPONSE_BYTES: usize = 6_291_556;
/// Lambda gives a runtime this long to finish init before it gives up on the sandbox.
pub(crate) const INIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
