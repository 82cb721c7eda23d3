//! A wallet's session with the exchange over any `Chain`: reading the exchange, its markets and
//! the wallet's trader account, and sending transactions that are checked to fit first.
use anchor_lang::AccountDeserialize;
use perp::state::{Exchange, MarketHeader, Trader};
use perp_client::chain::{Chain, TxOutcome};
use perp_client::views::MarketData;
use perp_client::{accounts, lookup, pda};
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use crate::OrPerp;

/// The wallet (it signs and pays) and the chain it talks to.
pub struct Session<'a, C: Chain> {
    pub chain: &'a mut C,
    pub wallet: &'a Keypair,
    pub sub_account: u16,
}

/// A market with its header decoded and its symbol as text.
#[derive(Clone)]
pub struct Market {
    pub data: MarketData,
    pub header: MarketHeader,
    pub symbol: String,
}

impl Market {
    pub fn address(&self) -> Pubkey {
        self.data.address
    }

    /// The oracle account its instructions take.
    pub fn oracle(&self) -> anyhow::Result<Pubkey> {
        pda::oracle_account(&self.header).or_perp()
    }
}

/// The symbol field as text (zero bytes at the end dropped).
pub fn symbol_text(symbol: &[u8; 16]) -> String {
    String::from_utf8_lossy(symbol).trim_end_matches('\0').to_string()
}

impl<C: Chain> Session<'_, C> {
    pub fn owner(&self) -> Pubkey {
        self.wallet.pubkey()
    }

    /// The wallet's trader account address (sub-account `sub_account`).
    pub fn trader_address(&self) -> Pubkey {
        pda::trader(&self.owner(), self.sub_account)
    }

    pub async fn exchange(&mut self) -> anyhow::Result<Exchange> {
        let address = pda::exchange();
        let account = self.chain.account(&address).await?.ok_or_else(|| {
            anyhow::anyhow!("no exchange at {address}: is the program {} deployed on this cluster?", perp::ID)
        })?;
        accounts::exchange(&account.data).map_err(|e| anyhow::anyhow!("exchange {address}: {e}"))
    }

    /// Every market of the program, by symbol.
    pub async fn markets(&mut self) -> anyhow::Result<Vec<Market>> {
        let mut out = Vec::new();
        for (address, account) in self.chain.program_accounts(&accounts::market_filter()).await? {
            let mut data = MarketData { address, data: account.data };
            let header = data.header().map_err(|e| anyhow::anyhow!("market {address}: {e:?}: {e}"))?;
            out.push(Market { data, symbol: symbol_text(&header.symbol), header });
        }
        out.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        Ok(out)
    }

    /// The wallet's trader account, `None` before `account create` (or the first deposit).
    pub async fn trader(&mut self) -> anyhow::Result<Option<Trader>> {
        Ok(self.trader_and_pending_loss().await?.map(|(trader, _)| trader))
    }

    /// The wallet's trader account as the program will see it on its next touch (its share of
    /// socialized losses charged), and that share.
    pub async fn trader_and_pending_loss(&mut self) -> anyhow::Result<Option<(Trader, u64)>> {
        let address = self.trader_address();
        let Some(account) = self.chain.account(&address).await? else { return Ok(None) };
        let trader = Trader::try_deserialize(&mut account.data.as_slice())
            .map_err(|e| anyhow::anyhow!("trader account {address}: {e}"))?;
        let ledger = self.exchange().await?.ledger;
        let in_error = |e| anyhow::anyhow!("trader account {address}: {e}");
        let pending = perp::engine::collateral::pending_socialized_loss(&ledger, &trader).map_err(in_error)?;
        let charged = perp::engine::collateral::with_socialized_loss(&ledger, &trader).map_err(in_error)?;
        Ok(Some((charged, pending)))
    }

    /// The wallet's trader account, or an error saying how to make one.
    pub async fn existing_trader(&mut self) -> anyhow::Result<Trader> {
        Ok(self.existing_trader_and_pending_loss().await?.0)
    }

    /// `trader_and_pending_loss`, or an error saying how to make the account.
    pub async fn existing_trader_and_pending_loss(&mut self) -> anyhow::Result<(Trader, u64)> {
        let address = self.trader_address();
        self.trader_and_pending_loss().await?.ok_or_else(|| {
            anyhow::anyhow!(
                "no trader account {address} for {} sub-account {}: run `perp account create` or `perp deposit`",
                self.owner(),
                self.sub_account
            )
        })
    }

    /// Signs with the wallet and sends, once the transaction is known to fit (1,232 bytes, 64
    /// account locks): a transaction that cannot land is never sent.
    pub async fn send(&mut self, ixs: &[Instruction]) -> anyhow::Result<TxOutcome> {
        let (bytes, locks) = lookup::legacy_size(&self.chain.payer(), ixs);
        anyhow::ensure!(
            bytes <= lookup::MAX_TX_BYTES && locks <= lookup::MAX_ACCOUNT_LOCKS,
            "the transaction would take {bytes} bytes and lock {locks} accounts (limits {} and {}); nothing sent",
            lookup::MAX_TX_BYTES,
            lookup::MAX_ACCOUNT_LOCKS
        );
        let wallet = self.wallet.insecure_clone();
        self.chain.send(ixs, &[&wallet]).await
    }
}

/// The market named by `name`: its symbol (any case) or its address.
pub fn find<'m>(markets: &'m [Market], name: &str) -> anyhow::Result<&'m Market> {
    let by_address: Option<Pubkey> = name.parse().ok();
    markets.iter().find(|m| m.symbol.eq_ignore_ascii_case(name) || Some(m.address()) == by_address).ok_or_else(|| {
        let known: Vec<&str> = markets.iter().map(|m| m.symbol.as_str()).collect();
        anyhow::anyhow!("unknown market {name:?} (markets: {})", known.join(", "))
    })
}

/// The trader's markets in its slot order with their oracles, leaving out `except`: the margin
/// set margin-checked instructions take.
pub fn margin_set(
    trader: &Trader,
    markets: &[Market],
    except: Option<&Pubkey>,
) -> anyhow::Result<Vec<(Pubkey, Pubkey)>> {
    let mut out = Vec::new();
    for slot in trader.active_markets() {
        if Some(&slot.market) == except {
            continue;
        }
        let market = markets
            .iter()
            .find(|m| m.address() == slot.market)
            .ok_or_else(|| anyhow::anyhow!("the trader's market {} is not a market of the program", slot.market))?;
        out.push((slot.market, market.oracle()?));
    }
    Ok(out)
}

/// The markets' data, for the read-side views.
pub fn market_data(markets: &[Market]) -> Vec<MarketData> {
    markets.iter().map(|m| m.data.clone()).collect()
}
