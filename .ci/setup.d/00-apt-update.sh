#!/usr/bin/env bash
# Refresh the package lists once, for the steps that install Debian packages.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
