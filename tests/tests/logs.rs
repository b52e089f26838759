//! What an operator sees at WARN and above: nothing for expected outcomes. Twenty
//! concurrent sends into one conversation retry on each other's commits (conditional
//! failures in DynamoDB), and replays of an Idempotency-Key meet a failed condition too.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use testkit::{read_response, ApiEvent, Claims, TestStack};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

#[derive(Clone, Default)]
struct Warnings(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if *event.metadata().level() <= tracing::Level::WARN {
            eprintln!("{}: {:?}", event.metadata().target(), event);
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_and_replays_log_nothing_at_warn() {
    let warnings = Warnings::default();
    let subscriber = tracing_subscriber::registry()
        .with(warnings.clone().with_filter(shared::telemetry::filter()));
    tracing::subscriber::set_global_default(subscriber).expect("the first subscriber");

    let stack = TestStack::start().await;
    let app = Arc::new(stack.app());
    let staff = Claims::staff("clinic-a", "s1");
    let sends = (0..20).map(|i| {
        let app = app.clone();
        let event = ApiEvent::new("POST", "/messages")
            .claims(&staff)
            .header("idempotency-key", &format!("k{}", i % 10))
            .json(json!({"customer_id": "c1", "message": format!("n{}", i % 10)}));
        tokio::spawn(async move { read_response(send::handle(&app, event.request()).await).0 })
    });
    for send in sends {
        assert_eq!(send.await.unwrap(), 201);
    }
    assert_eq!(warnings.0.load(Ordering::SeqCst), 0);
}
