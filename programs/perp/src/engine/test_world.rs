//! A whole exchange in memory for the engine's unit tests: one market account, trader accounts
//! and the ledger, driven through the engine's own entry points (the ones instruction handlers
//! call), with the money rules checked on the in-memory books.
use anchor_lang::prelude::Pubkey;

use crate::engine::account::{account_risk, market_cash, settle_trader, AccountRisk, SettleRecord};
use crate::engine::adl::insurance_pending_funding;
use crate::engine::bankruptcy::{resolve_bankruptcy, sweep_insurance_positions, BankruptcyOutcome, InsuranceSweep};
use crate::engine::collateral::{charge_socialized_loss, with_socialized_loss};
use crate::engine::funding::pending_funding;
use crate::engine::liquidation::{liquidate, LiquidationOutcome};
use crate::engine::orders::{OrderParams, OrderSide, OrderType};
use crate::engine::test_market::{self as tm, PRICE, QUOTE};
use crate::engine::trade::trade;
use crate::error::PerpResult;
use crate::state::{Ledger, MarketConfig, MarketView, Trader};

/// 2025-10-11 00:00:00 UTC.
pub const T0: i64 = 1_760_140_800;

#[derive(Clone)]
pub struct World {
    pub key: Pubkey,
    pub data: Vec<u8>,
    pub ledger: Ledger,
    pub traders: Vec<(Pubkey, Trader)>,
}

impl World {
    pub fn new(config: MarketConfig, oracle_quote: u64) -> Self {
        let data = tm::market(&config, &tm::layout(64, 16), T0, oracle_quote).unwrap();
        Self { key: Pubkey::new_unique(), data, ledger: Ledger::default(), traders: Vec::new() }
    }

    pub fn view(&mut self) -> MarketView<'_> {
        tm::view(&mut self.data).unwrap()
    }

    /// A trader holding `collateral_quote` quote; returns its index.
    pub fn trader(&mut self, collateral_quote: u64) -> usize {
        let collateral = collateral_quote * QUOTE;
        let trader = Trader {
            owner: Pubkey::new_unique(),
            sub_account_id: 0,
            bump: 255,
            collateral,
            loss_index: self.ledger.loss_index,
            loss_epoch: self.ledger.loss_epoch,
            markets: Default::default(),
        };
        self.ledger.total_collateral += collateral;
        self.ledger.total_deposited += collateral;
        self.traders.push((Pubkey::new_unique(), trader));
        self.traders.len() - 1
    }

    /// Seeds the insurance fund with `quote` (0: none).
    pub fn fund_insurance(&mut self, quote: u64) {
        if quote > 0 {
            crate::engine::collateral::deposit_insurance(&mut self.ledger, quote * QUOTE).unwrap();
        }
    }

    pub fn order(&mut self, who: usize, side: OrderSide, price_quote: u64, lots: u64) -> PerpResult<()> {
        self.place(who, side, price_quote, lots, false)
    }

    /// A limit order, reduce-only or not.
    pub fn place(
        &mut self,
        who: usize,
        side: OrderSide,
        price_quote: u64,
        lots: u64,
        reduce_only: bool,
    ) -> PerpResult<()> {
        let params = OrderParams {
            side,
            order_type: OrderType::Limit,
            price: price_quote * PRICE,
            base_lots: lots,
            reduce_only,
            client_order_id: 1,
        };
        self.charge(who);
        let (key, trader) = &mut self.traders[who];
        let mut markets = [(self.key, tm::view(&mut self.data).unwrap())];
        trade(trader, key, &mut self.ledger, &mut markets, &params).map(|_| ())
    }

    /// `maker` rests `lots` at `price_quote` and `taker` takes them: `taker` ends `side`.
    pub fn trade(&mut self, taker: usize, maker: usize, side: OrderSide, price_quote: u64, lots: u64) {
        let maker_side = side.opposite();
        self.order(maker, maker_side, price_quote, lots).unwrap();
        self.order(taker, side, price_quote, lots).unwrap();
    }

    /// Applies a funding interval whose indices move by `long_delta` (what a long lot pays) and
    /// `short_delta` (what a short lot receives), exactly as `engine::funding` does at a boundary:
    /// the dust goes to the insurance fund.
    pub fn apply_funding(&mut self, long_delta: i64, short_delta: i64) {
        let view = tm::view(&mut self.data).unwrap();
        let header = &mut *view.header;
        let dust = (long_delta - short_delta) * header.open_interest_lots as i64;
        header.cumulative_funding_long += long_delta;
        header.cumulative_funding_short += short_delta;
        header.funding_settled_net -= dust;
        crate::engine::collateral::credit_insurance(
            &mut self.ledger,
            crate::engine::collateral::InsuranceSource::FundingDust,
            dust as u64,
        )
        .unwrap();
    }

    /// The insurance fund's balance plus its position's unsettled result in the market.
    pub fn insurance_total(&mut self) -> i128 {
        let header = *self.view().header;
        i128::from(self.ledger.insurance_fund) + i128::from(header.insurance.unsettled_quote)
    }

    pub fn set_price(&mut self, price_quote: u64) {
        self.view().header.oracle_price = price_quote * PRICE;
    }

    fn pair(&mut self, a: usize, b: usize) -> (&mut (Pubkey, Trader), &mut (Pubkey, Trader)) {
        assert_ne!(a, b);
        if a < b {
            let (left, right) = self.traders.split_at_mut(b);
            (&mut left[a], &mut right[0])
        } else {
            let (left, right) = self.traders.split_at_mut(a);
            (&mut right[0], &mut left[b])
        }
    }

    pub fn liquidate(&mut self, liquidated: usize, liquidator: usize) -> PerpResult<Box<LiquidationOutcome>> {
        self.charge(liquidated);
        self.charge(liquidator);
        let key = self.key;
        let mut data = core::mem::take(&mut self.data);
        let mut ledger = self.ledger;
        let (a, b) = self.pair(liquidated, liquidator);
        let result = {
            let mut markets = [(key, tm::view(&mut data).unwrap())];
            liquidate(&mut a.1, &a.0, &mut b.1, &b.0, &mut ledger, &mut markets)
        };
        self.data = data;
        self.ledger = ledger;
        result
    }

    pub fn resolve(&mut self, who: usize) -> PerpResult<BankruptcyOutcome> {
        self.charge(who);
        let (key, trader) = &mut self.traders[who];
        let mut markets = [(self.key, tm::view(&mut self.data).unwrap())];
        resolve_bankruptcy(trader, key, &mut self.ledger, &mut markets)
    }

    /// Sweeps the insurance position's results (as the funding crank does).
    pub fn sweep(&mut self) -> InsuranceSweep {
        let mut markets = [(self.key, tm::view(&mut self.data).unwrap())];
        sweep_insurance_positions(&mut self.ledger, &mut markets).unwrap()
    }

    /// Touches the trader's account (as `settle_funding` does).
    pub fn settle(&mut self, who: usize) -> Vec<SettleRecord> {
        self.charge(who);
        let (key, trader) = &mut self.traders[who];
        let mut markets = [(self.key, tm::view(&mut self.data).unwrap())];
        settle_trader(trader, key, &mut self.ledger, &mut markets).unwrap().seats
    }

    /// Charges the trader its pending share of socialized losses, as every instruction that
    /// touches a trader account does first.
    pub fn charge(&mut self, who: usize) -> u64 {
        charge_socialized_loss(&mut self.ledger, &mut self.traders[who].1).unwrap()
    }

    /// The trader's margin as the program would see it on its next touch.
    pub fn risk(&mut self, who: usize) -> AccountRisk {
        let trader = with_socialized_loss(&self.ledger, &self.traders[who].1).unwrap();
        let markets = [(self.key, tm::view(&mut self.data).unwrap())];
        account_risk(&trader, &markets).unwrap()
    }

    /// The trader's stored position (pending ADL not applied).
    pub fn position(&mut self, who: usize) -> i64 {
        let seat = self.traders[who].1.seat_in(&self.key);
        match seat {
            Some(seat) => self.view().seat(seat).unwrap().base_lots,
            None => 0,
        }
    }

    pub fn collateral(&self, who: usize) -> u64 {
        self.traders[who].1.collateral
    }

    /// Money on the books: collateral, fee pool, insurance fund and what the market holds, less
    /// the socialized losses not yet charged. The tokens a real exchange would hold in its two
    /// vaults; constant under every instruction.
    pub fn money(&mut self) -> i128 {
        let header = *self.view().header;
        i128::from(self.ledger.total_collateral) - i128::from(self.ledger.socialized_loss_due)
            + i128::from(self.ledger.fee_pool)
            + i128::from(self.ledger.insurance_fund)
            + i128::from(market_cash(&header).unwrap())
    }

    /// Money rules 1 to 3 on the in-memory books: the ledger's sums match the accounts, long base
    /// == short base (seats and the insurance position) == open interest, and funding is zero-sum.
    pub fn check(&mut self) {
        let collateral: u64 = self.traders.iter().map(|t| t.1.collateral).sum();
        assert_eq!(collateral, self.ledger.total_collateral, "collateral");
        let view = tm::view(&mut self.data).unwrap();
        let header = *view.header;
        let (mut long, mut short, mut entry, mut unsettled, mut pending) = (0i64, 0i64, 0i64, 0i64, 0i64);
        for seat in view.seats.iter().filter(|s| !s.is_free()) {
            long += seat.base_lots.max(0);
            short += (-seat.base_lots).max(0);
            entry += seat.quote_entry;
            unsettled += seat.unsettled_quote;
            pending += pending_funding(&header, seat).unwrap();
        }
        long += header.insurance.base_lots.max(0);
        short += (-header.insurance.base_lots).max(0);
        assert_eq!(long, short, "long base == short base");
        assert_eq!(header.open_interest_lots as i64, long, "open interest");
        assert_eq!((header.sum_quote_entry, header.sum_unsettled_quote), (entry, unsettled), "market sums");
        let pending = pending + insurance_pending_funding(&header).unwrap();
        assert_eq!(header.funding_settled_net + pending, 0, "funding is zero-sum");
    }
}
