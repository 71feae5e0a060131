//! The contract pack: the entity and error schemas and the case files. The default pack is
//! compiled into the binary (so `cargo install` works anywhere); `--cases-dir` and
//! `--schemas-dir` load another at run time.

use std::path::Path;

use serde_json::Value;

pub const ENTITY_SCHEMA_FILE: &str = "deviceConfigurationUserOverview.schema.json";
pub const ERROR_SCHEMA_FILE: &str = "odataError.schema.json";

const EMBEDDED_CASES: &[(&str, &str)] = &[
    (
        "all-variants.json",
        include_str!("../cases/all-variants.json"),
    ),
    ("direct.json", include_str!("../cases/direct.json")),
    (
        "root-certificate.json",
        include_str!("../cases/root-certificate.json"),
    ),
    (
        "identity-certificate.json",
        include_str!("../cases/identity-certificate.json"),
    ),
    (
        "identity-certificate-root-certificate.json",
        include_str!("../cases/identity-certificate-root-certificate.json"),
    ),
    (
        "ios-scep-root-certificate.json",
        include_str!("../cases/ios-scep-root-certificate.json"),
    ),
    (
        "macos-scep-root-certificate.json",
        include_str!("../cases/macos-scep-root-certificate.json"),
    ),
    (
        "windows81-scep-root-certificate.json",
        include_str!("../cases/windows81-scep-root-certificate.json"),
    ),
    (
        "windows-phone81-vpn-identity-certificate.json",
        include_str!("../cases/windows-phone81-vpn-identity-certificate.json"),
    ),
];

const EMBEDDED_ENTITY_SCHEMA: &str =
    include_str!("../schemas/deviceConfigurationUserOverview.schema.json");
const EMBEDDED_ERROR_SCHEMA: &str = include_str!("../schemas/odataError.schema.json");

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("cannot read {path}: {source}; check the path given to --cases-dir / --schemas-dir")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {source}; fix the file")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{dir} holds no *.json case files; point --cases-dir at a folder of case files")]
    NoCases { dir: String },
}

/// The raw pack: schema documents and case-file texts, each with the name it came from.
pub struct Pack {
    pub entity_schema: Value,
    pub error_schema: Value,
    /// (file name, text), in name order.
    pub case_files: Vec<(String, String)>,
}

impl Pack {
    pub fn load(cases_dir: Option<&Path>, schemas_dir: Option<&Path>) -> Result<Self, PackError> {
        let (entity_schema, error_schema) = match schemas_dir {
            None => (
                parse(
                    "schemas/".to_owned() + ENTITY_SCHEMA_FILE,
                    EMBEDDED_ENTITY_SCHEMA,
                )?,
                parse(
                    "schemas/".to_owned() + ERROR_SCHEMA_FILE,
                    EMBEDDED_ERROR_SCHEMA,
                )?,
            ),
            Some(dir) => (
                read_json(&dir.join(ENTITY_SCHEMA_FILE))?,
                read_json(&dir.join(ERROR_SCHEMA_FILE))?,
            ),
        };
        let case_files = match cases_dir {
            None => EMBEDDED_CASES
                .iter()
                .map(|(n, t)| (format!("cases/{n}"), (*t).to_owned()))
                .collect(),
            Some(dir) => read_case_dir(dir)?,
        };
        Ok(Self {
            entity_schema,
            error_schema,
            case_files,
        })
    }
}

fn parse(path: String, text: &str) -> Result<Value, PackError> {
    serde_json::from_str(text).map_err(|source| PackError::Json { path, source })
}

fn read_text(path: &Path) -> Result<String, PackError> {
    std::fs::read_to_string(path).map_err(|source| PackError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn read_json(path: &Path) -> Result<Value, PackError> {
    parse(path.display().to_string(), &read_text(path)?)
}

fn read_case_dir(dir: &Path) -> Result<Vec<(String, String)>, PackError> {
    let entries = std::fs::read_dir(dir).map_err(|source| PackError::Read {
        path: dir.display().to_string(),
        source,
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(PackError::NoCases {
            dir: dir.display().to_string(),
        });
    }
    paths
        .iter()
        .map(|p| Ok((p.display().to_string(), read_text(p)?)))
        .collect()
}
