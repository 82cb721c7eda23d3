//! The worst case of every instruction: compute units, heap and transaction size. On the SBF
//! build (SBF_OUT_DIR set) each instruction must stay within 200,000 CU; natively, within 32 KiB
//! of heap (what it allocates, counted by `perp_localnet::heap`; a builtin's compute units mean
//! nothing); everywhere each transaction within 1,232 bytes. With CU_TABLE_OUT set, the rows are
//! written there as tab-separated values (`scripts/compute-units.sh` merges a native and an SBF
//! run into docs/compute-units.md).
use perp::engine::orders::{OrderSide::*, OrderType, MAX_CANCELS_PER_ORDER, MAX_FILLS_PER_ORDER};
use perp::events::{AdlEventRecorded, FundingApplied, OrderCancelled, OrderFilled};
use perp::state::{MarketStatus, MAX_PUSH_MOVE_PPM, PAUSE_TRADING};
use perp::OrderParams;
use perp_client::chain::{Chain, TxOutcome};
use perp_client::{events, instructions, pda};
use perp_localnet::heap;
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::signature::{Keypair, Signer};

const MAX_CU: u64 = 200_000;
const MAX_HEAP_BYTES: u64 = 32 * 1024;
const MAX_TX_BYTES: usize = 1_232;
/// Markets the worst-case trader is active in (the most a trader account may hold).
const MARKETS: usize = perp::state::MAX_MARKETS_PER_TRADER;
const HOUR: i64 = 3_600;
/// The taker's own reduce-only orders trimmed in the worst take: one (measured on the SBF build,
/// 1 to 12 of them cost within about 2,500 CU of each other for the fills they take away,
/// `orders::max_fills`; one the most).
const TRIMS: usize = 1;

struct Row {
    instruction: &'static str,
    case: String,
    cu: u64,
    /// The most bytes one of the transaction's program instructions allocated (native runs).
    heap: u64,
    tx_bytes: usize,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

/// Compute units our program consumed in a transaction (its top-level invocations; CPIs it
/// makes are included in its own figure).
fn consumed(logs: &[String]) -> u64 {
    let prefix = format!("Program {} consumed ", perp::ID);
    logs.iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// Wire size of a legacy transaction: signatures (with their count) and the message.
fn tx_size(payer: &solana_sdk::pubkey::Pubkey, ixs: &[Instruction]) -> usize {
    let message = Message::new(ixs, Some(payer));
    1 + 64 * usize::from(message.header.num_required_signatures) + message.serialize().len()
}

impl Table {
    async fn measure(
        &mut self,
        net: &mut Localnet,
        instruction: &'static str,
        case: &str,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> TxOutcome {
        let tx_bytes = tx_size(&net.ctx.payer.pubkey(), ixs);
        heap::take_peak();
        let out = Chain::send(net, ixs, signers).await.unwrap_or_else(|e| panic!("{instruction} ({case}): {e:#}"));
        let heap = heap::take_peak();
        self.rows.push(Row { instruction, case: case.to_string(), cu: consumed(&out.logs), heap, tx_bytes });
        out
    }

    fn markdown(&self) -> String {
        let mut out =
            String::from("| instruction | worst case | CU | heap bytes | tx bytes |\n|---|---|---:|---:|---:|\n");
        for r in &self.rows {
            out.push_str(&format!("| `{}` | {} | {} | {} | {} |\n", r.instruction, r.case, r.cu, r.heap, r.tx_bytes));
        }
        out
    }

    fn tsv(&self) -> String {
        self.rows
            .iter()
            .map(|r| format!("{}\t{}\t{}\t{}\t{}\n", r.instruction, r.case, r.cu, r.heap, r.tx_bytes))
            .collect()
    }
}

fn ioc(side: perp::OrderSide, price_quote: u64, lots: u64, id: u64) -> OrderParams {
    OrderParams { order_type: OrderType::ImmediateOrCancel, ..limit(side, price_quote, lots, id) }
}

/// Sends orders of one wallet, several per transaction.
async fn rest_orders(net: &mut Localnet, wallet: &Wallet, market: &TestMarket, orders: &[OrderParams]) {
    for chunk in orders.chunks(4) {
        let mut ixs = Vec::with_capacity(chunk.len());
        for params in chunk {
            ixs.push(order_instruction(net, wallet, market, *params).await);
        }
        Chain::send(net, &ixs, &[&wallet.owner]).await.expect("rest orders");
    }
}

#[tokio::test]
async fn every_instruction_within_the_compute_and_size_limits() {
    let sbf = perp_localnet::native::sbf_program_dir().is_some();
    let mut net = localnet().await;
    let mut table = Table::default();
    let admin = net.admin.insecure_clone();

    // Eight markets at 1,000; the first with a 1,024-order book and room for the makers filling it.
    let big = perp::MarketLayout { order_capacity: 1_024, seat_capacity: 64, ..default_layout("M0") };
    let mut markets = vec![create_market(&mut net, big, default_config, 1_000).await];
    for i in 1..MARKETS {
        // The last market caps the insurance fund's draw per bankruptcy at 1 quote (set at
        // creation: lowering a cap on a live market is timelocked).
        let capped = i == MARKETS - 1;
        let config = move |oracle| {
            let cap = if capped { QUOTE } else { 0 };
            perp::MarketConfig { insurance_cap_per_event: cap, ..default_config(oracle) }
        };
        markets.push(create_market(&mut net, default_layout(&format!("M{i}")), config, 1_000).await);
    }
    // `whale` holds a position in every market (bought from `dealer`): the widest margin set.
    let dealer = funded_trader(&mut net, 100_000).await;
    let whale = funded_trader(&mut net, 100_000).await;
    for m in &markets {
        order(&mut net, &dealer, m, limit(Sell, 1_000, 1, 1)).await.unwrap();
        order(&mut net, &whale, m, ioc(Buy, 1_000, 1, 1)).await.unwrap();
    }

    let w = whale.owner.pubkey();
    let all: Vec<_> = margin_set(&mut net, &whale, None).await;
    let market_keys: Vec<_> = all.iter().map(|(m, _)| *m).collect();
    net.mint_to(&whale.token_account, 10 * QUOTE).await.unwrap();
    let ix = instructions::with_markets(instructions::deposit(&w, 0, &whale.token_account, 10 * QUOTE), &market_keys);
    table.measure(&mut net, "deposit", "8 markets settled", &[ix], &[&whale.owner]).await;
    let ix = instructions::with_margin_set(instructions::withdraw(&w, 0, &whale.token_account, QUOTE), &all);
    table.measure(&mut net, "withdraw", "8 positions priced", &[ix], &[&whale.owner]).await;
    let ix = instructions::settle_funding(&whale.trader(), &market_keys);
    table.measure(&mut net, "settle_funding", "8 markets", &[ix], &[]).await;

    // The first market's bid side full: 1,024 two-lot bids (the minimum notional) from 32
    // makers, 900 to 999.
    let m0 = markets[0].clone();
    for maker in 0..32u64 {
        let wallet = funded_trader(&mut net, 1_000).await;
        let bids: Vec<_> = (0..32u64).map(|i| limit(Buy, 999 - (maker * 32 + i) % 100, 2, i)).collect();
        rest_orders(&mut net, &wallet, &m0, &bids).await;
    }
    assert_eq!(header(&mut net, &m0.address).await.bids.count, 1_024);
    let post = OrderParams { order_type: OrderType::PostOnly, ..limit(Buy, 950, 2, 77) };
    let ix = order_instruction(&mut net, &whale, &m0, post).await;
    let out = table
        .measure(&mut net, "place_order", "post-only into a full side (evicts), 8 markets", &[ix], &[&whale.owner])
        .await;
    assert_eq!(events::decode::<OrderCancelled>(&out.logs).len(), 1, "the worst bid was evicted");
    let ix = instructions::cancel_order(&w, 0, &m0.address, 77);
    table.measure(&mut net, "cancel_orders", "one order, in a 1,024-order side", &[ix], &[&whale.owner]).await;

    // Asks for the takes: 73 two-lot asks from three makers, 1,001 to 1,040.
    let mut ask_makers = Vec::new();
    for maker in 0..3u64 {
        let wallet = funded_trader(&mut net, 1_000).await;
        let count = if maker < 2 { 32 } else { 9 };
        let asks: Vec<_> = (0..count).map(|i| limit(Sell, 1_001 + (maker * 32 + i) % 40, 2, i)).collect();
        rest_orders(&mut net, &wallet, &m0, &asks).await;
        ask_makers.push(wallet);
    }
    for (fills, name) in [(1u64, "take, 1 fill"), (8, "take, 8 fills")] {
        let ix = order_instruction(&mut net, &whale, &m0, ioc(Buy, 1_040, 2 * fills, 80 + fills)).await;
        let out = table.measure(&mut net, "place_order", &format!("{name}, 8 markets"), &[ix], &[&whale.owner]).await;
        assert_eq!(events::decode::<OrderFilled>(&out.logs).len() as u64, fills);
    }
    // The worst takes. First the most cancels, then the most fills: the oracle rises to 1,062
    // (fill band 1,009.43..=1,114.57), leaving 9 asks (1,005 to 1,009) below the band; matching
    // cancels 8 (the cap), passes over the 9th (walking on from the band's near edge) and fills
    // 28 from 1,010.
    move_price(&mut net, &m0, 1_062).await;
    let cancels = MAX_CANCELS_PER_ORDER;
    let max = MAX_FILLS_PER_ORDER as u64;
    let ix = order_instruction(&mut net, &whale, &m0, ioc(Buy, 1_040, 2 * max, 90)).await;
    let case =
        format!("take, {cancels} cancels (asks below the fill band) then {max} fills (the most per order), 8 markets");
    let out = table.measure(&mut net, "place_order", &case, &[ix], &[&whale.owner]).await;
    assert_eq!(events::decode::<OrderCancelled>(&out.logs).len(), cancels);
    assert_eq!(events::decode::<OrderFilled>(&out.logs).len(), MAX_FILLS_PER_ORDER);
    // Then the same with the taker's own reduce-only orders to trim: the whale goes short 30 with
    // reduce-only bids, and a buy that would flip it gives up fills for them (`max_fills`). 32
    // fresh asks at 1,050 to 1,081; at 1,100 (band 1,045.55..=1,154.45) the 28 old ones are below.
    move_price(&mut net, &m0, 1_000).await;
    let long = seat(&mut net, &m0.address, &whale).await.unwrap().base_lots as u64;
    for (lots, id) in [(2 * max, 91), (long + 30 - 2 * max, 92)] {
        order(&mut net, &whale, &m0, ioc(Sell, 951, lots, id)).await.unwrap();
    }
    assert_eq!(seat(&mut net, &m0.address, &whale).await.unwrap().base_lots, -30);
    let trims = TRIMS;
    for id in 93..93 + trims as u64 {
        let bid = OrderParams { reduce_only: true, ..limit(Buy, 960, 2, id) };
        order(&mut net, &whale, &m0, bid).await.unwrap();
    }
    let wallet = funded_trader(&mut net, 1_000).await;
    let asks: Vec<_> = (0..32u64).map(|i| limit(Sell, 1_050 + i, 2, i)).collect();
    rest_orders(&mut net, &wallet, &m0, &asks).await;
    move_price(&mut net, &m0, 1_100).await;
    let fills = perp::engine::orders::max_fills(trims);
    let ix = order_instruction(&mut net, &whale, &m0, ioc(Buy, 1_100, 2 * fills as u64, 95)).await;
    let case = format!(
        "take, {cancels} cancels (asks below the fill band), {fills} fills, then {trims} of its own reduce-only orders trimmed, 8 markets"
    );
    let out = table.measure(&mut net, "place_order", &case, &[ix], &[&whale.owner]).await;
    assert_eq!(events::decode::<OrderCancelled>(&out.logs).len(), cancels + trims);
    assert_eq!(events::decode::<OrderFilled>(&out.logs).len(), fills);
    move_price(&mut net, &m0, 1_000).await;

    // Cancel all: 32 resting orders (the most per trader and market) in the second market.
    let m1 = markets[1].clone();
    let bids: Vec<_> = (0..32u64).map(|i| limit(Buy, 990 - i, 2, 100 + i)).collect();
    rest_orders(&mut net, &whale, &m1, &bids).await;
    let ix = instructions::cancel_all_orders(&w, 0, &m1.address);
    table.measure(&mut net, "cancel_orders", "all: 32 orders", &[ix], &[&whale.owner]).await;

    // Funding at a boundary on the full book (impact walks on both sides, dust to insurance).
    let now = net.clock().await.unwrap().unix_timestamp;
    net.set_unix_time(now - now % HOUR + HOUR).await.unwrap();
    push_price(&mut net, &m0, 1_000 * PRICE, 0).await.unwrap();
    let ix = instructions::update_funding(&m0.address, &m0.oracle);
    let out = table.measure(&mut net, "update_funding", "interval applied, about 1,000 bids", &[ix], &[]).await;
    let applied = events::decode::<FundingApplied>(&out.logs);
    assert_eq!(applied.len(), 1, "{:#?}", out.logs);

    // The waterfall, at its worst over 8 markets. `victim` holds 100 lots in each (bought from
    // `dealer`) on 120 quote, and 32 resting bids in the second market. The whale is short 2 in
    // the first market with a reduce-only bid for it: its takeover there trims it.
    let victim = funded_trader(&mut net, 120).await;
    for m in &markets {
        move_price(&mut net, m, 1_000).await;
    }
    let long = seat(&mut net, &m0.address, &whale).await.unwrap().base_lots as u64;
    order(&mut net, &whale, &m0, ioc(Sell, 951, long + 2, 6)).await.unwrap();
    order(&mut net, &whale, &m0, OrderParams { reduce_only: true, ..limit(Buy, 960, 2, 7) }).await.unwrap();
    for m in &markets {
        order(&mut net, &dealer, m, limit(Sell, 1_000, 100, 5)).await.unwrap();
        order(&mut net, &victim, m, ioc(Buy, 1_000, 100, 5)).await.unwrap();
    }
    let bids: Vec<_> = (0..32u64).map(|i| limit(Buy, 990 - i, 2, 300 + i)).collect();
    rest_orders(&mut net, &victim, &m1, &bids).await;
    // A 12% drop everywhere: equity 24 < 35.2 maintenance, not below zero.
    for m in &markets {
        move_price(&mut net, m, 880).await;
    }
    let ix = liquidate_instruction(&mut net, &whale, &victim, &m1).await;
    let case = "32 cancels, then the whole position there; 8 markets priced (the same 8 for both accounts)";
    let out = table.measure(&mut net, "liquidate", case, &[ix], &[&whale.owner]).await;
    assert_eq!(events::decode::<OrderCancelled>(&out.logs).len(), 32);
    // Still below maintenance: the whale liquidates in the first market too.
    let ix = liquidate_instruction(&mut net, &whale, &victim, &m0).await;
    let case =
        "8 markets priced (the same 8 for both accounts), the whole position, the liquidator's reduce-only bid trimmed";
    let out = table.measure(&mut net, "liquidate", case, &[ix], &[&whale.owner]).await;
    let trims = events::decode::<OrderCancelled>(&out.logs);
    assert_eq!(trims.len(), 1);
    assert_eq!((trims[0].trader, trims[0].reason), (whale.trader(), perp::engine::orders::CancelReason::ReduceOnly));
    // A gap to 700: below zero equity. The per-event cap of 1 quote on the last market limits
    // the fund's draw, so ADL takes the rest in every market.
    for m in &markets {
        move_price(&mut net, m, 700).await;
    }
    let set = margin_set(&mut net, &victim, None).await;
    let mut positions = 0;
    for (m, _) in &set {
        positions += usize::from(seat(&mut net, m, &victim).await.is_some_and(|s| s.base_lots != 0));
    }
    let ix = instructions::resolve_bankruptcy(&victim.trader(), &set);
    let case = format!("{} markets priced, capped fund draw, {positions} positions closed into ADL", set.len());
    let out = table.measure(&mut net, "resolve_bankruptcy", &case, &[ix], &[]).await;
    assert_eq!(events::decode::<AdlEventRecorded>(&out.logs).len(), positions);
    // The dealer (short in every market) applies the events on its next touch.
    let dealer_markets: Vec<_> = margin_set(&mut net, &dealer, None).await.into_iter().map(|(m, _)| m).collect();
    let ix = instructions::settle_funding(&dealer.trader(), &dealer_markets);
    table.measure(&mut net, "settle_funding", "8 markets, an ADL event pending in most", &[ix], &[]).await;

    // The waterfall's last step: ADL took a newcomer below zero with no position left; the fund
    // pays at most 1 quote per bankruptcy there, so most of it is written off and socialized.
    let gap = newcomer_after_a_gap(&mut net, QUOTE).await;
    resolve_bankruptcy_logs(&mut net, &gap.short).await;
    let set = margin_set(&mut net, &gap.newcomer, None).await;
    let ix = instructions::resolve_bankruptcy(&gap.newcomer.trader(), &set);
    let case = "no position left (ADL took it below zero): capped fund draw, written off and socialized";
    let out = table.measure(&mut net, "resolve_bankruptcy", case, &[ix], &[]).await;
    let resolved = &events::decode::<perp::events::BankruptcyResolved>(&out.logs)[0];
    assert!(resolved.written_off > 0 && resolved.socialized > 0, "{resolved:?}");

    // Oracles.
    let now = net.clock().await.unwrap().unix_timestamp;
    let ix =
        instructions::update_push_oracle(&m0.oracle_authority.pubkey(), &m0.oracle, (1_001 * PRICE) as i64, 0, now + 1);
    net.set_unix_time(now + 1).await.unwrap();
    let authority = m0.oracle_authority.insecure_clone();
    table.measure(&mut net, "update_push_oracle", "one price", &[ix], &[&authority]).await;
    let ix = instructions::refresh_oracle(&m0.address, &m0.oracle);
    table.measure(&mut net, "refresh_oracle", "push oracle", &[ix], &[]).await;

    // Markets and admin.
    let layout = perp::MarketLayout { order_capacity: 1_024, seat_capacity: 4_096, ..default_layout("BIG") };
    let symbol_oracle = pda::push_oracle(&layout.symbol);
    let ix = instructions::create_push_oracle(&admin.pubkey(), layout.symbol, &admin.pubkey(), -6, MAX_PUSH_MOVE_PPM);
    table.measure(&mut net, "create_push_oracle", "PDA account", &[ix], &[&admin]).await;
    let now = net.clock().await.unwrap().unix_timestamp;
    let first = instructions::update_push_oracle(&admin.pubkey(), &symbol_oracle, (1_000 * PRICE) as i64, 0, now);
    net.send(&[first], &[&admin]).await.unwrap();
    let market = Keypair::new();
    let size = perp::state::market_account_size(layout.order_capacity, layout.seat_capacity).unwrap();
    let rent = net.ctx.banks_client.get_rent().await.unwrap().minimum_balance(size);
    let payer = net.ctx.payer.pubkey();
    let ixs = instructions::create_market(
        &admin.pubkey(),
        &payer,
        &market.pubkey(),
        layout,
        default_config(symbol_oracle),
        rent,
    );
    table
        .measure(
            &mut net,
            "create_market",
            "1,024 orders per side, 4,096 seats (1.2 MB), first price read",
            &ixs,
            &[&admin, &market],
        )
        .await;
    let ix = instructions::update_market(&admin.pubkey(), &m1.address, default_config(m1.oracle), MarketStatus::Active);
    table.measure(&mut net, "update_market", "all parameters", &[ix], &[&admin]).await;
    let ix = instructions::set_pause_flags(&admin.pubkey(), PAUSE_TRADING);
    table.measure(&mut net, "set_pause_flags", "one flag", &[ix], &[&admin]).await;
    let ix = instructions::set_pause_flags(&admin.pubkey(), 0);
    net.send(&[ix], &[&admin]).await.unwrap();
    let ix = instructions::set_exchange_params(&admin.pubkey(), perp::ExchangeParams::default());
    table.measure(&mut net, "set_exchange_params", "defaults", &[ix], &[&admin]).await;
    let next = net.funded_keypair().await.unwrap();
    let ix = instructions::propose_admin(&admin.pubkey(), &next.pubkey());
    table.measure(&mut net, "propose_admin", "new admin", &[ix], &[&admin]).await;
    let ix = instructions::accept_admin(&next.pubkey());
    table.measure(&mut net, "accept_admin", "new admin", &[ix], &[&next]).await;

    // Trader accounts and the insurance fund.
    let fresh = new_wallet(&mut net, 10 * QUOTE).await;
    let f = fresh.owner.pubkey();
    table
        .measure(&mut net, "open_trader", "new account", &[instructions::open_trader(&f, &f, 0)], &[&fresh.owner])
        .await;
    let ix = instructions::deposit_insurance(&f, &fresh.token_account, QUOTE);
    table.measure(&mut net, "deposit_insurance", "one transfer", &[ix], &[&fresh.owner]).await;
    let ix = instructions::close_trader(&f, 0, &f);
    table.measure(&mut net, "close_trader", "empty account", &[ix], &[&fresh.owner]).await;

    // The timelock on market changes (the admin is `next` by now): announce, cancel, announce
    // again and apply a day later.
    let mut raised = default_config(m1.oracle);
    for b in raised.brackets.iter_mut() {
        (b.initial_ppm, b.maintenance_ppm) = (b.initial_ppm * 2, b.maintenance_ppm * 2);
    }
    let day = perp::state::MIN_MARKET_UPDATE_DELAY_SECS;
    let announce = instructions::announce_market_update(&next.pubkey(), &m1.address, raised, MarketStatus::Active, day);
    table
        .measure(&mut net, "announce_market_update", "all parameters", std::slice::from_ref(&announce), &[&next])
        .await;
    let ix = instructions::cancel_market_update(&next.pubkey(), &m1.address);
    table.measure(&mut net, "cancel_market_update", "rent back", &[ix], &[&next]).await;
    net.send(&[announce], &[&next]).await.unwrap();
    let now = net.clock().await.unwrap().unix_timestamp;
    net.set_unix_time(now + i64::from(day)).await.unwrap();
    let ix = instructions::apply_market_update(&next.pubkey(), &m1.address);
    table.measure(&mut net, "apply_market_update", "all parameters, a day later", &[ix], &[]).await;

    // The exchange itself. On the SBF build the program is deployed upgradeable, so the
    // upgrade-authority check (its PDA derivation) is in the figure; natively, a bare bank.
    let authority = Keypair::new();
    let mut bare = match upgradeable_bank(&authority.pubkey()).await {
        Some(bank) => bank,
        None => Localnet::without_exchange(perp_localnet::native::start_bank().await).await.unwrap(),
    };
    perp_migrations::tokens::fund(&mut bare, &authority.pubkey()).await.unwrap();
    let mint = bare.mint;
    let ix = instructions::initialize_exchange(&authority.pubkey(), &mint, perp::ExchangeParams::default());
    let case = "two vaults created, the upgrade authority checked";
    table.measure(&mut bare, "initialize_exchange", case, &[ix], &[&authority]).await;

    println!("{}", table.markdown());
    if let Some(path) = std::env::var_os("CU_TABLE_OUT") {
        std::fs::write(path, table.tsv()).expect("write the compute-unit rows");
    }
    for row in &table.rows {
        assert!(row.tx_bytes <= MAX_TX_BYTES, "{} ({}): {} bytes", row.instruction, row.case, row.tx_bytes);
        if sbf {
            assert!(row.cu > 0 && row.cu <= MAX_CU, "{} ({}): {} CU", row.instruction, row.case, row.cu);
        } else {
            assert!(
                row.heap > 0 && row.heap <= MAX_HEAP_BYTES,
                "{} ({}): {} heap bytes",
                row.instruction,
                row.case,
                row.heap
            );
        }
    }
}
