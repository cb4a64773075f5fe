#!/usr/bin/env bash
# Installs the Debian package on this machine and checks it as an administrator would use it:
# lintian reports no error; with the Swift toolchain hidden (an empty tmpfs mounted over it in a
# private mount namespace) the installed binary starts and segments the sample with the installed
# default model from an empty folder; the installed unit verifies; purging removes every file the
# package installed and keeps the spool (it holds patients' studies).
# Usage: bash scripts/product/test-deb.sh DEB   (needs root or sudo)
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(realpath "$1")
sample=$(realpath samples/Phantom_2026_001)
sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
fail() { echo "test-deb: $*" >&2; exit 1; }

lintian --allow-root --fail-on error --suppress-tags bad-whatis-entry "$deb"
echo "lintian: no errors"

$sudo apt-get install -y -qq "$deb" > /dev/null
files=$(dpkg -L ganet-seg)

toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
work=$(mktemp -d)
chmod 755 "$work"
model_sha=$(sha256sum /usr/share/ganet-seg/models/ganet-seg-unet.safetensors | cut -d' ' -f1)
gan=/usr/share/ganet-seg/models/ganet-seg-gan.safetensors
gan_sha=$(sha256sum "$gan" | cut -d' ' -f1)
run_installed=$(cat <<EOF
set -e
cd "$work"
/usr/bin/ganet-seg --version
/usr/bin/ganet-seg segment "$sample" -o out --gan "$gan" > /dev/null 2> segment.log || { cat segment.log >&2; exit 1; }
EOF
)
if $sudo unshare -m sh -c "mount -t tmpfs none '$toolchain' && [ -z \"\$(ls -A '$toolchain')\" ] && $run_installed"; then
  echo "installed binary ran with the toolchain ($toolchain) hidden"
else
  status=$?
  $sudo unshare -m true 2> /dev/null && fail "the installed binary failed with the toolchain hidden (exit $status)"
  # No mount namespace here (an unprivileged container): the binary must at least need nothing of the toolchain.
  echo "NOTE: unshare -m is not permitted here, so the toolchain is not hidden; checking the installed binary's libraries instead"
  ldd /usr/bin/ganet-seg | grep -E "not found|$toolchain" && fail "the installed binary needs the toolchain's libraries"
  sh -c "$run_installed"
fi
metrics=$work/out/Phantom_2026_001/metrics.json
[[ -f $work/out/Phantom_2026_001/Phantom_2026_001_seg.nii.gz && -f $metrics ]] || fail "no mask or metrics.json"
grep -q "\"sha256\" *: *\"$model_sha\"" "$metrics" || fail "metrics.json does not name the installed default model"
wt=$(grep -A1 '"WT" : {' "$metrics" | sed -n 's/.*"dice" : \([0-9.]*\).*/\1/p' | head -1)
awk -v d="$wt" 'BEGIN { exit !(d >= 0.9) }' || fail "the sample's WT Dice is ${wt:-missing}, expected >= 0.9"
echo "sample segmented with the installed default model (WT Dice $wt)"
[[ -f $work/out/Phantom_2026_001/Phantom_2026_001_anomaly.nii.gz && -f $work/out/Phantom_2026_001/report/anomaly.png ]] \
  || fail "no anomaly map or anomaly page with the installed GAN"
grep -q "\"sha256\" *: *\"$gan_sha\"" "$metrics" && grep -q '"method" *: *"discriminator"' "$metrics" \
  || fail "metrics.json does not name the installed GAN and its map"
echo "anomaly map written with the installed GAN"

systemd-analyze verify /lib/systemd/system/ganet-seg.service
getent passwd ganet-seg > /dev/null || fail "no ganet-seg user after install"
[[ -d /var/lib/ganet-seg/inbox && -d /var/lib/ganet-seg/outbox ]] || fail "no spool after install"
for page in ganet-seg ganet-seg.segment ganet-seg.watch; do [[ -f /usr/share/man/man1/$page.1.gz ]] || fail "no man page $page"; done
echo "unit verified; user, spool and man pages in place"

$sudo apt-get purge -y -qq ganet-seg > /dev/null
dpkg -s ganet-seg > /dev/null 2>&1 && fail "ganet-seg is still installed after purge"
left=$(while read -r f; do [[ -f $f && ! -d $f ]] && echo "$f"; done <<< "$files" || true)
[[ -z $left ]] || fail "purge left files: $left"
[[ ! -e /etc/ganet-seg ]] || fail "purge left /etc/ganet-seg"
[[ -d /var/lib/ganet-seg ]] || fail "purge removed the spool"
rm -rf "$work"
echo "purged: no file of the package left; the spool is kept"
