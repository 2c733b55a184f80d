//! `kill -9` in the middle of a write: the old file stays whole, and the next write
//! leaves no temporary behind. The writer is this test binary itself, re-run as a child.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "ATOMIC_FILE_CHILD_DESTINATION";

/// Runs only as the child: writes forever, never commits.
#[test]
fn child_writer() {
    let Some(destination) = std::env::var_os(CHILD_ENV) else { return };
    let mut file = atomic_file::AtomicFile::create(std::path::Path::new(&destination)).expect("create");
    println!("writing");
    std::io::stdout().flush().expect("flush");
    let chunk = vec![b'x'; 64 * 1024];
    loop {
        file.write_all(&chunk).expect("write");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_file_whole() {
    let folder = tempfile::tempdir().expect("tempdir");
    let path = folder.path().join("report.html");
    std::fs::write(&path, "the old report").expect("write");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    // Wait until its temporary has data, then kill it without warning.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let growing = std::fs::read_dir(folder.path()).expect("list").flatten().any(|entry| {
            entry.file_name().to_string_lossy().ends_with(".tmp") && entry.metadata().is_ok_and(|m| m.len() > 0)
        });
        if growing {
            break;
        }
        assert!(Instant::now() < deadline, "the child never started writing");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "the old report");

    atomic_file::write_atomically(&path, b"the new report").expect("write");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "the new report");
    let left: Vec<_> =
        std::fs::read_dir(folder.path()).expect("list").flatten().map(|entry| entry.file_name()).collect();
    assert_eq!(left.len(), 1, "the killed writer's temporary was swept: {left:?}");
}
