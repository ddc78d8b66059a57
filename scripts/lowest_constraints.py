"""Print pip constraints that pin every direct dependency to the lowest version pyproject allows.

    python scripts/lowest_constraints.py [extra ...] > constraints.txt
    pip install -c constraints.txt -e ".[lab,test,torch]"

Every requirement of ``[project] dependencies`` and of the named extras
(default: all) must be ``name>=X`` or ``name==X``; each becomes ``name==X``.
A requirement without a lower bound is an error: its oldest version is untested.
This is what `make test` uses to prove the declared ranges (the oldest end).
"""
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9_.\-\[\]]+?)\s*(>=|==)\s*([0-9][^,;\s]*)\s*(;.*)?$")


def lowest_pins(pyproject, extras=None):
    """{"name[; marker]": version} for the dependencies and the given extras (all if None)."""
    project = tomllib.loads(Path(pyproject).read_text())["project"]
    optional = project.get("optional-dependencies", {})
    groups = [project.get("dependencies", [])]
    groups += [optional[e] for e in (extras or optional)]
    pins = {}
    for requirement in (r for group in groups for r in group):
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: {requirement!r} has no lower bound of the form "
                             "'name>=X' or 'name==X'; its oldest version would be untested.")
        name, _, version, marker = match.groups()
        name = re.sub(r"\[.*\]", "", name).lower()
        key = name + (marker or "")          # one bound per name and environment marker
        if pins.get(key, version) != version:
            raise SystemExit(f"{pyproject}: {key} has two lower bounds, {pins[key]} and "
                             f"{version}.")
        pins[key] = version
    return pins


if __name__ == "__main__":
    for key, version in sorted(lowest_pins(ROOT / "pyproject.toml", sys.argv[1:] or None).items()):
        name, _, marker = key.partition(";")
        print(f"{name}=={version}" + (f";{marker}" if marker else ""))
