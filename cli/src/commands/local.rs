//! `cutover local serve | invoke | metrics`: the local Lambda of the `emulator` crate.
//! Each command resolves its arguments into a config, runs, and renders a typed result:
//! data to stdout, logs and REPORT lines to stderr.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, anyhow};
use base64::Engine;
use bytes::Bytes;
use emulator::{Config, Emulator, EmulatorOptions, InvokeError, LogSink, StartError};
use serde::Serialize;
use serde_json::Value;

use crate::args::{LocalArgs, LocalCommand, LocalInvokeArgs, LocalMetricsArgs, LocalServeArgs, OutputFormat};
use crate::exit::Failure;
use crate::output;

pub fn run(args: LocalArgs, format: OutputFormat) -> Result<(), Failure> {
    let runtime = super::async_runtime()?;
    runtime.block_on(async move {
        match args.command {
            LocalCommand::Serve(serve_args) => serve(serve_args, format).await,
            LocalCommand::Invoke(invoke_args) => invoke(invoke_args, format).await,
            LocalCommand::Metrics(metrics_args) => metrics(metrics_args, format).await,
        }
    })
}

/// A path the config names that does not exist is the user's to fix (exit 2); anything
/// else that stops the start is unexpected (exit 3).
fn start_failure(error: StartError) -> Failure {
    let missing_path = matches!(error, StartError::MissingPath { .. });
    let error = anyhow!(error).context("could not start the local Lambda");
    if missing_path { Failure::Input(error) } else { Failure::Unexpected(error) }
}

fn load_config(path: &Path) -> Result<Config, Failure> {
    Config::load(path).map_err(|error| Failure::Input(anyhow!(error)))
}

// ---- serve -------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct ServeInfo {
    lambda_api: String,
    api_gateway: Option<String>,
    aws_endpoint: Option<String>,
    functions: Vec<FunctionInfo>,
}

#[derive(Debug, Serialize)]
struct FunctionInfo {
    name: String,
    versions: Vec<String>,
    aliases: Vec<String>,
}

async fn serve(args: LocalServeArgs, format: OutputFormat) -> Result<(), Failure> {
    let mut config = load_config(&args.config.config)?;
    if let Some(address) = args.lambda_api {
        config.local.lambda_api = address;
    }
    if let Some(address) = args.api_gateway {
        config.local.api_gateway = Some(address);
    }
    let options = EmulatorOptions {
        logs: LogSink::Stderr,
        routing_seed: None,
        serve_http: true,
        start_backend: !args.no_moto,
        ..EmulatorOptions::default()
    };
    let emulator = Emulator::start(config, options).await.map_err(start_failure)?;
    let info = ServeInfo {
        lambda_api: emulator.lambda_api_address().map(|address| format!("http://{address}")).unwrap_or_default(),
        api_gateway: emulator.api_gateway_address().map(|address| format!("http://{address}")),
        aws_endpoint: emulator.backend_endpoint().map(str::to_string),
        functions: emulator
            .config()
            .functions
            .iter()
            .map(|function| FunctionInfo {
                name: function.name.clone(),
                versions: function.versions.iter().map(|version| version.version.clone()).collect(),
                aliases: function.aliases.iter().map(|alias| alias.name.clone()).collect(),
            })
            .collect(),
    };
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&info)?)?,
        OutputFormat::Table => output::stdout(&render_serve_info(&info))?,
    }
    eprintln!("cutover local: serving; Ctrl-C or SIGTERM stops every sandbox");
    let signal = wait_for_stop_signal().await;
    eprintln!("cutover local: {signal}, stopping");
    emulator.shutdown().await;
    Ok(())
}

fn render_serve_info(info: &ServeInfo) -> String {
    let mut text =
        format!("Lambda API    {}   (endpoint_url for aws-sdk, boto3, aws --endpoint-url)\n", info.lambda_api);
    if let Some(api_gateway) = &info.api_gateway {
        text.push_str(&format!("API Gateway   {api_gateway}\n"));
    }
    if let Some(endpoint) = &info.aws_endpoint {
        text.push_str(&format!("AWS back end  {endpoint}   (moto server)\n"));
    }
    text.push_str(&format!("Metrics       {}/metrics?function=NAME\n", info.lambda_api));
    for function in &info.functions {
        text.push_str(&format!(
            "function {:<28} versions {:<10} aliases {}\n",
            function.name,
            function.versions.join(","),
            if function.aliases.is_empty() { "-".to_string() } else { function.aliases.join(",") }
        ));
    }
    text
}

async fn wait_for_stop_signal() -> &'static str {
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return "interrupted";
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = terminate.recv() => "terminated",
    }
}

// ---- invoke ------------------------------------------------------------------------------

/// One invocation, the same whether it ran in process or through a running emulator.
#[derive(Debug, Serialize)]
struct InvokeResult {
    function: String,
    qualifier: Option<String>,
    request_id: String,
    executed_version: String,
    function_error: Option<String>,
    payload: Value,
    report: Option<String>,
}

async fn invoke(args: LocalInvokeArgs, format: OutputFormat) -> Result<(), Failure> {
    let payload = read_payload(&args.payload)?;
    let (function, qualifier) = match args.target.split_once(':') {
        Some((function, qualifier)) => (function.to_string(), Some(qualifier.to_string())),
        None => (args.target.clone(), None),
    };
    let result = match &args.endpoint {
        Some(endpoint) => invoke_remote(endpoint, &function, qualifier.as_deref(), payload).await?,
        None => invoke_in_process(&args, &function, qualifier.as_deref(), payload).await?,
    };
    // In process, the REPORT line already went to stderr with the sandbox's logs.
    if let (Some(report), Some(_)) = (&result.report, &args.endpoint) {
        eprintln!("{report}");
    }
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&result)?)?,
        OutputFormat::Table => match &result.payload {
            Value::String(text) if result.function_error.is_none() => output::stdout_line(text)?,
            other => output::stdout_line(&other.to_string())?,
        },
    }
    if result.function_error.is_some() { Err(Failure::Checked) } else { Ok(()) }
}

fn read_payload(argument: &str) -> Result<Bytes, Failure> {
    let (text, source) = match argument.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("--payload: cannot read {path}"))
                .map_err(Failure::Input)?,
            path.to_string(),
        ),
        None => (argument.to_string(), "--payload".to_string()),
    };
    if let Err(error) = serde_json::from_str::<Value>(&text) {
        return Err(Failure::Input(anyhow!(
            "{source}: not valid JSON at line {} column {}: {error}",
            error.line(),
            error.column()
        )));
    }
    Ok(Bytes::from(text))
}

async fn invoke_in_process(
    args: &LocalInvokeArgs,
    function: &str,
    qualifier: Option<&str>,
    payload: Bytes,
) -> Result<InvokeResult, Failure> {
    let config = load_config(&args.config.config)?;
    let options = EmulatorOptions {
        logs: LogSink::Stderr,
        routing_seed: None,
        serve_http: false,
        start_backend: !args.no_moto,
        ..EmulatorOptions::default()
    };
    let emulator = Emulator::start(config, options).await.map_err(start_failure)?;
    let outcome = emulator.invoke(function, qualifier, payload).await;
    emulator.shutdown().await;
    let outcome = outcome.map_err(|error| match error {
        InvokeError::FunctionNotFound { .. } => Failure::Input(anyhow!(error)),
        other => Failure::Unexpected(anyhow!(other)),
    })?;
    Ok(InvokeResult {
        function: outcome.function.clone(),
        qualifier: qualifier.map(str::to_string),
        request_id: outcome.request_id.clone(),
        executed_version: outcome.executed_version.clone(),
        function_error: outcome.function_error().map(str::to_string),
        payload: payload_value(&outcome.payload),
        report: Some(outcome.report.to_string()),
    })
}

/// Invokes through a running emulator with aws-sdk-lambda, the client every other AWS
/// command uses, so `local invoke --endpoint` exercises the Invoke API the way SDKs,
/// boto3 and the aws CLI do. The emulator ignores signatures; fixed local credentials
/// keep the call from depending on whatever the machine's profile holds.
async fn invoke_remote(
    endpoint: &str,
    function: &str,
    qualifier: Option<&str>,
    payload: Bytes,
) -> Result<InvokeResult, Failure> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new("local", "local", None, None, "cutover-local"))
        .load()
        .await;
    let client = aws_sdk_lambda::Client::new(&config);
    let answer = client
        .invoke()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .log_type(aws_sdk_lambda::types::LogType::Tail)
        .payload(aws_sdk_lambda::primitives::Blob::new(payload.to_vec()))
        .send()
        .await;
    let output = match answer {
        Ok(output) => output,
        Err(error) => {
            let not_found = error.as_service_error().is_some_and(|service| service.is_resource_not_found_exception());
            let error = anyhow!("{}", aws_sdk_lambda::error::DisplayErrorContext(&error))
                .context(format!("Invoke {function} at {endpoint}"));
            return Err(if not_found { Failure::Input(error) } else { Failure::Unexpected(error) });
        }
    };
    let report = output
        .log_result()
        .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded).ok())
        .map(|decoded| String::from_utf8_lossy(&decoded).into_owned())
        .and_then(|log| log.lines().find(|line| line.starts_with("REPORT")).map(str::to_string));
    let request_id = aws_sdk_lambda::operation::RequestId::request_id(&output).unwrap_or_default().to_string();
    Ok(InvokeResult {
        function: function.to_string(),
        qualifier: qualifier.map(str::to_string),
        request_id,
        executed_version: output.executed_version().unwrap_or_default().to_string(),
        function_error: output.function_error().map(str::to_string),
        payload: payload_value(output.payload().map(|blob| blob.as_ref()).unwrap_or_default()),
        report,
    })
}

fn payload_value(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

// ---- metrics -----------------------------------------------------------------------------

async fn metrics(args: LocalMetricsArgs, format: OutputFormat) -> Result<(), Failure> {
    let (function, qualifier) = match args.target.split_once(':') {
        Some((function, qualifier)) => (function.to_string(), Some(qualifier.to_string())),
        None => (args.target.clone(), None),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
    let mut query = vec![
        ("function", function.clone()),
        ("start", now.saturating_sub(args.since).to_string()),
        ("end", (now + 1).to_string()),
    ];
    if let Some(qualifier) = &qualifier {
        query.push(("qualifier", qualifier.clone()));
    }
    if let Some(version) = &args.executed_version {
        query.push(("executed_version", version.clone()));
    }
    if let Some(period) = args.period {
        query.push(("period", period.to_string()));
    }
    // Names, versions, aliases and numbers need no escaping but `$` of `$LATEST`.
    let query_string: Vec<String> =
        query.iter().map(|(key, value)| format!("{key}={}", value.replace('$', "%24"))).collect();
    let url = format!("{}/metrics?{}", args.endpoint.trim_end_matches('/'), query_string.join("&"));
    let response = reqwest::Client::new()
        .get(&url)
        .send()
        .await
        .with_context(|| format!("could not reach the emulator at {}", args.endpoint))
        .map_err(Failure::Unexpected)?;
    if !response.status().is_success() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        return Err(Failure::Input(anyhow!("metrics query refused ({status}): {body}")));
    }
    let result: emulator::MetricsResult = response
        .json()
        .await
        .context("the emulator's metrics answer is not as expected")
        .map_err(Failure::Unexpected)?;
    match format {
        OutputFormat::Json => output::stdout_line(&to_json(&result)?)?,
        OutputFormat::Table => output::stdout(&render_metrics(&result, args.since, args.period))?,
    }
    Ok(())
}

/// The window per executed version, then, with `--period`, one row per period that had
/// data (the emulator sends only those), labelled by the period's UTC start.
fn render_metrics(result: &emulator::MetricsResult, since: u64, period: Option<u64>) -> String {
    let ms = |value: Option<f64>| value.map(|ms| format!("{ms:.2}")).unwrap_or_else(|| "-".to_string());
    let row = |label: &str, statistics: &emulator::Statistics| {
        format!(
            "{label:<12} {:>11} {:>7} {:>9} {:>9} {:>9} {:>9} {:>6}\n",
            statistics.invocations,
            statistics.errors,
            statistics.throttles,
            ms(statistics.duration_ms.p50),
            ms(statistics.duration_ms.p99),
            ms(statistics.init_duration_ms.average),
            statistics.max_memory_used_mb.map(|mb| mb.to_string()).unwrap_or_else(|| "-".to_string()),
        )
    };
    let mut text = format!(
        "{}{} over the last {since} s\n{:<12} {:>11} {:>7} {:>9} {:>9} {:>9} {:>9} {:>6}\n",
        result.function,
        result.qualifier.as_deref().map(|qualifier| format!(":{qualifier}")).unwrap_or_default(),
        "version",
        "invocations",
        "errors",
        "throttles",
        "p50 ms",
        "p99 ms",
        "init ms",
        "max MB"
    );
    for (version, statistics) in &result.by_executed_version {
        text.push_str(&row(version, statistics));
    }
    text.push_str(&row("all", &result.statistics));
    if let Some(period) = period {
        text.push_str(&format!(
            "\nper {period} s period\n{:<12} {:>11} {:>7} {:>9} {:>9} {:>9} {:>9} {:>6}\n",
            "start (UTC)", "invocations", "errors", "throttles", "p50 ms", "p99 ms", "init ms", "max MB"
        ));
        if result.datapoints.is_empty() {
            text.push_str("(no data in the window)\n");
        }
        for datapoint in &result.datapoints {
            text.push_str(&row(&period_label(datapoint.timestamp, period), &datapoint.statistics));
        }
    }
    text
}

/// `HH:MM:SS` of an epoch second, UTC; the date too when periods span days.
fn period_label(epoch: u64, period: u64) -> String {
    let Ok(moment) = time::OffsetDateTime::from_unix_timestamp(i64::try_from(epoch).unwrap_or(i64::MAX)) else {
        return epoch.to_string();
    };
    let (hour, minute, second) = moment.to_hms();
    if period >= 86_400 { moment.date().to_string() } else { format!("{hour:02}:{minute:02}:{second:02}") }
}

fn to_json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|error| Failure::Unexpected(anyhow!(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_table_has_a_row_per_period_when_asked() {
        let statistics = |invocations| emulator::Statistics { invocations, ..Default::default() };
        let result = emulator::MetricsResult {
            function: "get-cluster".into(),
            qualifier: Some("live".into()),
            executed_version: None,
            start: 1_800_000_000,
            end: 1_800_000_120,
            statistics: statistics(5),
            by_executed_version: [("1".to_string(), statistics(5))].into(),
            datapoints: vec![
                emulator::Datapoint { timestamp: 1_800_000_000, statistics: statistics(3) },
                emulator::Datapoint { timestamp: 1_800_000_060, statistics: statistics(2) },
            ],
        };
        let without = render_metrics(&result, 120, None);
        assert!(!without.contains("period"), "{without}");
        let table = render_metrics(&result, 120, Some(60));
        assert!(table.contains("per 60 s period"), "{table}");
        let rows: Vec<&str> = table.lines().skip_while(|line| !line.starts_with("start (UTC)")).skip(1).collect();
        assert_eq!(rows.len(), 2, "{table}");
        assert!(rows[0].starts_with("08:00:00 ") && rows[0].contains("           3 "), "{table}");
        assert!(rows[1].starts_with("08:01:00 "), "{table}");
    }
}
