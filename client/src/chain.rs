//! Chain access behind one trait, with two backends: the in-process bank (perp-localnet's
//! `Localnet`) and JSON-RPC (`rpc::RpcChain`). Bootstrap, keeper and CLI code is written once
//! against this trait.
use solana_sdk::account::Account;
use solana_sdk::instruction::Instruction;
use solana_sdk::message::AddressLookupTableAccount;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::transaction::TransactionError;

/// What a confirmed transaction left behind.
#[derive(Debug, Clone, Default)]
pub struct TxOutcome {
    pub signature: Signature,
    /// The program logs (events are read back from them).
    pub logs: Vec<String>,
}

// The futures are awaited on the caller's task; no `Send` bound is promised to callers.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// The fee payer of every transaction sent through `send`.
    fn payer(&self) -> Pubkey;

    /// Signs with the payer and `signers`, sends and confirms.
    async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> anyhow::Result<TxOutcome>;

    /// The account at `address`, `None` when it does not exist.
    async fn account(&mut self, address: &Pubkey) -> anyhow::Result<Option<Account>>;

    /// Lamports that make an account of `len` bytes rent-exempt.
    async fn rent_exempt_minimum(&mut self, len: usize) -> anyhow::Result<u64>;

    /// Every account the program owns whose data passes `filter` (`getProgramAccounts` with a
    /// data-size and a memcmp filter over JSON-RPC).
    async fn program_accounts(&mut self, filter: &AccountFilter) -> anyhow::Result<Vec<(Pubkey, Account)>>;

    /// Several accounts at once, in the order asked (`getMultipleAccounts` in batches of
    /// `MULTIPLE_ACCOUNTS_BATCH` over JSON-RPC).
    async fn multiple_accounts(&mut self, addresses: &[Pubkey]) -> anyhow::Result<Vec<Option<Account>>>;

    /// Creates an address lookup table holding `addresses` (the payer its authority), and returns
    /// once it serves transactions (the slot after its last extension).
    async fn lookup_table(&mut self, addresses: &[Pubkey]) -> anyhow::Result<AddressLookupTableAccount>;

    /// As `send`, as a v0 transaction loading accounts through `tables`: for instructions whose
    /// accounts do not fit a legacy transaction (`lookup::fits_legacy`).
    async fn send_v0(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        tables: &[AddressLookupTableAccount],
    ) -> anyhow::Result<TxOutcome>;

    /// The landed transactions that named `address`, newest first, at most `limit`, with their
    /// logs (`getSignaturesForAddress` then `getTransaction` over JSON-RPC).
    async fn history(&mut self, address: &Pubkey, limit: usize) -> anyhow::Result<Vec<HistoryEntry>>;
}

/// One landed transaction, as a wallet's history shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub signature: Signature,
    pub slot: u64,
    /// Unix seconds of its block, when the node knows it.
    pub block_time: Option<i64>,
    /// Landed but failed (its fee was paid, nothing else changed).
    pub error: Option<TransactionError>,
    pub logs: Vec<String>,
}

/// Most accounts one `getMultipleAccounts` request may ask for.
pub const MULTIPLE_ACCOUNTS_BATCH: usize = 100;

/// Which program accounts `Chain::program_accounts` returns: those of `data_size` bytes (any size
/// when `None`) whose data at `offset` starts with `bytes` (an account discriminator, usually).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountFilter {
    pub data_size: Option<u64>,
    pub offset: usize,
    pub bytes: Vec<u8>,
}

impl AccountFilter {
    /// Whether `data` passes the filter (what the node checks, for backends that check locally).
    pub fn matches(&self, data: &[u8]) -> bool {
        self.data_size.is_none_or(|size| data.len() as u64 == size)
            && data.get(self.offset..).is_some_and(|rest| rest.starts_with(&self.bytes))
    }
}

/// A transaction the chain executed (or simulated) and rejected: both backends return this as
/// the error of `Chain::send`, so callers read the program's error code the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected(pub TransactionError);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.custom_code().and_then(perp_error) {
            Some(e) => write!(f, "transaction rejected: {e:?} ({}): {e}", u32::from(e)),
            None => write!(f, "transaction rejected: {}", self.0),
        }
    }
}

impl std::error::Error for Rejected {}

impl Rejected {
    /// The instruction's custom error code, if the program returned one.
    pub fn custom_code(&self) -> Option<u32> {
        match &self.0 {
            TransactionError::InstructionError(_, solana_sdk::instruction::InstructionError::Custom(code)) => {
                Some(*code)
            }
            _ => None,
        }
    }
}

/// Every program error in code order (a test checks it against the program's numbering).
pub const PERP_ERRORS: [perp::error::PerpError; 87] = {
    use perp::error::PerpError::*;
    [
        MathOverflow,
        DivisionByZero,
        CastOverflow,
        ZeroAmount,
        InsufficientCollateral,
        InsufficientFunds,
        DepositsPaused,
        WithdrawalsPaused,
        WrongMint,
        WrongVault,
        WrongCollateralDecimals,
        NotAdmin,
        NoPendingAdmin,
        NotPendingAdmin,
        NotTraderOwner,
        TraderNotEmpty,
        UnknownPauseFlag,
        FeeTooHigh,
        MakerFeeAboveTaker,
        ShareTooHigh,
        InvalidLiquidationPenalty,
        MaintenanceNotBelowInitial,
        InitialMarginOutOfRange,
        InvalidMarginBrackets,
        InvalidTickOrLot,
        InvalidFillBand,
        InvalidPriceBand,
        InvalidCapacity,
        WrongMarketAccountSize,
        PenaltyNotBelowMaintenance,
        InvalidMarketStatus,
        InvalidSymbol,
        ForeignOracle,
        StaleOracle,
        OracleConfidenceTooWide,
        NonPositiveOraclePrice,
        OraclePublishTimeNotIncreasing,
        OracleNotFullyVerified,
        OracleExponentOutOfRange,
        NotOracleAuthority,
        InvalidOracleAccount,
        InvalidOracleKind,
        TradingPaused,
        MarketReduceOnly,
        PriceNotOnTick,
        InvalidOrderSize,
        PriceOutsideBand,
        OrderBelowMinNotional,
        PostOnlyWouldCross,
        ReduceOnlyViolation,
        InvalidOrderType,
        InsufficientMargin,
        BelowMaintenance,
        OpenInterestCap,
        TooManyOpenOrders,
        BookSideFull,
        SeatTableFull,
        TooManyMarkets,
        OrderNotFound,
        NoSeat,
        MissingMarginAccounts,
        DuplicateMarginAccount,
        ForeignMarket,
        MissingWorstPrice,
        TraderHasPositions,
        InvalidOracleConfig,
        NotAMarket,
        InvalidFundingParams,
        InvalidMarketLimits,
        FundingDue,
        OracleWentBack,
        UnsupportedMarketLayout,
        InvalidLiquidationBuffer,
        NotLiquidatable,
        AccountBankrupt,
        CannotLiquidateSelf,
        NoPositionToLiquidate,
        LiquidatorBelowInitial,
        NotBankrupt,
        AdlBacklog,
        OraclePublishTimeInFuture,
        MarketChangeNeedsTimelock,
        TimelockNotElapsed,
        InvalidTimelockDelay,
        OracleMoveTooLarge,
        NotUpgradeAuthority,
        LotTooSmallForFunding,
    ]
};

/// The program's error with that custom code, if it is one.
pub fn perp_error(code: u32) -> Option<perp::error::PerpError> {
    let index = code.checked_sub(anchor_lang::error::ERROR_CODE_OFFSET)?;
    PERP_ERRORS.get(usize::try_from(index).ok()?).copied()
}

/// The program error a failed `Chain::send` ended with, if the program rejected it.
pub fn error_of(error: &anyhow::Error) -> Option<perp::error::PerpError> {
    error.downcast_ref::<Rejected>().and_then(Rejected::custom_code).and_then(perp_error)
}

#[cfg(test)]
mod tests;
