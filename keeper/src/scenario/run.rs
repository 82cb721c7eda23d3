//! Running a scenario: the exchange and its markets from the file, the traders funded, the
//! keeper's account opened, then each step in order through the real program. A step the
//! program (or the value checks) rejects is recorded with its error and the run goes on.
use std::collections::{BTreeMap, HashMap};

use perp::state::{MarketStatus, Trader};
use perp::{OrderParams, OrderType};
use perp_client::chain::{error_of, Chain, Rejected, TxOutcome};
use perp_client::instructions;
use perp_client::rpc::RpcChain;
use perp_localnet::localnet::Localnet;
use perp_migrations::{bootstrap, tokens};
use rust_decimal::Decimal;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use super::{Action, MarketSpec, Scenario, Step, KEEPER};
use crate::cranks;
use crate::keeper::{Keeper, Settings};
use crate::metrics::Metrics;
use crate::prices::{FixedPrices, PriceQuote};
use crate::scan::{Snapshot, Tracked};
use crate::units;

/// What a scenario needs beyond `Chain`: moving the clock.
#[allow(async_fn_in_trait)]
pub trait ScenarioChain: Chain {
    /// Moves the clock forward by `seconds` (the in-process bank only).
    async fn advance(&mut self, seconds: i64) -> anyhow::Result<()>;
    /// Lets a second pass (a price step that would repeat its oracle's publish time).
    async fn tick(&mut self) -> anyhow::Result<()>;
}

impl ScenarioChain for Localnet {
    async fn advance(&mut self, seconds: i64) -> anyhow::Result<()> {
        anyhow::ensure!(seconds > 0, "advance needs a positive number of seconds");
        let now = self.clock().await?.unix_timestamp;
        self.next_slot().await?;
        self.set_unix_time(now + seconds).await
    }

    async fn tick(&mut self) -> anyhow::Result<()> {
        self.advance(1).await
    }
}

impl ScenarioChain for RpcChain {
    async fn advance(&mut self, _seconds: i64) -> anyhow::Result<()> {
        anyhow::bail!("advance needs the in-process bank: the validator's clock is its own wall time (use a short funding interval instead)")
    }

    async fn tick(&mut self) -> anyhow::Result<()> {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        Ok(())
    }
}

/// Who runs the exchange the scenario runs on.
pub struct Env {
    pub admin: Keypair,
    pub mint: Pubkey,
    pub mint_authority: Keypair,
    pub oracle_authority: Keypair,
}

/// A market of the run.
#[derive(Clone, Debug)]
pub struct RunMarket {
    pub address: Pubkey,
    pub oracle: Pubkey,
    pub lot_size: u64,
    pub tick_size: u64,
    /// The `[[market]]` table with the `update_market` steps applied so far.
    pub table: toml::Table,
}

/// A trader's wallet: its keypair and collateral token account.
pub struct Wallet {
    pub owner: Keypair,
    pub token: Pubkey,
}

impl Wallet {
    pub fn trader(&self) -> Pubkey {
        perp_client::pda::trader(&self.owner.pubkey(), 0)
    }
}

/// Why a step did not run.
#[derive(Debug)]
pub enum StepError {
    /// Recorded as a `rejected` event: the error's name and a message.
    Rejected { error: String, message: String },
    /// The run cannot go on (the chain failed).
    Fatal(anyhow::Error),
}

impl From<anyhow::Error> for StepError {
    fn from(e: anyhow::Error) -> Self {
        StepError::Fatal(e)
    }
}

fn invalid(message: impl std::fmt::Display) -> StepError {
    StepError::Rejected { error: "InvalidValue".into(), message: message.to_string() }
}

/// A positive amount of quote in token units, or the step's rejection.
fn positive_quote(amount: Decimal) -> Result<u64, StepError> {
    let units = units::quote_units(amount, "amount").map_err(invalid)?;
    if units == 0 {
        return Err(invalid("amount must be positive"));
    }
    Ok(units)
}

/// A failed send as a rejection when the chain rejected it, fatal otherwise.
fn rejection(e: anyhow::Error) -> StepError {
    if let Some(code) = error_of(&e) {
        return StepError::Rejected { error: format!("{code:?}"), message: code.to_string() };
    }
    if let Some(rejected) = e.downcast_ref::<Rejected>() {
        return StepError::Rejected { error: "TransactionError".into(), message: rejected.0.to_string() };
    }
    StepError::Fatal(e)
}

pub struct Runner<'a, C: ScenarioChain> {
    pub chain: &'a mut C,
    pub env: Env,
    pub keeper: Keeper,
    pub prices: FixedPrices,
    pub wallets: BTreeMap<String, Wallet>,
    pub markets: BTreeMap<String, RunMarket>,
    /// Trader account → scenario name.
    pub names: HashMap<Pubkey, String>,
    /// Market account → symbol.
    pub symbols: HashMap<Pubkey, String>,
    /// Steps' outcomes, in order: (step number, logs of a transaction that landed).
    pub logs: Vec<(usize, Vec<String>)>,
    pub rejected: Vec<(usize, String, String)>,
    pub last_step: usize,
}

/// Runs `scenario` on the in-process bank: a new localnet at the scenario's start time;
/// `progress` sees each step as it starts.
pub async fn on_localnet(scenario: &Scenario, progress: impl FnMut(&Step)) -> anyhow::Result<super::report::Report> {
    let (mut net, env) = localnet_at(scenario.start_time).await?;
    let mut runner = Runner::setup(&mut net, env, scenario).await?;
    runner.run(scenario, progress).await?;
    runner.report(scenario).await
}

/// A new in-process bank with an exchange (no markets, no insurance fund) whose clock reads
/// `start_time`, and who runs it.
pub async fn localnet_at(start_time: i64) -> anyhow::Result<(Localnet, Env)> {
    let mut config = perp_migrations::config::Config::localnet_default().without_markets();
    config.exchange.insurance_fund = 0;
    let mut net = Localnet::start(&config).await?;
    net.set_unix_time(start_time).await?;
    let env = Env {
        admin: net.admin.insecure_clone(),
        mint: net.mint,
        mint_authority: net.mint_authority.insecure_clone(),
        oracle_authority: net.oracle_authority.insecure_clone(),
    };
    Ok((net, env))
}

/// Runs `scenario` on a running validator over JSON-RPC (`advance` steps are rejected there).
pub async fn on_rpc(
    chain: &mut RpcChain,
    env: Env,
    scenario: &Scenario,
    progress: impl FnMut(&Step),
) -> anyhow::Result<super::report::Report> {
    let mut runner = Runner::setup(chain, env, scenario).await?;
    runner.run(scenario, progress).await?;
    runner.report(scenario).await
}

impl<'a, C: ScenarioChain> Runner<'a, C> {
    /// Creates the markets, funds the traders and the keeper, seeds the insurance fund.
    pub async fn setup(chain: &'a mut C, env: Env, scenario: &Scenario) -> anyhow::Result<Self> {
        let prices = FixedPrices::default();
        let keeper_owner = tokens::funded_keypair(chain).await?;
        let keeper = Keeper {
            owner: keeper_owner.insecure_clone(),
            sub_account: 0,
            oracle_authority: Some(env.oracle_authority.insecure_clone()),
            prices: std::sync::Mutex::new(Box::new(prices.clone())),
            settings: Settings { funding_sample_secs: 1, ..Settings::default() },
            metrics: Metrics::new(),
            lookup_tables: Default::default(),
        };
        let mut runner = Runner {
            chain,
            env,
            keeper,
            prices,
            wallets: BTreeMap::new(),
            markets: BTreeMap::new(),
            names: HashMap::new(),
            symbols: HashMap::new(),
            logs: Vec::new(),
            rejected: Vec::new(),
            last_step: 0,
        };
        for (index, spec) in scenario.markets.iter().enumerate() {
            let table = scenario.market_tables.get(index).cloned().unwrap_or_default();
            let (layout, config, price) = spec.to_program()?;
            let deployed = bootstrap::create_push_market(
                runner.chain,
                &runner.env.admin,
                &runner.env.oracle_authority,
                layout,
                config,
                price,
                // A scenario's price steps are jumps by design (SCENARIO.md): the push cap at its
                // widest, 100% per second.
                perp::state::MAX_PUSH_MOVE_PPM,
            )
            .await
            .map_err(|e| anyhow::anyhow!("market {}: {e}", spec.symbol))?;
            runner.prices.set(&spec.symbol, PriceQuote { price, conf: 0, age: 0 });
            runner.symbols.insert(deployed.address, spec.symbol.clone());
            runner.markets.insert(
                spec.symbol.clone(),
                RunMarket {
                    address: deployed.address,
                    oracle: deployed.oracle,
                    lot_size: layout.lot_size,
                    tick_size: layout.tick_size,
                    table,
                },
            );
        }
        runner.add_wallet(KEEPER, keeper_owner, scenario.keeper_deposit).await?;
        for trader in &scenario.traders {
            let owner = tokens::funded_keypair(runner.chain).await?;
            runner.add_wallet(&trader.name, owner, trader.deposit).await?;
        }
        if !scenario.insurance_fund.is_zero() {
            let amount = units::quote_units(scenario.insurance_fund, "insurance_fund")?;
            runner.insurance_deposit(amount).await?;
        }
        Ok(runner)
    }

    async fn add_wallet(&mut self, name: &str, owner: Keypair, deposit: Decimal) -> anyhow::Result<()> {
        let amount = units::quote_units(deposit, &format!("deposit of {name}"))?;
        let token = tokens::create_token_account(self.chain, &self.env.mint, &owner.pubkey()).await?;
        let key = owner.pubkey();
        let mut ixs = vec![instructions::open_trader(&key, &key, 0)];
        if amount > 0 {
            tokens::mint_to(self.chain, &self.env.mint, &self.env.mint_authority, &token, amount).await?;
            ixs.push(instructions::deposit(&key, 0, &token, amount));
        }
        self.chain.send(&ixs, &[&owner]).await.map_err(|e| anyhow::anyhow!("opening {name}'s account: {e}"))?;
        let wallet = Wallet { owner, token };
        self.names.insert(wallet.trader(), name.to_string());
        self.wallets.insert(name.to_string(), wallet);
        Ok(())
    }

    async fn insurance_deposit(&mut self, amount: u64) -> anyhow::Result<TxOutcome> {
        let admin = self.env.admin.pubkey();
        let source = tokens::create_token_account(self.chain, &self.env.mint, &admin).await?;
        tokens::mint_to(self.chain, &self.env.mint, &self.env.mint_authority, &source, amount).await?;
        let ix = instructions::deposit_insurance(&admin, &source, amount);
        self.chain.send(&[ix], &[&self.env.admin]).await
    }

    /// Runs every step; `progress` sees each step number as it starts.
    pub async fn run(&mut self, scenario: &Scenario, mut progress: impl FnMut(&Step)) -> anyhow::Result<()> {
        for step in &scenario.steps {
            progress(step);
            self.last_step = step.number;
            match self.step(step).await {
                Ok(outcomes) => {
                    for o in outcomes {
                        self.logs.push((step.number, o.logs));
                    }
                }
                Err(StepError::Rejected { error, message }) => {
                    tracing::info!(step = step.number, line = step.line, %error, "step rejected: {message}");
                    self.rejected.push((step.number, error, message));
                }
                Err(StepError::Fatal(e)) => {
                    return Err(anyhow::anyhow!("step {} (line {}): {e}", step.number, step.line));
                }
            }
        }
        Ok(())
    }

    fn wallet(&self, name: &str) -> &Wallet {
        // Names were checked when the file was parsed.
        &self.wallets[name]
    }

    fn market(&self, symbol: &str) -> RunMarket {
        self.markets[symbol].clone()
    }

    /// The trader's markets in slot order with their oracles, leaving out `except`.
    async fn margin_set(&mut self, trader: &Pubkey, except: Option<&Pubkey>) -> anyhow::Result<Vec<(Pubkey, Pubkey)>> {
        let Some(account) = self.chain.account(trader).await? else { return Ok(Vec::new()) };
        let trader: Trader = perp_client::accounts::trader(&account.data)?;
        let oracles: HashMap<Pubkey, Pubkey> = self.markets.values().map(|m| (m.address, m.oracle)).collect();
        Ok(trader
            .active_markets()
            .filter(|m| Some(&m.market) != except)
            .filter_map(|m| oracles.get(&m.market).map(|o| (m.market, *o)))
            .collect())
    }

    async fn send(
        &mut self,
        ixs: &[solana_sdk::instruction::Instruction],
        signers: &[&Keypair],
    ) -> Result<Vec<TxOutcome>, StepError> {
        self.chain.send(ixs, signers).await.map(|o| vec![o]).map_err(rejection)
    }

    /// Runs one step.
    pub async fn step(&mut self, step: &Step) -> Result<Vec<TxOutcome>, StepError> {
        match &step.action {
            Action::Order { trader, market, side, size, price, order_type, reduce_only, client_id, worst_price } => {
                let m = self.market(market);
                let lots = units::lots(*size, m.lot_size, "size").map_err(invalid)?;
                if lots == 0 {
                    return Err(invalid("size must be positive"));
                }
                let limit = match (order_type, price, worst_price) {
                    (OrderType::Market, _, Some(p)) | (OrderType::Market, Some(p), None) => Some(*p),
                    (OrderType::Market, None, None) => None,
                    (_, Some(p), _) => Some(*p),
                    (_, None, _) => return Err(invalid("a limit, post_only or ioc order needs a price")),
                };
                let price = match limit {
                    Some(p) => units::price_units(p, "price").map_err(invalid)?,
                    None => 0,
                };
                let params = OrderParams {
                    side: *side,
                    order_type: *order_type,
                    price,
                    base_lots: lots,
                    reduce_only: *reduce_only,
                    client_order_id: *client_id,
                };
                let owner = self.wallet(trader).owner.insecure_clone();
                let account = self.wallet(trader).trader();
                let set = self.margin_set(&account, Some(&m.address)).await?;
                let ix = instructions::place_order(&owner.pubkey(), 0, &m.address, &m.oracle, params, &set);
                self.send(&[ix], &[&owner]).await
            }
            Action::Price { market, price, confidence, age } => {
                let m = self.market(market);
                let price = units::price_units(*price, "price").map_err(invalid)?;
                let conf = units::price_units(*confidence, "confidence").map_err(invalid)?;
                if price == 0 {
                    return Err(invalid("price must be positive"));
                }
                if *age < 0 {
                    return Err(invalid("age must not be negative"));
                }
                let quote = PriceQuote { price, conf, age: *age };
                self.prices.set(market, quote);
                // The oracle's publish times must increase: let the clock pass the last one.
                let mut now = bootstrap::unix_time(self.chain).await?;
                let oracle = self.push_oracle(&m.oracle).await?;
                while now - age <= oracle.publish_time {
                    self.chain.tick().await?;
                    now = bootstrap::unix_time(self.chain).await?;
                }
                let authority = self.env.oracle_authority.insecure_clone();
                let push =
                    crate::cranks::oracle::push_instruction(&authority.pubkey(), &m.oracle, &oracle, quote, now - age)
                        .ok_or_else(|| invalid("price or confidence does not fit the oracle's exponent"))?;
                let mut out = self.send(&[push], &[&authority]).await?;
                // Cache it in the market; a price the market refuses (stale, too uncertain) stays
                // in the oracle only, and the step is still done.
                if let Ok(o) = self.chain.send(&[instructions::refresh_oracle(&m.address, &m.oracle)], &[]).await {
                    out.push(o);
                }
                Ok(out)
            }
            Action::Advance { seconds } => match self.chain.advance(*seconds).await {
                Ok(()) => Ok(Vec::new()),
                Err(e) => Err(StepError::Rejected { error: "AdvanceNotPossible".into(), message: e.to_string() }),
            },
            Action::Crank { cranks } => {
                let tracked = Tracked::discover(self.chain).await?;
                let run = cranks::cycle(&self.keeper, self.chain, &tracked, cranks).await?;
                Ok(run.landed)
            }
            Action::Deposit { trader, amount } => {
                let (amount, owner, token, account) = self.money_step(trader, *amount)?;
                tokens::mint_to(self.chain, &self.env.mint, &self.env.mint_authority, &token, amount).await?;
                let markets: Vec<Pubkey> = self.margin_set(&account, None).await?.into_iter().map(|(m, _)| m).collect();
                let ix =
                    instructions::with_markets(instructions::deposit(&owner.pubkey(), 0, &token, amount), &markets);
                self.send(&[ix], &[&owner]).await
            }
            Action::Withdraw { trader, amount } => {
                let (amount, owner, token, account) = self.money_step(trader, *amount)?;
                let set = self.margin_set(&account, None).await?;
                let ix =
                    instructions::with_margin_set(instructions::withdraw(&owner.pubkey(), 0, &token, amount), &set);
                self.send(&[ix], &[&owner]).await
            }
            Action::Cancel { trader, market, client_id } => {
                let m = self.market(market);
                let owner = self.wallet(trader).owner.insecure_clone();
                self.send(&[instructions::cancel_order(&owner.pubkey(), 0, &m.address, *client_id)], &[&owner]).await
            }
            Action::CancelAll { trader, market } => {
                let m = self.market(market);
                let owner = self.wallet(trader).owner.insecure_clone();
                self.send(&[instructions::cancel_all_orders(&owner.pubkey(), 0, &m.address)], &[&owner]).await
            }
            Action::Liquidate { liquidator, trader, market } => {
                let m = self.market(market);
                let owner = self.wallet(liquidator).owner.insecure_clone();
                let (liquidated, liquidator_account) = (self.wallet(trader).trader(), self.wallet(liquidator).trader());
                let (Some(a), Some(b)) =
                    (self.fetch_trader(&liquidated).await?, self.fetch_trader(&liquidator_account).await?)
                else {
                    return Err(invalid("both accounts must exist"));
                };
                let oracles: HashMap<Pubkey, Pubkey> = self.markets.values().map(|m| (m.address, m.oracle)).collect();
                let set: Vec<(Pubkey, Pubkey)> = perp::state::liquidation_markets(&a, &b, &m.address)
                    .into_iter()
                    .filter_map(|market| oracles.get(&market).map(|o| (market, *o)))
                    .collect();
                let ix = instructions::liquidate(&owner.pubkey(), 0, &liquidated, &m.address, &m.oracle, &set);
                self.send(&[ix], &[&owner]).await
            }
            Action::InsuranceDeposit { amount } => {
                let amount = positive_quote(*amount)?;
                self.insurance_deposit(amount).await.map(|o| vec![o]).map_err(rejection)
            }
            Action::UpdateMarket { market, changes } => {
                let m = self.market(market);
                let mut table = m.table.clone();
                let mut status = None;
                for (key, value) in changes {
                    if key == "status" {
                        status = Some(match value.as_str() {
                            Some("active") => MarketStatus::Active,
                            Some("reduce_only") => MarketStatus::ReduceOnly,
                            _ => return Err(invalid(format!("status {value} must be \"active\" or \"reduce_only\""))),
                        });
                        continue;
                    }
                    // Margin given one way replaces the other way.
                    if key == "brackets" {
                        table.remove("initial_margin");
                        table.remove("maintenance_margin");
                    }
                    if key == "initial_margin" || key == "maintenance_margin" {
                        table.remove("brackets");
                    }
                    table.insert(key.clone(), value.clone());
                }
                let spec: MarketSpec = toml::Value::Table(table.clone()).try_into().map_err(invalid)?;
                let (_, mut config, _) = spec.to_program().map_err(invalid)?;
                config.oracle = m.oracle;
                let status = match status {
                    Some(s) => s,
                    None => {
                        let mut snapshot =
                            Snapshot::load(self.chain, &Tracked { markets: vec![m.address], traders: vec![] }).await?;
                        let header = snapshot.markets[0].header().map_err(|e| anyhow::anyhow!("{e:?}"))?;
                        if header.status == MarketStatus::ReduceOnly as u8 {
                            MarketStatus::ReduceOnly
                        } else {
                            MarketStatus::Active
                        }
                    }
                };
                let admin = self.env.admin.insecure_clone();
                let out = self
                    .send(&[instructions::update_market(&admin.pubkey(), &m.address, config, status)], &[&admin])
                    .await?;
                if let Some(run_market) = self.markets.get_mut(market) {
                    run_market.table = table;
                }
                Ok(out)
            }
            Action::Pause { flag } | Action::Resume { flag } => {
                let account = self
                    .chain
                    .account(&perp_client::pda::exchange())
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no exchange"))?;
                let flags = perp_client::accounts::exchange(&account.data).map_err(anyhow::Error::from)?.pause_flags;
                let flags = if matches!(step.action, Action::Pause { .. }) { flags | flag } else { flags & !flag };
                let admin = self.env.admin.insecure_clone();
                self.send(&[instructions::set_pause_flags(&admin.pubkey(), flags)], &[&admin]).await
            }
        }
    }

    /// A deposit's or withdrawal's amount in token units, and the trader's keypair, token account
    /// and trader account.
    fn money_step(&self, trader: &str, amount: Decimal) -> Result<(u64, Keypair, Pubkey, Pubkey), StepError> {
        let amount = positive_quote(amount)?;
        let w = self.wallet(trader);
        Ok((amount, w.owner.insecure_clone(), w.token, w.trader()))
    }

    async fn fetch_trader(&mut self, address: &Pubkey) -> anyhow::Result<Option<Trader>> {
        Ok(match self.chain.account(address).await? {
            Some(account) => Some(perp_client::accounts::trader(&account.data)?),
            None => None,
        })
    }

    async fn push_oracle(&mut self, oracle: &Pubkey) -> anyhow::Result<perp::state::PushOracle> {
        use anchor_lang::AccountDeserialize;
        let account =
            self.chain.account(oracle).await?.ok_or_else(|| anyhow::anyhow!("oracle {oracle} does not exist"))?;
        Ok(perp::state::PushOracle::try_deserialize(&mut account.data.as_slice())?)
    }
}
