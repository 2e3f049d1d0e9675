//! `pustaka-markers`: the markers crate on the command line — scan photos,
//! generate codes, lay out label sheets and posters.
//!
//! Built with the `cli` feature (`cargo run -p pustaka-markers --features cli`);
//! the library itself does not depend on clap, serde or anyhow.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pustaka_markers::payload::MarkerCode;
use pustaka_markers::sheet::{self, Label, SheetLayout};
use pustaka_markers::{LumaImage, Scanner, generate};
use serde::Serialize;

/// Library marker codes for Pustaka AR.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan image files (PNG, JPEG) for QR codes.
    Scan {
        /// One JSON object per file and line: `file`, `decode_ms` (time inside the
        /// scanner only, image already in memory as luma), `codes`.
        #[arg(long)]
        json: bool,
        /// Time budget per image in milliseconds (default: the scanner's
        /// camera-frame budget); raise it for still photos on a busy machine.
        #[arg(long)]
        budget_ms: Option<u64>,
        /// Image files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write one SVG or PNG per code: `{out_dir}/{CODE}.svg|png`.
    Generate {
        /// The library's host, as printed in the URL `https://{host}/m/{code}`.
        #[arg(long, value_parser = parse_host)]
        host: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Svg)]
        format: Format,
        /// Output folder (created if missing).
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        /// PNG: pixels per module.
        #[arg(long, default_value_t = 10)]
        module_px: usize,
        /// SVG: printed side, quiet zone included, millimetres.
        #[arg(long, default_value_t = 30.0)]
        size_mm: f64,
        /// Marker codes (Crockford base-32, e.g. 7K3M9Q).
        #[arg(required = true)]
        codes: Vec<String>,
    },
    /// Lay out an A4 PDF sheet of labels (12 per page by default).
    Sheet {
        /// The library's host, as printed in the URL.
        #[arg(long, value_parser = parse_host)]
        host: String,
        /// Output PDF file.
        #[arg(long)]
        out: PathBuf,
        /// Labels across the page.
        #[arg(long, default_value_t = 2)]
        columns: usize,
        /// Labels down the page.
        #[arg(long, default_value_t = 6)]
        rows: usize,
        /// Labels as `CODE` or `CODE|Title|Call number`.
        #[arg(required = true)]
        labels: Vec<String>,
    },
    /// Lay out an A4 PDF poster with one large code.
    Poster {
        /// The library's host, as printed in the URL.
        #[arg(long, value_parser = parse_host)]
        host: String,
        /// Output PDF file.
        #[arg(long)]
        out: PathBuf,
        /// Title above the code.
        #[arg(long, default_value = "")]
        title: String,
        /// The marker code.
        code: String,
    },
}

/// A host name (with an optional port) as it may stand in a URL: letters,
/// digits, dots, hyphens and one `:port`; refused otherwise, so a code never
/// encodes a broken URL.
fn parse_host(s: &str) -> Result<String, String> {
    let (name, port) = s.split_once(':').unwrap_or((s, ""));
    let name_ok = !name.is_empty()
        && name
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_empty() && !s.contains(':') || port.parse::<u16>().is_ok_and(|p| p > 0);
    if name_ok && port_ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{s:?} is not a host name (e.g. perpustakaan.metrokota.go.id or 127.0.0.1:8080)"
        ))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Svg,
    Png,
}

/// One line of `scan --json`.
#[derive(Debug, Serialize)]
struct ScanLine {
    file: String,
    decode_ms: f64,
    codes: Vec<CodeJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct CodeJson {
    text: Option<String>,
    bytes_hex: String,
    corners: [[f32; 2]; 4],
    mirrored: bool,
    /// Why `text` is null for a code whose ECI designator could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    text_error: Option<String>,
}

/// The reason a detection has no text, when it is an ECI problem.
fn text_error(d: &pustaka_markers::Detection) -> Option<String> {
    match d.encoding {
        pustaka_markers::TextEncoding::Unreadable(e) => Some(e.to_string()),
        _ => None,
    }
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Scan {
            json,
            budget_ms,
            files,
        } => scan(json, budget_ms, &files),
        Command::Generate {
            host,
            format,
            out_dir,
            module_px,
            size_mm,
            codes,
        } => {
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
            for c in codes {
                let code = MarkerCode::parse(&c).with_context(|| format!("code {c:?}"))?;
                let url = code.url(&host);
                let path = out_dir.join(format!(
                    "{code}.{}",
                    match format {
                        Format::Svg => "svg",
                        Format::Png => "png",
                    }
                ));
                match format {
                    Format::Svg => std::fs::write(&path, generate::svg(&url, size_mm)?)?,
                    Format::Png => {
                        let img = generate::luma_image(&url, module_px)?;
                        image::GrayImage::from_raw(
                            img.width() as u32,
                            img.height() as u32,
                            img.data().to_vec(),
                        )
                        .context("image size")?
                        .save(&path)
                        .with_context(|| format!("writing {}", path.display()))?;
                    }
                }
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Sheet {
            host,
            out,
            columns,
            rows,
            labels,
        } => {
            let labels = labels
                .iter()
                .map(|l| parse_label(l))
                .collect::<Result<Vec<_>>>()?;
            let layout = SheetLayout {
                columns,
                rows,
                ..SheetLayout::default()
            };
            let pdf = sheet::label_sheet_pdf(&labels, &format!("https://{host}"), &layout)?;
            std::fs::write(&out, pdf).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", out.display());
            Ok(())
        }
        Command::Poster {
            host,
            out,
            title,
            code,
        } => {
            let label = Label {
                code: MarkerCode::parse(&code).with_context(|| format!("code {code:?}"))?,
                title,
                call_number: String::new(),
            };
            let pdf = sheet::poster_pdf(&(&label).into(), &format!("https://{host}"))?;
            std::fs::write(&out, pdf).with_context(|| format!("writing {}", out.display()))?;
            println!("{}", out.display());
            Ok(())
        }
    }
}

/// `CODE` or `CODE|Title|Call number`.
fn parse_label(s: &str) -> Result<Label> {
    let mut parts = s.splitn(3, '|');
    let code = parts.next().unwrap_or_default();
    Ok(Label {
        code: MarkerCode::parse(code.trim()).with_context(|| format!("label {s:?}"))?,
        title: parts.next().unwrap_or_default().trim().to_string(),
        call_number: parts.next().unwrap_or_default().trim().to_string(),
    })
}

fn scan(json: bool, budget_ms: Option<u64>, files: &[PathBuf]) -> Result<()> {
    let mut config = pustaka_markers::ScannerConfig::default();
    if let Some(ms) = budget_ms {
        config.time_budget = std::time::Duration::from_millis(ms);
    }
    let scanner = Scanner::new(config);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failures = 0;
    for file in files {
        let name = file.display().to_string();
        let img = match image::open(file) {
            Ok(img) => LumaImage::from_dynamic(&img),
            Err(e) => {
                failures += 1;
                if json {
                    let line = ScanLine {
                        file: name,
                        decode_ms: 0.0,
                        codes: Vec::new(),
                        error: Some(e.to_string()),
                    };
                    writeln!(out, "{}", serde_json::to_string(&line)?)?;
                } else {
                    eprintln!("{name}: {e}");
                }
                continue;
            }
        };
        let start = Instant::now();
        let found = scanner.scan(&img.view())?;
        let decode_ms = start.elapsed().as_secs_f64() * 1e3;
        if json {
            let line = ScanLine {
                file: name,
                decode_ms: (decode_ms * 1000.0).round() / 1000.0,
                codes: found
                    .iter()
                    .map(|d| CodeJson {
                        text: d.text.clone(),
                        bytes_hex: d.bytes.iter().map(|b| format!("{b:02x}")).collect(),
                        corners: d.corners.map(|p| [p.x, p.y]),
                        mirrored: d.mirrored,
                        text_error: text_error(d),
                    })
                    .collect(),
                error: None,
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        } else {
            writeln!(out, "{name}: {} code(s) in {decode_ms:.2} ms", found.len())?;
            for d in &found {
                let text = match (&d.text, text_error(d)) {
                    (Some(t), _) => t.clone(),
                    (None, Some(e)) => format!("<unreadable: {e}>"),
                    (None, None) => "<binary>".to_owned(),
                };
                writeln!(
                    out,
                    "  {text}{}",
                    if d.mirrored { " (mirrored)" } else { "" }
                )?;
            }
        }
    }
    if failures > 0 {
        bail!("{failures} file(s) could not be read");
    }
    Ok(())
}
