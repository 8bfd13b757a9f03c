"""scripts/serve installs the package alone and passes its arguments on; scripts/setup (for
scripts/test) installs the test tools too; the README says how to change the port and when SMS
wait. The scripts run in a copy of the repository whose .venv records what it is asked to do."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDER = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$(dirname \"$0\")/../calls.log\"\n"


def run_script(tmp_path: Path, *command: str) -> list[str]:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "scripts", repo / "scripts")
    bin_dir = repo / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "ussd-app"):
        (bin_dir / name).write_text(RECORDER)
        (bin_dir / name).chmod(0o755)
    subprocess.run([str(repo / command[0]), *command[1:]], check=True, timeout=60)
    return (repo / ".venv" / "calls.log").read_text().splitlines()


def test_serve_installs_the_package_alone_and_setup_adds_the_test_tools(tmp_path):
    calls = run_script(tmp_path / "serve", "scripts/serve", "--port", "8080")
    installs = [c for c in calls if c.startswith("python -m pip install -q -e")]
    assert installs == ["python -m pip install -q -e ."], calls
    assert calls[-1] == "ussd-app serve --port 8080"
    assert "python -m pip install -q -e .[test]" in run_script(tmp_path / "setup", "scripts/setup")


def test_readme_says_how_to_change_the_port_and_when_sms_wait():
    first_section = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert "scripts/serve --port 8080" in first_section
    assert "reminders and campaigns wait for 08:00" in first_section
