//! Agave's real TestValidator, in-process, with JSON-RPC and websocket on loopback, running the
//! program natively (the same registration as the in-process bank: `native::builtin`), or the
//! SBF build `perp.so` when SBF_OUT_DIR / BPF_OUT_DIR holds one (the same switch as program-test).
use anchor_lang::prelude::Pubkey;
use perp_client::rpc::RpcChain;
use solana_account::{Account, AccountSharedData};
use solana_program_runtime::loaded_programs::ProgramCacheEntry;
use solana_rpc::rpc::JsonRpcConfig;
use solana_sdk::signature::Keypair;
use solana_test_validator::{TestValidator, TestValidatorGenesis, UpgradeableProgramInfo};

use crate::native;
use perp_migrations::bootstrap::{self, Deployment};
use perp_migrations::config::Config;

/// A running validator with the exchange bootstrapped on it. Dropping it stops the validator,
/// then removes its ledger (fields drop in declaration order).
pub struct LocalValidator {
    pub validator: TestValidator,
    /// Holds the genesis SOL; pays for everything the localnet does.
    pub payer: Keypair,
    pub deployment: Deployment,
    /// The validator's ledger: a temporary folder of its own (under the system's temp dir),
    /// removed when the validator stops.
    pub ledger: tempfile::TempDir,
}

impl LocalValidator {
    /// Starts the validator (on `rpc_port` and `rpc_port + 1`, or on free ports when `None`) with
    /// the program registered, then bootstraps the exchange from `config` over JSON-RPC.
    pub async fn start(config: &Config, rpc_port: Option<u16>) -> anyhow::Result<Self> {
        // solana-program-test's native syscall stubs (CPI, sysvars for native programs) are
        // process-global and installed when its first bank starts.
        let _ = solana_program_test::ProgramTest::default().start().await;
        crate::event_logs::install();

        let mut genesis = TestValidatorGenesis::default();
        let sbf = native::sbf_program_dir().is_some();
        // The exchange's admin: on the SBF build also the program's upgrade authority, the one
        // signer `initialize_exchange` accepts on an upgradeable deploy.
        let admin = Keypair::new();
        if sbf {
            // The SBF build (scripts/build-sbf.sh), deployed upgradeable in genesis like
            // `solana program deploy` would.
            let program_path = solana_program_test::find_file(&format!("{}.so", native::PROGRAM_NAME))
                .ok_or_else(|| anyhow::anyhow!("{}.so not found in SBF_OUT_DIR", native::PROGRAM_NAME))?;
            genesis.add_upgradeable_programs_with_path(&[UpgradeableProgramInfo {
                program_id: perp::ID,
                loader: perp_client::pda::UPGRADEABLE_LOADER,
                upgrade_authority: solana_sdk::signature::Signer::pubkey(&admin),
                program_path,
            }]);
        } else {
            // The program account lives in genesis (owner = native loader, executable), so no
            // frozen bank has to change later.
            genesis.add_account(
                perp::ID,
                AccountSharedData::from(Account {
                    lamports: 1_000_000_000,
                    data: native::PROGRAM_NAME.as_bytes().to_vec(),
                    owner: solana_sdk::native_loader::id(),
                    executable: true,
                    rent_epoch: 0,
                }),
            );
        }
        // Transaction history on, so clients can read a transaction's logs (and our events) back.
        genesis.rpc_config(JsonRpcConfig {
            enable_rpc_transaction_history: true,
            enable_extended_tx_metadata_storage: true,
            ..JsonRpcConfig::default_for_test()
        });
        if let Some(port) = rpc_port {
            genesis.rpc_port(port);
        }
        // Left to itself, TestValidator puts its ledger under its crate's source folder (in
        // cargo's registry), where a killed run leaves it behind.
        let ledger = tempfile::Builder::new().prefix("perp-validator-ledger-").tempdir()?;
        genesis.ledger_path(ledger.path());
        let (validator, payer) = genesis.start_async().await;
        if !sbf {
            register_builtin(&validator, perp::ID);
        }

        let mut chain = RpcChain::new(validator.rpc_url(), payer.insecure_clone());
        perp_migrations::tokens::fund(&mut chain, &solana_sdk::signature::Signer::pubkey(&admin)).await?;
        let deployment = bootstrap::bootstrap_with_admin(&mut chain, config, admin).await?;
        Ok(Self { validator, payer, deployment, ledger })
    }

    /// A `Chain` over this validator's JSON-RPC, paying with the genesis keypair.
    pub fn chain(&self) -> RpcChain {
        RpcChain::new(self.validator.rpc_url(), self.payer.insecure_clone())
    }
}

/// Adds the program as a builtin to every bank the validator has; banks created later inherit it.
fn register_builtin(validator: &TestValidator, program_id: Pubkey) {
    let forks = validator.bank_forks();
    let forks = forks.read().unwrap_or_else(|poisoned| poisoned.into_inner());
    for bank in forks.banks().values() {
        let entry = ProgramCacheEntry::new_builtin(0, native::PROGRAM_NAME.len(), native::builtin_function());
        bank.add_builtin(program_id, native::PROGRAM_NAME, entry);
    }
}
