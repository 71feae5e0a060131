//! `report.json`: the serde form of [`Report`] (pretty, with a final newline), and reading it back.

use std::io::Write;
use std::path::Path;

use crate::outcome::Report;

use super::{secrets, ReportError};

/// Writes `report` as pretty JSON (the fixed `report.json` shape of DESIGN.md).
pub fn write(mut w: impl Write, report: &Report) -> Result<(), ReportError> {
    let report = secrets::scrub(report);
    serde_json::to_writer_pretty(&mut w, &report).map_err(|e| {
        if e.is_io() {
            ReportError::Io(e.into())
        } else {
            ReportError::Json(e)
        }
    })?;
    w.write_all(b"\n")?;
    Ok(())
}

/// Reads a `report.json` written by a run or by `report merge`; the error names the file and
/// what to do.
pub fn read_report(path: &Path) -> Result<Report, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ReportError::Parse {
        path: path.to_path_buf(),
        source,
    })
}
