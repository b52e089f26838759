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

/// Units of one response's `ConsumedCapacity`: one per table, or one for a single-table
/// operation.
fn units<'a>(capacity: impl IntoIterator<Item = &'a ConsumedCapacity>) -> f64 {
    capacity
        .into_iter()
        .filter_map(|c| c.capacity_units())
        .sum()
}

/// (read units, write units) of whichever operation answered.
fn units_of(output: &aws_smithy_runtime_api::client::interceptors::context::Output) -> (f64, f64) {
    macro_rules! units_of {
        ($($kind:ident $operation:ident :: $output:ident),+) => {
            $(
                if let Some(output) = output.downcast_ref::<aws_sdk_dynamodb::operation::$operation::$output>() {
                    return units_of!(@sum $kind output);
                }
            )+
        };
        (@sum read $output:ident) => { (units($output.consumed_capacity()), 0.0) };
        (@sum write $output:ident) => { (0.0, units($output.consumed_capacity())) };
    }
    units_of!(
        read get_item::GetItemOutput,
        read query::QueryOutput,
        read scan::ScanOutput,
        read batch_get_item::BatchGetItemOutput,
        read transact_get_items::TransactGetItemsOutput,
        write put_item::PutItemOutput,
        write update_item::UpdateItemOutput,
        write delete_item::DeleteItemOutput,
        write batch_write_item::BatchWriteItemOutput,
        write transact_write_items::TransactWriteItemsOutput
    );
    (0.0, 0.0)
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
        let input = context.input_mut();
        macro_rules! ask_for_capacity {
            ($($operation:ident :: $input:ident),+) => {
                $(
                    if let Some(input) = input.downcast_mut::<aws_sdk_dynamodb::operation::$operation::$input>() {
                        input.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
                        return Ok(());
                    }
                )+
            };
        }
        ask_for_capacity!(
            get_item::GetItemInput,
            query::QueryInput,
            scan::ScanInput,
            batch_get_item::BatchGetItemInput,
            transact_get_items::TransactGetItemsInput,
            put_item::PutItemInput,
            update_item::UpdateItemInput,
            delete_item::DeleteItemInput,
            batch_write_item::BatchWriteItemInput,
            transact_write_items::TransactWriteItemsInput
        );
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
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let (read, write) = units_of(output);
        let mut tally = self.tally.lock().unwrap();
        tally.read_units += read;
        tally.write_units += write;
        Ok(())
    }
}
