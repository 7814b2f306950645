//! The `tim-server` binary: `serve` (default) and `usersig`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tim_server::{Config, Server};

#[derive(Parser)]
#[command(name = "tim-server", version, about = "Self-hostable IM server compatible with the Tencent Cloud IM Web SDK")]
struct Cli {
    /// TOML config file (see docs/server.md).
    #[arg(long, global = true, env = "TIM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Print a userSig made with an app's secret key.
    Usersig {
        /// The app (optional when exactly one app exists).
        #[arg(long)]
        sdkappid: Option<u64>,
        /// The user.
        #[arg(long)]
        user: String,
        /// Validity in seconds.
        #[arg(long, default_value_t = 7 * 24 * 3600)]
        expire: u64,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Usersig { sdkappid, user, expire } => usersig(config, sdkappid, &user, expire),
    }
}

fn usersig(config: Config, sdkappid: Option<u64>, user: &str, expire: u64) -> ExitCode {
    let store = match tim_server::store::open(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let apps = match tim_server::load_apps(&Config { demo: false, ..config }, store.as_ref()) {
        Ok((apps, _)) => apps,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let app = match sdkappid {
        Some(id) => apps.into_iter().find(|a| a.sdkappid == id),
        None if apps.len() == 1 => apps.into_iter().next(),
        None => {
            eprintln!("error: several apps exist, pass --sdkappid");
            return ExitCode::FAILURE;
        }
    };
    let Some(app) = app else {
        eprintln!("error: unknown sdkappid");
        return ExitCode::FAILURE;
    };
    println!("{}", tim_proto::usersig::generate(app.sdkappid, &app.secret_key, user, expire, tim_server::now()));
    ExitCode::SUCCESS
}

fn serve(config: Config) -> ExitCode {
    // Every socket is a file: the soft limit (often 1024) would cap the connections.
    match tim_server::transport::raise_nofile_limit() {
        Ok((soft, hard)) => tracing::info!(soft, hard, "open-file limit (RLIMIT_NOFILE)"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit (RLIMIT_NOFILE)"),
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let demo = config.demo;
        let has_static = config.static_dir.is_some();
        let server = match Server::start(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let addr = server.local_addr();
        if let Some(app) = server.created_app() {
            println!("Created demo app: SDKAppID {} secret key {}", app.sdkappid, app.secret_key);
        }
        for app in server.apps() {
            println!("Serving SDKAppID {} (admin {:?})", app.sdkappid, app.admin);
        }
        println!("WebSocket: ws://{addr}  (official SDK: proxyServer: 'ws://{addr}')");
        if has_static {
            println!("Open http://{addr}/");
        }
        if demo {
            println!("Dev userSigs: http://{addr}/dev/usersig?userID=alice  (DEMO MODE: never in production)");
        }
        wait_for_signal().await;
        tracing::info!("shutting down");
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
