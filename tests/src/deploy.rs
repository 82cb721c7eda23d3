//! The program deployed as `solana program deploy` does: under the upgradeable loader, with an
//! upgrade authority (only with the SBF build: a native builtin has no loader state).
use perp_client::pda;
use perp_localnet::localnet::Localnet;
use perp_localnet::native;
use solana_sdk::pubkey::Pubkey;

/// A bank with `perp.so` deployed upgradeable with `authority` as its upgrade authority, a funded
/// admin (not the authority) and a 6-decimal mint, and no exchange; `None` without the SBF build
/// (SBF_OUT_DIR).
pub async fn upgradeable_bank(authority: &Pubkey) -> Option<Localnet> {
    let dir = native::sbf_program_dir()?;
    let elf = std::fs::read(dir.join("perp.so")).expect("perp.so");
    // UpgradeableLoaderState as the loader serializes it (bincode): Program = 2, ProgramData = 3.
    let mut program = 2u32.to_le_bytes().to_vec();
    program.extend_from_slice(pda::program_data().as_ref());
    let mut program_data = 3u32.to_le_bytes().to_vec();
    program_data.extend_from_slice(&0u64.to_le_bytes());
    program_data.push(1);
    program_data.extend_from_slice(authority.as_ref());
    program_data.extend_from_slice(&elf);
    let mut test = solana_program_test::ProgramTest::default();
    let account = |data: Vec<u8>, executable| solana_sdk::account::Account {
        lamports: 10_000_000_000,
        data,
        owner: pda::UPGRADEABLE_LOADER,
        executable,
        rent_epoch: 0,
    };
    test.add_genesis_account(perp::ID, account(program, true));
    test.add_genesis_account(pda::program_data(), account(program_data, false));
    Some(Localnet::without_exchange(test.start_with_context().await).await.expect("bank"))
}
