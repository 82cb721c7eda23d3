//! The scenario report (`../shared/SCENARIO.md`, "Report"): every trader's and the keeper's
//! account, every market, the insurance fund, the vault and fee pool, the events each step
//! caused (decoded from the program's own event logs) and the money rules checked from the
//! accounts and the vaults' token balances.
use std::collections::{BTreeMap, HashMap, HashSet};

use anchor_lang::{AnchorDeserialize, Discriminator};
use perp::engine::account::account_risk;
use perp::engine::adl::effective_seat;
use perp::engine::collateral::with_socialized_loss;
use perp::engine::funding::pending_funding;
use perp::events::{AdlApplied, AdlEventRecorded, BankruptcyResolved, FundingApplied, Liquidated, OrderFilled};
use perp::math::{BASE_PRECISION, QUOTE_PRECISION};
use perp::state::MarketView;
use perp::OrderSide;
use perp_client::money::{self, Books};
use perp_migrations::tokens;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use solana_sdk::pubkey::Pubkey;

use super::run::{Runner, ScenarioChain};
use super::Scenario;
use crate::scan::{Snapshot, Tracked};
use crate::units::{self, text};
use crate::OrPerp;

/// A finished run's report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report(pub Value);

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.0).unwrap_or_default()
    }

    /// The events of `kind`.
    pub fn events(&self, kind: &str) -> Vec<&Value> {
        self.0["events"].as_array().map(|a| a.iter().filter(|e| e["type"] == kind).collect()).unwrap_or_default()
    }
}

fn side(s: OrderSide) -> &'static str {
    match s {
        OrderSide::Buy => "buy",
        OrderSide::Sell => "sell",
    }
}

fn decode<E: AnchorDeserialize + Discriminator>(bytes: &[u8]) -> Option<E> {
    let body = bytes.strip_prefix(E::DISCRIMINATOR)?;
    E::deserialize(&mut &body[..]).ok()
}

/// What the events said about the traders, for the report's flags.
#[derive(Default)]
struct Seen {
    liquidated: HashSet<String>,
    bankrupt: HashSet<String>,
    deleveraged: HashSet<String>,
    /// (trader, market) → base closed by ADL (base units, 1e9).
    adl_closed: HashMap<(String, String), u128>,
    /// market → (time, rate) of each funding interval applied.
    funding: BTreeMap<String, Vec<(i64, i64)>>,
}

impl<'a, C: ScenarioChain> Runner<'a, C> {
    fn name(&self, trader: &Pubkey) -> String {
        self.names.get(trader).cloned().unwrap_or_else(|| trader.to_string())
    }

    fn symbol(&self, market: &Pubkey) -> String {
        self.symbols.get(market).cloned().unwrap_or_else(|| market.to_string())
    }

    fn lot_size(&self, market: &Pubkey) -> u64 {
        self.markets.values().find(|m| m.address == *market).map(|m| m.lot_size).unwrap_or(1)
    }

    /// The report events of one transaction's logs.
    fn events_of(&self, step: usize, logs: &[String], headers: &HashMap<Pubkey, u32>, seen: &mut Seen) -> Vec<Value> {
        let mut out = Vec::new();
        for bytes in perp_client::events::program_data(logs) {
            if let Some(e) = decode::<OrderFilled>(&bytes) {
                out.push(json!({
                    "type": "fill", "step": step, "market": self.symbol(&e.market), "maker": self.name(&e.maker),
                    "taker": self.name(&e.taker), "side": side(e.taker_side), "price": text(units::price(e.price)),
                    "size": text(units::decimal(e.base.into(), BASE_PRECISION)),
                    "maker_fee": text(units::quote_u(e.maker_fee)), "taker_fee": text(units::quote_u(e.taker_fee)),
                }));
            } else if let Some(e) = decode::<FundingApplied>(&bytes) {
                let interval = i64::from(headers.get(&e.market).copied().unwrap_or(0));
                let time = e.interval_start + interval;
                seen.funding.entry(self.symbol(&e.market)).or_default().push((time, e.rate));
                out.push(json!({
                    "type": "funding", "step": step, "market": self.symbol(&e.market), "time": time,
                    "premium": text(units::rate(e.average_premium)), "rate": text(units::rate(e.rate)),
                }));
            } else if let Some(e) = decode::<Liquidated>(&bytes) {
                seen.liquidated.insert(self.name(&e.liquidated));
                out.push(json!({
                    "type": "liquidation", "step": step, "trader": self.name(&e.liquidated),
                    "liquidator": self.name(&e.liquidator), "market": self.symbol(&e.market),
                    "size": text(units::decimal(e.base.into(), BASE_PRECISION)),
                    "price": text(units::price(e.transfer_price)), "penalty": text(units::quote_u(e.penalty)),
                    "insurance_part": text(units::quote_u(e.penalty_to_insurance)),
                }));
            } else if let Some(e) = decode::<BankruptcyResolved>(&bytes) {
                let trader = self.name(&e.trader);
                seen.bankrupt.insert(trader.clone());
                out.push(json!({
                    "type": "bankruptcy", "step": step, "trader": trader, "deficit": text(units::quote_u(e.deficit)),
                    "insurance_paid": text(units::quote_u(e.insurance_paid)), "uncovered": text(units::quote_u(e.uncovered)),
                }));
                if e.insurance_paid > 0 {
                    out.push(json!({
                        "type": "insurance_draw", "step": step, "trader": trader,
                        "amount": text(units::quote_u(e.insurance_paid)),
                    }));
                }
                if e.written_off > 0 {
                    out.push(json!({
                        "type": "write_off", "step": step, "trader": trader,
                        "amount": text(units::quote_u(e.written_off)),
                        "fee_pool_paid": text(units::quote_u(e.fee_pool_paid)),
                        "socialized": text(units::quote_u(e.socialized)),
                        "unplaced": text(units::quote_u(e.unplaced)),
                    }));
                }
            } else if let Some(e) = decode::<AdlEventRecorded>(&bytes) {
                let lot = self.lot_size(&e.market);
                let fraction = if e.side_lots == 0 {
                    Decimal::ZERO
                } else {
                    Decimal::from(e.closed_lots) / Decimal::from(e.side_lots)
                };
                out.push(json!({
                    "type": "adl", "step": step, "bankrupt": self.name(&e.bankrupt), "market": self.symbol(&e.market),
                    "side": if e.position_lots > 0 { "sell" } else { "buy" },
                    "size": text(units::base(e.position_lots.abs(), lot)),
                    "price": text(units::price(e.bankruptcy_price)), "fraction": text(fraction),
                    "deficit_share": text(units::quote_u(e.deficit_share)),
                }));
            } else if let Some(e) = decode::<AdlApplied>(&bytes) {
                out.push(self.adl_settled(
                    step,
                    &e.trader,
                    &e.market,
                    e.base_lots,
                    e.price,
                    e.realized_pnl,
                    false,
                    seen,
                ));
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn adl_settled(
        &self,
        step: usize,
        trader: &Pubkey,
        market: &Pubkey,
        lots: u64,
        price: u64,
        realized_pnl: i64,
        pending: bool,
        seen: &mut Seen,
    ) -> Value {
        let lot = self.lot_size(market);
        let (name, symbol) = (self.name(trader), self.symbol(market));
        seen.deleveraged.insert(name.clone());
        *seen.adl_closed.entry((name.clone(), symbol.clone())).or_default() += u128::from(lots) * u128::from(lot);
        let mut event = json!({
            "type": "adl_settled", "step": step, "trader": name, "market": symbol,
            "size": text(units::base(i64::try_from(lots).unwrap_or(i64::MAX), lot)), "price": text(units::price(price)),
            "realized_pnl": text(units::quote(realized_pnl)),
        });
        if pending {
            // Not applied on chain yet: the report shows it as applied (SCENARIO.md).
            event["pending"] = json!(true);
        }
        event
    }

    /// The report of the run so far.
    pub async fn report(&mut self, scenario: &Scenario) -> anyhow::Result<Report> {
        let tracked = Tracked::discover(self.chain).await?;
        let mut snapshot = Snapshot::load(self.chain, &tracked).await?;
        let headers = snapshot.headers().or_perp()?;
        let intervals: HashMap<Pubkey, u32> = headers.iter().map(|(k, h)| (*k, h.funding_interval_secs)).collect();
        let mut seen = Seen::default();
        let mut events = Vec::new();
        let mut rejected = self.rejected.iter().peekable();
        for (step, logs) in &self.logs {
            while let Some((n, error, message)) = rejected.next_if(|(n, _, _)| n < step) {
                events.push(json!({ "type": "rejected", "step": n, "error": error, "message": message }));
            }
            events.extend(self.events_of(*step, logs, &intervals, &mut seen));
        }
        for (n, error, message) in rejected {
            events.push(json!({ "type": "rejected", "step": n, "error": error, "message": message }));
        }
        // Pending ADL, shown as applied.
        for market in &mut snapshot.markets {
            let address = market.address;
            let view = market.view().or_perp()?;
            for seat in view.seats.iter().filter(|s| !s.is_free()) {
                if let (_, Some(applied)) = effective_seat(view.header, seat).or_perp()? {
                    if applied.lots > 0 {
                        let e = self.adl_settled(
                            self.last_step,
                            &seat.trader,
                            &address,
                            applied.lots,
                            applied.price,
                            applied.realized_pnl,
                            true,
                            &mut seen,
                        );
                        events.push(e);
                    }
                }
            }
        }

        let mut traders = Map::new();
        let mut keeper = Value::Null;
        let names: Vec<String> =
            scenario.traders.iter().map(|t| t.name.clone()).chain([super::KEEPER.to_string()]).collect();
        for name in names {
            let account = self.wallets[&name].trader();
            let value = self.trader_report(&name, &account, &mut snapshot, &seen)?;
            if name == super::KEEPER {
                keeper = value;
            } else {
                traders.insert(name, value);
            }
        }

        let mut markets = Map::new();
        for market in &mut snapshot.markets {
            let symbol = self.symbol(&market.address);
            let view = market.view().or_perp()?;
            let h = *view.header;
            let (mut long, mut short) = (h.insurance.base_lots.max(0), (-h.insurance.base_lots).max(0));
            for seat in view.seats.iter().filter(|s| !s.is_free()) {
                let (effective, _) = effective_seat(&h, seat).or_perp()?;
                if effective.base_lots > 0 {
                    long += effective.base_lots;
                } else {
                    short -= effective.base_lots;
                }
            }
            // Index per lot in token units, as quote per whole base.
            let per_base = |index: i64| {
                Decimal::from(index) * Decimal::from(BASE_PRECISION)
                    / Decimal::from(h.lot_size)
                    / Decimal::from(QUOTE_PRECISION)
            };
            let rates: Vec<Value> = seen
                .funding
                .get(&symbol)
                .map(|r| r.iter().map(|(t, rate)| json!({ "time": t, "rate": text(units::rate(*rate)) })).collect())
                .unwrap_or_default();
            markets.insert(
                symbol,
                json!({
                    "oracle_price": text(units::price(h.oracle_price)),
                    "open_interest_long": text(units::base(long, h.lot_size)),
                    "open_interest_short": text(units::base(short, h.lot_size)),
                    "cumulative_funding_long": text(per_base(h.cumulative_funding_long)),
                    "cumulative_funding_short": text(per_base(h.cumulative_funding_short)),
                    "insurance_position": text(units::base(h.insurance.base_lots, h.lot_size)),
                    "funding_rates": rates,
                }),
            );
        }

        let vault = tokens::token_balance(self.chain, &snapshot.exchange.vault).await?;
        let insurance_vault = tokens::token_balance(self.chain, &snapshot.exchange.insurance_vault).await?;
        let mut books = Books {
            exchange: snapshot.exchange.clone(),
            vault,
            insurance_vault,
            traders: snapshot.traders.clone(),
            markets: snapshot.markets.clone(),
        };
        let verdict = money::check(&mut books).or_perp()?;
        let mut details = verdict.details.clone();
        for b in &verdict.bankrupt {
            details.push(format!("{} is below zero equity", self.name(b)));
        }
        let ledger = snapshot.exchange.ledger;
        Ok(Report(json!({
            "scenario": scenario.name,
            "traders": traders,
            "keeper": keeper,
            "markets": markets,
            "insurance_fund": text(units::quote_u(ledger.insurance_fund)),
            "vault": text(units::quote_u(vault)),
            "fee_pool": text(units::quote_u(ledger.fee_pool)),
            "events": events,
            "invariants": {
                "conservation": verdict.conservation,
                "symmetry": verdict.symmetry,
                "solvency": verdict.solvency,
                "funding_zero_sum": verdict.funding_zero_sum,
                "details": if details.is_empty() { "all money rules hold".to_string() } else { details.join("; ") },
            },
        })))
    }

    fn trader_report(
        &self,
        name: &str,
        account: &Pubkey,
        snapshot: &mut Snapshot,
        seen: &Seen,
    ) -> anyhow::Result<Value> {
        let Some((_, trader)) = snapshot.traders.iter().find(|(k, _)| k == account).cloned() else {
            return Ok(json!({ "collateral": "0", "equity": "0", "free_collateral": "0", "positions": [] }));
        };
        // As the program will see it on its next touch: its share of socialized losses charged.
        let trader = with_socialized_loss(&snapshot.exchange.ledger, &trader).or_perp()?;
        let risk = {
            let views: Vec<(Pubkey, MarketView)> =
                snapshot.markets.iter_mut().map(|m| Ok((m.address, m.view()?))).collect::<Result<_, _>>().or_perp()?;
            account_risk(&trader, &views).or_perp()?
        };
        let mut cash = i128::from(trader.collateral);
        let mut funding: HashMap<Pubkey, i64> = HashMap::new();
        for slot in trader.active_markets() {
            let Some(market) = snapshot.market(&slot.market) else { continue };
            let view = market.view().or_perp()?;
            let (seat, applied) = effective_seat(view.header, view.seat(slot.seat).or_perp()?).or_perp()?;
            cash += i128::from(seat.unsettled_quote) + i128::from(seat.seat_deposit);
            let paid = seat.funding_paid
                + applied.map(|a| a.funding_paid).unwrap_or(0)
                + pending_funding(view.header, &seat).or_perp()?;
            funding.insert(slot.market, paid);
        }
        let positions = perp_client::risk::positions(&trader, &mut snapshot.markets).or_perp()?;
        let mut rows = Vec::new();
        for p in positions {
            let lot = self.lot_size(&p.market);
            let symbol = self.symbol(&p.market);
            let closed = seen.adl_closed.get(&(name.to_string(), symbol.clone())).copied().unwrap_or(0);
            let edge = |price: Option<u64>| price.map(|p| text(units::price(p))).unwrap_or_else(|| "none".into());
            rows.push(json!({
                "market": symbol,
                "base": text(units::base(p.base_lots, lot)),
                "entry_price": text(units::price(p.entry_price)),
                "unrealized_pnl": text(units::quote(p.unrealized_pnl)),
                "funding_paid": text(units::quote(funding.get(&p.market).copied().unwrap_or(0))),
                "liquidation_price": edge(p.liquidation_price),
                "bankruptcy_price": edge(p.bankruptcy_price),
                "adl_share": text(units::ratio(p.adl_share_ppm)),
                "adl_closed": text(units::decimal(i128::try_from(closed).unwrap_or(i128::MAX), BASE_PRECISION)),
            }));
        }
        Ok(json!({
            "collateral": text(units::decimal(cash, QUOTE_PRECISION)),
            "equity": text(units::quote(risk.equity)),
            "free_collateral": text(units::quote_u(risk.withdrawable().or_perp()?)),
            "liquidated": seen.liquidated.contains(name),
            "deleveraged": seen.deleveraged.contains(name),
            "bankrupt": seen.bankrupt.contains(name),
            "positions": rows,
        }))
    }
}
