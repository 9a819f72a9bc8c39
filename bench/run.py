"""Run every benchmark in bench/ (files named bench_*.py); each prints its figures and a ratio."""
import pathlib
import runpy
import sys

here = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(here.parent))
sys.path.insert(0, str(here))
for path in sorted(here.glob("bench_*.py")):
    print(f"== {path.stem}")
    runpy.run_path(str(path), run_name="__main__")
