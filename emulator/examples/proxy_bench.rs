//! The recording proxy's added latency per call: DynamoDB PutItem and GetItem against
//! moto server, direct and through the proxy, over keep-alive connections, interleaved
//! call by call so that both paths see the same machine load.
//!
//! ```text
//! cargo build --release -p emulator --examples
//! target/release/examples/proxy_bench [--calls 2000]   # from the repository root (it needs .venv)
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use emulator::{Config, Emulator, EmulatorOptions, LogSink, RecordingProxy};
use serde_json::json;

fn calls_setting() -> Result<usize, String> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match arguments.as_slice() {
        [] => Ok(2000),
        [flag, value] if flag == "--calls" => value.parse().map_err(|_| format!("--calls: {value:?} is not a number")),
        _ => Err("usage: proxy_bench [--calls N]".to_owned()),
    }
}

fn percentile(sorted: &[Duration], quantile: f64) -> f64 {
    let index = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// One DynamoDB call of the JSON protocol; moto routes on the credential scope and does
/// not check the signature.
async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    operation: &str,
    body: &serde_json::Value,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let response = http
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    let elapsed = started.elapsed();
    if !status.is_success() {
        return Err(format!("{operation} answered {status}: {text}").into());
    }
    Ok(elapsed)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls = calls_setting()?;
    let bootstrap = std::env::current_exe()?
        .parent()
        .map(|folder| folder.join("fixture_bootstrap"))
        .filter(|path| path.exists())
        .ok_or("fixture_bootstrap is missing: cargo build --release -p emulator --examples")?;
    // The emulator only starts moto here; the function is never invoked.
    let text = format!(
        "[local.moto]\nstart = true\n\n[[function]]\nname = \"noop\"\n[[function.version]]\nversion = \"1\"\nbootstrap = \"{}\"\n",
        bootstrap.display()
    );
    let config = Config::parse(&text, Path::new("proxy_bench.toml"), Path::new("."))?;
    let options = EmulatorOptions { logs: LogSink::Discard, start_backend: true, ..Default::default() };
    let emulator = Emulator::start(config, options).await?;
    let moto = emulator.backend_endpoint().ok_or("moto did not start")?.to_owned();
    let proxy = RecordingProxy::start(&moto).await?;

    let http = reqwest::Client::new();
    call(
        &http,
        &moto,
        "CreateTable",
        &json!({
            "TableName": "bench",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .await?;
    let put = |n: usize| json!({"TableName": "bench", "Item": {"id": {"S": format!("k-{}", n % 100)}, "n": {"N": n.to_string()}}});
    let get = |n: usize| json!({"TableName": "bench", "Key": {"id": {"S": format!("k-{}", n % 100)}}});

    let warm_up = 200;
    let mut timings: [Vec<Duration>; 4] = Default::default();
    for n in 0..warm_up + calls {
        // Direct and proxied calls alternate, so both paths see the same load.
        let round = [
            call(&http, &moto, "PutItem", &put(n)).await?,
            call(&http, proxy.endpoint(), "PutItem", &put(n)).await?,
            call(&http, &moto, "GetItem", &get(n)).await?,
            call(&http, proxy.endpoint(), "GetItem", &get(n)).await?,
        ];
        if n >= warm_up {
            for (timing, elapsed) in timings.iter_mut().zip(round) {
                timing.push(elapsed);
            }
        }
    }
    for timing in &mut timings {
        timing.sort();
    }
    let recorded = proxy.writes().len();
    if recorded != warm_up + calls {
        return Err(format!("the proxy recorded {recorded} writes, expected {}", warm_up + calls).into());
    }

    println!(
        "| call ({calls} of each, keep-alive) | direct p50 ms | direct p99 ms | proxied p50 ms | proxied p99 ms | added p50 ms | added p99 ms |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, direct, proxied) in
        [("PutItem (recorded)", &timings[0], &timings[1]), ("GetItem (forwarded only)", &timings[2], &timings[3])]
    {
        let (d50, d99, p50, p99) =
            (percentile(direct, 0.5), percentile(direct, 0.99), percentile(proxied, 0.5), percentile(proxied, 0.99));
        println!("| {name} | {d50:.3} | {d99:.3} | {p50:.3} | {p99:.3} | {:.3} | {:.3} |", p50 - d50, p99 - d99);
    }
    proxy.stop();
    emulator.shutdown().await;
    Ok(())
}
