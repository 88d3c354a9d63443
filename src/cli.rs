//! The command line: `accord` (serve), `migrate`, `client create`, `openapi`, `verify-log`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::{LogFormat, Settings};
use crate::db::Db;
use crate::db::models::event::Event;
use crate::domain::event::Actor;
use crate::domain::role::Role;
use crate::domain::time::{Clock, SystemClock};
use crate::routes::clients::create::{CreateClient, insert_client};

#[derive(Debug, Parser)]
#[command(
    name = "accord",
    version,
    about = "Accord: drafting, commenting and ratification of AI standards over HTTP"
)]
pub struct Cli {
    /// A TOML file with settings (environment variables override it).
    #[arg(long, env = "ACCORD_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API clients.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Recompute the event chain and exit non-zero naming the first bad event.
    VerifyLog,
    /// Load a realistic demo body (members, standards with revisions, comments, a ballot) into an
    /// empty database.
    SeedDemo,
    /// Load a fixed-seed synthetic body of benchmark size into an empty database and print, as
    /// JSON, what the benchmark needs (including the credentials it created).
    SeedBench {
        /// Multiplies every count (1 = 193 members, 2,000 standards, 1,000,000 comments, 200 ballots).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The seed of the generator.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create a client and print its id and secret (shown once).
    Create {
        /// A role; repeat for several.
        #[arg(long = "role", required = true, value_parser = clap::builder::PossibleValuesParser::new(Role::ALL))]
        roles: Vec<String>,
        /// The member it acts for (required for delegate and commenter).
        #[arg(long)]
        member: Option<String>,
        /// A label for people.
        #[arg(long)]
        name: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", crate::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("accord: {e}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&settings);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&settings),
        Command::Migrate => {
            connect(&settings).map(|db| println!("migrations applied ({})", db.backend()))
        }
        Command::Client {
            command:
                ClientCommand::Create {
                    roles,
                    member,
                    name,
                    json,
                },
        } => create_client(&settings, roles, member, name, json),
        Command::VerifyLog => return verify_log(&settings),
        Command::SeedDemo => seed_demo(&settings),
        Command::SeedBench { scale, seed } => seed_bench(&settings, scale, seed),
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("accord: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match settings.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn connect(settings: &Settings) -> Result<Db, String> {
    // No idle connection is kept: when one is taken, r2d2 opens its replacement on a thread of
    // its own, and a command that exited meanwhile tore libpq and OpenSSL down under that thread
    // (SIGSEGV at exit on PostgreSQL, after the command had done its work, in about 1 run in 7).
    Db::connect(
        &settings.database(),
        2,
        0,
        Duration::from_millis(settings.pool_timeout_ms.max(5_000)),
    )
}

fn serve(settings: &Settings) -> Result<(), String> {
    let settings = settings.clone();
    actix_web::rt::System::new().block_on(async move {
        let started = std::time::Instant::now();
        let app = crate::startup::Application::build(&settings, Arc::new(SystemClock))?;
        tracing::info!(
            bind = %settings.bind,
            database = app.state().db.backend(),
            ready_ms = started.elapsed().as_millis() as u64,
            "accord is ready"
        );
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn create_client(
    settings: &Settings,
    roles: Vec<String>,
    member: Option<String>,
    name: Option<String>,
    json: bool,
) -> Result<(), String> {
    let new = CreateClient {
        name,
        member,
        roles: Some(roles),
    }
    .validate()
    .map_err(|e| {
        e.to_problem()
            .errors
            .unwrap_or_default()
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let db = connect(settings)?;
    let secret = crate::auth::secret::generate_secret();
    let hash = crate::auth::secret::hash_secret(&secret)?;
    let id = crate::auth::secret::generate_client_id();
    let mut conn = db.write_pool.get().map_err(|e| e.to_string())?;
    let client = crate::db::write_transaction(&mut conn, |conn| {
        insert_client(conn, &Actor::default(), SystemClock.now(), new, id, hash)
    })
    .map_err(|e| {
        e.to_problem()
            .errors
            .map(|f| {
                f.iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_else(|| e.to_string())
    })?;
    if json {
        let value = serde_json::json!({"client_id": client.id, "client_secret": secret, "roles": client.roles, "member": client.member});
        println!("{value}");
    } else {
        println!("client_id:     {}", client.id);
        println!("client_secret: {secret}");
        println!(
            "roles:         {}",
            client
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        );
        if let Some(m) = &client.member {
            println!("member:        {m}");
        }
        eprintln!("The secret is shown only now; it is stored hashed.");
    }
    Ok(())
}

fn seed_demo(settings: &Settings) -> Result<(), String> {
    let state = crate::startup::build_state(settings, Arc::new(SystemClock))?;
    let loaded = crate::seed::demo::load(
        &state.db,
        &state.keys,
        &state.tokens.issuer,
        SystemClock.now(),
    )?;
    println!(
        "demo loaded: {} members, {} standards, {} revisions, {} comments, {} ballot decisions; the event log holds {} events",
        loaded.members,
        loaded.standards,
        loaded.revisions,
        loaded.comments,
        loaded.decisions,
        loaded.events
    );
    Ok(())
}

fn seed_bench(settings: &Settings, scale: f64, seed: u64) -> Result<(), String> {
    if !(scale > 0.0 && scale <= 10.0) {
        return Err("--scale must be above 0 and at most 10".into());
    }
    let started = std::time::Instant::now();
    let state = crate::startup::build_state(settings, Arc::new(SystemClock))?;
    let options = crate::seed::bench::BenchOptions { scale, seed };
    let summary = crate::seed::bench::load(
        &state.db,
        &state.keys,
        &state.tokens.issuer,
        SystemClock.now(),
        options,
    )?;
    eprintln!(
        "benchmark body loaded in {:.1} s: {} members, {} standards, {} comments, {} ballots, {} events",
        started.elapsed().as_secs_f64(),
        summary.members,
        summary.standards,
        summary.comments,
        summary.ballots,
        summary.events
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn verify_log(settings: &Settings) -> ExitCode {
    let run = || -> Result<Result<(i64, String), String>, String> {
        let db = connect(settings)?;
        let mut conn = db.read_pool.get().map_err(|e| e.to_string())?;
        let (head_seq, head_hash) = Event::head(&mut conn).map_err(|e| e.to_string())?;
        match Event::verify(&mut conn, 0, None).map_err(|e| e.to_string())? {
            Err(bad) => Ok(Err(format!(
                "event {} is bad: {} (expected {}, found {})",
                bad.seq, bad.reason, bad.expected, bad.found
            ))),
            Ok(v) if v.last_seq() != head_seq || v.last_hash() != head_hash => Ok(Err(format!(
                "the chain head says seq {head_seq} hash {head_hash}, but the events end at seq {} hash {}",
                v.last_seq(),
                v.last_hash()
            ))),
            Ok(v) => Ok(Ok((v.last_seq(), v.last_hash().to_string()))),
        }
    };
    match run() {
        Ok(Ok((seq, hash))) => {
            println!("ok: {seq} events verified; head {hash}");
            ExitCode::SUCCESS
        }
        Ok(Err(bad)) => {
            eprintln!("accord verify-log: {bad}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("accord verify-log: {e}");
            ExitCode::from(2)
        }
    }
}
