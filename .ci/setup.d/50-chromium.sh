#!/usr/bin/env bash
# Browser test of the fleet report (tests/e2e_fleet_html.rs): Debian's chromium, driven by
# playwright-core from npm (which never downloads a browser of its own here).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! [ -x /usr/bin/chromium ]; then
    apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null; then
    apt-get install -y -qq nodejs npm >/dev/null
fi
if ! [ -f target/ci/node/node_modules/playwright-core/package.json ]; then
    mkdir -p target/ci/node
    (cd target/ci/node && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
        npm install --no-audit --no-fund --silent playwright-core@1.65.2)
fi
