#!/usr/bin/env bash
# Checks the systemd files. The unit with systemd-analyze: `verify` (syntax, directives, the
# ExecStart binary) and the offline `security` exposure score; ExecStart is pointed at the built
# binary (default: .build/debug/ganet-seg) in a temporary copy, since /usr/bin/ganet-seg exists only
# once installed. The tmpfiles.d file with systemd-tmpfiles under a scratch root, its ages cut to
# 2 s: it creates the spool, and cleaning removes old entries of outbox/ and archive/ only, keeping
# new ones and an input whose modification time is old but whose change time is new (cp -p).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-.build/debug/ganet-seg}")
unit=$(mktemp -d)/ganet-seg.service
sed "s|/usr/bin/ganet-seg|$bin|" systemd/ganet-seg.service > "$unit"
systemd-analyze verify "$unit"
systemd-analyze security --offline=true "$unit" | tail -1

root=$(mktemp -d)
conf=$(dirname "$unit")/ganet-seg.conf
sed -e 's/ 90d$/ 2s/; s/ 30d$/ 2s/; s/ ganet-seg ganet-seg / - - /' systemd/ganet-seg.tmpfiles.conf > "$conf"
systemd-tmpfiles --create --root="$root" "$conf"
spool=$root/var/lib/ganet-seg
for d in inbox work outbox failed archive; do mkdir -p "$spool/$d/Old"; echo x > "$spool/$d/Old/f"; done
sleep 3
for d in outbox archive; do mkdir -p "$spool/$d/New"; echo x > "$spool/$d/New/f"; done
mkdir -p "$spool/archive/CopiedWithOldTimes" && echo x > "$spool/archive/CopiedWithOldTimes/f"
touch -d "400 days ago" "$spool/archive/CopiedWithOldTimes/f" "$spool/archive/CopiedWithOldTimes"
systemd-tmpfiles --clean --root="$root" "$conf"
left=$(cd "$spool" && find . -name f | sort | tr '\n' ' ')
expected="./archive/CopiedWithOldTimes/f ./archive/New/f ./failed/Old/f ./inbox/Old/f ./outbox/New/f ./work/Old/f "
[[ $left == "$expected" ]] || { echo "tmpfiles retention: left $left, expected $expected" >&2; exit 1; }
rm -rf "$root"
echo "tmpfiles.d: spool created; retention removes only old outbox/ and archive/ entries"
