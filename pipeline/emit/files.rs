//! Output files, created readable by their owner only (they hold 要配慮個人情報).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;

/// Creates (truncates) a file with mode 0600 on Unix.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// Writes bytes to a private file.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = create_private(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes a frame as Parquet (zstd) to a private file, for analysts' polars / DuckDB.
pub fn write_parquet(path: &Path, frame: &DataFrame) -> std::io::Result<()> {
    // Buffered: the Parquet writer makes many small writes.
    let mut w = std::io::BufWriter::new(create_private(path)?);
    let mut df = frame.clone();
    ParquetWriter::new(&mut w)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(std::io::Error::other)?;
    w.flush()?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// A CSV (UTF-8 with BOM, CRLF) of rows that went into no frame: source file, line, reason and
/// the vendor fields as read.
pub fn write_quarantine(
    path: &Path,
    rows: &[(String, u64, String, Vec<String>)],
) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(Vec::new());
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    w.write_record(["source_file", "line", "reason", "fields…"])
        .map_err(io)?;
    for (file, line, reason, fields) in rows {
        let mut rec = vec![file.clone(), line.to_string(), reason.clone()];
        rec.extend(fields.iter().cloned());
        w.write_record(&rec).map_err(io)?;
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(
        w.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?,
    );
    write_private(path, &bytes)
}
