use anchor_lang::prelude::*;

/// The engine's and math's result type.
pub type PerpResult<T> = core::result::Result<T, PerpError>;

/// `validate!(condition, error, "format", args..)`: unless `condition` holds, logs the message
/// with the offending values, then `error` with the caller's file and line, and returns it. Only
/// the failure path logs.
#[macro_export]
macro_rules! validate {
    ($cond:expr, $error:expr, $($fmt:tt)+) => {
        if !$cond {
            $crate::error::log_failure(format_args!($($fmt)+));
            return Err($crate::math::safe::fail($error).into());
        }
    };
}

/// Logs a failed check's values (`validate!`), out of line: the formatting stays off the
/// caller's stack frame (4 KiB on SBF) and off its happy path.
#[cold]
#[inline(never)]
pub fn log_failure(args: core::fmt::Arguments) {
    anchor_lang::solana_program::msg!("{}", args);
}

/// Every rejection the program makes. Codes are stable: append, never reorder.
#[error_code]
#[derive(PartialEq, Eq)]
pub enum PerpError {
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Division by zero")]
    DivisionByZero,
    #[msg("Value does not fit the target integer type")]
    CastOverflow,
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Withdrawal exceeds the trader's withdrawable collateral")]
    InsufficientCollateral,
    #[msg("Source token account holds less than the amount")]
    InsufficientFunds,
    #[msg("Deposits are paused")]
    DepositsPaused,
    #[msg("Withdrawals are paused")]
    WithdrawalsPaused,
    #[msg("Token account is not of the exchange's collateral mint")]
    WrongMint,
    #[msg("Token account is not the exchange's vault")]
    WrongVault,
    #[msg("Collateral mint must have exactly 6 decimals")]
    WrongCollateralDecimals,
    #[msg("Signer is not the exchange admin")]
    NotAdmin,
    #[msg("No admin transfer is pending")]
    NoPendingAdmin,
    #[msg("Signer is not the proposed admin")]
    NotPendingAdmin,
    #[msg("Signer does not own this trader account")]
    NotTraderOwner,
    #[msg("Trader account still holds collateral")]
    TraderNotEmpty,
    #[msg("Unknown pause flag bits")]
    UnknownPauseFlag,
    #[msg("Fee exceeds the exchange's maximum fee")]
    FeeTooHigh,
    #[msg("Maker fee exceeds taker fee")]
    MakerFeeAboveTaker,
    #[msg("Share must be at most 1,000,000 ppm (100%)")]
    ShareTooHigh,
    #[msg("Liquidation penalty out of range")]
    InvalidLiquidationPenalty,
    // --- markets and parameters ---
    #[msg("Maintenance margin ratio must be below the initial margin ratio")]
    MaintenanceNotBelowInitial,
    #[msg("Initial margin ratio must be at least 10,000 ppm (100x leverage) and at most 100%")]
    InitialMarginOutOfRange,
    #[msg("Margin brackets must be 1 to 8 bands with increasing notional caps and non-decreasing ratios")]
    InvalidMarginBrackets,
    #[msg("Tick and lot sizes must be positive and one lot at one tick must be a whole number of token units")]
    InvalidTickOrLot,
    #[msg("Fill band must be positive, and the fill band plus the taker fee at most every bracket's initial minus maintenance ratio and at most the lowest maintenance ratio")]
    InvalidFillBand,
    #[msg("Price band must be positive and at most 50%")]
    InvalidPriceBand,
    #[msg("Seat and order capacities must be positive and within the program's maximums")]
    InvalidCapacity,
    #[msg("Market account size does not match its seat and order capacities")]
    WrongMarketAccountSize,
    #[msg("Liquidation penalty must be below the lowest maintenance margin ratio")]
    PenaltyNotBelowMaintenance,
    #[msg("Unknown market status")]
    InvalidMarketStatus,
    #[msg("Market symbol must be 1 to 16 bytes")]
    InvalidSymbol,
    // --- oracles ---
    #[msg("Oracle account is not the market's oracle")]
    ForeignOracle,
    #[msg("Oracle price is older than the market's maximum age")]
    StaleOracle,
    #[msg("Oracle confidence interval is wider than the market allows")]
    OracleConfidenceTooWide,
    #[msg("Oracle price must be positive")]
    NonPositiveOraclePrice,
    #[msg("Oracle publish time must increase")]
    OraclePublishTimeNotIncreasing,
    #[msg("Pyth price update is not fully verified")]
    OracleNotFullyVerified,
    #[msg("Oracle exponent out of the supported range")]
    OracleExponentOutOfRange,
    #[msg("Signer is not the oracle's authority")]
    NotOracleAuthority,
    #[msg("Oracle account data is invalid")]
    InvalidOracleAccount,
    #[msg("Unknown oracle kind")]
    InvalidOracleKind,
    // --- orders and trading ---
    #[msg("Trading is paused")]
    TradingPaused,
    #[msg("Market is reduce-only")]
    MarketReduceOnly,
    #[msg("Order price is not a positive multiple of the tick size")]
    PriceNotOnTick,
    #[msg("Order size must be a positive number of lots")]
    InvalidOrderSize,
    #[msg("Order price is outside the market's price band around the oracle")]
    PriceOutsideBand,
    #[msg("Order notional is below the market's minimum")]
    OrderBelowMinNotional,
    #[msg("Post-only order would cross the book")]
    PostOnlyWouldCross,
    #[msg("Reduce-only order would increase or flip the position")]
    ReduceOnlyViolation,
    /// Reserved: never raised. Order types and sides are Borsh enums, so an unknown one fails
    /// instruction decoding first (Anchor's `InstructionDidNotDeserialize`). Kept so the codes
    /// after it keep their numbers.
    #[msg("Unknown order type or side")]
    InvalidOrderType,
    #[msg("Insufficient margin for this order")]
    InsufficientMargin,
    #[msg("Account is below maintenance margin: it may only deposit and cancel")]
    BelowMaintenance,
    #[msg("Open interest cap reached")]
    OpenInterestCap,
    #[msg("Trader already has the maximum number of open orders in this market")]
    TooManyOpenOrders,
    #[msg("Book side is full and the order does not beat its worst price")]
    BookSideFull,
    #[msg("Seat table is full")]
    SeatTableFull,
    #[msg("Trader already has positions in the maximum number of markets")]
    TooManyMarkets,
    #[msg("Order not found")]
    OrderNotFound,
    #[msg("Trader has no seat in this market")]
    NoSeat,
    #[msg("Margin accounts missing: pass every market of the trader, with its oracle, in the trader's order")]
    MissingMarginAccounts,
    #[msg("A market was passed twice")]
    DuplicateMarginAccount,
    #[msg("Market does not belong to this exchange or is not the expected one")]
    ForeignMarket,
    #[msg("Market order needs a worst price")]
    MissingWorstPrice,
    #[msg("Trader still holds positions, orders or seats")]
    TraderHasPositions,
    #[msg("Oracle max age must be 1 s to an hour, the confidence bound at most 5%, and a push oracle's move cap above 0 and at most 100% per second")]
    InvalidOracleConfig,
    #[msg("Account is not a market account of this program")]
    NotAMarket,
    #[msg("Funding interval must be 60 s to 8 h and divide a day; cap positive and at most 2%; interest at most 0.1% per 8 h; impact notional positive and within reach of 64 minimum-size orders")]
    InvalidFundingParams,
    #[msg("Minimum order notional, open-interest cap and seat deposit must all be positive, and the seat deposit at least the minimum order notional")]
    InvalidMarketLimits,
    #[msg("A funding interval is due: crank update_funding before changing the interval")]
    FundingDue,
    /// Reserved: no longer raised. An oracle update older than the market's is ignored and the
    /// market keeps its newer price (issue #19 item 9). Kept so the codes after it keep their
    /// numbers.
    #[msg("Oracle price is older than the one the market already holds")]
    OracleWentBack,
    #[msg("Market account layout version is not the one this program reads")]
    UnsupportedMarketLayout,
    #[msg("Liquidation buffer must be at most the smallest initial-minus-maintenance gap of the brackets")]
    InvalidLiquidationBuffer,
    #[msg("Account is at or above maintenance margin: it cannot be liquidated")]
    NotLiquidatable,
    #[msg("Account equity is below zero: it needs bankruptcy resolution, not liquidation")]
    AccountBankrupt,
    #[msg("A trader account cannot liquidate itself")]
    CannotLiquidateSelf,
    #[msg("Account holds no position in this market")]
    NoPositionToLiquidate,
    #[msg("Liquidator would end below initial margin")]
    LiquidatorBelowInitial,
    #[msg("Account equity is not below zero: nothing to resolve")]
    NotBankrupt,
    #[msg("Seats have not applied an ADL event this one would overwrite: settle them first (settle_funding)")]
    AdlBacklog,
    #[msg("Oracle publish time is ahead of the chain's clock by more than the allowed skew")]
    OraclePublishTimeInFuture,
    #[msg("This change can hurt open positions: announce it (announce_market_update) and apply it after the delay")]
    MarketChangeNeedsTimelock,
    #[msg("The announced market update's delay has not elapsed yet")]
    TimelockNotElapsed,
    #[msg("Timelock delay out of range")]
    InvalidTimelockDelay,
    #[msg("Pushed price moves further from the last than the oracle's cap allows")]
    OracleMoveTooLarge,
    #[msg("Only the program's upgrade authority may initialize the exchange")]
    NotUpgradeAuthority,
    #[msg("A lot is worth too little at the oracle price: funding's rounding would exceed 1% of the cap")]
    LotTooSmallForFunding,
}
