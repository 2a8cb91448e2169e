#!/usr/bin/env bash
# Icinga 2 and Nagios 4 for the monitoring end-to-end tests (tests/e2e_icinga.rs).
# Idempotent: installs only what is missing. The packages' services are not started: the
# tests run their own daemon in a temporary directory.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ -x /usr/sbin/icinga2 ] && [ -x /usr/sbin/nagios4 ]; then
    echo "icinga2 and nagios4 already installed"
    exit 0
fi
# Keep the packages' init scripts from starting system daemons during the install.
policy=/usr/sbin/policy-rc.d
created_policy=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=1
fi
trap 'if [ -n "$created_policy" ]; then rm -f "$policy"; fi' EXIT
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends icinga2 nagios4-core >/dev/null
/usr/sbin/icinga2 --version | sed -n 1p
/usr/sbin/nagios4 --version | sed -n 2p
