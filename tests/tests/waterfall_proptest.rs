//! The loss waterfall under random price paths on the in-process validator: four traders trade at
//! up to 10x, prices move up to 30% a step (gaps through bankruptcy prices included), funding is
//! cranked, and a keeper pass resolves every bankruptcy (the insurance fund, then ADL), liquidates
//! every account below maintenance and settles everyone. After every step the books balance
//! (conservation, long base == short base with the insurance position, zero-sum funding) and a
//! rejected step changed nothing; after every keeper pass no account is below zero equity and the
//! sum of what every account could withdraw is at most what the vault holds.
use perp::engine::orders::{OrderSide, OrderType};
use perp::error::PerpError;
use perp::OrderParams;
use perp_client::{instructions, pda};
use perp_localnet::localnet::Localnet;
use perp_tests::*;
use proptest::prelude::*;
use solana_sdk::pubkey::Pubkey;

const TRADERS: usize = 4;
const START_PRICE: u64 = 1_000;

#[derive(Debug, Clone)]
enum Op {
    /// `maker` rests `lots` at the oracle and `taker` takes them (`buy`: the taker buys).
    Trade { taker: usize, maker: usize, buy: bool, lots: u64 },
    /// The oracle moves by `percent`.
    Move { percent: i64 },
    /// An hour passes and funding is cranked.
    Crank,
    /// The keeper's pass.
    Keeper,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..TRADERS, 0..TRADERS, any::<bool>(), 1u64..=400)
            .prop_map(|(taker, maker, buy, lots)| Op::Trade { taker, maker, buy, lots }),
        3 => (-30i64..=30).prop_map(|percent| Op::Move { percent }),
        1 => Just(Op::Crank),
        2 => Just(Op::Keeper),
    ]
}

/// The keeper's pass over every trader: bankruptcies first, then liquidations, then settlement.
async fn keeper_pass(net: &mut Localnet, wallets: &[Wallet], keeper: &Wallet, market: &TestMarket) {
    for w in wallets {
        if risk(net, w).await.equity < 0 {
            resolve_bankruptcy(net, w).await.expect("resolve_bankruptcy");
        }
        if risk(net, w).await.below_maintenance().unwrap() {
            let result = liquidate(net, keeper, w, market).await;
            // Only a position left with no seat of its own (released) may refuse.
            if let Err(e) = &result {
                let code = custom_code(&result);
                assert!(code == Some(u32::from(PerpError::NoPositionToLiquidate)), "liquidation refused: {e:?}");
            }
        }
    }
    for w in wallets.iter().chain([keeper]) {
        if let Some(trader) = net.trader(&solana_sdk::signature::Signer::pubkey(&w.owner), 0).await.unwrap() {
            let markets: Vec<Pubkey> = trader.active_markets().map(|m| m.market).collect();
            let ix = instructions::settle_funding(&w.trader(), &markets);
            net.send(&[ix], &[]).await.expect("settle_funding");
        }
    }
}

async fn run(deposits: Vec<u64>, ops: Vec<Op>) {
    let mut net = localnet_with_insurance(500).await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, START_PRICE).await;
    let mut wallets = Vec::new();
    for d in &deposits {
        wallets.push(funded_trader(&mut net, *d).await);
    }
    let keeper = funded_trader(&mut net, 10_000_000).await;
    let mut keys: Vec<_> = wallets.iter().map(|w| w.key()).collect();
    keys.push(keeper.key());
    let mut watched: Vec<Pubkey> = vec![pda::exchange(), pda::vault(), pda::insurance_vault(), btc.address];
    watched.extend(wallets.iter().map(|w| w.trader()));
    let mut price = START_PRICE;
    for (step, op) in ops.into_iter().enumerate() {
        let before = snapshot(&mut net, &watched).await;
        let result = match &op {
            Op::Trade { taker, maker, buy, lots } if taker != maker => {
                let (side, maker_side) =
                    if *buy { (OrderSide::Buy, OrderSide::Sell) } else { (OrderSide::Sell, OrderSide::Buy) };
                let rest = limit(maker_side, price, *lots, step as u64);
                match order(&mut net, &wallets[*maker], &btc, rest).await {
                    Ok(()) => {
                        let take = OrderParams {
                            order_type: OrderType::ImmediateOrCancel,
                            ..limit(side, price, *lots, step as u64)
                        };
                        let taken = order(&mut net, &wallets[*taker], &btc, take).await;
                        // Whatever did not fill leaves the book with the step.
                        let ix = instructions::cancel_all_orders(
                            &solana_sdk::signature::Signer::pubkey(&wallets[*maker].owner),
                            0,
                            &btc.address,
                        );
                        net.send(&[ix], &[&wallets[*maker].owner]).await.expect("cancel the rest");
                        if taken.is_err() {
                            assert!(custom_code(&taken).is_some(), "step {step}: {taken:?}");
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            Op::Trade { .. } => Ok(()),
            Op::Move { percent } => {
                price = (price as i64 * (100 + percent) / 100).clamp(100, 10_000) as u64;
                move_price(&mut net, &btc, price).await;
                Ok(())
            }
            Op::Crank => {
                let now = net.clock().await.unwrap().unix_timestamp;
                net.set_unix_time(now - now % 3_600 + 3_600).await.unwrap();
                move_price(&mut net, &btc, price).await;
                net.send(&[instructions::update_funding(&btc.address, &btc.oracle)], &[]).await
            }
            Op::Keeper => {
                keeper_pass(&mut net, &wallets, &keeper, &btc).await;
                let vault = net.token_balance(&pda::vault()).await.unwrap();
                let mut claims = 0u64;
                for w in wallets.iter().chain([&keeper]) {
                    let r = risk(&mut net, w).await;
                    assert!(r.equity >= 0, "step {step}: an account below zero after the keeper: {r:?}");
                    claims += r.withdrawable().unwrap();
                }
                assert!(claims <= vault, "step {step}: withdrawable {claims} > vault {vault}");
                Ok(())
            }
        };
        if let Err(e) = &result {
            assert!(custom_code(&result).is_some(), "step {step} {op:?}: rejected without an error code: {e:?}");
            assert_eq!(snapshot(&mut net, &watched).await, before, "step {step} {op:?}: rejected step changed state");
        }
        assert_money_rules(&mut net).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
    #[test]
    fn random_price_paths_through_the_waterfall(
        deposits in proptest::collection::vec(50u64..2_000, TRADERS),
        ops in proptest::collection::vec(op(), 1..=40),
    ) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(deposits, ops));
    }
}
