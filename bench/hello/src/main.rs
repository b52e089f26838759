//! Hello world on `lambda_http`, as the runtime's own examples write it: the floor a
//! function's start-up and memory are measured against (`make bench`).

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|_request: Request| async {
        Response::builder()
            .status(200)
            .body(Body::from("hello"))
            .map_err(Error::from)
    }))
    .await
}
