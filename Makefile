# The two commands of the README: `make run` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export FLASK_APP := wsgi

.PHONY: run test install translations messages bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d core/translations -D messages >/dev/null

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo ensure
	@printf '\nServing on http://127.0.0.1:5000 (stop with Ctrl-C)\n'

	SESSION_COOKIE_SECURE=0 PREFERRED_URL_SCHEME=http $(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) instance build *.egg-info

# After adding or changing visible strings: refresh the catalogues, then translate zh_CN.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project "VIP Service" -o core/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i core/translations/messages.pot -d core/translations
