//! `CodeSha256` for a local version. Lambda hashes the deployment package; the emulator
//! has no package, so it hashes what would go in one: the `bootstrap` executable, or a
//! Python version's handler name and every file of its code folder (by relative path, in
//! sorted order, without caches, virtual environments and version control). Two versions
//! report the same value exactly when they would run the same code, which is what a
//! canary's preflight compares.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::config::RuntimeConfig;

/// Folders that never belong to a deployment package.
const SKIPPED_FOLDERS: [&str; 6] = ["__pycache__", ".venv", "venv", ".git", ".pytest_cache", "node_modules"];

/// Base64 of the SHA-256, as Lambda writes `CodeSha256`.
pub(crate) fn code_sha256(runtime: &RuntimeConfig) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    match runtime {
        RuntimeConfig::Bootstrap { path } => hasher.update(std::fs::read(path)?),
        RuntimeConfig::Python { handler, code } => {
            hasher.update(handler.as_bytes());
            hasher.update([0]);
            let mut files = Vec::new();
            collect_files(code, code, &mut files)?;
            files.sort();
            for relative in files {
                hasher.update(relative.to_string_lossy().as_bytes());
                hasher.update([0]);
                hasher.update(std::fs::read(code.join(&relative))?);
                hasher.update([0]);
            }
        }
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(hasher.finalize()))
}

fn collect_files(root: &Path, folder: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        let file_type = entry.file_type()?;
        if file_type.is_dir() {
            if !SKIPPED_FOLDERS.iter().any(|skipped| name == *skipped) {
                collect_files(root, &path, files)?;
            }
        } else if file_type.is_file() && path.extension().is_none_or(|extension| extension != "pyc") {
            files.push(path.strip_prefix(root).map(Path::to_path_buf).unwrap_or(path));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_version_hashes_its_handler_and_files_but_not_caches() {
        let folder = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(folder.path().join("app/__pycache__")).expect("folders");
        std::fs::write(folder.path().join("app/handler.py"), "def handler(event, context): return 1\n").expect("file");
        let python =
            |handler: &str| RuntimeConfig::Python { handler: handler.into(), code: folder.path().to_path_buf() };
        let before = code_sha256(&python("app.handler.handler")).expect("hashed");
        assert_eq!(before.len(), 44, "base64 of 32 bytes: {before}");

        std::fs::write(folder.path().join("app/__pycache__/handler.cpython-312.pyc"), "cache").expect("file");
        assert_eq!(code_sha256(&python("app.handler.handler")).expect("hashed"), before, "caches do not count");
        assert_ne!(code_sha256(&python("app.handler.other")).expect("hashed"), before, "the handler counts");
        std::fs::write(folder.path().join("app/handler.py"), "def handler(event, context): return 2\n").expect("file");
        assert_ne!(code_sha256(&python("app.handler.handler")).expect("hashed"), before, "the code counts");
    }

    #[test]
    fn a_bootstrap_hashes_its_bytes() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("bootstrap");
        std::fs::write(&path, b"abc").expect("file");
        // SHA-256("abc"), base64.
        let expected = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
        assert_eq!(code_sha256(&RuntimeConfig::Bootstrap { path }).expect("hashed"), expected);
    }
}
