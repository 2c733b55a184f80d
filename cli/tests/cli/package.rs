//! `cutover package` zipping binaries built elsewhere (`--binaries`), against its size
//! budget: exit 1 over it, with the zip still written, exit 2 for a missing binary. No
//! cargo build here: the "binaries" are generated files, incompressible or not.

use crate::support;

/// `len` bytes that deflate cannot shrink (a xorshift stream), or that it shrinks to
/// almost nothing (zeros).
fn binary(len: usize, compressible: bool) -> Vec<u8> {
    if compressible {
        return vec![0; len];
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn package(binaries: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    support::cutover()
        .args(["package", "--format", "json", "validate-cluster-spec", "--binaries"])
        .arg(binaries)
        .arg("--out-dir")
        .arg(out)
        .args(extra)
        .output()
        .expect("runs")
}

#[test]
fn a_zip_over_the_budget_exits_one_and_is_still_written() {
    let folder = tempfile::tempdir().expect("tempdir");
    let binaries = folder.path().join("bin");
    std::fs::create_dir(&binaries).expect("mkdir");
    std::fs::write(binaries.join("validate-cluster-spec"), binary(200_000, false)).expect("write");
    let out = folder.path().join("out");

    let over = package(&binaries, &out, &["--max-zip-bytes", "150000"]);
    assert_eq!(over.status.code(), Some(1), "{}", String::from_utf8_lossy(&over.stderr));
    let report: serde_json::Value = serde_json::from_slice(&over.stdout).expect("JSON on stdout");
    let built = &report["packages"][0];
    assert_eq!(built["within_target"], false);
    assert!(built["zip_bytes"].as_u64().expect("a size") > 150_000, "{built}");
    assert_eq!(report["target_zip_bytes"], 150_000);
    assert!(out.join("validate-cluster-spec.zip").is_file(), "the zip over budget is kept for inspection");
    // The table says which one is over.
    let table = support::cutover()
        .args(["package", "validate-cluster-spec", "--max-zip-bytes", "150000", "--binaries"])
        .arg(&binaries)
        .arg("--out-dir")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(table.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&table.stdout).contains("OVER"), "{}", String::from_utf8_lossy(&table.stdout));

    // The same bytes under a wider budget, and a binary that compresses well under the default: exit 0.
    let within = package(&binaries, &out, &["--max-zip-bytes", "300000"]);
    assert_eq!(within.status.code(), Some(0), "{}", String::from_utf8_lossy(&within.stderr));
    std::fs::write(binaries.join("validate-cluster-spec"), binary(5_000_000, true)).expect("write");
    let default_budget = package(&binaries, &out, &[]);
    assert_eq!(default_budget.status.code(), Some(0), "{}", String::from_utf8_lossy(&default_budget.stderr));
    let report: serde_json::Value = serde_json::from_slice(&default_budget.stdout).expect("JSON");
    assert_eq!(report["target_zip_bytes"], 3_000_000);
    assert_eq!(report["packages"][0]["bootstrap_bytes"], 5_000_000);
}

#[test]
fn a_missing_binary_is_an_input_error_naming_its_path() {
    let folder = tempfile::tempdir().expect("tempdir");
    let out = folder.path().join("out");
    let output = package(folder.path(), &out, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("validate-cluster-spec") && stderr.contains("--binaries"), "{stderr}");
    assert!(!out.exists(), "nothing written for a refused plan");
}
