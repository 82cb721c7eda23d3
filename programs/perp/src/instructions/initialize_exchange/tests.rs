use super::*;
use crate::error::PerpError;

const LOADER: Pubkey = anchor_lang::solana_program::bpf_loader_upgradeable::ID;

/// `UpgradeableLoaderState::ProgramData { slot, upgrade_authority_address }` as the loader
/// serializes it (bincode: the variant as u32, the slot, the option's tag and key).
fn program_data_bytes(authority: Option<Pubkey>) -> Vec<u8> {
    let mut data = 3u32.to_le_bytes().to_vec();
    data.extend_from_slice(&7u64.to_le_bytes());
    match authority {
        Some(key) => {
            data.push(1);
            data.extend_from_slice(key.as_ref());
        }
        None => data.push(0),
    }
    data
}

fn check(program_owner: &Pubkey, data_key: &Pubkey, data_owner: &Pubkey, data: &[u8], admin: &Pubkey) -> Result<()> {
    let (program_key, mut program_lamports, mut program_bytes) = (crate::ID, 1u64, vec![0u8; 36]);
    let program =
        AccountInfo::new(&program_key, false, false, &mut program_lamports, &mut program_bytes, program_owner, true);
    let (mut lamports, mut bytes) = (1u64, data.to_vec());
    let program_data = AccountInfo::new(data_key, false, false, &mut lamports, &mut bytes, data_owner, false);
    require_upgrade_authority(&program, &program_data, admin)
}

fn code(result: Result<()>) -> Option<u32> {
    match result {
        Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
        _ => None,
    }
}

/// Issue #19 item 8: anyone could run `initialize_exchange` first and become the admin. Deployed
/// upgradeable, only the upgrade authority may.
#[test]
fn only_the_upgrade_authority_initializes_an_upgradeable_deploy() {
    let authority = Pubkey::new_unique();
    let mallory = Pubkey::new_unique();
    let data_key = Pubkey::find_program_address(&[crate::ID.as_ref()], &LOADER).0;
    let data = program_data_bytes(Some(authority));
    assert!(check(&LOADER, &data_key, &LOADER, &data, &authority).is_ok());
    let refused = Some(u32::from(PerpError::NotUpgradeAuthority));
    assert_eq!(code(check(&LOADER, &data_key, &LOADER, &data, &mallory)), refused, "front-runner");
    // A ProgramData of another address, or not the loader's, or of a program made final.
    let elsewhere = Pubkey::new_unique();
    assert_eq!(code(check(&LOADER, &elsewhere, &LOADER, &data, &authority)), refused);
    assert_eq!(code(check(&LOADER, &data_key, &mallory, &data, &authority)), refused);
    assert_eq!(code(check(&LOADER, &data_key, &LOADER, &program_data_bytes(None), &authority)), refused);
}

/// A program under any other loader has no upgrade authority: nothing to bind to (the native
/// builtin of the tests; a final deploy initializes in its deploy transaction).
#[test]
fn other_loaders_have_no_authority_to_bind() {
    let anyone = Pubkey::new_unique();
    let native_loader: Pubkey = "NativeLoader1111111111111111111111111111111".parse().unwrap();
    let bpf_loader: Pubkey = "BPFLoader2111111111111111111111111111111111".parse().unwrap();
    for owner in [native_loader, bpf_loader] {
        assert!(check(&owner, &Pubkey::new_unique(), &owner, &[], &anyone).is_ok());
    }
}
