//! Snapshots of accounts (to prove a rejected instruction changed nothing) and the ledger check
//! of money rule 1.
use perp_localnet::localnet::Localnet;
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

/// Money rules 1 to 4 over every account the program owns and the vaults' real token balances,
/// and the vaults, fee pool and insurance fund recomputed from the flows sent and the events
/// (`Localnet::money_rules`; the harness also runs it after every transaction).
pub async fn assert_money_rules(net: &mut Localnet) {
    if let Err(broken) = net.money_rules().await {
        panic!("money rules broken: {broken}");
    }
}
