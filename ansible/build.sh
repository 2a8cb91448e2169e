#!/usr/bin/env bash
# Places the mailaudit binary in the collection as its module, then builds the collection
# tarball. Usage: ansible/build.sh [--no-cargo] [--binary PATH] [--no-tarball]
#   --binary PATH   use this binary instead of target/release/mailaudit (e.g. a musl build)
#   --no-cargo      do not run cargo build (the binary must exist)
#   --no-tarball    only place the module (for ANSIBLE_COLLECTIONS_PATH use from the tree)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
binary="$repo/target/release/mailaudit"
run_cargo=1
tarball=1
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; run_cargo=0; shift 2 ;;
        --no-cargo) run_cargo=0; shift ;;
        --no-tarball) tarball=0; shift ;;
        *) echo "usage: $0 [--no-cargo] [--binary PATH] [--no-tarball]" >&2; exit 2 ;;
    esac
done
if [ "$run_cargo" = 1 ]; then
    (cd "$repo" && cargo build --release --locked)
fi
if ! [ -x "$binary" ]; then
    echo "build.sh: $binary is not an executable file" >&2
    exit 1
fi
# Ansible uploads the module on every task: it must be the stripped release binary.
install -m 0755 "$binary" "$here/plugins/modules/mailaudit"
echo "module: $here/plugins/modules/mailaudit ($(stat -c %s "$here/plugins/modules/mailaudit") bytes)"
if [ "$tarball" = 1 ]; then
    if command -v ansible-galaxy >/dev/null; then
        ansible-galaxy collection build --force --output-path "$here" "$here"
    else
        echo "build.sh: ansible-galaxy not found: collection tarball not built" >&2
    fi
fi
