fn main() -> anyhow::Result<()> {
    let args: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let out = args.last().unwrap().clone();
    let spec = out.file_name().unwrap().to_string_lossy().to_string();
    let g = lifeline::spec::schemagen::generate(&args[..args.len() - 1], &spec)?;
    for p in g.write(&out)? {
        println!("{}", p.display());
    }
    Ok(())
}
