"""The deployment files hold together: compose.yaml, the Dockerfile, deploy/nginx.conf and the
files they name. No container engine runs in the tests, so what `docker compose config` and a
build would catch is checked here: every file a service mounts or builds from exists, the
replicas are the proxy's upstream, the image installs what `make run` installs, runs as a user and
checks its health. (nginx itself runs the configuration in tests/e2e/test_proxy_failover.py.)
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.conftest import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "compose.yaml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx.conf"
APP_PORT = 8501


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def app_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if s.get("build") is not None}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for each instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            found.append((word.upper(), " ".join(rest.split())))
    return found


def nginx_rules() -> str:
    """deploy/nginx.conf without its comments."""
    return re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())


def nginx_includes() -> list[str]:
    """The files deploy/nginx.conf includes (by a path relative to its own folder)."""
    text = nginx_rules()
    return re.findall(r"^\s*include\s+([^;\s]+);", text, flags=re.MULTILINE)


def nginx_block(name: str) -> str:
    """The text of the first block that opens with ``name {`` (comments dropped)."""
    text = nginx_rules()
    start = text.index(name + " {") + len(name) + 2
    depth, index = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        index += 1
    return text[start : index - 1]


# --- compose.yaml ---------------------------------------------------------------------------------


def test_compose_runs_postgresql_two_app_replicas_built_from_the_dockerfile_and_nginx() -> None:
    apps = app_services()
    assert len(apps) == 2
    for app in apps.values():
        context = PROJECT_ROOT / str(app["build"])
        assert (context / "Dockerfile").is_file()
        assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@db:5432/" in app["environment"]["DATABASE_URL"]
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert services()["db"]["image"].startswith("postgres:")
    assert services()["proxy"]["image"].startswith("nginx:")


def test_every_service_of_compose_has_a_healthcheck_the_proxy_waits_for() -> None:
    assert "pg_isready" in services()["db"]["healthcheck"]["test"]
    assert any("/_stcore/health" in part for part in services()["proxy"]["healthcheck"]["test"])
    # The apps' healthcheck is the image's own (the Dockerfile's HEALTHCHECK, checked below).
    assert services()["proxy"]["depends_on"] == {
        name: {"condition": "service_healthy"} for name in app_services()
    }


def test_the_proxy_mounts_deploy_nginx_conf_and_a_real_file_for_each_include_it_names() -> None:
    mounts = {}
    for volume in services()["proxy"]["volumes"]:
        source, target, *_ = volume.split(":")
        assert (PROJECT_ROOT / source).is_file(), f"{source} is mounted but does not exist"
        mounts[target] = (PROJECT_ROOT / source).resolve()
    assert mounts["/etc/nginx/nginx.conf"] == NGINX_CONF.resolve()
    for include in nginx_includes():
        assert f"/etc/nginx/{include}" in mounts, f"nginx.conf includes {include}, compose does not mount it"


def test_the_proxys_upstream_in_compose_is_exactly_the_app_replicas_with_failover() -> None:
    lines = (PROJECT_ROOT / "deploy" / "compose" / "ics-app-servers.conf").read_text()
    servers = re.findall(r"^server\s+([\w.-]+):(\d+)\s+([^;]*);", lines, flags=re.MULTILINE)
    assert {host for host, _, _ in servers} == set(app_services())
    for _, port, options in servers:
        assert int(port) == APP_PORT
        assert "max_fails=" in options and "fail_timeout=" in options


def test_the_port_compose_publishes_is_the_one_nginx_listens_on() -> None:
    site = (PROJECT_ROOT / "deploy" / "compose" / "ics-site.conf").read_text()
    (listen,) = re.findall(r"^listen\s+(\d+);", site, flags=re.MULTILINE)
    published = [p.split(":")[-1] for p in services()["proxy"]["ports"]]
    assert published == [listen]
    assert any(f":{listen}/" in part for part in services()["proxy"]["healthcheck"]["test"])


# --- the Dockerfile --------------------------------------------------------------------------------


def test_the_image_installs_with_the_same_two_steps_as_make_run() -> None:
    runs = " ".join(arguments for word, arguments in dockerfile_instructions() if word == "RUN")
    assert "bash scripts/install-system-deps.sh run" in runs
    assert "pip install --no-cache-dir -r requirements.txt" in runs
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "\tbash scripts/install-system-deps.sh run\n" in makefile
    assert "-m pip install --quiet -r requirements.txt" in makefile


def test_the_image_is_debian_slim_runs_as_a_user_and_checks_its_health() -> None:
    instructions = dockerfile_instructions()
    (base,) = [a for w, a in instructions if w == "ARG" and a.startswith("BASE_IMAGE=")]
    assert re.fullmatch(r"BASE_IMAGE=python:3\.\d+-slim-bookworm", base)
    (user,) = [a for w, a in instructions if w == "USER"]
    assert user.split(":")[0] not in {"0", "root"}
    environment = " ".join(a for w, a in instructions if w == "ENV")
    assert f"STREAMLIT_SERVER_PORT={APP_PORT}" in environment
    (health,) = [a for w, a in instructions if w == "HEALTHCHECK"]
    assert "'http://127.0.0.1:' + os.environ.get('STREAMLIT_SERVER_PORT', '8501')" in health
    assert "'/_stcore/health'" in health
    (command,) = [a for w, a in instructions if w == "CMD"]
    assert '"streamlit", "run", "server.py"' in command


def test_the_image_leaves_out_local_environments_secrets_and_data() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", ".git", ".env", "data", "artifacts", ".streamlit/secrets.toml"):
        assert entry in ignored


# --- deploy/nginx.conf ------------------------------------------------------------------------------


def test_affinity_is_a_cookie_hash_never_the_clients_address() -> None:
    upstream = nginx_block("upstream ics_app")
    assert re.search(r"^\s*hash \$ics_affinity consistent;", upstream, flags=re.MULTILINE)
    assert "ip_hash" not in nginx_rules() and "$remote_addr" not in upstream
    assert "ics_affinity=$request_id" in nginx_rules()


def test_the_websocket_location_upgrades_and_waits_an_hour() -> None:
    server = nginx_block("server")
    assert "proxy_http_version 1.1;" in server
    assert "proxy_set_header Upgrade $http_upgrade;" in server
    assert "proxy_set_header Connection $connection_upgrade;" in server
    stream = nginx_block("location = /_stcore/stream")
    assert "proxy_read_timeout 1h;" in stream
