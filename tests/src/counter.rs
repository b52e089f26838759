//! Counts DynamoDB requests as the SDK sends them (retries included), by operation, and
//! the capacity units they consume: every request asks for `ReturnConsumedCapacity:
//! INDEXES` (table and index units), and every response's figure is added up.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Default)]
struct Tally {
    sent: Vec<String>,
    read_units: f64,
    write_units: f64,
}

#[derive(Clone, Debug, Default)]
pub struct RequestCounter {
    tally: Arc<Mutex<Tally>>,
}

impl RequestCounter {
    pub fn reset(&self) {
        *self.tally.lock().unwrap() = Tally::default();
    }

    pub fn total(&self) -> usize {
        self.tally.lock().unwrap().sent.len()
    }

    /// Operation names in the order they were sent, e.g. `["GetItem", "TransactWriteItems"]`.
    pub fn operations(&self) -> Vec<String> {
        self.tally.lock().unwrap().sent.clone()
    }

    pub fn count(&self, operation: &str) -> usize {
        self.tally
            .lock()
            .unwrap()
            .sent
            .iter()
            .filter(|op| *op == operation)
            .count()
    }

    /// Read capacity units consumed, table and indexes.
    pub fn read_units(&self) -> f64 {
        self.tally.lock().unwrap().read_units
    }

    /// Write capacity units consumed, table and indexes.
    pub fn write_units(&self) -> f64 {
        self.tally.lock().unwrap().write_units
    }
}

fn units(capacity: &[ConsumedCapacity]) -> f64 {
    capacity.iter().filter_map(|c| c.capacity_units()).sum()
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation::{
            batch_get_item::BatchGetItemInput, batch_write_item::BatchWriteItemInput,
            delete_item::DeleteItemInput, get_item::GetItemInput, put_item::PutItemInput,
            query::QueryInput, scan::ScanInput, transact_get_items::TransactGetItemsInput,
            transact_write_items::TransactWriteItemsInput, update_item::UpdateItemInput,
        };
        let input = context.input_mut();
        let indexes = Some(ReturnConsumedCapacity::Indexes);
        if let Some(i) = input.downcast_mut::<GetItemInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<QueryInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<ScanInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<BatchGetItemInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<TransactGetItemsInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<PutItemInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<UpdateItemInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<DeleteItemInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<BatchWriteItemInput>() {
            i.return_consumed_capacity = indexes;
        } else if let Some(i) = input.downcast_mut::<TransactWriteItemsInput>() {
            i.return_consumed_capacity = indexes;
        }
        Ok(())
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
        self.tally.lock().unwrap().sent.push(operation);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation::{
            batch_get_item::BatchGetItemOutput, batch_write_item::BatchWriteItemOutput,
            delete_item::DeleteItemOutput, get_item::GetItemOutput, put_item::PutItemOutput,
            query::QueryOutput, scan::ScanOutput, transact_get_items::TransactGetItemsOutput,
            transact_write_items::TransactWriteItemsOutput, update_item::UpdateItemOutput,
        };
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let one = |c: Option<&ConsumedCapacity>| c.and_then(|c| c.capacity_units()).unwrap_or(0.0);
        let (read, write) = if let Some(o) = output.downcast_ref::<GetItemOutput>() {
            (one(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
            (one(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<ScanOutput>() {
            (one(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<BatchGetItemOutput>() {
            (units(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<TransactGetItemsOutput>() {
            (units(o.consumed_capacity()), 0.0)
        } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
            (0.0, one(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
            (0.0, one(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<DeleteItemOutput>() {
            (0.0, one(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<BatchWriteItemOutput>() {
            (0.0, units(o.consumed_capacity()))
        } else if let Some(o) = output.downcast_ref::<TransactWriteItemsOutput>() {
            (0.0, units(o.consumed_capacity()))
        } else {
            (0.0, 0.0)
        };
        let mut tally = self.tally.lock().unwrap();
        tally.read_units += read;
        tally.write_units += write;
        Ok(())
    }
}
