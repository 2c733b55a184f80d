//! The emulator's overhead, measured with the no-op `fixture_bootstrap` (a `lambda_runtime`
//! handler that answers `{}`): added latency per invocation, in process and through the
//! Invoke API over HTTP, and throughput with several sandboxes.
//!
//! ```text
//! cargo build --release -p emulator --examples
//! target/release/examples/bench [--invocations 5000] [--sandboxes 4] [--seconds 5]
//! ```

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use emulator::{Config, Emulator, EmulatorOptions, LogSink, OutcomeStatus};

struct Settings {
    invocations: usize,
    sandboxes: usize,
    seconds: u64,
}

fn settings() -> Result<Settings, String> {
    let mut settings = Settings { invocations: 5000, sandboxes: 4, seconds: 5 };
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    for pair in arguments.chunks(2) {
        let value = pair.get(1).ok_or_else(|| format!("{} needs a value", pair[0]))?;
        let number: u64 = value.parse().map_err(|_| format!("{}: {value:?} is not a number", pair[0]))?;
        match pair[0].as_str() {
            "--invocations" => settings.invocations = number as usize,
            "--sandboxes" => settings.sandboxes = number as usize,
            "--seconds" => settings.seconds = number,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(settings)
}

fn percentile(sorted: &[Duration], quantile: f64) -> f64 {
    let index = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = settings()?;
    let bootstrap = std::env::current_exe()?
        .parent()
        .map(|folder| folder.join("fixture_bootstrap"))
        .filter(|path| path.exists())
        .ok_or("fixture_bootstrap is missing: cargo build --release -p emulator --examples")?;
    let text = format!(
        r#"
[[function]]
name = "noop"
concurrency = {sandboxes}
[[function.version]]
version = "1"
bootstrap = "{bootstrap}"
"#,
        sandboxes = settings.sandboxes,
        bootstrap = bootstrap.display()
    );
    let config = Config::parse(&text, Path::new("bench.toml"), Path::new("."))?;
    let options = EmulatorOptions {
        logs: LogSink::Discard,
        routing_seed: Some(1),
        serve_http: true,
        start_backend: false,
        ..Default::default()
    };
    let emulator = Arc::new(Emulator::start(config, options).await?);
    let payload = Bytes::from_static(b"{}");

    // Latency: one caller, one warm sandbox.
    for _ in 0..200 {
        emulator.invoke("noop", Some("1"), payload.clone()).await?;
    }
    let mut end_to_end = Vec::with_capacity(settings.invocations);
    let mut runtime_round_trip = Vec::with_capacity(settings.invocations);
    for _ in 0..settings.invocations {
        let started = Instant::now();
        let outcome = emulator.invoke("noop", Some("1"), payload.clone()).await?;
        end_to_end.push(started.elapsed());
        if outcome.status != OutcomeStatus::Success {
            return Err(format!("the no-op handler failed: {:?}", outcome.status).into());
        }
        runtime_round_trip.push(outcome.report.duration);
    }
    end_to_end.sort();
    runtime_round_trip.sort();

    let address = emulator.lambda_api_address().ok_or("the Lambda API is not serving")?;
    let url = format!("http://{address}/2015-03-31/functions/noop/invocations?Qualifier=1");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        http.post(&url).body("{}").send().await?.bytes().await?;
    }
    let mut over_http = Vec::with_capacity(settings.invocations);
    for _ in 0..settings.invocations {
        let started = Instant::now();
        http.post(&url).body("{}").send().await?.bytes().await?;
        over_http.push(started.elapsed());
    }
    over_http.sort();

    // Throughput: as many callers as sandboxes, for a fixed time.
    let throughput_in_process = {
        let completed = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(settings.seconds);
        let mut callers = Vec::new();
        for _ in 0..settings.sandboxes {
            let emulator = emulator.clone();
            let completed = completed.clone();
            let payload = payload.clone();
            callers.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    if emulator.invoke("noop", Some("1"), payload.clone()).await.is_ok() {
                        completed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for caller in callers {
            caller.await?;
        }
        completed.load(Ordering::Relaxed) as f64 / settings.seconds as f64
    };
    let throughput_http = {
        let completed = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(settings.seconds);
        let mut callers = Vec::new();
        for _ in 0..settings.sandboxes {
            let http = http.clone();
            let url = url.clone();
            let completed = completed.clone();
            callers.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let answered = match http.post(&url).body("{}").send().await {
                        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if answered {
                        completed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for caller in callers {
            caller.await?;
        }
        completed.load(Ordering::Relaxed) as f64 / settings.seconds as f64
    };

    println!("| measure | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| invoke in process, end to end (ms) | {:.3} | {:.3} |",
        percentile(&end_to_end, 0.5),
        percentile(&end_to_end, 0.99)
    );
    println!(
        "| of which the Runtime API round trip, REPORT Duration (ms) | {:.3} | {:.3} |",
        percentile(&runtime_round_trip, 0.5),
        percentile(&runtime_round_trip, 0.99)
    );
    println!(
        "| Invoke API over HTTP, end to end (ms) | {:.3} | {:.3} |",
        percentile(&over_http, 0.5),
        percentile(&over_http, 0.99)
    );
    println!();
    println!(
        "| throughput, {} sandboxes, {} callers, {} s | invocations/s |",
        settings.sandboxes, settings.sandboxes, settings.seconds
    );
    println!("|---|---|");
    println!("| in process | {throughput_in_process:.0} |");
    println!("| Invoke API over HTTP | {throughput_http:.0} |");
    println!();
    println!(
        "({} sequential invocations per latency row; the no-op handler's own time is a few µs, so the figures are the emulator's added latency)",
        settings.invocations
    );

    match Arc::try_unwrap(emulator) {
        Ok(emulator) => emulator.shutdown().await,
        Err(_) => return Err("the emulator is still shared".into()),
    }
    Ok(())
}
