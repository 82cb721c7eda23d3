//! `perp-keeper`: command line of the keeper bot and the embedded localnet.
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use perp_keeper::scenario::report::Report;
use perp_keeper::scenario::{self, Scenario, Step};
use perp_keeper::service::{self, KeeperConfig};
use perp_keeper::state_view::describe_chain;
use perp_keeper::{sim, summary};

use perp_localnet::localnet::Localnet;
use perp_migrations::config::Config;

#[derive(Parser)]
#[command(name = "perp-keeper", version, about = "Keeper bot and localnet runner for the perp exchange")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the keeper against a cluster over JSON-RPC: oracle, funding, liquidation, bankruptcy
    /// and ADL cranks, each on its own interval, until Ctrl-C.
    Run {
        /// Keeper config (TOML, see keeper.example.toml); flags override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// JSON-RPC URL or moniker: localhost, devnet, testnet, mainnet-beta (default: the
        /// Solana CLI's config, else localhost).
        #[arg(long, short = 'u')]
        url: Option<String>,
        /// Keypair file (Solana CLI form) paying fees and owning the liquidator account.
        #[arg(long, short = 'k')]
        keypair: Option<PathBuf>,
        /// The liquidator trader account's sub-account id.
        #[arg(long)]
        sub_account: Option<u16>,
        /// Keypair of the push oracles' authority (keeper-pushed markets).
        #[arg(long)]
        oracle_authority: Option<PathBuf>,
        /// Price path for the push oracles (`seconds symbol price` lines).
        #[arg(long)]
        price_path: Option<PathBuf>,
        #[arg(long)]
        compute_unit_limit: Option<u32>,
        /// Priority fee, micro-lamports per compute unit.
        #[arg(long)]
        priority_fee: Option<u64>,
        /// Serve Prometheus metrics at this address (e.g. 127.0.0.1:9464).
        #[arg(long)]
        metrics_addr: Option<std::net::SocketAddr>,
        /// Stop after this many runs of each crank (default: until Ctrl-C).
        #[arg(long)]
        cycles: Option<u64>,
    },
    /// Start a local chain with the program, bootstrap the exchange and its markets from a
    /// config, and print their state. By default the in-process bank (prints, then exits); with
    /// `--validator`, Agave's TestValidator over JSON-RPC, running until Ctrl-C.
    ///
    /// Without `--validator`: runs the embedded market day (makers, leveraged takers, a basis
    /// trader, a crash, every keeper crank) on the in-process bank and prints what the waterfall
    /// did; `--scenario FILE` runs a scenario file instead (`--report OUT.json` writes its report).
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
        /// A scenario file (../shared/SCENARIO.md format) to run instead of the market day.
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Where to write the run's JSON report.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Only bootstrap and print the exchange, its markets and their parameters.
        #[arg(long)]
        describe: bool,
    },
}

/// The log filter when RUST_LOG is not set.
const DEFAULT_LOG_FILTER: &str = "off,perp_keeper=info,perp_localnet=info,perp_migrations=info,perp_client=warn";

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
        Command::Run {
            config,
            url,
            keypair,
            sub_account,
            oracle_authority,
            price_path,
            compute_unit_limit,
            priority_fee,
            metrics_addr,
            cycles,
        } => {
            let mut file = match config {
                Some(path) => KeeperConfig::load(&path)?,
                None => KeeperConfig::default(),
            };
            file.url = url.or(file.url);
            file.keypair = keypair.or(file.keypair);
            file.sub_account = sub_account.or(file.sub_account);
            file.oracle_authority = oracle_authority.or(file.oracle_authority);
            file.price_path = price_path.or(file.price_path);
            file.compute_unit_limit = compute_unit_limit.or(file.compute_unit_limit);
            file.priority_fee = priority_fee.or(file.priority_fee);
            file.metrics_addr = metrics_addr.or(file.metrics_addr);
            let home = std::env::var_os("HOME").map(PathBuf::from);
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            let resolved = file.resolve(home.as_deref(), i64::try_from(now)?)?;
            let ctrl_c = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            service::run(resolved, cycles, ctrl_c).await
        }
        Command::Localnet { config, validator, rpc_port, scenario, report, describe } => {
            let config = match config {
                Some(path) => Config::load(&path)?,
                None => Config::localnet_default(),
            };
            let scenario = scenario.as_deref().map(Scenario::load).transpose()?;
            match (validator, scenario) {
                (true, scenario) => run_validator(&config, rpc_port, scenario, report).await,
                (false, _) if describe => localnet(&config).await,
                (false, Some(scenario)) => run_scenario(&scenario, report.as_deref()).await,
                (false, None) => run_scenario(&sim::market_day(&config)?, report.as_deref()).await,
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

/// A progress line on a terminal (rewritten in place), a log line every tenth otherwise.
fn progress(total: usize) -> impl FnMut(&Step) {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let started = std::time::Instant::now();
    let mut last_tenth = 0;
    move |step: &Step| {
        let n = step.number;
        if tty {
            eprint!("\rstep {n:>5} / {total}  {:>5.1} s ", started.elapsed().as_secs_f32());
            if n == total {
                eprintln!();
            }
        } else if n * 10 / total.max(1) > last_tenth {
            last_tenth = n * 10 / total.max(1);
            tracing::info!(step = n, total, seconds = started.elapsed().as_secs(), "progress");
        }
    }
}

async fn run_scenario(scenario: &Scenario, report_path: Option<&std::path::Path>) -> anyhow::Result<()> {
    tracing::info!(scenario = %scenario.name, steps = scenario.steps.len(), "running on the in-process bank");
    let started = std::time::Instant::now();
    let report = scenario::run::on_localnet(scenario, progress(scenario.steps.len())).await?;
    finish(&report, report_path, started)
}

fn finish(report: &Report, report_path: Option<&std::path::Path>, started: std::time::Instant) -> anyhow::Result<()> {
    print!("{}", summary::summary(report));
    println!("\nran in {:.1} s", started.elapsed().as_secs_f32());
    if let Some(path) = report_path {
        std::fs::write(path, report.to_json()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        tracing::info!(report = %path.display(), "report written");
    }
    Ok(())
}

#[cfg(feature = "validator")]
async fn run_validator(
    config: &Config,
    rpc_port: u16,
    scenario: Option<Scenario>,
    report_path: Option<PathBuf>,
) -> anyhow::Result<()> {
    use perp_localnet::validator::LocalValidator;
    tracing::info!(rpc_port, "starting Agave's TestValidator");
    let net = LocalValidator::start(config, Some(rpc_port)).await?;
    if let Some(scenario) = scenario {
        let d = &net.deployment;
        let env = scenario::run::Env {
            admin: d.admin.insecure_clone(),
            mint: d.mint,
            mint_authority: d.mint_authority.insecure_clone(),
            oracle_authority: d.oracle_authority.insecure_clone(),
        };
        let started = std::time::Instant::now();
        let mut chain = net.chain();
        let report = scenario::run::on_rpc(&mut chain, env, &scenario, progress(scenario.steps.len())).await?;
        return finish(&report, report_path.as_deref(), started);
    }
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
async fn run_validator(
    _config: &Config,
    _rpc_port: u16,
    _scenario: Option<Scenario>,
    _report: Option<PathBuf>,
) -> anyhow::Result<()> {
    anyhow::bail!("this build has no validator: rebuild with `--features validator` (needs Debian's libclang-dev)")
}
