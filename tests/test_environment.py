"""environment.yml (conda) lists the same dependencies as pyproject.toml."""

import tomllib

import yaml

from coopdata.core.paths import PROJECT_DIR


def normalise(req: str) -> str:
    return req.replace(" ", "").lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    wanted = {normalise(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((PROJECT_DIR / "environment.yml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {normalise(d) for d in dep["pip"] if not d.startswith("-e")}
        elif not dep.startswith(("python", "pip")):
            listed.add(normalise(dep))
    assert listed == wanted, {"only in environment.yml": listed - wanted, "only in pyproject": wanted - listed}
    assert any(d.startswith("python>=3.11") for d in env["dependencies"] if isinstance(d, str))
