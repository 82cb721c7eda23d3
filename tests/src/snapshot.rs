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
    assert_books_balance(net, traders, &[]).await
}

/// Money rules 1 to 3 with markets: the vault holds the traders' collateral, the fee pool, and
/// what the markets hold on the books (seats' unsettled quote, cost bases and deposits, settled
/// funding, the insurance position's cost basis and unsettled quote); the sums the market headers
/// keep match their seats; long base == short base (seats and the insurance position); the
/// funding settled plus the funding pending over all seats and the insurance position is zero
/// (the dust already left).
pub async fn assert_books_balance(net: &mut Localnet, traders: &[(Pubkey, u16)], markets: &[Pubkey]) {
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
    let mut market_cash: i128 = 0;
    for market in markets {
        let mut data = crate::markets::market_data(net, market).await;
        let view = data.view().unwrap();
        let h = *view.header;
        let live = view.seats.iter().filter(|s| !s.is_free());
        let (mut unsettled, mut entry, mut deposits, mut long, mut short) = (0i64, 0i64, 0u64, 0i64, 0i64);
        let mut pending_funding = 0i64;
        for s in live {
            pending_funding += perp::engine::funding::pending_funding(&h, s).unwrap();
            unsettled += s.unsettled_quote;
            entry += s.quote_entry;
            deposits += s.seat_deposit;
            if s.base_lots > 0 {
                long += s.base_lots
            } else {
                short -= s.base_lots
            }
        }
        assert_eq!(
            (h.sum_unsettled_quote, h.sum_quote_entry, h.sum_seat_deposits),
            (unsettled, entry, deposits),
            "market sums"
        );
        // The insurance fund's position (ADL's counterparty) is part of both sides and of funding.
        long += h.insurance.base_lots.max(0);
        short += (-h.insurance.base_lots).max(0);
        pending_funding += perp::engine::adl::insurance_pending_funding(&h).unwrap();
        assert_eq!(long, short, "money rule 2: long base == short base");
        assert_eq!(h.funding_settled_net + pending_funding, 0, "money rule 3: funding is zero-sum");
        assert_eq!(h.open_interest_lots as i64, long, "open interest");
        market_cash += i128::from(perp::engine::account::market_cash(&h).unwrap());
    }
    let books = i128::from(ledger.total_collateral) + i128::from(ledger.fee_pool) + market_cash;
    assert_eq!(i128::from(vault), books, "vault != collateral + fee pool + markets");
    assert_eq!(insurance, ledger.insurance_fund, "insurance vault != insurance fund");
    if markets.is_empty() {
        assert_eq!(ledger.total_deposited - ledger.total_withdrawn, ledger.total_collateral, "flows != collateral");
    }
}
