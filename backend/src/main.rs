//! `pustaka-server`: the content server's command line.

use std::io::{IsTerminal, Write};

use anyhow::Context;
use clap::{Parser, Subcommand};
use pustaka_backend::admin::{Role, accounts};
use pustaka_backend::{Application, ServeConfig, catalog, db};

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
    /// Import catalogue files (MARC21 .mrc/.dat, MARCXML, SLiMS CSV); re-importing is safe.
    Import {
        /// Folder holding the database.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        /// Print the report as JSON on stdout instead of a summary.
        #[arg(long)]
        json: bool,
        /// The files to import.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Create a staff account (an admin by default). The password is read from
    /// the environment variable `PUSTAKA_ADMIN_PASSWORD`, else from standard input
    /// (typed without echo on a terminal); never from a flag.
    CreateAdmin {
        /// Folder holding the database.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        /// Login name: 3-32 of a-z, 0-9, '.', '_', '-'.
        #[arg(long)]
        username: String,
        /// Role: admin, librarian or volunteer.
        #[arg(long, default_value = "admin", value_parser = parse_role)]
        role: Role,
    },
    /// Forget an account's failed logins, so it can log in again at once (the
    /// way in when strangers keep a librarian, or the only admin, waiting).
    UnblockLogin {
        /// Folder holding the database.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        /// The account's login name.
        #[arg(long)]
        username: String,
    },
    /// List the markers.
    Markers {
        /// Folder holding the database.
        #[arg(long)]
        data_dir: std::path::PathBuf,
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
        /// Base URL printed in marker URLs (the server's `--public-url`).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        public_url: String,
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
            let scheme = if app.is_https() { "https" } else { "http" };
            eprintln!(
                "pustaka-server listening on {scheme}://{}",
                app.local_addr()
            );
            app.run_until_stopped().await
        }
        Command::Import {
            data_dir,
            json,
            files,
        } => {
            let pool = db::connect_and_migrate(&data_dir).await?;
            let reports = catalog::import_files(&pool, &files)
                .await
                .context("import failed")?;
            // A file with no readable record is a failed import, not an empty one.
            let unreadable: Vec<&str> = reports
                .iter()
                .filter(|r| r.records == 0)
                .map(|r| r.file.as_str())
                .collect();
            let printed = print_lines(|out| {
                if json {
                    let text =
                        serde_json::to_string_pretty(&reports).map_err(std::io::Error::other)?;
                    return writeln!(out, "{text}");
                }
                for r in &reports {
                    writeln!(
                        out,
                        "{}: {} records, {} imported, {} updated, {} skipped",
                        r.file,
                        r.records,
                        r.imported,
                        r.updated,
                        r.skipped.len()
                    )?;
                    for s in &r.skipped {
                        writeln!(
                            out,
                            "  skipped record {}{}: {}",
                            s.record,
                            s.id.as_deref()
                                .map(|i| format!(" ({i})"))
                                .unwrap_or_default(),
                            s.reason
                        )?;
                    }
                }
                Ok(())
            });
            printed?;
            if unreadable.is_empty() {
                Ok(())
            } else {
                anyhow::bail!(
                    "no catalogue record could be read from: {}",
                    unreadable.join(", ")
                )
            }
        }
        Command::CreateAdmin {
            data_dir,
            username,
            role,
        } => {
            let password = read_password()?;
            let pool = db::connect_and_migrate(&data_dir).await?;
            accounts::create_user(&pool, &username, &password, role, None)
                .await
                .with_context(|| format!("cannot create the account {username:?}"))?;
            eprintln!(
                "created {} account {:?}; log in at /admin/login",
                role.as_str(),
                username.trim().to_ascii_lowercase()
            );
            Ok(())
        }
        Command::UnblockLogin { data_dir, username } => {
            let pool = db::connect_and_migrate(&data_dir).await?;
            let name = username.trim().to_ascii_lowercase();
            let cleared = accounts::clear_login_failures(&pool, &name, None)
                .await
                .context("clearing failed logins")?;
            eprintln!("{name:?}: {cleared} failed logins forgotten; it can log in now");
            Ok(())
        }
        Command::Markers {
            data_dir,
            json,
            public_url,
        } => {
            let pool = db::connect_and_migrate(&data_dir).await?;
            let base = public_url.trim_end_matches('/');
            let markers = db::all_markers(&pool).await.context("listing markers")?;
            print_lines(|out| {
                for m in &markers {
                    let url = format!("{base}/m/{}", m.code);
                    if json {
                        let line = serde_json::json!({
                            "code": m.code, "url": url, "target_kind": m.target_kind,
                            "target_id": m.target_id, "label": m.label, "active": m.active,
                        });
                        writeln!(out, "{line}")?;
                    } else {
                        writeln!(out, "{}\t{}\t{}\t{}", m.code, url, m.target_kind, m.label)?;
                    }
                }
                Ok(())
            })
        }
    }
}

/// The environment variable `create-admin` reads the password from.
const PASSWORD_ENV: &str = "PUSTAKA_ADMIN_PASSWORD";

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
}

/// The new account's password: `PUSTAKA_ADMIN_PASSWORD`, else a hidden prompt on
/// a terminal, else the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(p);
    }
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password (at least 10 characters): ")
            .context("reading the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        anyhow::bail!("no password given: set {PASSWORD_ENV} or type it on standard input");
    }
    Ok(password)
}

/// Writes to stdout; a closed pipe (`| head`) ends the output quietly.
fn print_lines(
    write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}
