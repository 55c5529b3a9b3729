#!/usr/bin/env bash
# Makes a fresh clone runnable: the system packages dpp's tests and lab use, then the npm
# dependencies (which bring Node 24). Quiet and quick when everything is already there, so
# `npm test` and `npm start` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package. nats-server carries the event log; knot (authoritative, signs with
# DNSSEC) and unbound (validating resolver) make the DNS lab of the identity tests, and dig is
# for looking at that lab by hand; openssl makes the test certificates; groff reads the man page;
# chromium is the browser the looking glass is tested in (playwright-core drives it, and downloads none).
declare -A PACKAGES=([nats-server]=nats-server [knotd]=knot [keymgr]=knot [unbound]=unbound [dig]=bind9-dnsutils [openssl]=openssl [groff]=groff-base [chromium]=chromium)

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]; }

missing=()
for cmd in "${!PACKAGES[@]}"; do
  have "$cmd" || missing+=("${PACKAGES[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ]; then as_root=(); elif sudo -n true 2>/dev/null; then as_root=(sudo -n); else as_root=(false); fi
  if [ "${as_root[0]:-}" = false ]; then
    echo "dpp setup: missing system packages: ${missing[*]}" >&2
    echo "  install them as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "dpp setup: installing ${missing[*]} with apt-get" >&2
  "${as_root[@]}" apt-get update -qq >/dev/null
  # The packages' own services are not wanted (the tests start their own instances): while they
  # install, a policy-rc.d that refuses every start, which invoke-rc.d and deb-systemd-invoke obey.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap '"${as_root[@]}" rm -f "$policy"' EXIT
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when package-lock.json changed since the last install (or never ran).
stamp=node_modules/.dpp-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "dpp setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

node_major=$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 24 ]; then
  echo "dpp setup: node_modules/.bin/node is Node $node_major, expected 24: remove node_modules and run npm run setup" >&2
  exit 1
fi
