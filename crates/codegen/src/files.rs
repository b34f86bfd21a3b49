//! The file-system edge: finding and reading the documents. Everything else in the crate is sans-IO.

use std::path::{Path, PathBuf};

/// The directory of the vendored documents this generator is written against.
pub fn vendored_spec_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/openapi/v1.36.2")
}

/// Reads every `*.json` file of `dir` as (file name, bytes), sorted by name, for [`crate::spec::load`].
///
/// # Errors
/// The directory or a file cannot be read, a file name is not UTF-8, or there is no `*.json` file.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} is no UTF-8 name", path.display()),
                )
            })?;
            files.push((name.to_owned(), std::fs::read(&path)?));
        }
    }
    if files.is_empty() {
        let e = format!("no *.json documents in {}", dir.display());
        return Err(std::io::Error::new(std::io::ErrorKind::NotFound, e));
    }
    files.sort();
    Ok(files)
}
