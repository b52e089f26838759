use std::sync::Arc;

use events::stream::StreamEvent;

/// A stream batch carries `Records`; the schedule's event does not.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_events(|events: Arc<events::Deployed>, event| async move {
        let now = jiff::Timestamp::now();
        if event.payload.get("Records").is_some() {
            let batch: StreamEvent = serde_json::from_value(event.payload)?;
            let response = events.handle_stream(&batch, now).await;
            return Ok(serde_json::to_value(response)?);
        }
        let attempted = events.retry_due(now).await?;
        Ok(serde_json::json!({ "attempted": attempted }))
    })
    .await
}
