#!/usr/bin/env bash
# Ansible end-to-end tests (tests/e2e_ansible.rs) need real ansible-core: a venv in the
# tree, so nothing is installed system-wide. Idempotent: a second run only checks the version.
# 2.19 is the newest ansible-core series that still runs on Python 3.11.
set -euo pipefail
cd "$(dirname "$0")/../.."
ANSIBLE_CORE_SPEC='ansible-core>=2.19,<2.20'
venv=target/ci/venv
if ! [ -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian's python3 without ensurepip: the venv module lives in python3-venv.
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
fi
if "$venv/bin/python" -c 'import ansible, sys; v = tuple(map(int, ansible.__version__.split(".")[:2])); sys.exit(0 if v == (2, 19) else 1)' 2>/dev/null; then
    echo "ansible-core already installed: $("$venv/bin/ansible" --version | sed -n 1p)"
    exit 0
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "$ANSIBLE_CORE_SPEC"
"$venv/bin/ansible" --version | sed -n 1p
