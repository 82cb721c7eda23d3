//! `perp-idl`: builds the program's IDL with Anchor's own builder (no Anchor CLI needed) and
//! writes it to `idl/perp.json`; `perp-idl --check` fails when the checked-in IDL is stale.
//!
//! Anchor's builder runs `cargo test __anchor_private_print_idl --features idl-build` in the
//! program's folder, and installs a toolchain with rustup whenever `RUSTUP_TOOLCHAIN` is set
//! (it is, under `cargo run`): this tool clears it first. The build shares the workspace's
//! target folder (cargo has released its lock by the time the tool runs); its `idl-build`
//! feature set gets its own artifacts, so the workspace's builds are not invalidated.
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let check = std::env::args().any(|a| a == "--check");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize()?;
    // Anchor's builder reads this variable; the tool runs before any other thread exists.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let target = root.join("target");
    // (An explicit --target-dir: the program folder's own default would be the same one.)
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(root.join("programs/perp"))
        .cargo_args(vec!["--target-dir".into(), target.display().to_string(), "--lib".into()])
        .build()?;
    let text = format!("{}\n", serde_json::to_string_pretty(&idl)?);
    let path = root.join("idl/perp.json");
    if check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::ensure!(
            current == text,
            "{} is stale: regenerate it with `cargo run -p perp-idl` and commit it",
            path.display()
        );
        println!(
            "{} is current ({} instructions, {} events, {} errors)",
            path.display(),
            idl.instructions.len(),
            idl.events.len(),
            idl.errors.len()
        );
    } else {
        std::fs::create_dir_all(root.join("idl"))?;
        std::fs::write(&path, text)?;
        println!(
            "wrote {} ({} instructions, {} events, {} errors)",
            path.display(),
            idl.instructions.len(),
            idl.events.len(),
            idl.errors.len()
        );
    }
    Ok(())
}
