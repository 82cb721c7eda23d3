//! Pure integer fixed-point math. No accounts, no side effects; every op checked.
pub mod fixed;
pub mod funding;
pub mod liquidation;
pub mod margin;
pub mod oracle;
pub mod position;
pub mod safe;

pub use fixed::*;
pub use safe::*;
