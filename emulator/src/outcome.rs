//! What an invocation produced, in Lambda's terms: the payload the caller sees, whether it
//! is a function error, and the REPORT line Lambda would log.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

/// How an invocation ended. Every variant but `Success` is a function error: Lambda
/// answers 200 with `X-Amz-Function-Error: Unhandled` and an error document as payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// The runtime posted a response.
    Success,
    /// The handler failed and the runtime posted to `/error`.
    FunctionError {
        /// The `errorType` the runtime reported (Python's exception class, say); `Unhandled`
        /// when it gave none; `InjectedFault` for a fault a rehearsal injected.
        error_type: String,
    },
    /// The runtime failed to start (`init/error`, or an exit before its first event).
    InitError {
        /// The `errorType` the runtime reported, else Lambda's own: `Runtime.InitError`,
        /// `Runtime.ExitError` or `Runtime.InvalidEntrypoint`.
        error_type: String,
    },
    /// The process died mid-invocation (`Runtime.ExitError`); the sandbox was replaced.
    ExitError,
    /// The runtime grew past the memory limit and the kernel killed it
    /// (`Runtime.OutOfMemory`); only with the memory limit on.
    OutOfMemory,
    /// The timeout passed; the sandbox was killed.
    Timeout,
    /// The runtime posted a response over 6 MB.
    ResponseTooLarge,
}

impl OutcomeStatus {
    /// Whether this is a function error: anything but [`OutcomeStatus::Success`].
    pub fn is_error(&self) -> bool {
        *self != OutcomeStatus::Success
    }

    /// The error type as CloudWatch and the REPORT line show it.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            OutcomeStatus::Success => None,
            OutcomeStatus::FunctionError { error_type } | OutcomeStatus::InitError { error_type } => Some(error_type),
            OutcomeStatus::ExitError => Some("Runtime.ExitError"),
            OutcomeStatus::OutOfMemory => Some("Runtime.OutOfMemory"),
            OutcomeStatus::Timeout => Some("Sandbox.Timedout"),
            OutcomeStatus::ResponseTooLarge => Some("Function.ResponseSizeTooLarge"),
        }
    }
}

/// One invocation that reached a sandbox (or an injected fault): what the Invoke API
/// answers and what Lambda would log.
#[derive(Debug, Clone, Serialize)]
pub struct InvocationOutcome {
    /// Lambda's request id (a UUID), as the handler's context and the log lines show it.
    pub request_id: String,
    /// The function's name.
    pub function: String,
    /// The qualifier the caller asked for (an alias, a version or `$LATEST`).
    pub qualifier: String,
    /// The version that ran (`X-Amz-Executed-Version`).
    pub executed_version: String,
    /// How the invocation ended.
    pub status: OutcomeStatus,
    /// The response, or the error document for a function error.
    #[serde(serialize_with = "serialize_payload")]
    pub payload: Bytes,
    /// The facts of the REPORT line logged for it.
    pub report: Report,
    /// The last 4 KB of the execution log (START, the function's output, END, REPORT),
    /// when the caller asked for it (`LogType=Tail`).
    #[serde(skip)]
    pub log_tail: Option<String>,
    /// The AWS calls the invocation made, in start order, when a proxy stood in front of
    /// the back end (a latency profile, or recorded writes); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aws_calls: Vec<crate::latency::AwsCall>,
}

impl InvocationOutcome {
    /// `X-Amz-Function-Error`.
    pub fn function_error(&self) -> Option<&'static str> {
        self.status.is_error().then_some("Unhandled")
    }
}

fn serialize_payload<S: serde::Serializer>(payload: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_slice::<serde_json::Value>(payload) {
        Ok(value) => value.serialize(serializer),
        Err(_) => serializer.serialize_str(&String::from_utf8_lossy(payload)),
    }
}

/// The facts of Lambda's REPORT line.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The invocation's request id.
    pub request_id: String,
    /// How long the invocation ran, init excluded, added fault latency included.
    #[serde(rename = "duration_ms", serialize_with = "serialize_ms")]
    pub duration: Duration,
    /// What Lambda bills: `duration` plus any init, rounded up to the millisecond.
    pub billed_duration_ms: u64,
    /// The function's configured memory (`memory_mb`).
    pub memory_size_mb: u32,
    /// The runtime process's peak resident memory so far, in MB (`Max Memory Used`); 0 for
    /// an init failure or an injected fault.
    pub max_memory_used_mb: u64,
    /// Present on a cold start.
    #[serde(rename = "init_duration_ms", serialize_with = "serialize_optional_ms")]
    pub init_duration: Option<Duration>,
    /// `timeout` or `error` when the invocation did not succeed, as Lambda prints it.
    pub status: Option<String>,
    /// The error type Lambda prints on the REPORT line: set for init errors, crashes and
    /// oversized responses, None otherwise (a handler's own error is not printed there).
    pub error_type: Option<String>,
    /// Why the CPU share or memory limit asked for was not enforced (no writable cgroup);
    /// the REPORT line then ends with `Physics: unthrottled`, so no figure of the run
    /// passes for a throttled one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unthrottled: Option<String>,
}

impl Report {
    /// Billing rounds up to the millisecond and, as AWS bills since August 2025, includes
    /// the init phase of a cold start.
    pub(crate) fn billed_ms(duration: Duration, init_duration: Option<Duration>) -> u64 {
        let total = duration + init_duration.unwrap_or_default();
        let micros = total.as_micros();
        u64::try_from(micros.div_ceil(1000)).unwrap_or(u64::MAX).max(1)
    }
}

fn serialize_ms<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round_ms(*duration))
}

fn serialize_optional_ms<S: serde::Serializer>(duration: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => serializer.serialize_some(&round_ms(*duration)),
        None => serializer.serialize_none(),
    }
}

fn round_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 100_000.0).round() / 100.0
}

/// Lambda's exact layout: tab-separated fields, two decimals for durations, a trailing tab.
impl fmt::Display for Report {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            self.request_id,
            self.duration.as_secs_f64() * 1000.0,
            self.billed_duration_ms,
            self.memory_size_mb,
            self.max_memory_used_mb,
        )?;
        if let Some(init) = self.init_duration {
            write!(formatter, "Init Duration: {:.2} ms\t", init.as_secs_f64() * 1000.0)?;
        }
        if let Some(status) = &self.status {
            write!(formatter, "Status: {status}\t")?;
        }
        if let Some(error_type) = &self.error_type {
            write!(formatter, "Error Type: {error_type}\t")?;
        }
        if self.unthrottled.is_some() {
            write!(formatter, "Physics: unthrottled\t")?;
        }
        Ok(())
    }
}

/// Why an invocation was refused before it reached a sandbox, with the Lambda API error
/// it becomes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// No such function, version or alias (`ResourceNotFoundException`).
    #[error("Function not found: {arn}")]
    FunctionNotFound {
        /// The ARN asked for, qualified as the caller qualified it.
        arn: String,
    },
    /// A malformed parameter (`ValidationException`), worded as Lambda words it.
    #[error("{message}")]
    Validation {
        /// Lambda's message.
        message: String,
    },
    /// A well-formed but unacceptable parameter (`InvalidParameterValueException`).
    #[error("{message}")]
    InvalidParameterValue {
        /// Lambda's message.
        message: String,
    },
    /// A payload that is not JSON (`InvalidRequestContentException`).
    #[error("{message}")]
    InvalidRequestContent {
        /// Lambda's message.
        message: String,
    },
    /// A payload over the synchronous limit, [`MAX_REQUEST_BYTES`](crate::MAX_REQUEST_BYTES)
    /// (`RequestTooLargeException`).
    #[error("Request must be smaller than {limit} bytes for the InvokeFunction operation")]
    RequestTooLarge {
        /// The payload's size, in bytes.
        size: usize,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The function's reserved concurrency is all in flight (`TooManyRequestsException`);
    /// counted as a throttle in the metrics.
    #[error("Rate Exceeded.")]
    Throttled {
        /// The function's name.
        function: String,
        /// The qualifier the caller used.
        qualifier: String,
    },
    /// [`Emulator::shutdown`](crate::Emulator::shutdown) has begun.
    #[error("the emulator is shutting down")]
    ShuttingDown,
}

impl InvokeError {
    /// HTTP status and `x-amzn-ErrorType` of the Lambda API answer.
    pub fn http_status_and_type(&self) -> (u16, &'static str) {
        match self {
            InvokeError::FunctionNotFound { .. } => (404, "ResourceNotFoundException"),
            InvokeError::Validation { .. } => (400, "ValidationException"),
            InvokeError::InvalidParameterValue { .. } => (400, "InvalidParameterValueException"),
            InvokeError::InvalidRequestContent { .. } => (400, "InvalidRequestContentException"),
            InvokeError::RequestTooLarge { .. } => (413, "RequestTooLargeException"),
            InvokeError::Throttled { .. } => (429, "TooManyRequestsException"),
            InvokeError::ShuttingDown => (503, "ServiceException"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cold_start_report_matches_lambdas_layout() {
        let report = Report {
            request_id: "8f5e1a52-0000-4000-8000-000000000000".into(),
            duration: Duration::from_micros(2_071),
            billed_duration_ms: Report::billed_ms(Duration::from_micros(2_071), Some(Duration::from_micros(15_960))),
            memory_size_mb: 128,
            max_memory_used_mb: 18,
            init_duration: Some(Duration::from_micros(15_960)),
            status: None,
            error_type: None,
            unthrottled: None,
        };
        assert_eq!(
            report.to_string(),
            "REPORT RequestId: 8f5e1a52-0000-4000-8000-000000000000\tDuration: 2.07 ms\tBilled Duration: 19 ms\t\
Memory Size: 128 MB\tMax Memory Used: 18 MB\tInit Duration: 15.96 ms\t"
        );
    }

    #[test]
    fn billing_rounds_up_and_never_bills_zero() {
        assert_eq!(Report::billed_ms(Duration::from_micros(1_001), None), 2);
        assert_eq!(Report::billed_ms(Duration::from_micros(1_000), None), 1);
        assert_eq!(Report::billed_ms(Duration::ZERO, None), 1);
    }

    #[test]
    fn a_timeout_report_says_so() {
        let report = Report {
            request_id: "r".into(),
            duration: Duration::from_secs(3),
            billed_duration_ms: 3000,
            memory_size_mb: 128,
            max_memory_used_mb: 20,
            init_duration: None,
            status: Some("timeout".into()),
            error_type: None,
            unthrottled: None,
        };
        assert!(report.to_string().ends_with("Max Memory Used: 20 MB\tStatus: timeout\t"), "{report}");
    }

    #[test]
    fn an_out_of_memory_report_names_the_error_and_an_unthrottled_one_says_so_last() {
        let report = Report {
            request_id: "r".into(),
            duration: Duration::from_millis(40),
            billed_duration_ms: 40,
            memory_size_mb: 128,
            max_memory_used_mb: 128,
            init_duration: None,
            status: Some("error".into()),
            error_type: OutcomeStatus::OutOfMemory.error_type().map(str::to_string),
            unthrottled: Some("no writable cgroup".into()),
        };
        assert!(
            report.to_string().ends_with(
                "Max Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\tPhysics: unthrottled\t"
            ),
            "{report}"
        );
    }
}
