# Fixtures of the Python package's tests: the CLI beside it (SPARSEREC_BIN, set by ctest), and small
# synthetic data made by the CLI once per run.
import json
import os
import subprocess

import pytest


class Cli:
    def __init__(self, path):
        self.path = path

    def run(self, *args, check=True):
        """(returncode, stdout, stderr) of `sparserec ARGS...`."""
        p = subprocess.run([self.path, *map(str, args)], capture_output=True, text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"sparserec {' '.join(map(str, args))} failed: {p.stderr[-2000:]}")
        return p.returncode, p.stdout, p.stderr

    def result(self, *args):
        """The JSON result line that ends stdout."""
        return json.loads(self.run(*args)[1].strip().splitlines()[-1])

    def topk(self, *args):
        """The rows of `recommend`'s TSV (after its header, before the result line), split on tabs."""
        lines = self.run("recommend", *args)[1].strip().splitlines()
        assert lines[-1].startswith("{"), "recommend's last line is its result"
        return [line.split("\t") for line in lines[1:-1]]

    def error(self, *args):
        """The message of the one error line the CLI prints (after 'sparserec: error: ')."""
        rc, _, err = self.run(*args, check=False)
        assert rc != 0, f"sparserec {' '.join(map(str, args))} succeeded"
        line = [l for l in err.splitlines() if l.startswith("sparserec: error: ")][-1]
        return line[len("sparserec: error: "):].removesuffix(" (see --help)")


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("SPARSEREC_BIN")
    assert path and os.path.exists(path), "SPARSEREC_BIN must name the sparserec program (ctest sets it)"
    return Cli(path)


@pytest.fixture(scope="session")
def data(tmp_path_factory, cli):
    d = tmp_path_factory.mktemp("data")
    cli.run("synth", "--out", d / "r.csv", "--users", 150, "--items", 400, "--events", 5000, "--seed", 3)
    cli.run("synth", "--out", d / "c.tsv", "--clicks", "--users", 300, "--items", 80, "--events", 3000, "--seed", 5)
    return d
