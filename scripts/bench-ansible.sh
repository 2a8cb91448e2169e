#!/usr/bin/env bash
# How much an Ansible task running the mailaudit module costs, against the same playbook
# running ansible.builtin.ping (reference run in the same invocation: the machine is noisy).
#
#   scripts/bench-ansible.sh [RUNS]        (default 9 runs of each, alternating; medians)
#
# Needs ansible-playbook (PATH or target/ci/venv, see .ci/setup.d/30-ansible.sh) and the
# release binary (built here when missing; set MAILAUDIT_BIN to use another one).
# Prints: median wall time of each playbook, the ratio (target <= 1.2), and the size of the
# binary Ansible uploads on every call.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-9}"
repo="$PWD"
if ! command -v ansible-playbook >/dev/null && [ -x target/ci/venv/bin/ansible-playbook ]; then
    export PATH="$repo/target/ci/venv/bin:$PATH"
fi
command -v ansible-playbook >/dev/null || { echo "ansible-playbook not found: run .ci/setup.d/30-ansible.sh" >&2; exit 1; }
binary="${MAILAUDIT_BIN:-$repo/target/release/mailaudit}"
if [ -z "${MAILAUDIT_BIN:-}" ] && ! [ -x "$binary" ]; then
    cargo build --release --locked
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
collection="$work/collections/ansible_collections/mailaudit/audit"
mkdir -p "$collection" "$work/home" "$work/local-tmp" "$work/remote-tmp"
cp -r ansible/galaxy.yml ansible/meta ansible/plugins "$collection/"
install -m 0755 "$binary" "$collection/plugins/modules/mailaudit"

# The story's web server (a fixture snapshot): the task runs a real check on real files and
# returns a full report. Checks pinned to `mta`: DNS kinds would wait on the snapshot's
# resolver (a documentation address), which measures the network, not the module.
root="$repo/fixtures/hosts/story-sendmail"

cat > "$work/ping.yml" <<YAML
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
YAML
cat > "$work/mailaudit.yml" <<YAML
- hosts: all
  gather_facts: false
  tasks:
    - mailaudit.audit.mailaudit:
        root: $root
        only: [mta]
        fail_on: never
YAML
printf '[defaults]\nretry_files_enabled = False\n' > "$work/ansible.cfg"
export ANSIBLE_CONFIG="$work/ansible.cfg" ANSIBLE_HOME="$work/home" \
    ANSIBLE_LOCAL_TEMP="$work/local-tmp" ANSIBLE_REMOTE_TEMP="$work/remote-tmp" \
    ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_NOCOLOR=1 \
    ANSIBLE_PYTHON_INTERPRETER="$(command -v python3)"
if [ -x "$(dirname "$(command -v ansible-playbook)")/python" ]; then
    ANSIBLE_PYTHON_INTERPRETER="$(dirname "$(command -v ansible-playbook)")/python"
fi

# Seconds (float) of one playbook run; fails loudly if the playbook fails.
run_once() {
    local started ended
    started=$(date +%s.%N)
    if ! ansible-playbook -i localhost, -c local "$1" > "$work/last.log" 2>&1; then
        cat "$work/last.log" >&2
        exit 1
    fi
    ended=$(date +%s.%N)
    awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Warm-up (Python bytecode caches, page cache), not counted.
run_once "$work/ping.yml" >/dev/null
run_once "$work/mailaudit.yml" >/dev/null
: > "$work/ping.times"
: > "$work/mailaudit.times"
for _ in $(seq "$runs"); do
    run_once "$work/ping.yml" >> "$work/ping.times"
    run_once "$work/mailaudit.yml" >> "$work/mailaudit.times"
done
ping_median=$(median < "$work/ping.times")
mailaudit_median=$(median < "$work/mailaudit.times")
ratio=$(awk -v a="$mailaudit_median" -v b="$ping_median" 'BEGIN { printf "%.4f", a / b }')
size=$(stat -c %s "$binary")
printf 'ansible-core:           %s\n' "$(ansible-playbook --version | head -n1)"
printf 'runs:                   %d of each (alternating), medians\n' "$runs"
printf 'ping playbook:          %.3f s\n' "$ping_median"
printf 'mailaudit playbook:     %.3f s\n' "$mailaudit_median"
printf 'ratio mailaudit/ping:   %.2fx (target <= 1.20x)\n' "$ratio"
printf 'module binary:          %s bytes (%.1f MiB), %s\n' "$size" "$(awk -v s="$size" 'BEGIN { print s / 1048576 }')" \
    "$(file -b "$binary" 2>/dev/null | grep -o 'stripped\|not stripped' || echo 'strip state unknown')"
