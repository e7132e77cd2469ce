//! Prints the pure plan (no probes, no registry) of a config file as the CLI's table:
//! `cargo run -p portplan --example plan_file -- examples/portplan.toml`
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/portplan.toml".into());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    match portplan::Config::from_text(&text).and_then(|config| portplan::plan(&config, &[])) {
        Ok(plan) => print!("{}", portplan::commands::render::table(&plan)),
        Err(error) => {
            eprint!("{}", portplan::commands::render::error(&error).0);
            std::process::exit(2);
        }
    }
}
