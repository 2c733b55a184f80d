//! The HTML report in a real browser: headless Chromium (Debian package `chromium`,
//! installed by scripts/setup-chromium.sh) renders it to PNG with every host name mapped
//! to nowhere, and dumps the DOM it built. In CI (`CI=true`) a missing Chromium is
//! installed by the script, and fails the test if it cannot be; on a laptop it skips with
//! a message.

use std::path::PathBuf;
use std::process::Command;

use crate::support::fixture_report;

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        if let Ok(output) = Command::new("sh").args(["-c", &format!("command -v {name}")]).output()
            && output.status.success()
        {
            return Some(PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
        }
    }
    None
}

fn headless(chromium: &PathBuf, profile: &std::path::Path) -> Command {
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--window-size=1200,3000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

#[test]
fn the_html_report_renders_its_charts_offline_in_chromium() {
    let in_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    if chromium().is_none() && in_ci {
        // CI installs it through the project's own script rather than skipping.
        let script = crate::support::repo_root().join("scripts/setup-chromium.sh");
        let status = Command::new("bash").arg(&script).status().expect("scripts/setup-chromium.sh runs");
        assert!(status.success(), "scripts/setup-chromium.sh failed");
    }
    let Some(chromium) = chromium() else {
        let message = "chromium is not installed: run scripts/setup-chromium.sh";
        assert!(!in_ci, "{message}");
        eprintln!("skipped: {message}");
        return;
    };
    let html = reports::render::render_html(&fixture_report());
    // Self-contained: nothing to fetch. The only URL is the SVG namespace, which is a name.
    let without_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for reference in ["http://", "https://", "src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!without_namespace.contains(reference), "the report references `{reference}`");
    }
    let folder = tempfile::tempdir().expect("temp dir");
    let page = folder.path().join("report.html");
    std::fs::write(&page, &html).expect("write the report");
    let url = format!("file://{}", page.display());

    let dom = headless(&chromium, &folder.path().join("profile-dom"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(dom.status.success(), "chromium --dump-dom failed: {}", String::from_utf8_lossy(&dom.stderr));
    let dom = String::from_utf8_lossy(&dom.stdout);
    for chart in ["monthly-by-line", "per-million", "latency", "frontier"] {
        assert!(dom.contains(&format!("data-chart=\"{chart}\"")), "chart {chart} missing from the DOM");
    }
    assert_eq!(dom.matches("<svg").count(), 5, "stacked bars, per-1M bars, two latency charts, one frontier");
    assert!(dom.matches("class=\"segment\"").count() >= 8, "bars have their segments");
    assert!(dom.contains("Provenance") && dom.trim_end().ends_with("</html>"), "the whole document was built");

    let png = folder.path().join("report.png");
    let shot = headless(&chromium, &folder.path().join("profile-png"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(shot.status.success(), "chromium --screenshot failed: {}", String::from_utf8_lossy(&shot.stderr));
    let bytes = std::fs::read(&png).expect("a PNG was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 20_000, "a rendered page, not a blank one ({} bytes)", bytes.len());
    if let Some(keep) = std::env::var_os("CUTOVER_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).expect("copy the screenshot");
    }
}
