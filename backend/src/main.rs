//! `pustaka-server`: the content server's command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use pustaka_backend::{Application, ServeConfig, db};

/// Pustaka AR content server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (creates and migrates the database on first start).
    Serve(ServeConfig),
    /// List the markers.
    Markers {
        /// Folder holding the database.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "pustaka_backend=info,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve(config) => {
            let app = Application::build(config).await?;
            tracing::info!(addr = %app.local_addr(), "listening");
            eprintln!("pustaka-server listening on http://{}", app.local_addr());
            app.run_until_stopped().await
        }
        Command::Markers { data_dir, json } => {
            let pool = db::connect_and_migrate(&data_dir).await?;
            for m in db::all_markers(&pool).await.context("listing markers")? {
                if json {
                    let line = serde_json::json!({
                        "code": m.code, "target_kind": m.target_kind,
                        "target_id": m.target_id, "label": m.label, "active": m.active,
                    });
                    println!("{line}");
                } else {
                    println!("{}\t{}\t{}", m.code, m.target_kind, m.label);
                }
            }
            Ok(())
        }
    }
}
