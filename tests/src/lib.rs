//! The local AWS stack and test helpers: an embedded DynamoDB (dynoxide) on a listener of
//! our own, a request counter for DynamoDB budgets, tokens and claims, and API Gateway
//! events built from the JSON fixture in `events/`.

pub mod app;
pub mod aws_calls;
pub mod counter;
pub mod dynamodb;
pub mod events;
pub mod faults;
pub mod iam_actions;
pub mod moto;
pub mod receiver;
pub mod seed;
pub mod stream;

pub use app::TestApp;
pub use counter::RequestCounter;
pub use dynamodb::{test_config, EmbeddedDynamo, TestStack};
pub use events::{read_response, ApiEvent, Claims};

/// An environment of these variables alone, as configuration loaders look names up.
pub fn environment(vars: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    }
}
