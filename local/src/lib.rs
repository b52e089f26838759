//! The local API: every function's handler on the routes of `infra/template.yaml`, with
//! the work API Gateway does in front of them (JWT verification, the request context its
//! JWT authorizer produces, route matching), and DynamoDB embedded unless an endpoint is
//! configured.

pub mod demo;
pub mod mail;
pub mod routes;
pub mod server;
pub mod smtp;
pub mod stream;
pub mod tokens;
pub mod web;

pub use routes::{Auth, Function, Route, ROUTES};
pub use server::{LocalApi, LocalOptions};
