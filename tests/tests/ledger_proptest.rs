//! Money rule 1 on the in-process validator: random deposit/withdraw sequences across several
//! traders. A model of the wallets and the collateral says what each step must do: succeed, or
//! fail with exactly `ZeroAmount`, `InsufficientFunds` or `InsufficientCollateral`. The program
//! must agree on every step (a program that wrongly refused, or wrongly allowed, fails the test),
//! a rejected step changes nothing, and the money rules hold after every step.
use perp::error::PerpError;
use perp_client::{instructions, pda};
use perp_tests::*;
use proptest::prelude::*;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signer;

const TRADERS: usize = 3;
const WALLET_TOKENS: u64 = 1_000_000;

#[derive(Debug, Clone)]
enum Op {
    Deposit { who: usize, amount: u64 },
    Withdraw { who: usize, amount: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    // Amounts straddle the wallet size so some steps are rejected; 0 and u64::MAX appear too.
    let amount = prop_oneof![4 => 0u64..1_200_000, 1 => Just(0u64), 1 => Just(u64::MAX)];
    prop_oneof![
        (0..TRADERS, amount.clone()).prop_map(|(who, amount)| Op::Deposit { who, amount }),
        (0..TRADERS, amount).prop_map(|(who, amount)| Op::Withdraw { who, amount }),
    ]
}

async fn run(ops: Vec<Op>) {
    let mut net = localnet().await;
    let mut wallets = Vec::new();
    for _ in 0..TRADERS {
        wallets.push(new_trader(&mut net, WALLET_TOKENS).await);
    }
    let mut watched: Vec<Pubkey> = vec![pda::exchange(), pda::vault(), pda::insurance_vault()];
    for w in &wallets {
        watched.extend([w.trader(), w.token_account]);
    }
    // The model: each wallet's tokens and each trader account's collateral.
    let mut wallet = [WALLET_TOKENS; TRADERS];
    let mut collateral = [0u64; TRADERS];
    for op in ops {
        let (who, ix, expected) = match op {
            Op::Deposit { who, amount } => {
                let w = &wallets[who];
                let expected = if amount > wallet[who] {
                    Err(PerpError::InsufficientFunds)
                } else if amount == 0 {
                    Err(PerpError::ZeroAmount)
                } else {
                    wallet[who] -= amount;
                    collateral[who] += amount;
                    Ok(())
                };
                (who, instructions::deposit(&w.owner.pubkey(), 0, &w.token_account, amount), expected)
            }
            Op::Withdraw { who, amount } => {
                let w = &wallets[who];
                let expected = if amount == 0 {
                    Err(PerpError::ZeroAmount)
                } else if amount > collateral[who] {
                    Err(PerpError::InsufficientCollateral)
                } else {
                    wallet[who] += amount;
                    collateral[who] -= amount;
                    Ok(())
                };
                (who, instructions::withdraw(&w.owner.pubkey(), 0, &w.token_account, amount), expected)
            }
        };
        let before = snapshot(&mut net, &watched).await;
        let result = net.send(&[ix], &[&wallets[who].owner]).await;
        match expected {
            Ok(()) => assert!(result.is_ok(), "the model says this step succeeds: {result:?}"),
            Err(error) => {
                assert_eq!(custom_code(&result), Some(u32::from(error)), "expected {error:?}: {result:?}");
                assert_eq!(snapshot(&mut net, &watched).await, before, "rejected step changed state");
            }
        }
        assert_money_rules(&mut net).await;
        for (i, w) in wallets.iter().enumerate() {
            assert_eq!(net.token_balance(&w.token_account).await.unwrap(), wallet[i], "wallet {i}");
            assert_eq!(
                net.trader(&w.owner.pubkey(), 0).await.unwrap().unwrap().collateral,
                collateral[i],
                "collateral {i}"
            );
        }
        // Tokens are never created or destroyed: wallets + vault hold what was minted.
        let mut total = net.token_balance(&pda::vault()).await.unwrap();
        for w in &wallets {
            total += net.token_balance(&w.token_account).await.unwrap();
        }
        assert_eq!(total, WALLET_TOKENS * TRADERS as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn vault_equals_sum_of_collateral_after_every_step(ops in proptest::collection::vec(op(), 1..30)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(ops));
    }
}
