//! The embedded market day (`perp-keeper localnet`): the markets of `migrations/localnet.toml`,
//! two market makers quoting a ladder around the oracle, leveraged takers at 20x to 50x, one
//! hedged basis trader, order flow, and every keeper crank after each tick; the price path holds
//! a sharp crash (BTC -25% and SOL -30% within 3 minutes) that ends in liquidations, insurance
//! draws and ADL. It is a generated scenario, run by the scenario runner.
use perp::math::PPM;
use perp::{OrderSide, OrderType};
use perp_migrations::config::{Config, MarketToml};
use rust_decimal::Decimal;

use crate::cranks::Crank;
use crate::scenario::{Action, BracketSpec, MarketSpec, Num, Scenario, Step, TraderSpec, DEFAULT_START_TIME};
use crate::units;

fn num(d: Decimal) -> Num {
    Num(d)
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

fn whole(q: u64) -> Decimal {
    Decimal::from(q)
}

/// A `migrations/localnet.toml` market as a scenario market.
pub fn market_spec(m: &MarketToml) -> MarketSpec {
    let ratio = |ppm: u32| num(units::ratio(u64::from(ppm)));
    MarketSpec {
        symbol: m.symbol.clone(),
        oracle_price: num(whole(m.initial_price_quote)),
        tick_size: num(dec(&m.tick_size)),
        lot_size: num(dec(&m.lot_size)),
        initial_margin: None,
        maintenance_margin: None,
        brackets: Some(
            m.brackets
                .iter()
                .map(|b| BracketSpec {
                    max_notional: b.max_notional_quote.map(|q| num(whole(q))),
                    initial: ratio(b.initial_ppm),
                    maintenance: ratio(b.maintenance_ppm),
                })
                .collect(),
        ),
        taker_fee: ratio(m.taker_fee_ppm),
        maker_fee: ratio(m.maker_fee_ppm),
        fee_insurance_share: Some(ratio(m.fee_insurance_share_ppm)),
        liquidation_penalty: ratio(m.liquidation_penalty_ppm),
        insurance_share: ratio(m.liquidation_insurance_share_ppm),
        funding_interval: format!("{}s", m.funding_interval_secs),
        funding_cap: num(units::rate(m.funding_cap)),
        interest_rate: num(units::rate(m.funding_interest_8h)),
        impact_notional: num(whole(m.funding_impact_notional_quote)),
        price_band: ratio(m.price_band_ppm),
        min_order_notional: Some(num(whole(m.min_order_notional_quote))),
        liquidation_buffer: Some(ratio(m.liquidation_buffer_ppm)),
        max_open_interest: Some(num(units::base(
            i64::try_from(m.max_open_interest_lots).unwrap_or(i64::MAX),
            units::to_units(dec(&m.lot_size), perp::math::BASE_PRECISION, "lot_size").unwrap_or(1),
        ))),
        insurance_cap_per_event: (m.insurance_cap_per_event_quote > 0)
            .then(|| num(whole(m.insurance_cap_per_event_quote))),
        oracle_max_age: Some(i64::from(m.oracle_max_age_secs)),
        oracle_max_confidence: Some(ratio(m.oracle_max_conf_ppm)),
        fill_band: Some(ratio(m.fill_band_ppm)),
        seat_capacity: Some(m.seat_capacity),
        order_capacity: Some(m.order_capacity),
        seat_deposit: Some(num(whole(m.seat_deposit_quote))),
    }
}

/// A small deterministic generator (splitmix64), so every run is the same day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-range, range].
    fn signed(&mut self, range: i64) -> i64 {
        let span = u64::try_from(2 * range + 1).unwrap_or(1);
        i64::try_from(self.next() % span).unwrap_or(0) - range
    }
}

/// One market's part of the day: its symbol, tick, lot and the move of each crash step (ppm of
/// the price, negative down), the size of the makers' levels and of the order flow.
struct Leg {
    symbol: String,
    tick: Decimal,
    lot: Decimal,
    price: Decimal,
    crash: &'static [i64],
    level_size: Decimal,
    flow_size: Decimal,
}

/// The ladder offsets of each maker from the oracle, in ppm: the first maker quotes tighter.
const LADDER_PPM: [[u64; 4]; 2] = [[300, 800, 1_500, 3_000], [500, 1_200, 2_500, 5_000]];

/// The moves (ppm) of the crash's 30-second steps: BTC -25%, SOL -30% in all.
const BTC_CRASH: [i64; 6] = [-15_000, -90_000, -60_000, -50_000, -40_000, -19_800];
const SOL_CRASH: [i64; 6] = [-20_000, -110_000, -70_000, -60_000, -50_000, -23_500];

/// Simulated time: calm ticks every 15 minutes, crash ticks every 30 seconds.
pub const CALM_TICK_SECS: i64 = 900;
pub const CRASH_TICK_SECS: i64 = 30;
/// Calm ticks before the crash (16 hours) and after it (until the day's end).
pub const TICKS_BEFORE: usize = 64;
pub const TICKS_AFTER: usize = 30;

fn on_tick(price: Decimal, tick: Decimal, up: bool) -> Decimal {
    let steps = price / tick;
    let steps = if up { steps.ceil() } else { steps.floor() };
    steps * tick
}

fn scaled(price: Decimal, ppm: i64) -> Decimal {
    price * (Decimal::from(PPM as i64) + Decimal::from(ppm)) / Decimal::from(PPM as i64)
}

/// The market day as a scenario over `config`'s first two markets.
pub fn market_day(config: &Config) -> anyhow::Result<Scenario> {
    anyhow::ensure!(config.markets.len() >= 2, "the market day needs two markets in the config");
    let markets: Vec<MarketSpec> = config.markets.iter().take(2).map(market_spec).collect();
    let mut legs = Vec::new();
    for (index, m) in markets.iter().enumerate() {
        let price = m.oracle_price.0;
        legs.push(Leg {
            symbol: m.symbol.clone(),
            tick: m.tick_size.0,
            lot: m.lot_size.0,
            price,
            crash: if index == 0 { &BTC_CRASH } else { &SOL_CRASH },
            // About 90,000 quote per level, and order flow of about 9,000 per tick.
            level_size: on_tick(Decimal::from(90_000) / price, m.lot_size.0, true),
            flow_size: on_tick(Decimal::from(9_000) / price, m.lot_size.0, true),
        });
    }
    let traders = vec![
        ("maker-a", 4_000_000u64),
        ("maker-b", 4_000_000),
        ("flow", 1_000_000),
        ("basis", 400_000),
        ("alice", 1_000),
        ("bob", 1_200),
        ("carol", 10_000),
        ("dave", 2_000),
        ("erin", 1_700),
        ("frank", 2_000),
    ];
    let mut steps = Vec::new();
    let mut push = |action: Action| {
        let number = steps.len() + 1;
        steps.push(Step { number, line: 0, action });
    };
    let order =
        |trader: &str, leg: &Leg, side: OrderSide, size: Decimal, kind: OrderType, price: Decimal| Action::Order {
            trader: trader.into(),
            market: leg.symbol.clone(),
            side,
            size,
            price: Some(price),
            order_type: kind,
            reduce_only: false,
            client_id: 0,
            worst_price: None,
        };
    let requote = |push: &mut dyn FnMut(Action), legs: &[Leg], first: bool| {
        for leg in legs {
            // Both makers pull first: an old quote of one must not cross the other's new one.
            for maker in ["maker-a", "maker-b"] {
                if !first {
                    push(Action::CancelAll { trader: maker.to_string(), market: leg.symbol.clone() });
                }
            }
            for (maker, ladder) in ["maker-a", "maker-b"].iter().zip(LADDER_PPM) {
                for ppm in ladder {
                    let ppm = i64::try_from(ppm).unwrap_or(0);
                    let bid = on_tick(scaled(leg.price, -ppm), leg.tick, false);
                    let ask = on_tick(scaled(leg.price, ppm), leg.tick, true);
                    push(order(maker, leg, OrderSide::Buy, leg.level_size, OrderType::PostOnly, bid));
                    push(order(maker, leg, OrderSide::Sell, leg.level_size, OrderType::PostOnly, ask));
                }
            }
        }
    };
    let market_order = |trader: &str, leg: &Leg, side: OrderSide, size: Decimal| {
        let worst = match side {
            OrderSide::Buy => on_tick(scaled(leg.price, 8_000), leg.tick, false),
            OrderSide::Sell => on_tick(scaled(leg.price, -8_000), leg.tick, true),
        };
        Action::Order {
            trader: trader.into(),
            market: leg.symbol.clone(),
            side,
            size,
            price: None,
            order_type: OrderType::Market,
            reduce_only: false,
            client_id: 0,
            worst_price: Some(worst),
        }
    };
    let crank = || Action::Crank { cranks: Crank::ALL.to_vec() };

    // Opening: quotes, then the takers' positions, the basis trader's hedge in two clips.
    requote(&mut push, &legs, true);
    let lots_of = |leg: &Leg, base: &str| on_tick(dec(base), leg.lot, true);
    let (btc, sol) = (&legs[0], &legs[1]);
    push(market_order("alice", btc, OrderSide::Buy, lots_of(btc, "0.5"))); // 45x
    push(market_order("bob", btc, OrderSide::Buy, lots_of(btc, "0.5"))); // 37x
    push(market_order("carol", btc, OrderSide::Buy, lots_of(btc, "2"))); // 18x
    push(market_order("dave", btc, OrderSide::Sell, lots_of(btc, "0.5"))); // 22x short
    let sol_erin = on_tick(Decimal::from(32_000) / sol.price, sol.lot, false); // 19x
    let sol_frank = on_tick(Decimal::from(36_000) / sol.price, sol.lot, false); // 18x
    push(market_order("erin", sol, OrderSide::Buy, sol_erin));
    push(market_order("frank", sol, OrderSide::Buy, sol_frank));
    push(market_order("basis", btc, OrderSide::Sell, lots_of(btc, "1.5")));
    push(crank());
    requote(&mut push, &legs, false);
    push(market_order("basis", btc, OrderSide::Sell, lots_of(btc, "1.5")));
    push(crank());

    let mut rng = Rng(0x5EED);
    let tick = |push: &mut dyn FnMut(Action), legs: &mut [Leg], secs: i64, moves: Option<usize>, rng: &mut Rng| {
        push(Action::Advance { seconds: secs });
        for leg in legs.iter_mut() {
            let ppm = match moves {
                Some(i) => leg.crash[i],
                None => rng.signed(1_500),
            };
            leg.price = on_tick(scaled(leg.price, ppm), leg.tick, false);
            push(Action::Price { market: leg.symbol.clone(), price: leg.price, confidence: Decimal::ZERO, age: 0 });
        }
        push(crank());
        requote(push, legs, false);
        for leg in legs.iter() {
            let side = if rng.next().is_multiple_of(2) { OrderSide::Buy } else { OrderSide::Sell };
            push(market_order("flow", leg, side, leg.flow_size));
        }
        push(crank());
    };
    for _ in 0..TICKS_BEFORE {
        tick(&mut push, &mut legs, CALM_TICK_SECS, None, &mut rng);
    }
    for i in 0..BTC_CRASH.len() {
        tick(&mut push, &mut legs, CRASH_TICK_SECS, Some(i), &mut rng);
    }
    for _ in 0..TICKS_AFTER {
        tick(&mut push, &mut legs, CALM_TICK_SECS, None, &mut rng);
    }
    let insurance = config.exchange.insurance_fund;
    Ok(Scenario {
        name: "localnet market day".into(),
        start_time: DEFAULT_START_TIME,
        insurance_fund: Decimal::from(insurance),
        keeper_deposit: Decimal::from(2_000_000u64),
        markets,
        market_tables: Vec::new(),
        traders: traders.into_iter().map(|(n, d)| TraderSpec { name: n.into(), deposit: Decimal::from(d) }).collect(),
        steps,
    })
}
