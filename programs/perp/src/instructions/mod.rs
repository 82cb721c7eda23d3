//! One file per instruction: its accounts and its handler.
pub mod admin;
pub mod close_trader;
pub mod deposit;
pub mod deposit_insurance;
pub mod initialize_exchange;
pub mod open_trader;
pub mod token_cpi;
pub mod withdraw;

pub use admin::*;
pub use close_trader::*;
pub use deposit::*;
pub use deposit_insurance::*;
pub use initialize_exchange::*;
pub use open_trader::*;
pub use withdraw::*;
