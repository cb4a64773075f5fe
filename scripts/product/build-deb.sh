#!/usr/bin/env bash
# Builds the Debian package dist/ganet-seg_<version>_amd64.deb with dpkg-deb.
#
# The binary links the Swift standard library statically and has no RUNPATH, so it runs on a machine
# without the Swift toolchain; its Depends are the Debian runtime libraries it links (from
# dpkg-shlibdeps, never the -dev packages), and libvulkan1 is recommended (loaded at run time for
# GPUs). The package holds the unit, sysusers.d and tmpfiles.d files, the daemon's config as a
# conffile, the default model and the GAN, the ICBM152 template (for synth and train), man pages
# (swift-argument-parser's generate-manual) and bash, zsh and fish completions.
# Usage: bash scripts/product/build-deb.sh [OUTDIR]   (default: dist)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(realpath -m "${1:-dist}")
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
GANET_SEG_BUILD_COMMIT=$commit swift build -c release --product ganet-seg --static-swift-stdlib --disable-local-rpath
swift build --product generate-manual
bin=.build/release/ganet-seg
version=$("$bin" --version)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
pkg=$root/ganet-seg
share=$pkg/usr/share/ganet-seg
doc=$pkg/usr/share/doc/ganet-seg
install -D -m 0755 -s "$bin" "$pkg/usr/bin/ganet-seg"
install -D -m 0644 config/ganet-seg.toml "$pkg/etc/ganet-seg/ganet-seg.toml"
install -D -m 0644 -t "$share/models" models/ganet-seg-unet.safetensors models/ganet-seg-gan.safetensors
install -D -m 0644 -t "$share/data/icbm152" data/icbm152/*.nii.gz
# Debian 12 keeps units in /lib (the /usr merge moratorium); sysusers.d and tmpfiles.d live in /usr/lib.
install -D -m 0644 systemd/ganet-seg.service "$pkg/lib/systemd/system/ganet-seg.service"
install -D -m 0644 systemd/ganet-seg.sysusers.conf "$pkg/usr/lib/sysusers.d/ganet-seg.conf"
install -D -m 0644 systemd/ganet-seg.tmpfiles.conf "$pkg/usr/lib/tmpfiles.d/ganet-seg.conf"

mkdir -p "$pkg/usr/share/man/man1"
.build/debug/generate-manual "$bin" --multi-page --section 1 --date "$(git log -1 --format=%cs 2>/dev/null || date -u +%F)" \
  --authors "ganet-seg developers" -o "$pkg/usr/share/man/man1" > /dev/null
sed -i 's/^$/.Pp/' "$pkg"/usr/share/man/man1/*.1   # mdoc paragraphs, not blank input lines
gzip -9n "$pkg"/usr/share/man/man1/*.1
install -D -m 0644 <("$bin" --generate-completion-script bash | sed "1{/^#!/d}") "$pkg/usr/share/bash-completion/completions/ganet-seg"
install -D -m 0644 <("$bin" --generate-completion-script zsh) "$pkg/usr/share/zsh/vendor-completions/_ganet-seg"
install -D -m 0644 <("$bin" --generate-completion-script fish) "$pkg/usr/share/fish/vendor_completions.d/ganet-seg.fish"

install -D -m 0644 README.md "$doc/README.md"
install -D -m 0644 models/README.md "$doc/model-card.md"
install -D -m 0644 data/icbm152/README.md "$doc/icbm152.md"
install -D -m 0644 docs/metrics-v1.schema.json "$doc/metrics-v1.schema.json"
install -D -m 0644 packaging/copyright "$doc/copyright"
date=$(git log -1 --format=%cD 2>/dev/null || date -uR)
printf 'ganet-seg (%s) unstable; urgency=medium\n\n  * Build of commit %s.\n\n -- ganet-seg developers <ganet-seg@example.org>  %s\n' \
  "$version" "$commit" "$date" | gzip -9n > "$doc/changelog.gz"
chmod 0644 "$doc/changelog.gz"

# Depends from the libraries the binary links (dpkg-shlibdeps reads them from the installed tree).
mkdir -p "$root/debian"
printf 'Source: ganet-seg\n\nPackage: ganet-seg\nArchitecture: amd64\n' > "$root/debian/control"
depends=$(cd "$root" && dpkg-shlibdeps -O -e ganet-seg/usr/bin/ganet-seg 2> /dev/null | sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$pkg/DEBIAN"
sed -e "s/@VERSION@/$version/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)/" packaging/control > "$pkg/DEBIAN/control"
echo /etc/ganet-seg/ganet-seg.toml > "$pkg/DEBIAN/conffiles"
install -m 0755 -t "$pkg/DEBIAN" packaging/postinst packaging/prerm packaging/postrm
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/conffiles" "$pkg/DEBIAN/control"

mkdir -p "$out"
deb=$out/ganet-seg_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" > /dev/null
echo "$deb"
