//! Tells the crate whether the compiler has `std::mem::offset_of!` (Rust
//! 1.77), so that `src/layout.rs` asserts member offsets at compile time
//! where it can; older compilers (Debian bookworm's 1.63) check them in
//! `cargo test` instead. Uses nothing but std.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .unwrap_or_default();
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|number| number.split('.').nth(1))
        .and_then(|minor| minor.parse::<u32>().ok())
        .unwrap_or(0);
    // Cargo 1.80 and newer check cfg names; older ones warn at the line.
    if minor >= 80 {
        println!("cargo:rustc-check-cfg=cfg(streamhost_offset_of)");
    }
    if minor >= 77 {
        println!("cargo:rustc-cfg=streamhost_offset_of");
    }
}
