//! Writes a synthetic Kedro project: `cargo run -p kdvc-benches --example generate -- DIR [NODES] [PIPELINES]
//! [CATALOG_ENTRIES] [PARAM_KEYS] [PYTHON_LINES]`. Prints the project root.

use std::io::Write as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        return Err(
            "usage: generate DIR [NODES] [PIPELINES] [CATALOG_ENTRIES] [PARAM_KEYS] [PYTHON_LINES]"
                .into(),
        );
    };
    let num = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(args
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let mut spec = kdvc_benches::Spec::nodes(num(1, 2_000)?, num(2, 100)?);
    if let Some(n) = args.get(3) {
        spec = spec.with_catalog_entries(n.parse()?);
    }
    if let Some(n) = args.get(4) {
        spec = spec.with_param_keys(n.parse()?);
    }
    if let Some(n) = args.get(5) {
        spec = spec.with_python_lines(n.parse()?);
    }
    std::fs::create_dir_all(dir)?;
    let g = kdvc_benches::generate(std::path::Path::new(dir), &spec)?;
    writeln!(std::io::stdout(), "{}", g.root.display())?;
    Ok(())
}
