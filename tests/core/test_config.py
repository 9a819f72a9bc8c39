"""Settings: embedded defaults, environment overrides, and a README that tells the truth."""
import pathlib
import subprocess
import sys

from config import SETTINGS, load

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_defaults_need_nothing(monkeypatch):
    for s in SETTINGS:
        monkeypatch.delenv(s.name, raising=False)
    conf = load({"SECRET_KEY": "x"})
    assert conf["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and "instance" in conf["SQLALCHEMY_DATABASE_URI"]
    assert conf["REDIS_URL"] is None and conf["STRIPE_SECRET_KEY"] == ""
    assert conf["RATELIMIT_STORAGE_URI"] == "memory://"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/vip")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "2048")
    monkeypatch.setenv("REDIS_URL", "redis://r:6379/0")
    conf = load({"SECRET_KEY": "x"})
    assert conf["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/vip"
    assert conf["SESSION_COOKIE_SECURE"] is False and conf["MAX_CONTENT_LENGTH"] == 2048
    assert conf["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0"


def test_readme_lists_every_setting_as_the_code_does():
    out = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "config-doc"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()
    readme = (ROOT / "README.md").read_text()
    assert out in readme, "README's settings table is stale: paste `flask --app wsgi config-doc`"


def test_readme_has_exactly_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in setup.strip().splitlines()] == ["make run", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
