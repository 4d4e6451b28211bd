//! `lifeline sample`: deterministic synthetic vendor exports at any size, and a job over them.

use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result};
use lifeline::sample::{Options, generate, job_files, write_to};

pub fn run(opts: &Options, dir: &Path, out: &mut impl Write) -> Result<()> {
    let files = generate(opts);
    let job = job_files(files.iter().map(|f| f.path.as_path()));
    for set in [&files, &job] {
        write_to(dir, set).with_context(|| format!("cannot write under {}", dir.display()))?;
    }
    let bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    writeln!(
        out,
        "wrote {} files ({bytes} bytes) under {}\nrun them: lifeline run --config {}",
        files.len(),
        dir.display(),
        dir.join("job.toml").display()
    )?;
    Ok(())
}
