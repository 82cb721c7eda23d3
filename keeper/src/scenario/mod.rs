//! Scenario files (`../shared/SCENARIO.md`): parsing, exactly in human units. A file that does
//! not parse, or names an unknown trader or market, is an error naming its line; a step whose
//! values the program cannot take (negative, off the lot size, too many decimals) parses, and
//! the run records it as rejected.
pub mod report;
pub mod run;

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use perp::math::margin::BracketParams;
use perp::state::OracleKind;
use perp::{MarketConfig, MarketLayout, OrderSide, OrderType};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::cranks::Crank;
use crate::units;

/// The clock at the start when the file gives none: 2025-10-11 00:00 UTC.
pub const DEFAULT_START_TIME: i64 = 1_760_140_800;
/// The name the keeper's own account goes by in steps and reports.
pub const KEEPER: &str = "keeper";

/// A number in human units: a TOML integer, a float (read through its shortest round-trip text)
/// or a decimal string, held exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Num(pub Decimal);

fn decimal_of(value: &toml::Value) -> Option<Decimal> {
    match value {
        toml::Value::Integer(i) => Some(Decimal::from(*i)),
        // Rust prints an f64 as the shortest text that reads back to it, without an exponent.
        toml::Value::Float(f) if f.is_finite() => Decimal::from_str(&f.to_string()).ok(),
        toml::Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(d)?;
        decimal_of(&value).map(Num).ok_or_else(|| serde::de::Error::custom(format!("{value} is not a number")))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    name: String,
    start_time: Option<i64>,
    #[serde(default)]
    exchange: ExchangeToml,
    #[serde(default)]
    keeper: KeeperToml,
    #[serde(default, rename = "market")]
    markets: Vec<toml::Spanned<MarketSpec>>,
    #[serde(default, rename = "trader")]
    traders: Vec<toml::Spanned<TraderToml>>,
    #[serde(default, rename = "step")]
    steps: Vec<toml::Spanned<BTreeMap<String, toml::Value>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExchangeToml {
    insurance_fund: Option<Num>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KeeperToml {
    deposit: Option<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TraderToml {
    name: String,
    deposit: Num,
}

/// A `[[market]]`: its parameters in human units.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MarketSpec {
    pub symbol: String,
    pub oracle_price: Num,
    pub tick_size: Num,
    pub lot_size: Num,
    pub initial_margin: Option<Num>,
    pub maintenance_margin: Option<Num>,
    pub brackets: Option<Vec<BracketSpec>>,
    pub taker_fee: Num,
    pub maker_fee: Num,
    pub fee_insurance_share: Option<Num>,
    pub liquidation_penalty: Num,
    pub insurance_share: Num,
    pub funding_interval: String,
    pub funding_cap: Num,
    pub interest_rate: Num,
    pub impact_notional: Num,
    pub price_band: Num,
    pub min_order_notional: Option<Num>,
    pub liquidation_buffer: Option<Num>,
    pub max_open_interest: Option<Num>,
    pub insurance_cap_per_event: Option<Num>,
    pub oracle_max_age: Option<i64>,
    pub oracle_max_confidence: Option<Num>,
    pub fill_band: Option<Num>,
    pub seat_capacity: Option<u32>,
    pub order_capacity: Option<u32>,
    pub seat_deposit: Option<Num>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BracketSpec {
    pub max_notional: Option<Num>,
    pub initial: Num,
    pub maintenance: Num,
}

/// Defaults of the optional market keys (README, "Scenario files").
pub const DEFAULT_ORACLE_MAX_AGE: i64 = 60;
pub const DEFAULT_ORACLE_MAX_CONFIDENCE_PPM: u32 = 10_000;
pub const DEFAULT_SEAT_CAPACITY: u32 = 1024;
pub const DEFAULT_ORDER_CAPACITY: u32 = 1024;
pub const DEFAULT_SEAT_DEPOSIT: u64 = 1_000_000;
pub const DEFAULT_LIQUIDATION_BUFFER_PPM: u32 = 2_500;

/// "60s", "1m", "15m", "1h", "8h" as seconds.
pub fn parse_interval(text: &str) -> anyhow::Result<u32> {
    let text = text.trim();
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u32 =
        digits.parse().map_err(|_| anyhow::anyhow!("funding_interval {text:?}: expected a number and s, m or h"))?;
    let scale = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3_600,
        _ => anyhow::bail!("funding_interval {text:?}: the unit must be s, m or h"),
    };
    n.checked_mul(scale).ok_or_else(|| anyhow::anyhow!("funding_interval {text:?} is too long"))
}

impl MarketSpec {
    /// The program's layout and parameters (oracle left default: the runner's push oracle).
    pub fn to_program(&self) -> anyhow::Result<(MarketLayout, MarketConfig, u64)> {
        let symbol = perp_client::pda::symbol(&self.symbol);
        anyhow::ensure!(
            !self.symbol.is_empty() && self.symbol.len() <= 16,
            "symbol {:?} must be 1 to 16 bytes",
            self.symbol
        );
        let layout = MarketLayout {
            symbol,
            tick_size: units::price_units(self.tick_size.0, "tick_size")?,
            lot_size: units::to_units(self.lot_size.0, perp::math::BASE_PRECISION, "lot_size")?,
            order_capacity: self.order_capacity.unwrap_or(DEFAULT_ORDER_CAPACITY),
            seat_capacity: self.seat_capacity.unwrap_or(DEFAULT_SEAT_CAPACITY),
        };
        let brackets = match (&self.brackets, self.initial_margin, self.maintenance_margin) {
            (Some(b), None, None) => b
                .iter()
                .map(|b| {
                    Ok(BracketParams {
                        max_notional: match b.max_notional {
                            Some(n) => units::quote_units(n.0, "max_notional")?,
                            None => u64::MAX,
                        },
                        initial_ppm: units::ppm_units(b.initial.0, "initial")?,
                        maintenance_ppm: units::ppm_units(b.maintenance.0, "maintenance")?,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?,
            (None, Some(i), Some(m)) => vec![BracketParams {
                max_notional: u64::MAX,
                initial_ppm: units::ppm_units(i.0, "initial_margin")?,
                maintenance_ppm: units::ppm_units(m.0, "maintenance_margin")?,
            }],
            _ => anyhow::bail!("give either initial_margin and maintenance_margin, or brackets"),
        };
        let lowest = brackets.first().ok_or_else(|| anyhow::anyhow!("brackets must not be empty"))?;
        let gap = brackets.iter().map(|b| b.initial_ppm.saturating_sub(b.maintenance_ppm)).min().unwrap_or(0);
        let impact = units::quote_units(self.impact_notional.0, "impact_notional")?;
        let ppm =
            |n: Option<Num>, what: &str, default: u32| n.map(|n| units::ppm_units(n.0, what)).unwrap_or(Ok(default));
        let config = MarketConfig {
            oracle_kind: OracleKind::Push,
            oracle: Default::default(),
            oracle_max_age_secs: u32::try_from(self.oracle_max_age.unwrap_or(DEFAULT_ORACLE_MAX_AGE))
                .map_err(|_| anyhow::anyhow!("oracle_max_age must be positive seconds"))?,
            oracle_max_conf_ppm: ppm(
                self.oracle_max_confidence,
                "oracle_max_confidence",
                DEFAULT_ORACLE_MAX_CONFIDENCE_PPM,
            )?,
            min_order_notional: match self.min_order_notional {
                Some(n) => units::quote_units(n.0, "min_order_notional")?,
                // The least the impact walk allows: 64 minimum-size orders reach the impact notional.
                None => impact.div_ceil(perp::engine::funding::MAX_IMPACT_ORDERS as u64).max(1),
            },
            max_open_interest_lots: match self.max_open_interest {
                Some(n) => units::lots(n.0, layout.lot_size.max(1), "max_open_interest")?,
                None => i64::MAX as u64,
            },
            seat_deposit: match self.seat_deposit {
                Some(n) => units::quote_units(n.0, "seat_deposit")?,
                None => DEFAULT_SEAT_DEPOSIT,
            },
            price_band_ppm: units::ppm_units(self.price_band.0, "price_band")?,
            // The widest band the program allows: band + taker fee within the smallest margin gap
            // and the lowest maintenance ratio.
            fill_band_ppm: ppm(
                self.fill_band,
                "fill_band",
                gap.min(lowest.maintenance_ppm).saturating_sub(units::ppm_units(self.taker_fee.0, "taker_fee")?),
            )?,
            taker_fee_ppm: units::ppm_units(self.taker_fee.0, "taker_fee")?,
            maker_fee_ppm: units::ppm_units(self.maker_fee.0, "maker_fee")?,
            fee_insurance_share_ppm: ppm(self.fee_insurance_share, "fee_insurance_share", 0)?,
            liquidation_penalty_ppm: units::ppm_units(self.liquidation_penalty.0, "liquidation_penalty")?,
            liquidation_insurance_share_ppm: units::ppm_units(self.insurance_share.0, "insurance_share")?,
            liquidation_buffer_ppm: ppm(
                self.liquidation_buffer,
                "liquidation_buffer",
                DEFAULT_LIQUIDATION_BUFFER_PPM.min(gap),
            )?,
            insurance_cap_per_event: match self.insurance_cap_per_event {
                Some(n) => units::quote_units(n.0, "insurance_cap_per_event")?,
                None => 0,
            },
            funding_interval_secs: parse_interval(&self.funding_interval)?,
            funding_cap: units::rate_units(self.funding_cap.0, "funding_cap")?,
            funding_interest_8h: {
                let magnitude = units::rate_units(self.interest_rate.0.abs(), "interest_rate")?;
                if self.interest_rate.0.is_sign_negative() {
                    -magnitude
                } else {
                    magnitude
                }
            },
            funding_impact_notional: impact,
            brackets,
        };
        let mut config = config;
        if self.seat_deposit.is_none() {
            // The program wants at least a minimum order per seat.
            config.seat_deposit = config.seat_deposit.max(config.min_order_notional);
        }
        layout.validate().map_err(|e| anyhow::anyhow!("{e:?}: {e}"))?;
        config.validate().map_err(|e| anyhow::anyhow!("{e:?}: {e}"))?;
        let price = units::price_units(self.oracle_price.0, "oracle_price")?;
        anyhow::ensure!(price > 0, "oracle_price must be positive");
        Ok((layout, config, price))
    }
}

/// Which pause flag a `pause`/`resume` step names.
pub fn pause_flag(what: &str) -> Option<u8> {
    use perp::state::exchange::{PAUSE_DEPOSITS, PAUSE_TRADING, PAUSE_WITHDRAWALS};
    match what {
        "deposits" => Some(PAUSE_DEPOSITS),
        "withdrawals" => Some(PAUSE_WITHDRAWALS),
        "trading" => Some(PAUSE_TRADING),
        _ => None,
    }
}

/// One step, as written (values checked when it runs).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Order {
        trader: String,
        market: String,
        side: OrderSide,
        size: Decimal,
        price: Option<Decimal>,
        order_type: OrderType,
        reduce_only: bool,
        client_id: u64,
        worst_price: Option<Decimal>,
    },
    Price {
        market: String,
        price: Decimal,
        confidence: Decimal,
        age: i64,
    },
    Advance {
        seconds: i64,
    },
    Crank {
        cranks: Vec<Crank>,
    },
    Deposit {
        trader: String,
        amount: Decimal,
    },
    Withdraw {
        trader: String,
        amount: Decimal,
    },
    Cancel {
        trader: String,
        market: String,
        client_id: u64,
    },
    CancelAll {
        trader: String,
        market: String,
    },
    Liquidate {
        liquidator: String,
        trader: String,
        market: String,
    },
    InsuranceDeposit {
        amount: Decimal,
    },
    UpdateMarket {
        market: String,
        changes: BTreeMap<String, toml::Value>,
    },
    Pause {
        flag: u8,
    },
    Resume {
        flag: u8,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Numbered from 1, in file order.
    pub number: usize,
    /// The line of the step's table in the file.
    pub line: usize,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TraderSpec {
    pub name: String,
    pub deposit: Decimal,
}

/// A parsed scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub start_time: i64,
    pub insurance_fund: Decimal,
    pub keeper_deposit: Decimal,
    pub markets: Vec<MarketSpec>,
    /// Each `[[market]]` table as written (an `update_market` step merges its keys into it).
    pub market_tables: Vec<toml::Table>,
    pub traders: Vec<TraderSpec>,
    pub steps: Vec<Step>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The keys of `update_market` a step may change (any `[[market]]` key but the layout's).
const UPDATABLE: [&str; 22] = [
    "initial_margin",
    "maintenance_margin",
    "brackets",
    "taker_fee",
    "maker_fee",
    "fee_insurance_share",
    "liquidation_penalty",
    "insurance_share",
    "funding_interval",
    "funding_cap",
    "interest_rate",
    "impact_notional",
    "price_band",
    "min_order_notional",
    "liquidation_buffer",
    "max_open_interest",
    "insurance_cap_per_event",
    "oracle_max_age",
    "oracle_max_confidence",
    "fill_band",
    "seat_deposit",
    "status",
];

struct Fields<'a> {
    line: usize,
    map: &'a BTreeMap<String, toml::Value>,
    used: HashSet<&'static str>,
}

impl<'a> Fields<'a> {
    fn err(&self, what: impl std::fmt::Display) -> anyhow::Error {
        anyhow::anyhow!("line {}: {what}", self.line)
    }

    fn opt(&mut self, key: &'static str) -> Option<&'a toml::Value> {
        self.used.insert(key);
        self.map.get(key)
    }

    fn text(&mut self, key: &'static str) -> anyhow::Result<String> {
        match self.opt(key) {
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.err(format!("{key} must be a string, found {other}"))),
            None => Err(self.err(format!("missing {key}"))),
        }
    }

    fn opt_num(&mut self, key: &'static str) -> anyhow::Result<Option<Decimal>> {
        match self.opt(key) {
            Some(v) => decimal_of(v).map(Some).ok_or_else(|| self.err(format!("{key} = {v} is not a number"))),
            None => Ok(None),
        }
    }

    fn num(&mut self, key: &'static str) -> anyhow::Result<Decimal> {
        self.opt_num(key)?.ok_or_else(|| self.err(format!("missing {key}")))
    }

    fn int(&mut self, key: &'static str) -> anyhow::Result<Option<i64>> {
        match self.opt(key) {
            Some(toml::Value::Integer(i)) => Ok(Some(*i)),
            Some(other) => Err(self.err(format!("{key} must be a whole number, found {other}"))),
            None => Ok(None),
        }
    }

    fn finish(self, action: &str) -> anyhow::Result<()> {
        for key in self.map.keys() {
            if key != "action" && !self.used.contains(key.as_str()) {
                return Err(self.err(format!("unknown key {key:?} for action {action:?}")));
            }
        }
        Ok(())
    }
}

impl Scenario {
    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let file: FileToml = toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))?;
        let mut markets = Vec::new();
        let mut symbols = HashSet::new();
        for spanned in &file.markets {
            let line = line_of(text, spanned.span().start);
            let market = spanned.get_ref().clone();
            market.to_program().map_err(|e| anyhow::anyhow!("line {line}: market {}: {e}", market.symbol))?;
            anyhow::ensure!(
                symbols.insert(market.symbol.clone()),
                "line {line}: market {} appears twice",
                market.symbol
            );
            markets.push(market);
        }
        let mut traders = Vec::new();
        let mut names = HashSet::from([KEEPER.to_string()]);
        for spanned in &file.traders {
            let line = line_of(text, spanned.span().start);
            let t = spanned.get_ref();
            anyhow::ensure!(
                names.insert(t.name.clone()),
                "line {line}: trader {:?} appears twice (or is the keeper's name)",
                t.name
            );
            traders.push(TraderSpec { name: t.name.clone(), deposit: t.deposit.0 });
        }
        let mut steps = Vec::new();
        for (index, spanned) in file.steps.iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let mut f = Fields { line, map: spanned.get_ref(), used: HashSet::new() };
            let action = f.text("action")?;
            let trader = |f: &mut Fields, key: &'static str| -> anyhow::Result<String> {
                let name = f.text(key)?;
                if !names.contains(&name) {
                    return Err(f.err(format!("unknown trader {name:?}")));
                }
                Ok(name)
            };
            let market = |f: &mut Fields| -> anyhow::Result<String> {
                let symbol = f.text("market")?;
                if !symbols.contains(&symbol) {
                    return Err(f.err(format!("unknown market {symbol:?}")));
                }
                Ok(symbol)
            };
            let parsed = match action.as_str() {
                "order" => {
                    let trader = trader(&mut f, "trader")?;
                    let market = market(&mut f)?;
                    let side = match f.text("side")?.as_str() {
                        "buy" => OrderSide::Buy,
                        "sell" => OrderSide::Sell,
                        other => return Err(f.err(format!("side {other:?} must be \"buy\" or \"sell\""))),
                    };
                    let order_type = match f.opt("type") {
                        None => OrderType::Limit,
                        Some(_) => match f.text("type")?.as_str() {
                            "limit" => OrderType::Limit,
                            "post_only" => OrderType::PostOnly,
                            "ioc" => OrderType::ImmediateOrCancel,
                            "market" => OrderType::Market,
                            other => {
                                return Err(f.err(format!("type {other:?} must be limit, post_only, ioc or market")))
                            }
                        },
                    };
                    let reduce_only = match f.opt("reduce_only") {
                        None => false,
                        Some(toml::Value::Boolean(b)) => *b,
                        Some(other) => return Err(f.err(format!("reduce_only must be true or false, found {other}"))),
                    };
                    let client_id = f.int("client_id")?.unwrap_or(0);
                    let client_id = u64::try_from(client_id).map_err(|_| f.err("client_id must not be negative"))?;
                    Action::Order {
                        trader,
                        market,
                        side,
                        size: f.num("size")?,
                        price: f.opt_num("price")?,
                        order_type,
                        reduce_only,
                        client_id,
                        worst_price: f.opt_num("worst_price")?,
                    }
                }
                "price" => Action::Price {
                    market: market(&mut f)?,
                    price: f.num("price")?,
                    confidence: f.opt_num("confidence")?.unwrap_or_default(),
                    age: f.int("age")?.unwrap_or(0),
                },
                "advance" => Action::Advance { seconds: f.int("seconds")?.ok_or_else(|| f.err("missing seconds"))? },
                "crank" => {
                    let what = f.opt("what").map(|_| f.text("what")).transpose()?.unwrap_or_else(|| "all".into());
                    let cranks = Crank::parse(&what).ok_or_else(|| {
                        f.err(format!("what {what:?} must be oracle, funding, liquidations, bankruptcy, adl or all"))
                    })?;
                    Action::Crank { cranks }
                }
                "deposit" => Action::Deposit { trader: trader(&mut f, "trader")?, amount: f.num("amount")? },
                "withdraw" => Action::Withdraw { trader: trader(&mut f, "trader")?, amount: f.num("amount")? },
                "cancel" => {
                    let trader = trader(&mut f, "trader")?;
                    let market = market(&mut f)?;
                    let id = f.int("client_id")?.ok_or_else(|| f.err("missing client_id"))?;
                    let client_id = u64::try_from(id).map_err(|_| f.err("client_id must not be negative"))?;
                    Action::Cancel { trader, market, client_id }
                }
                "cancel_all" => Action::CancelAll { trader: trader(&mut f, "trader")?, market: market(&mut f)? },
                "liquidate" => Action::Liquidate {
                    liquidator: trader(&mut f, "liquidator")?,
                    trader: trader(&mut f, "trader")?,
                    market: market(&mut f)?,
                },
                "insurance_deposit" => Action::InsuranceDeposit { amount: f.num("amount")? },
                "update_market" => {
                    let market = market(&mut f)?;
                    let mut changes = BTreeMap::new();
                    for key in UPDATABLE {
                        if let Some(v) = f.opt(key) {
                            changes.insert(key.to_string(), v.clone());
                        }
                    }
                    if changes.is_empty() {
                        return Err(f.err("update_market changes nothing: give at least one market key"));
                    }
                    Action::UpdateMarket { market, changes }
                }
                "pause" | "resume" => {
                    let what = f.text("what")?;
                    let flag = pause_flag(&what)
                        .ok_or_else(|| f.err(format!("what {what:?} must be deposits, withdrawals or trading")))?;
                    if action == "pause" {
                        Action::Pause { flag }
                    } else {
                        Action::Resume { flag }
                    }
                }
                other => return Err(f.err(format!("unknown action {other:?}"))),
            };
            f.finish(&action)?;
            steps.push(Step { number: index + 1, line, action: parsed });
        }
        let raw: toml::Table = toml::from_str(text)?;
        let market_tables = match raw.get("market") {
            Some(toml::Value::Array(tables)) => tables.iter().filter_map(|t| t.as_table().cloned()).collect(),
            _ => Vec::new(),
        };
        Ok(Scenario {
            name: file.name,
            market_tables,
            start_time: file.start_time.unwrap_or(DEFAULT_START_TIME),
            insurance_fund: file.exchange.insurance_fund.map(|n| n.0).unwrap_or_default(),
            keeper_deposit: file.keeper.deposit.map(|n| n.0).unwrap_or_default(),
            markets,
            traders,
            steps,
        })
    }
}

#[cfg(test)]
mod tests;
