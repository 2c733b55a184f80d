//! Two interceptors that let the adapters keep DynamoDB's attribute order.
//!
//! The SDK models a DynamoDB map as a `HashMap`, so it writes map attributes in a random
//! order and forgets the order of what it reads. The Python original's answers depend on
//! that order (boto3 keeps it both ways, and moto stores and returns maps in write
//! order: a stored spec's tags come back in the order they were submitted). The adapters
//! therefore serialise request bodies themselves, in order, and put them in place of the
//! SDK's body before signing ([`ReplaceRequestBody`]), and read the raw response body
//! ([`CaptureResponseBody`]) instead of the SDK's typed output. Everything else (endpoint
//! resolution, credentials, SigV4, retries, error parsing) stays the SDK's.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;

/// Sends `body` (a complete AWS JSON request) instead of the SDK's serialisation.
#[derive(Debug, Clone)]
pub(crate) struct ReplaceRequestBody {
    body: Bytes,
}

impl ReplaceRequestBody {
    pub(crate) fn new(body: &serde_json::Value) -> Self {
        ReplaceRequestBody { body: Bytes::from(body.to_string()) }
    }
}

impl Intercept for ReplaceRequestBody {
    fn name(&self) -> &'static str {
        "ReplaceRequestBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = SdkBody::from(self.body.clone());
        request.headers_mut().insert("content-length", self.body.len().to_string());
        Ok(())
    }
}

/// Keeps the raw body of a successful response.
#[derive(Debug, Clone, Default)]
pub(crate) struct CaptureResponseBody {
    body: Arc<Mutex<Option<Bytes>>>,
}

impl CaptureResponseBody {
    /// The body the last attempt received, parsed with its key order.
    pub(crate) fn json(&self) -> Option<serde_json::Value> {
        let body = self.body.lock().ok()?.clone()?;
        serde_json::from_slice(&body).ok()
    }
}

impl Intercept for CaptureResponseBody {
    fn name(&self) -> &'static str {
        "CaptureResponseBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes()
            && let Ok(mut slot) = self.body.lock()
        {
            *slot = Some(Bytes::copy_from_slice(bytes));
        }
        Ok(())
    }
}
