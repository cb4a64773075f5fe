#!/usr/bin/env bash
# Installs the Debian packages ganet-seg builds against (skips apt when all are present).
set -euo pipefail
# mesa-vulkan-drivers (lavapipe) lets the Vulkan tests run without a GPU; systemd brings
# systemd-analyze for checking the unit; strace and time run the fault-injection campaign
# (scripts/dev/fault-campaign.sh); dpkg-dev and lintian build and check the Debian package
# (scripts/product/build-deb.sh, test-deb.sh); slurm-wlm and munge run the Slurm array test
# (scripts/dev/test-slurm.sh).
packages=(libnifti-dev libopenblas-dev libpng-dev libsystemd-dev zlib1g-dev pkg-config libvulkan-dev mesa-vulkan-drivers systemd
          strace time dpkg-dev lintian slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
