//! `perp-migrations`: the exchange's deploy/bootstrap. One config format and one bootstrap over
//! any `Chain`, used by the local runtimes (`perp-localnet`: tests and `perp-keeper localnet`)
//! and by a real deployment.
pub mod bootstrap;
pub mod config;
pub mod market_config;
pub mod tokens;
