//! Counts DynamoDB requests as the SDK sends them (retries included), by operation.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Clone, Debug, Default)]
pub struct RequestCounter {
    sent: Arc<Mutex<Vec<String>>>,
}

impl RequestCounter {
    pub fn reset(&self) {
        self.sent.lock().unwrap().clear();
    }

    pub fn total(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    /// Operation names in the order they were sent, e.g. `["GetItem", "TransactWriteItems"]`.
    pub fn operations(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|op| *op == operation)
            .count()
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("unknown", |m| m.name())
            .to_owned();
        self.sent.lock().unwrap().push(operation);
        Ok(())
    }
}
