#!/usr/bin/env bash
# Installs the real VS Code host the host tests run in: code-server 4.100.3 (the VS Code 1.100.3 server with the
# normal Node extension host; the last line that runs on Node 20) plus Debian's Chromium to open its workbench.
# Idempotent: a second run only prints the version. Usage: bash test/host/setup-code-server.sh [install-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST="${1:-.vscode-test/code-server}"
CS_VERSION=4.100.3
export DEBIAN_FRONTEND=noninteractive

# libkrb5-dev + pkg-config: code-server's kerberos module compiles against them; ripgrep: see below;
# chromium: the browser that renders the workbench (VS Code desktop / Electron cannot be downloaded here).
if ! dpkg -s libkrb5-dev pkg-config ripgrep chromium >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-code-server: needs the Debian packages libkrb5-dev pkg-config ripgrep chromium;" >&2
    echo "  run as root, or: sudo apt-get install -y libkrb5-dev pkg-config ripgrep chromium" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq libkrb5-dev pkg-config ripgrep chromium >/dev/null
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the archive;
# fill the cache with Debian's rg so the install needs only the npm registry.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TGZ" ]; then
  mkdir -p "$RG_CACHE"; tmp=$(mktemp -d); cp /usr/bin/rg "$tmp/rg"; tar czf "$RG_TGZ" -C "$tmp" rg; rm -rf "$tmp"
fi

mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"code-server-host","private":true}' > package.json
if [ ! -x node_modules/.bin/code-server ]; then
  # unsafe_perm: code-server's postinstall refuses to run as root without it;
  # yes: node-pty's postinstall runs `npx node-gyp`, which would otherwise ask and cancel.
  npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --no-save "code-server@$CS_VERSION"
fi
XDG_CONFIG_HOME="$(mktemp -d)" node_modules/.bin/code-server --version
