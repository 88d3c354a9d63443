//! Settings: built-in defaults, then an optional TOML file, then `ACCORD_*` environment variables.
//!
//! Secrets never live here: the signing key is read from a file whose *path* is configured.

use std::path::{Path, PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Which database the service talks to, decided by the URL scheme alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// An SQLite file at this path (created with its folder when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server, given as a libpq URL.
    Postgres(String),
}

impl DatabaseTarget {
    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`; anything else is refused with a
    /// sentence naming the accepted forms (and never echoing the URL, which may hold a password).
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path.contains(":memory:") {
                return Err("ACCORD_DATABASE_URL `sqlite://` needs a file path, for example \
                            sqlite://./data/accord.db (an in-memory database cannot be shared by a pool)"
                    .to_string());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_string()));
        }
        let scheme = url
            .split("://")
            .next()
            .filter(|s| *s != url)
            .unwrap_or("(no scheme)");
        Err(format!(
            "ACCORD_DATABASE_URL must be sqlite://PATH (an SQLite file) or postgres://… / \
             postgresql://… (a PostgreSQL server); the scheme `{scheme}` is not supported"
        ))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Public base URL of the service: the token issuer (`iss`) and the base of `Link` headers.
    pub public_url: Option<String>,
    /// Audience (`aud`) of the access tokens this service issues and accepts.
    pub token_audience: String,
    /// Ed25519 private key (PKCS#8 PEM). When unset, one is generated once into `data_dir`.
    pub signing_key_file: Option<PathBuf>,
    /// Earlier keys (PEM, private or public) still published in the JWKS so that receipts signed
    /// with them keep verifying after a rotation.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub previous_key_files: Vec<PathBuf>,
    /// Folder for generated files (the signing key; the SQLite file by default).
    pub data_dir: PathBuf,
    /// Lifetime of access tokens, in seconds.
    pub token_ttl: u64,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Connections in the read pool.
    pub pool_size: u32,
    /// How long a request waits for a pooled connection before a 503, in milliseconds.
    pub pool_timeout_ms: u64,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Origins allowed by CORS; empty means any origin (tokens are bearer headers, never cookies).
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub cors_origins: Vec<String>,
    /// `tracing` filter, for example `info` or `accord=debug,actix_web=info`.
    pub log: String,
    pub log_format: LogFormat,
    /// How often the background task looks for periods and ballots to close, in milliseconds.
    pub scheduler_interval_ms: u64,
    /// Memory for rendered revisions kept in the cache, in MiB (0 turns the cache off).
    pub revision_cache_mb: u64,
    /// Memory for rendered pages of comments kept in the cache, in MiB (0 turns it off). SQLite
    /// only: a page is served again only while the database file has had no commit since.
    pub page_cache_mb: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./data/accord.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            token_audience: "accord".into(),
            signing_key_file: None,
            previous_key_files: Vec::new(),
            data_dir: PathBuf::from("./data"),
            token_ttl: 900,
            max_body_bytes: 8 * 1024 * 1024,
            pool_size: 4,
            pool_timeout_ms: 2_000,
            workers: None,
            cors_origins: Vec::new(),
            log: "info".into(),
            log_format: LogFormat::Text,
            scheduler_interval_ms: 1_000,
            revision_cache_mb: 32,
            page_cache_mb: 8,
        }
    }
}

impl Settings {
    /// Defaults, then the TOML file (when given), then `ACCORD_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(format!(
                    "configuration file {} does not exist",
                    file.display()
                ));
            }
            figment = figment.merge(Toml::file(file));
        }
        let figment = figment.merge(
            Env::prefixed("ACCORD_")
                // ACCORD_CONFIG names the file; ACCORD_TEST_* belong to the test suite.
                .filter(|k| {
                    let k = k.as_str().to_ascii_uppercase();
                    k != "CONFIG" && !k.starts_with("TEST_")
                })
                .map(|k| k.as_str().to_ascii_lowercase().into()),
        );
        let settings: Settings = figment
            .extract()
            .map_err(|e| format!("configuration: {e}"))?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), String> {
        DatabaseTarget::parse(&self.database_url)?;
        if self.token_ttl == 0 || self.token_ttl > 86_400 {
            return Err("ACCORD_TOKEN_TTL must be between 1 and 86400 seconds".into());
        }
        if self.pool_size == 0 {
            return Err("ACCORD_POOL_SIZE must be at least 1".into());
        }
        if self.max_body_bytes < 1024 {
            return Err("ACCORD_MAX_BODY_BYTES must be at least 1024".into());
        }
        Ok(())
    }

    pub fn database(&self) -> DatabaseTarget {
        // `check` ran at load time; a Settings built by hand (tests) is checked here again.
        DatabaseTarget::parse(&self.database_url).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The issuer and link base: the configured public URL, or `http://` + the bind address.
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_string()
    }
}

/// Lists may be written as TOML arrays or, in environment variables, as `a,b,c`.
fn list_or_comma_separated<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: From<String>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(String),
        Many(Vec<String>),
    }
    let items = match Raw::deserialize(de)? {
        Raw::One(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Raw::Many(v) => v,
    };
    Ok(items
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(T::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_recognised_by_scheme() {
        assert_eq!(
            DatabaseTarget::parse("sqlite://./data/a.db"),
            Ok(DatabaseTarget::Sqlite(PathBuf::from("./data/a.db")))
        );
        assert!(matches!(
            DatabaseTarget::parse("postgresql://u@h/db"),
            Ok(DatabaseTarget::Postgres(_))
        ));
        let err = DatabaseTarget::parse("mysql://root:secret@h/db").unwrap_err();
        assert!(
            err.contains("sqlite://") && err.contains("postgres://"),
            "{err}"
        );
        assert!(!err.contains("secret"), "the URL must not be echoed: {err}");
        assert!(DatabaseTarget::parse("./plain/path.db").is_err());
        assert!(DatabaseTarget::parse("sqlite://:memory:").is_err());
    }
}
