//! Generates the PostgreSQL engine's codec for the protobuf blobs it shares
//! with whatsapp-rust's SQLite store (server cert chain, app-state sync keys,
//! app-state hash state) from the same committed descriptor that store
//! compiles, so a row copied between the two decodes the same.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const DESCRIPTOR: &str = "src/engine/postgres/wire/wire.desc";
    println!("cargo:rerun-if-changed={DESCRIPTOR}");
    println!("cargo:rerun-if-changed=build.rs");
    buffa_build::Config::new()
        .descriptor_set(DESCRIPTOR)
        .files(&["wire.proto"])
        .preserve_unknown_fields(false)
        .out_dir(std::env::var("OUT_DIR")?)
        .compile()
}
