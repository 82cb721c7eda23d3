//! Snapshots of accounts (to prove a rejected instruction changed nothing) and the ledger check
//! of money rule 1.
use perp_migrations::localnet::Localnet;
use solana_sdk::pubkey::Pubkey;

/// Lamports and data of each account, in order; `None` for an account that does not exist.
pub type Snapshot = Vec<Option<(u64, Vec<u8>)>>;

pub async fn snapshot(net: &mut Localnet, addresses: &[Pubkey]) -> Snapshot {
    let mut out = Vec::with_capacity(addresses.len());
    for address in addresses {
        let account = net.ctx.banks_client.get_account(*address).await.expect("get_account");
        out.push(account.map(|a| (a.lamports, a.data)));
    }
    out
}

/// Money rule 1 on the exchange's books: the vault holds exactly the traders' collateral plus the
/// fee pool, the insurance vault exactly the insurance fund, and the traders' collateral sums to
/// the ledger's total. `traders` are all trader accounts (owner, sub-account id).
pub async fn assert_ledger_balances(net: &mut Localnet, traders: &[(Pubkey, u16)]) {
    let exchange = net.exchange().await.expect("exchange");
    let vault = net.token_balance(&exchange.vault).await.expect("vault");
    let insurance = net.token_balance(&exchange.insurance_vault).await.expect("insurance vault");
    let ledger = exchange.ledger;
    let mut sum = 0u64;
    for (owner, sub) in traders {
        if let Some(trader) = net.trader(owner, *sub).await.expect("trader") {
            sum += trader.collateral;
        }
    }
    assert_eq!(sum, ledger.total_collateral, "sum of trader collateral != ledger total");
    assert_eq!(vault, ledger.total_collateral + ledger.fee_pool, "vault != collateral + fee pool");
    assert_eq!(insurance, ledger.insurance_fund, "insurance vault != insurance fund");
    assert_eq!(ledger.total_deposited - ledger.total_withdrawn, ledger.total_collateral, "flows != collateral");
}
