/**
 * Test data shared by the content-hash and the lock-reader tests: a
 * pyproject.toml for which Debian's Poetry 1.3.2 (python3-poetry) wrote a real
 * poetry.lock with `poetry lock --no-update` against this machine's PyPI
 * mirror served on 127.0.0.1 (hence its legacy source URL).
 * @module
 */

/** The pyproject.toml real Poetry locked. */
export const REAL_PYPROJECT: string = `[tool.poetry]
name = "caf\u00e9-app"
version = "0.1.0"
description = "Cr\u00e8me br\u00fbl\u00e9e \u2713 \u{1f600} service"
authors = ["Zo\u00eb <zoe@example.com>"]

[tool.poetry.dependencies]
python = "^3.11"
flask = "^3.1"
gunicorn = { version = ">=23", markers = "sys_platform == 'linux'" }

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"

[[tool.poetry.source]]
name = "mirror"
url = "http://127.0.0.1:8123/simple/"
default = true

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
`;
