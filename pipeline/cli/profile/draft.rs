use anyhow::Result;
use lifeline::spec::Registry;
pub fn run(_r: &Registry, _e: &std::path::Path, _t: &[String], _s: Option<&str>) -> Result<String> { Ok(String::new()) }
