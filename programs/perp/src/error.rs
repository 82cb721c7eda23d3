use anchor_lang::prelude::*;

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
}
