//! `perp-keeper`: command line of the keeper bot and the embedded localnet.
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use perp_keeper::state_view::describe_chain;
use perp_migrations::config::Config;
use perp_migrations::localnet::Localnet;

#[derive(Parser)]
#[command(name = "perp-keeper", version, about = "Keeper bot and localnet runner for the perp exchange")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a local chain with the program, bootstrap the exchange and its markets from a
    /// config, and print their state. By default the in-process bank (prints, then exits); with
    /// `--validator`, Agave's TestValidator over JSON-RPC, running until Ctrl-C.
    Localnet {
        /// Bootstrap config (TOML); default: migrations/localnet.toml, built in.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Run Agave's real validator with JSON-RPC and websocket (cargo feature `validator`).
        #[arg(long)]
        validator: bool,
        /// RPC port of `--validator` (the websocket is the next port).
        #[arg(long, default_value_t = 8899)]
        rpc_port: u16,
    },
}

/// The log filter when RUST_LOG is not set.
const DEFAULT_LOG_FILTER: &str = "off,perp_keeper=info,perp_migrations=info,perp_client=warn";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Quiet by default: the keeper's own progress and every warning of ours; dependencies
    // (Agave, tarpc, rocksdb bindings) log only when RUST_LOG asks for them.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER)),
        )
        .init();
    match Cli::parse().command {
        Command::Localnet { config, validator, rpc_port } => {
            let config = match config {
                Some(path) => Config::load(&path)?,
                None => Config::localnet_default(),
            };
            if validator {
                run_validator(&config, rpc_port).await
            } else {
                localnet(&config).await
            }
        }
    }
}

async fn localnet(config: &Config) -> anyhow::Result<()> {
    tracing::info!("starting the in-process bank");
    let mut net = Localnet::start(config).await?;
    let slot = net.ctx.banks_client.get_root_slot().await?;
    tracing::info!(slot, markets = net.markets.len(), "exchange bootstrapped");
    let markets: Vec<_> = net.markets.iter().map(|m| m.address).collect();
    print!("{}", describe_chain(&mut net, &markets).await?);
    Ok(())
}

#[cfg(feature = "validator")]
async fn run_validator(config: &Config, rpc_port: u16) -> anyhow::Result<()> {
    use perp_migrations::validator::LocalValidator;
    tracing::info!(rpc_port, "starting Agave's TestValidator");
    let net = LocalValidator::start(config, Some(rpc_port)).await?;
    let markets: Vec<_> = net.deployment.markets.iter().map(|m| m.address).collect();
    print!("{}", describe_chain(&mut net.chain(), &markets).await?);
    println!("rpc              {}", net.validator.rpc_url());
    println!("websocket        {}", net.validator.rpc_pubsub_url());
    println!("ledger           {}", net.ledger.path().display());
    println!("collateral mint authority (localnet only): {:?}", net.deployment.mint_authority.to_bytes());
    println!("oracle authority (localnet only):          {:?}", net.deployment.oracle_authority.to_bytes());
    tracing::info!("running; Ctrl-C stops the validator");
    tokio::signal::ctrl_c().await?;
    tracing::info!("stopping");
    Ok(())
}

#[cfg(not(feature = "validator"))]
async fn run_validator(_config: &Config, _rpc_port: u16) -> anyhow::Result<()> {
    anyhow::bail!("this build has no validator: rebuild with `--features validator` (needs Debian's libclang-dev)")
}
