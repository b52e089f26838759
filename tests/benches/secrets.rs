//! What reading the secrets adds to a cold start: fresh clients (no connection yet) and
//! the one `GetParameters` of `Config::load`, against moto's SSM. Prints numbers.

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let name = "/tidings-bench/cursor-secret";
    testkit::moto::put_secret(name, "a-cursor-secret-of-32-characters").await;
    let lookup = |var: &str| match var {
        "TABLE_NAME" => Some("bench".to_owned()),
        "CURSOR_SECRET_PARAMETER" => Some(name.to_owned()),
        _ => None,
    };
    let mut with_secret: Vec<Duration> = Vec::new();
    let mut clients_only: Vec<Duration> = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let clients = shared::aws::Clients::from_environment().await;
        clients_only.push(started.elapsed());
        shared::Config::load_with(lookup, &clients.ssm())
            .await
            .expect("the configuration loads");
        with_secret.push(started.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (name, mut times) in [
        ("clients only", clients_only),
        ("clients + the secret (1 GetParameters)", with_secret),
    ] {
        times.sort();
        eprintln!(
            "cold start, {name:<40} p50 {:>6.2} ms  p90 {:>6.2} ms  max {:>6.2} ms",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 9 / 10]),
            ms(times[times.len() - 1]),
        );
    }
}
