//! Synthetic vendor exports (being written by another session; this stub only fixes the API).
pub struct Options {
    pub facilities: usize,
    pub users: usize,
    pub seed: u64,
    pub dirty: f64,
}
pub struct SampleFile {
    pub path: std::path::PathBuf,
    pub bytes: Vec<u8>,
}
pub fn generate(_opts: &Options) -> Vec<SampleFile> {
    Vec::new()
}
pub fn write_to(_dir: &std::path::Path, _files: &[SampleFile]) -> std::io::Result<()> {
    Ok(())
}
