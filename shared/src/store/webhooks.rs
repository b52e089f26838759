//! Webhook endpoints and their deliveries (see [`super::keys`], `webhooks.rs`).

use std::collections::HashSet;
use std::future::Future;

use super::StoreError;
use crate::domain::ids::TenantId;
use crate::domain::webhooks::{Delivery, Endpoint};

/// One page of an endpoint's delivery log, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryPage {
    pub deliveries: Vec<Delivery>,
    /// The last event id of this page, when there may be more.
    pub next_after: Option<String>,
}

/// A delivery and the tenant it is of.
pub type TenantDelivery = (TenantId, Delivery);

pub trait WebhookStore: Send + Sync {
    /// A tenant's endpoints: one Query (strongly consistent, so a new endpoint is seen by
    /// the next stream batch).
    fn endpoints(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<Endpoint>, StoreError>> + Send;

    fn endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = Result<Option<Endpoint>, StoreError>> + Send;

    /// Puts a new endpoint (its id must be new).
    fn create_endpoint(
        &self,
        tenant: &TenantId,
        endpoint: &Endpoint,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces an endpoint if it still is as read (`updated_at` unchanged): `NotFound`
    /// when it is gone, `Conflict` (`endpoint_changed`) when someone changed it since.
    fn save_endpoint(
        &self,
        tenant: &TenantId,
        endpoint: &Endpoint,
        read_updated_at: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether there was one to delete. Its deliveries stay until their TTL; due
    /// retries find it gone and give up.
    fn delete_endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records since when an endpoint fails (`Some`, only when not already failing) or
    /// that it succeeded again (`None`, only when it was failing): one conditional
    /// UpdateItem, so a healthy endpoint costs no write.
    fn set_endpoint_failing(
        &self,
        tenant: &TenantId,
        id: &str,
        since: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Turns an enabled endpoint off (`disabled_reason`, `disabled_at`): true when this
    /// call did it.
    fn disable_endpoint(
        &self,
        tenant: &TenantId,
        id: &str,
        reason: &str,
        at: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Which of these (endpoint, event id) deliveries are already recorded: one
    /// eventually consistent BatchGetItem per 100.
    fn recorded_deliveries(
        &self,
        tenant: &TenantId,
        keys: &[(String, String)],
    ) -> impl Future<Output = Result<HashSet<(String, String)>, StoreError>> + Send;

    /// The first record of a delivery, only if there is none: false when there was.
    fn record_delivery(
        &self,
        tenant: &TenantId,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A later state of a recorded delivery, only if it has had `read_attempts` attempts
    /// (false otherwise: another run or a replay got there first). It is on the due index
    /// while it is pending or retrying.
    fn save_delivery(
        &self,
        tenant: &TenantId,
        delivery: &Delivery,
        read_attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn delivery(
        &self,
        tenant: &TenantId,
        endpoint: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<Option<Delivery>, StoreError>> + Send;

    /// An endpoint's log, newest first, after the event id `after`.
    fn deliveries(
        &self,
        tenant: &TenantId,
        endpoint: &str,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = Result<DeliveryPage, StoreError>> + Send;

    /// Deliveries whose next attempt is due by `now`, oldest first, at most `limit` from
    /// each shard: a Query per shard, then their items by key.
    fn due_deliveries(
        &self,
        now: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TenantDelivery>, StoreError>> + Send;
}
