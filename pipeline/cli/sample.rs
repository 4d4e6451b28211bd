//! `lifeline sample`: deterministic synthetic vendor exports at any size.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use lifeline::sample::{Options, generate, write_to};

pub fn run(opts: &Options, dir: &Path, out: &mut impl Write) -> Result<()> {
    let files = generate(opts);
    write_to(dir, &files).with_context(|| format!("cannot write under {}", dir.display()))?;
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    writeln!(
        out,
        "wrote {} files ({bytes} bytes) under {}",
        files.len(),
        dir.display()
    )?;
    Ok(())
}
