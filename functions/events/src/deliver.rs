//! Webhook deliveries: an event to each endpoint that wants it, signed as Standard
//! Webhooks specifies, tried at once and then on a schedule; an endpoint's health.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::StreamExt;
use shared::domain::format_timestamp;
use shared::domain::ids::TenantId;
use shared::domain::webhooks::{
    is_retryable_status, retry_after, Delivery, DeliveryStatus, Endpoint, DELIVERY_TIMEOUT_SECS,
    DISABLE_AFTER_SECS,
};
use shared::outbound::Outbound;
use shared::store::{StoreError, WebhookStore};

use crate::event::Event;

/// Why tidings disabled an endpoint.
pub const DISABLED_FAILING: &str = "failing";

/// Groups of deliveries (one endpoint, one conversation) sent at the same time.
const CONCURRENT_GROUPS: usize = 16;

/// Sends deliveries and keeps their records and the endpoints' health.
pub struct Courier<'a, S> {
    pub store: &'a S,
    pub outbound: &'a Outbound,
    pub now: jiff::Timestamp,
}

/// One delivery to make, with its endpoint and whether it was recorded before.
struct Job<'a> {
    endpoint: &'a Endpoint,
    delivery: Delivery,
    recorded: bool,
}

impl<S: WebhookStore> Courier<'_, S> {
    /// Each event to every endpoint of its tenant that wants it, first attempts made at
    /// once. A delivery recorded before (the batch is processed again) is not sent again.
    pub async fn fan_out(&self, tenant: &TenantId, events: &[&Event]) -> Result<(), StoreError> {
        let endpoints = self.store.endpoints(tenant).await?;
        if endpoints.is_empty() {
            return Ok(());
        }
        let now = format_timestamp(self.now);
        let mut deliveries = Vec::new();
        for event in events {
            for endpoint in endpoints.iter().filter(|e| e.wants(event.event_type)) {
                deliveries.push((endpoint, self.new_delivery(endpoint, event, &now)));
            }
        }
        let keys: Vec<(String, String)> = deliveries
            .iter()
            .map(|(_, d)| (d.endpoint_id.clone(), d.event_id.clone()))
            .collect();
        let recorded = self.store.recorded_deliveries(tenant, &keys).await?;
        let jobs = deliveries
            .into_iter()
            .filter(|(_, d)| !recorded.contains(&(d.endpoint_id.clone(), d.event_id.clone())))
            .map(|(endpoint, delivery)| Job {
                endpoint,
                delivery,
                recorded: false,
            })
            .collect();
        self.send_in_order(tenant, jobs).await
    }

    fn new_delivery(&self, endpoint: &Endpoint, event: &Event, now: &str) -> Delivery {
        Delivery {
            endpoint_id: endpoint.id.clone(),
            event_id: event.id.clone(),
            event_type: event.event_type,
            conversation_id: event.conversation_id.clone(),
            payload: event.body(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_attempt_at: None,
            response_status: None,
            latency_ms: None,
            error: None,
            next_attempt_at: Some(now.to_owned()),
            created_at: now.to_owned(),
        }
    }

    /// Deliveries whose next attempt is due, oldest first per endpoint and conversation.
    /// Those of an endpoint deleted or disabled since fail. How many were attempted.
    pub async fn retry_due(&self, limit: usize) -> Result<usize, StoreError> {
        let due = self
            .store
            .due_deliveries(&format_timestamp(self.now), limit)
            .await?;
        let mut by_tenant: BTreeMap<TenantId, Vec<Delivery>> = BTreeMap::new();
        for (tenant, delivery) in due {
            by_tenant.entry(tenant).or_default().push(delivery);
        }
        for deliveries in by_tenant.values_mut() {
            deliveries.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        }
        let mut attempted = 0;
        for (tenant, deliveries) in by_tenant {
            let endpoints = self.store.endpoints(&tenant).await?;
            let mut jobs = Vec::new();
            for delivery in deliveries {
                match endpoints.iter().find(|e| e.id == delivery.endpoint_id) {
                    Some(endpoint) if endpoint.wants(delivery.event_type) => jobs.push(Job {
                        endpoint,
                        delivery,
                        recorded: true,
                    }),
                    found => {
                        let reason = match found {
                            Some(_) => "endpoint disabled",
                            None => "endpoint deleted",
                        };
                        self.give_up(&tenant, delivery, reason).await?;
                    }
                }
            }
            attempted += jobs.len();
            self.send_in_order(&tenant, jobs).await?;
        }
        Ok(attempted)
    }

    async fn give_up(
        &self,
        tenant: &TenantId,
        mut delivery: Delivery,
        reason: &str,
    ) -> Result<(), StoreError> {
        let read_attempts = delivery.attempts;
        delivery.status = DeliveryStatus::Failed;
        delivery.next_attempt_at = None;
        delivery.error = Some(reason.to_owned());
        self.store
            .save_delivery(tenant, &delivery, read_attempts)
            .await
            .map(|_| ())
    }

    /// Per endpoint and conversation one after the other, in the order given (the
    /// stream's; the retry run's by event id, which is by time); the groups side by
    /// side. After a group's first failure, what follows waits for the retry run, so a
    /// receiver sees a conversation's events in order.
    async fn send_in_order(&self, tenant: &TenantId, jobs: Vec<Job<'_>>) -> Result<(), StoreError> {
        let mut groups: BTreeMap<(String, Option<String>), Vec<Job>> = BTreeMap::new();
        for job in jobs {
            let key = (
                job.endpoint.id.clone(),
                job.delivery.conversation_id.clone(),
            );
            groups.entry(key).or_default().push(job);
        }
        let health: tokio::sync::Mutex<HashMap<String, (bool, &Endpoint)>> = Default::default();
        // An endpoint known to be failing is probed with one group first; its other
        // groups go only if that one got through (they see its failure otherwise).
        let (mut probes, mut rest) = (Vec::new(), Vec::new());
        let mut probed = std::collections::HashSet::new();
        for group in groups.into_values() {
            let endpoint = group[0].endpoint;
            if endpoint.failing_since.is_some() && probed.insert(endpoint.id.as_str()) {
                probes.push(group);
            } else {
                rest.push(group);
            }
        }
        let mut results = self.run_groups(tenant, probes, &health).await;
        results.extend(self.run_groups(tenant, rest, &health).await);
        results.into_iter().collect::<Result<(), _>>()?;
        for (succeeded, endpoint) in health.into_inner().into_values() {
            self.keep_health(tenant, endpoint, succeeded).await?;
        }
        Ok(())
    }

    async fn run_groups<'a>(
        &self,
        tenant: &TenantId,
        groups: Vec<Vec<Job<'a>>>,
        health: &tokio::sync::Mutex<HashMap<String, (bool, &'a Endpoint)>>,
    ) -> Vec<Result<(), StoreError>> {
        // Futures built first, then run: a closure mapping groups to futures would have
        // to be general over the groups' lifetimes, which the compiler cannot see it is.
        let sends: Vec<_> = groups
            .into_iter()
            .map(|group| self.send_group(tenant, group, health))
            .collect();
        futures_util::stream::iter(sends)
            .buffer_unordered(CONCURRENT_GROUPS)
            .collect()
            .await
    }

    async fn send_group<'a>(
        &self,
        tenant: &TenantId,
        group: Vec<Job<'a>>,
        health: &tokio::sync::Mutex<HashMap<String, (bool, &'a Endpoint)>>,
    ) -> Result<(), StoreError> {
        // After a failure, what follows in the group waits for the failed one's retry,
        // so the retry run sends them again in order.
        let mut blocked: Option<Option<String>> = None;
        for job in group {
            let endpoint = job.endpoint;
            // An endpoint known to be failing is not tried inline: its deliveries go
            // straight to the retry run, so a dead receiver cannot hold up the stream.
            let tripped = matches!(health.lock().await.get(&endpoint.id), Some((false, _)));
            if tripped && job.recorded && blocked.is_none() {
                // The endpoint failed in this run already: what is due stays due, untouched,
                // for the next run, so a dead endpoint costs one timeout a run, not one a
                // conversation.
                continue;
            }
            let skip =
                tripped || blocked.is_some() || (!job.recorded && endpoint.failing_since.is_some());
            let (mut delivery, succeeded) = if skip {
                (job.delivery, None)
            } else {
                let (delivery, ok) = self.attempt(endpoint, job.delivery).await;
                (delivery, Some(ok))
            };
            match (succeeded, &blocked) {
                (Some(ok), _) => {
                    health
                        .lock()
                        .await
                        .insert(endpoint.id.clone(), (ok, endpoint));
                    if !ok {
                        blocked = Some(delivery.next_attempt_at.clone());
                    }
                }
                (None, Some(Some(until))) => delivery.next_attempt_at = Some(until.clone()),
                (None, _) => {}
            }
            if job.recorded {
                let read_attempts = delivery.attempts - u32::from(succeeded.is_some());
                self.store
                    .save_delivery(tenant, &delivery, read_attempts)
                    .await?;
            } else {
                self.store.record_delivery(tenant, &delivery).await?;
            }
        }
        Ok(())
    }

    /// One attempt: the delivery as it stands after it, and whether it succeeded.
    async fn attempt(&self, endpoint: &Endpoint, mut delivery: Delivery) -> (Delivery, bool) {
        let now = format_timestamp(self.now);
        let secrets = endpoint.signing_secrets(&now);
        let headers = match shared::outbound::signature::headers(
            &secrets,
            &delivery.event_id,
            self.now.as_second(),
            &delivery.payload,
        ) {
            Ok(headers) => headers,
            Err(err) => {
                delivery.status = DeliveryStatus::Failed;
                delivery.error = Some(format!("cannot sign: {err}"));
                delivery.next_attempt_at = None;
                return (delivery, false);
            }
        };
        let timeout = Duration::from_secs(DELIVERY_TIMEOUT_SECS);
        let reply = self
            .outbound
            .post(&endpoint.url, &headers, &delivery.payload, timeout)
            .await;
        delivery.attempts += 1;
        delivery.last_attempt_at = Some(now);
        let retryable = match &reply {
            Ok(reply) => {
                delivery.response_status = Some(reply.status);
                delivery.latency_ms = Some(reply.latency_ms);
                delivery.error = None;
                if (200..300).contains(&reply.status) {
                    delivery.status = DeliveryStatus::Succeeded;
                    delivery.next_attempt_at = None;
                    return (delivery, true);
                }
                is_retryable_status(reply.status)
            }
            Err(err) => {
                delivery.response_status = None;
                delivery.latency_ms = None;
                delivery.error = Some(err.to_string());
                err.is_retryable()
            }
        };
        let wait = retryable.then(|| retry_after(delivery.attempts)).flatten();
        match wait {
            Some(secs) => {
                delivery.status = DeliveryStatus::Retrying;
                let at = self.now + jiff::SignedDuration::from_secs(secs);
                delivery.next_attempt_at = Some(format_timestamp(at));
            }
            None => {
                delivery.status = DeliveryStatus::Failed;
                delivery.next_attempt_at = None;
            }
        }
        (delivery, false)
    }

    /// Records that an endpoint fails (from its first failure) or recovered, and turns it
    /// off once it has failed for [`DISABLE_AFTER_SECS`]: one write on a change of state,
    /// none while it stays healthy.
    async fn keep_health(
        &self,
        tenant: &TenantId,
        endpoint: &Endpoint,
        succeeded: bool,
    ) -> Result<(), StoreError> {
        let endpoint_id = endpoint.id.as_str();
        let now = format_timestamp(self.now);
        match (&endpoint.failing_since, succeeded) {
            (Some(_), true) => {
                self.store
                    .set_endpoint_failing(tenant, endpoint_id, None)
                    .await
            }
            (None, false) => {
                self.store
                    .set_endpoint_failing(tenant, endpoint_id, Some(&now))
                    .await
            }
            (Some(since), false) => {
                let failing_for = since
                    .parse::<jiff::Timestamp>()
                    .map(|since| self.now.as_second() - since.as_second())
                    .unwrap_or(0);
                if failing_for >= DISABLE_AFTER_SECS {
                    let disabled = self
                        .store
                        .disable_endpoint(tenant, endpoint_id, DISABLED_FAILING, &now)
                        .await?;
                    if disabled {
                        tracing::warn!(tenant = %tenant, endpoint = endpoint_id, since, "webhook endpoint disabled after failing");
                    }
                }
                Ok(())
            }
            (None, true) => Ok(()),
        }
    }
}
