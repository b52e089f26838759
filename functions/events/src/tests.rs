//! The events function against the local table's real stream: each change's event, the
//! bus's batching and retries, webhook deliveries with their signatures, schedule,
//! health and isolation.

mod bus;
mod catalogue;
mod deliveries;
mod schema;

use std::sync::Mutex;

use serde_json::{json, Value};
use shared::domain::format_timestamp;
use shared::domain::webhooks::{Endpoint, EndpointStatus, EventType};
use shared::outbound::{Outbound, Policy};
use shared::store::{DynamoStore, WebhookStore};
use testkit::stream::StreamReader;
use testkit::{ApiEvent, Claims, TestApp};

use crate::stream::{BatchResponse, StreamEvent};
use crate::{Bus, Event, Events};

/// The bus, recorded: every PutEvents call's entries; refusals scripted.
#[derive(Default)]
pub struct RecordingBus {
    pub calls: Mutex<Vec<Vec<Event>>>,
    /// Per entry put, in order: refuse it (`true`) while this lasts.
    pub refuse: Mutex<std::collections::VecDeque<bool>>,
}

impl RecordingBus {
    pub fn published(&self) -> Vec<Event> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .cloned()
            .collect()
    }
}

impl Bus for RecordingBus {
    async fn put(&self, events: &[&Event]) -> Result<Vec<Option<String>>, String> {
        assert!(
            events.len() <= crate::MAX_ENTRIES,
            "at most 10 entries a call"
        );
        let mut refuse = self.refuse.lock().unwrap();
        let mut taken = Vec::new();
        let results = events
            .iter()
            .map(|event| {
                if refuse.pop_front().unwrap_or(false) {
                    Some("InternalFailure".to_owned())
                } else {
                    taken.push((*event).clone());
                    None
                }
            })
            .collect();
        self.calls.lock().unwrap().push(taken);
        Ok(results)
    }
}

/// A tenant's stack, its table's stream and the events function on both.
pub struct Harness {
    pub app: TestApp,
    pub stream: StreamReader,
    pub events: Events<DynamoStore, RecordingBus>,
}

impl Harness {
    pub async fn start(tenant: &'static str) -> Harness {
        Harness::on(TestApp::with_stream(tenant).await).await
    }

    /// On a stack made otherwise (with faults); its table must have its stream.
    pub async fn on(app: TestApp) -> Harness {
        let stream = app.stream().await;
        let events = Events {
            store: app.store.clone(),
            bus: Some(RecordingBus::default()),
            outbound: Outbound::new(Policy {
                allow_loopback_http: true,
            }),
        };
        Harness {
            app,
            stream,
            events,
        }
    }

    pub fn bus(&self) -> &RecordingBus {
        self.events.bus.as_ref().unwrap()
    }

    /// Everything the stream holds that was not read yet, as one batch.
    pub async fn next_batch(&mut self) -> StreamEvent {
        let mut records = Vec::new();
        for (_, batch) in self.stream.read().await.unwrap() {
            records.extend(batch);
        }
        serde_json::from_value(json!({ "Records": records })).expect("Lambda's stream event")
    }

    /// The next batch, handled at `now`.
    pub async fn pump_at(&mut self, now: jiff::Timestamp) -> (StreamEvent, BatchResponse) {
        let batch = self.next_batch().await;
        let response = self.events.handle_stream(&batch, now).await;
        // Whatever the code makes is what openapi.yaml's catalogue says it makes.
        let made: Vec<Event> = crate::derive_batch(&batch.records)
            .into_iter()
            .map(|(_, event)| event)
            .collect();
        schema::assert_catalogued(&made);
        (batch, response)
    }

    pub async fn pump(&mut self) -> BatchResponse {
        self.pump_at(jiff::Timestamp::now()).await.1
    }

    /// The types published since the test began, in order.
    pub fn published_types(&self) -> Vec<EventType> {
        self.bus()
            .published()
            .iter()
            .map(|e| e.event_type)
            .collect()
    }

    pub async fn call(&self, handler: impl testkit::app::Handler, event: ApiEvent) -> Value {
        let (status, body) = self.app.call(handler, event).await;
        assert!(status < 300, "{status} {body}");
        body
    }

    /// An endpoint of `tenant` at `url`, stored as the webhooks API stores one.
    pub async fn endpoint(&self, tenant: &str, url: &str, types: &[EventType]) -> Endpoint {
        testkit::seed::webhook_endpoint(&self.app.store, tenant, url, types).await
    }
}

/// `POST /messages` as `claims`, in c1's general conversation; the message.
pub async fn send(h: &Harness, claims: &Claims, text: &str) -> Value {
    h.app
        .send_as(
            send::handle,
            claims,
            json!({"customer_id": "c1", "message": text}),
        )
        .await
}
