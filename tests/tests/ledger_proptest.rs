//! Money rule 1 on the in-process validator: random deposit/withdraw sequences across several
//! traders keep the vault equal to the sum of collateral after every step, and a rejected
//! instruction changes nothing.
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
    for op in ops {
        let (who, ix) = match op {
            Op::Deposit { who, amount } => {
                let w = &wallets[who];
                (who, instructions::deposit(&w.owner.pubkey(), 0, &w.token_account, amount))
            }
            Op::Withdraw { who, amount } => {
                let w = &wallets[who];
                (who, instructions::withdraw(&w.owner.pubkey(), 0, &w.token_account, amount))
            }
        };
        let before = snapshot(&mut net, &watched).await;
        if net.send(&[ix], &[&wallets[who].owner]).await.is_err() {
            assert_eq!(snapshot(&mut net, &watched).await, before, "rejected step changed state");
        }
        assert_money_rules(&mut net).await;
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
