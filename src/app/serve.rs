//! The commands around the suite: `serve`, `token`, `packs`.

use super::{load_pack, runtime, AppError, EXIT_OK};
use crate::cli::{ServeArgs, TokenArgs};
use crate::service::{self, ServiceOptions};

/// `--fault` / `--deviation` names as the service's switches.
pub(super) fn service_options(
    fault: Option<&str>,
    deviations: &[String],
) -> Result<ServiceOptions, AppError> {
    let fault = fault
        .map(str::parse)
        .transpose()
        .map_err(AppError::Switch)?;
    let deviations = deviations
        .iter()
        .map(|d| d.parse())
        .collect::<Result<Vec<_>, service::UnknownSwitch>>()?;
    Ok(ServiceOptions {
        fault,
        deviations,
        latency: std::time::Duration::ZERO,
    })
}

pub(super) fn serve(args: ServeArgs) -> Result<i32, AppError> {
    if args.list_faults {
        let pack = load_pack(args.pack.as_deref(), None, None)?;
        // A reader that stops early (`| head`) closes the pipe: that ends the listing, no more.
        return match list_switches(&pack, std::io::stdout().lock()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Stdout(e)),
            _ => Ok(EXIT_OK),
        };
    }
    let mut options = service_options(args.fault.as_deref(), &args.deviation)?;
    options.latency = args.latency.unwrap_or_default();
    let mut pack = load_pack(args.pack.as_deref(), None, None)?;
    if args.entities > 1 {
        pack = std::sync::Arc::new(pack.with_entities(usize::from(args.entities))?);
    }
    let front = if args.thread_per_connection {
        service::Front::ThreadPerConnection {
            backlog: args.backlog,
        }
    } else {
        service::Front::Tokio
    };
    runtime()?.block_on(service::serve_forever(
        pack,
        options,
        args.port,
        front,
        args.ids_out.as_deref(),
    ))?;
    Ok(EXIT_OK)
}

/// `serve --list-faults`: every fault with its clause (marked when it can show on `pack`), and
/// every deviation.
fn list_switches(pack: &crate::pack::Pack, mut out: impl std::io::Write) -> std::io::Result<()> {
    writeln!(out, "faults (--fault NAME): each breaks exactly one clause; * marks those that can show on the pack {}", pack.meta.name)?;
    for f in service::all_faults() {
        let mark = if f.fault.applies(pack) { '*' } else { ' ' };
        writeln!(
            out,
            "{mark} {:<36} {:<6} {:?}  {}",
            f.name, f.clause, f.level, f.description
        )?;
    }
    writeln!(
        out,
        "\nretired names (--fault NAME still takes them): each stands for the fault it names"
    )?;
    for a in service::aliases() {
        writeln!(out, "  {:<36} -> {:<32} {}", a.name, a.fault, a.clause)?;
    }
    writeln!(
        out,
        "\ndeviations (--deviation NAME): behaviour the contract allows"
    )?;
    for d in service::deviations() {
        writeln!(out, "  {:<28} {}", d.name, d.description)?;
    }
    Ok(())
}

pub(super) fn token(args: &TokenArgs) -> Result<i32, AppError> {
    let pack = load_pack(args.pack.as_deref(), None, None)?;
    let token = if args.no_scope {
        Some(super::minted_token_without_scope(3600))
    } else if args.read_only {
        super::minted_read_only_token(&pack, 3600)
    } else if args.app {
        super::minted_app_token(&pack, 3600)
    } else {
        Some(super::minted_token(&pack, 3600))
    };
    let Some(token) = token else {
        return Err(AppError::NoSuchToken {
            pack: pack.meta.name.clone(),
            which: if args.read_only {
                "read"
            } else {
                "application"
            },
        });
    };
    println!("{token}");
    Ok(EXIT_OK)
}

pub(super) fn packs() -> Result<i32, AppError> {
    for b in crate::pack::builtins() {
        let pack = load_pack(Some(b.name), None, None)?;
        let m = &pack.meta;
        let default = if b.name == crate::pack::DEFAULT_PACK {
            " (default)"
        } else {
            ""
        };
        println!("{}{default}", m.name);
        println!(
            "    {} — {} variants, {} properties",
            m.title,
            pack.variants.len(),
            pack.model.properties.len()
        );
        println!("    source: {} ({})", m.source.page, m.source.date);
        for w in &m.warnings {
            println!("    warning: {w}");
        }
    }
    Ok(EXIT_OK)
}
