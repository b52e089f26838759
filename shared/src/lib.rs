//! The library every tidings function is built on.
//!
//! - [`domain`]: the product's types and rules (validation, permissions); no I/O.
//! - [`store`]: the single DynamoDB table, behind the traits handlers talk to.
//! - [`http`]: API Gateway glue by concern: identity, bodies, forms, parameters, responses,
//!   cursors; [`error`] maps every failure to its status.
//! - [`runtime`]: the Lambda loops (HTTP and events) every function's `main.rs` calls.
//! - [`config`], [`secrets`], [`telemetry`], [`jwt`]: what every binary sets up once per
//!   container.

pub mod app;
pub mod aws;
pub mod config;
pub mod domain;
pub mod error;
pub mod files;
pub mod gate;
pub mod http;
pub mod https;
pub mod jwt;
pub mod notify;
pub mod outbound;
pub mod rate_limit;
pub mod runtime;
pub mod secrets;
pub mod settings_cache;
pub mod store;
pub mod telemetry;

pub use app::App;
pub use config::Config;
pub use error::ApiError;
