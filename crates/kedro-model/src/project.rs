//! Project discovery: the `pyproject.toml` with `[tool.kedro]`, its metadata, and `settings.py`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};
use crate::settings::Settings;

/// The keys Kedro accepts in `[tool.kedro]` (`kedro/framework/startup.py::_get_project_metadata`).
pub const TOOL_KEDRO_KEYS: [&str; 6] = [
    "package_name",
    "project_name",
    "kedro_init_version",
    "source_dir",
    "tools",
    "example_pipeline",
];

/// The `[tool.kedro]` table of `pyproject.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProjectMetadata {
    /// Import name of the project package.
    pub package_name: String,
    /// Display name.
    pub project_name: String,
    /// The Kedro version the project was created with, e.g. `1.7.0`.
    pub kedro_init_version: String,
    /// Source directory relative to the root (default `src`).
    pub source_dir: PathBuf,
    /// `tools`, as written (a string in Kedro's template; other TOML values are rendered as TOML).
    pub tools: Option<String>,
    /// `example_pipeline`, as written.
    pub example_pipeline: Option<String>,
    /// Keys Kedro would reject (`Found unexpected keys in 'pyproject.toml'`).
    pub unexpected_keys: Vec<String>,
}

/// A Kedro project on disk.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Project {
    /// The directory holding `pyproject.toml`.
    pub root: PathBuf,
    /// `[tool.kedro]`.
    pub metadata: ProjectMetadata,
    /// The literal parts of `settings.py`.
    pub settings: Settings,
}

impl Project {
    /// Finds the project containing `start` (a directory or a file): the nearest directory, from `start`
    /// upwards, whose `pyproject.toml` has a `[tool.kedro]` table.
    pub fn discover(start: &Path) -> Result<Self> {
        let abs = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io(start, e))?
                .join(start)
        };
        let abs = abs.canonicalize().map_err(|e| Error::io(start, e))?;
        for dir in abs.ancestors() {
            let pyproject = dir.join("pyproject.toml");
            if !pyproject.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&pyproject).map_err(|e| Error::io(&pyproject, e))?;
            if let Some(metadata) = parse_pyproject(&text, &pyproject)? {
                return Self::with_metadata(dir.to_path_buf(), metadata);
            }
        }
        Err(Error::NotAKedroProject {
            start: start.to_path_buf(),
        })
    }

    /// Reads the project whose root is exactly `root` (no walking up).
    pub fn load(root: &Path) -> Result<Self> {
        let pyproject = root.join("pyproject.toml");
        let text = match std::fs::read_to_string(&pyproject) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotAKedroProject {
                    start: root.to_path_buf(),
                });
            }
            Err(e) => return Err(Error::io(&pyproject, e)),
        };
        match parse_pyproject(&text, &pyproject)? {
            Some(metadata) => Self::with_metadata(root.to_path_buf(), metadata),
            None => Err(Error::NotAKedroProject {
                start: root.to_path_buf(),
            }),
        }
    }

    fn with_metadata(root: PathBuf, metadata: ProjectMetadata) -> Result<Self> {
        let rel = metadata
            .source_dir
            .join(&metadata.package_name)
            .join("settings.py");
        let settings = Settings::read(&root.join(&rel), &rel)?;
        Ok(Self {
            root,
            metadata,
            settings,
        })
    }

    /// `<root>/<source_dir>`: the directory Kedro puts on `sys.path`.
    pub fn source_root(&self) -> PathBuf {
        self.root.join(&self.metadata.source_dir)
    }

    /// `<root>/<source_dir>/<package_name>`.
    pub fn package_dir(&self) -> PathBuf {
        self.source_root().join(&self.metadata.package_name)
    }

    /// `<root>/<CONF_SOURCE>`, or an error when `CONF_SOURCE` is not a literal.
    pub fn conf_dir(&self) -> Result<PathBuf> {
        Ok(self
            .root
            .join(self.settings.conf_source.get("CONF_SOURCE")?))
    }

    /// `(major, minor)` of `kedro_init_version`, e.g. `(1, 7)` or `(0, 19)`; unparsable parts are 0.
    pub fn kedro_major_minor(&self) -> (u32, u32) {
        let mut parts = self.metadata.kedro_init_version.trim().split('.');
        let mut num = || {
            parts
                .next()
                .map(|p| {
                    p.chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                })
                .and_then(|p| p.parse().ok())
                .unwrap_or(0)
        };
        let major = num();
        let minor = num();
        (major, minor)
    }

    /// `path` relative to the project root when it is inside it, else unchanged.
    pub fn relative<'a>(&self, path: &'a Path) -> &'a Path {
        path.strip_prefix(&self.root).unwrap_or(path)
    }
}

/// Parses `pyproject.toml`; `Ok(None)` when it has no `[tool.kedro]` table.
fn parse_pyproject(text: &str, path: &Path) -> Result<Option<ProjectMetadata>> {
    let display = Path::new("pyproject.toml");
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        Error::Pyproject {
            location: Location::new(display, line, column),
            message: e.message().to_string(),
            hint: "fix the TOML syntax".into(),
        }
    })?;
    let _ = path;
    let Some(kedro) = doc.get("tool").and_then(|t| t.get("kedro")) else {
        return Ok(None);
    };
    let table_line = find_line(text, "[tool.kedro]");
    let location = Location::new(display, table_line, if table_line > 0 { 1 } else { 0 });
    let Some(kedro) = kedro.as_table() else {
        return Err(Error::Pyproject {
            location,
            message: "[tool.kedro] is not a table".into(),
            hint: "write [tool.kedro] with package_name, project_name and kedro_init_version"
                .into(),
        });
    };
    // Kedro 0.18 wrote `project_version` (0.19 renamed it `kedro_init_version`); its default configuration
    // loaders (ConfigLoader, TemplatedConfigLoader) resolve configuration with other rules than the
    // OmegaConfigLoader kdvc models.
    let legacy = match (
        kedro.get("kedro_init_version"),
        kedro.get("project_version"),
    ) {
        (None, Some(v)) => Some(("project_version", v)),
        (Some(v), _)
            if v.as_str().is_some_and(|v| {
                let mut parts = v.trim().split('.');
                parts.next() == Some("0")
                    && parts
                        .next()
                        .and_then(|m| m.parse::<u32>().ok())
                        .is_some_and(|m| m < 19)
            }) =>
        {
            Some(("kedro_init_version", v))
        }
        _ => None,
    };
    if let Some((key, version)) = legacy {
        let version = version
            .as_str()
            .map_or_else(|| version.to_string(), str::to_owned);
        let line = find_line(text, key);
        return Err(Error::Pyproject {
            location: Location::new(display, line, usize::from(line > 0)),
            message: format!(
                "a Kedro {version} project ({key} = \"{version}\"): kdvc reads projects of Kedro 0.19 and 1.x, \
                 whose configuration and pipelines follow other rules than 0.18's"
            ),
            hint: "migrate the project to Kedro 0.19 or later (Kedro's 0.19 migration guide): in [tool.kedro] \
                   rename project_version to kedro_init_version with the new version, read configuration with \
                   OmegaConfigLoader (0.18's default ConfigLoader and TemplatedConfigLoader are gone), and use \
                   `--params key=value` instead of `key:value`"
                .into(),
        });
    }
    let missing: Vec<&str> = TOOL_KEDRO_KEYS[..3]
        .iter()
        .copied()
        .filter(|k| !kedro.contains_key(*k))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Pyproject {
            location,
            message: format!("missing required keys {missing:?} in [tool.kedro]"),
            hint: "add package_name, project_name and kedro_init_version to [tool.kedro]".into(),
        });
    }
    let string = |key: &str| -> Result<Option<String>> {
        match kedro.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Error::Pyproject {
                location: Location::new(display, find_line(text, key), 1),
                message: format!(
                    "[tool.kedro] {key} must be a string, found {}",
                    other.type_str()
                ),
                hint: format!("write {key} = \"...\""),
            }),
        }
    };
    let package_name = string("package_name")?.unwrap_or_default();
    let project_name = string("project_name")?.unwrap_or_default();
    let kedro_init_version = string("kedro_init_version")?.unwrap_or_default();
    let source_dir = PathBuf::from(string("source_dir")?.unwrap_or_else(|| "src".into()));
    let tools = kedro.get("tools").map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let example_pipeline = kedro.get("example_pipeline").map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let unexpected_keys = kedro
        .keys()
        .filter(|k| !TOOL_KEDRO_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    Ok(Some(ProjectMetadata {
        package_name,
        project_name,
        kedro_init_version,
        source_dir,
        tools,
        example_pipeline,
        unexpected_keys,
    }))
}

/// 1-based line and column (in characters) of byte offset `pos` in `text`.
pub(crate) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = text.get(..pos).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn find_line(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(needle))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kedro_018_projects_are_refused_at_their_version() {
        for (table, line) in [
            (
                "[tool.kedro]\npackage_name = \"p\"\nproject_name = \"P\"\nproject_version = \"0.18.14\"\n",
                4,
            ),
            (
                "[tool.kedro]\npackage_name = \"p\"\nkedro_init_version = \"0.18.2\"\nproject_name = \"P\"\n",
                3,
            ),
        ] {
            match parse_pyproject(table, Path::new("pyproject.toml")) {
                Err(Error::Pyproject {
                    location,
                    message,
                    hint,
                }) => {
                    assert_eq!(location.line, line, "{message}");
                    assert!(
                        message.contains("kdvc reads projects of Kedro 0.19 and 1.x"),
                        "{message}"
                    );
                    assert!(
                        hint.contains("kedro_init_version") && hint.contains("OmegaConfigLoader")
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        let ok = "[tool.kedro]\npackage_name = \"p\"\nproject_name = \"P\"\nkedro_init_version = \"0.19.14\"\n";
        assert!(parse_pyproject(ok, Path::new("pyproject.toml")).is_ok());
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn discovers_from_a_subdirectory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.kedro]\npackage_name = \"pkg\"\nproject_name = \"P\"\nkedro_init_version = \"1.7.0\"\n",
        );
        write(root, "src/pkg/settings.py", "CONF_SOURCE = \"config\"\n");
        write(root, "src/pkg/pipelines/a/x.py", "");
        let p = Project::discover(&root.join("src/pkg/pipelines/a")).unwrap();
        assert_eq!(p.root, root.canonicalize().unwrap());
        assert_eq!(p.package_dir(), p.root.join("src/pkg"));
        assert_eq!(p.conf_dir().unwrap(), p.root.join("config"));
        assert_eq!(p.kedro_major_minor(), (1, 7));
    }

    #[test]
    fn a_plain_directory_is_not_a_project() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "pyproject.toml", "[project]\nname = \"x\"\n");
        let err = Project::load(tmp.path()).unwrap_err();
        assert!(matches!(err, Error::NotAKedroProject { .. }));
    }
}
