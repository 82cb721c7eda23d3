//! Margin sets.
use super::*;

#[tokio::test]
async fn margin_sets_must_list_the_traders_markets_once_in_order() {
    let mut net = localnet().await;
    let btc = create_market(&mut net, default_layout("BTC-PERP"), default_config, 1_000).await;
    let eth = create_market(&mut net, default_layout("ETH-PERP"), default_config, 2_000).await;
    let sol = create_market(&mut net, default_layout("SOL-PERP"), default_config, 100).await;
    let trader = funded_trader(&mut net, 1_000).await;
    let other = funded_trader(&mut net, 1_000).await;
    order(&mut net, &trader, &btc, limit(Buy, 990, 10, 1)).await.unwrap();
    order(&mut net, &trader, &eth, limit(Buy, 1_990, 10, 2)).await.unwrap();
    order(&mut net, &other, &sol, limit(Buy, 99, 20, 3)).await.unwrap(); // sol is live, but not the trader's
    let right = margin_set(&mut net, &trader, None).await;
    assert_eq!(right, vec![(btc.address, btc.oracle), (eth.address, eth.oracle)]);

    let (b, e, s) = ((btc.address, btc.oracle), (eth.address, eth.oracle), (sol.address, sol.oracle));
    let all = [&trader, &other];
    let addresses = watched(&all, &[btc.address, eth.address, sol.address]);
    let before = snapshot(&mut net, &addresses).await;
    let owner = trader.owner.insecure_clone();
    let withdraw_with = |set: &[(Pubkey, Pubkey)]| {
        instructions::with_margin_set(instructions::withdraw(&owner.pubkey(), 0, &trader.token_account, QUOTE), set)
    };
    let cases: Vec<(&str, Instruction, PerpError)> = vec![
        ("withdraw, no markets", withdraw_with(&[]), PerpError::MissingMarginAccounts),
        ("withdraw, eth missing", withdraw_with(&[b]), PerpError::MissingMarginAccounts),
        ("withdraw, btc twice", withdraw_with(&[b, b]), PerpError::DuplicateMarginAccount),
        ("withdraw, sol for eth", withdraw_with(&[b, s]), PerpError::ForeignMarket),
        ("withdraw, sol for btc", withdraw_with(&[s, e]), PerpError::ForeignMarket),
        ("withdraw, out of order", withdraw_with(&[e, b]), PerpError::ForeignMarket),
        ("withdraw, one too many", withdraw_with(&[b, e, s]), PerpError::ForeignMarket),
        ("withdraw, eth's oracle for btc", withdraw_with(&[(btc.address, eth.oracle), e]), PerpError::ForeignOracle),
        (
            "order in btc, no margin set",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[]),
            PerpError::MissingMarginAccounts,
        ),
        (
            "order in btc, btc again",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[b]),
            PerpError::DuplicateMarginAccount,
        ),
        (
            "order in btc, eth twice",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[e, e]),
            PerpError::DuplicateMarginAccount,
        ),
        (
            "order in btc, sol for eth",
            instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 4), &[s]),
            PerpError::ForeignMarket,
        ),
        (
            "order in sol (new market), btc missing",
            instructions::place_order(&owner.pubkey(), 0, &sol.address, &sol.oracle, limit(Buy, 99, 20, 4), &[e]),
            PerpError::ForeignMarket,
        ),
        (
            "order in sol (new market), eth missing",
            instructions::place_order(&owner.pubkey(), 0, &sol.address, &sol.oracle, limit(Buy, 99, 20, 4), &[b]),
            PerpError::MissingMarginAccounts,
        ),
    ];
    for (what, ix, expected) in cases {
        let result = net.send(&[ix], &[&owner]).await;
        assert_eq!(custom_code(&result), Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert_eq!(snapshot(&mut net, &addresses).await, before, "{what}: changed an account");
    }
    // Deposits take the markets without oracles; the same rules apply.
    net.mint_to(&trader.token_account, QUOTE).await.unwrap();
    let before = snapshot(&mut net, &addresses).await;
    for (what, markets, expected) in [
        ("deposit, no markets", vec![], PerpError::MissingMarginAccounts),
        ("deposit, eth missing", vec![btc.address], PerpError::MissingMarginAccounts),
        ("deposit, btc twice", vec![btc.address, btc.address], PerpError::DuplicateMarginAccount),
        ("deposit, sol for eth", vec![btc.address, sol.address], PerpError::ForeignMarket),
    ] {
        let ix = instructions::with_markets(
            instructions::deposit(&owner.pubkey(), 0, &trader.token_account, QUOTE),
            &markets,
        );
        let result = net.send(&[ix], &[&owner]).await;
        assert_eq!(custom_code(&result), Some(u32::from(expected)), "{what}: expected {expected:?}, got {result:?}");
        assert_eq!(snapshot(&mut net, &addresses).await, before, "{what}: changed an account");
    }

    // The right sets go through.
    net.send(&[withdraw_with(&right)], &[&owner]).await.unwrap();
    let ix = instructions::place_order(&owner.pubkey(), 0, &btc.address, &btc.oracle, limit(Buy, 990, 10, 5), &[e]);
    net.send(&[ix], &[&owner]).await.unwrap();
    deposit(&mut net, &trader, QUOTE).await.unwrap();
    assert_money_rules(&mut net).await;
}
