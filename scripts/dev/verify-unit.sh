#!/usr/bin/env bash
# Checks the systemd unit with systemd-analyze: `verify` (syntax, directives, the ExecStart binary)
# and the offline `security` exposure score. ExecStart is pointed at the built binary (default:
# .build/debug/ganet-seg) in a temporary copy, since /usr/bin/ganet-seg exists only once installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/debug/ganet-seg}")
unit=$(mktemp -d)/ganet-seg.service
sed "s|/usr/bin/ganet-seg|$bin|" systemd/ganet-seg.service > "$unit"
systemd-analyze verify "$unit"
systemd-analyze security --offline=true "$unit" | tail -1
