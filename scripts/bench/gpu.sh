#!/usr/bin/env bash
# GPU benchmark: ganet-seg on Vulkan (`devices`; `bench` at batch 32 with a per-kernel profile, the
# driver's statistics of each shader and a check of the labels against the CPU backend, and at batch
# 8; at batch 32 the tensor cores on unpacked operands (GANET_SEG_PACK_HALF=0) and the portable fp32
# convolution (GANET_SEG_TENSOR_CORES=0); the kernel experiments that `prepare` compiled (see
# `variants`); one timed `segment`) and, on the same card, the same U-Net
# and weights in PyTorch/cuDNN (scripts/bench/torch-baseline.py: fp32, tf32, fp16; NCHW and channels_last)
# at the same batch sizes and slice size, for docs/performance.md. BASELINE=0 skips PyTorch,
# VARIANTS=0 the experiments.
#
# The GPU machine has no Swift and none of our Debian libraries, so the binary is built here with the
# Swift runtime linked in, and carried with the shared libraries ldd lists (glibc's own excepted;
# libstdc++/libgcc_s go in lib/gcc, used only where the machine lacks them), the Vulkan loader, and
# Debian's GLVND packages (unpacked into / there: NVIDIA's Vulkan driver needs them installed).
#
#   here:  swift build -c release --product ganet-seg --static-swift-stdlib
#          bash scripts/bench/gpu.sh prepare DIR
#   there: bash DIR/gpu.sh run          (from the repository root; output in $OUT/gpu-bench.txt)
#   here, after editing scripts/bench/gpu-variants: bash scripts/bench/gpu.sh variants DIR/variants
#
# DIR inside the repository (e.g. .build/gpu-bench, git-ignored, carried explicitly) holds no copy of
# the sample and the model: `run` takes them from the repository root it runs in. DIR elsewhere gets
# them too and runs on its own. STUDY=..., MODEL=... override them; GANET_BIN=... the binary.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bundle=ganet-seg-bundle.tar.xz

prepare() {
    local dir=${1:?usage: gpu.sh prepare DIR} bin=${GANET_BIN:-$root/.build/release/ganet-seg}
    if [ ! -x "$bin" ]; then
        echo "no release binary at $bin; build it first (here, not on the GPU machine):" >&2
        echo "  swift build -c release --product ganet-seg --static-swift-stdlib" >&2
        return 1
    fi
    if ldd "$bin" | grep 'libswift' >/dev/null && [ "${ALLOW_SHARED_SWIFT:-0}" != 1 ]; then
        echo "$bin links the Swift runtime dynamically; rebuild with --static-swift-stdlib:" >&2
        echo "  swift build -c release --product ganet-seg --static-swift-stdlib" >&2
        return 1
    fi
    set -e
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local stage
    stage=$(mktemp -d)
    mkdir -p "$stage/bin" "$stage/lib/gcc"
    cp "$bin" "$stage/bin/ganet-seg"
    strip "$stage/bin/ganet-seg" 2>/dev/null || true
    # "libfoo.so.1 => /path/libfoo.so.1 (0x...)": every library but glibc's own parts.
    ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
        case $name in
            libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|libresolv.so*|libutil.so*|libmvec.so*|ld-linux*) ;;
            libstdc++.so*|libgcc_s.so*) cp -L "$path" "$stage/lib/gcc/$name" ;;
            *) cp -L "$path" "$stage/lib/$name" ;;
        esac
    done
    local lib path
    for lib in libvulkan.so.1 libGLdispatch.so.0; do
        path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found {print $NF; found = 1}')  # awk reads to the end: no SIGPIPE under pipefail
        if [ -z "$path" ]; then
            echo "no $lib here: apt-get install libvulkan1 libglvnd0" >&2
            return 1
        fi
        cp -L "$path" "$stage/lib/$lib"
    done
    XZ_OPT=-6 nice -n 19 tar -C "$stage" -cJf "$dir/$bundle" bin lib
    echo "bundle: $(cd "$stage" && find bin lib -type f | sort | tr '\n' ' ')"
    # NVIDIA's Vulkan driver on the lent machines starts only with GLVND's libraries installed
    # system-wide: Debian's packages, unpacked into / there by `run`.
    mkdir -p "$dir/gl"
    local apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$stage/lists")
    mkdir -p "$stage/lists/partial"
    if ! { apt-get "${apt[@]}" update >/dev/null 2>&1 &&
           (cd "$dir/gl" && apt-get "${apt[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null 2>&1); }; then
        echo "could not download the GLVND and Vulkan loader packages (apt-get download): run may find no driver" >&2
    fi
    rm -rf "$stage"
    variants "$dir/variants"
    cp "$root/scripts/bench/gpu.sh" "$root/scripts/bench/torch-baseline.py" "$root/scripts/bench/unet_reference.py" "$dir/"
    case $dir/ in
        "$root"/*) echo "DIR is inside the repository: the sample and the model travel with it, not copied" ;;
        *) mkdir -p "$dir/samples" "$dir/models"
           cp -r "$root/samples/Phantom_2026_001" "$dir/samples/"
           cp "$root/models/ganet-seg-unet.safetensors" "$dir/models/" ;;
    esac
    du -sh "$dir"
    echo "on the GPU machine, from the repository root: bash ${dir#"$root"/}/gpu.sh run"
}

# Kernel experiments for `run` to time, each a folder of SPIR-V that GANET_SEG_SHADER_DIR loads in
# place of the embedded shaders:
# - the candidate kernels in scripts/bench/gpu-variants/*.patch (applied to the committed Shaders, each
#   kernel that the patch changes; one that no longer applies is skipped);
# - with ABLATIONS=1, ablations of the committed tensor-core kernels, each with stages of its K loop
#   taken out (the global loads, the shared-memory staging, the tensor-core products): their labels
#   are wrong by design, their time says what the missing stages cost.
variants() {
    local out=$1 shaders=$root/Sources/VulkanBackend/Shaders tmp name patch kernel
    tmp=$(mktemp -d)
    rm -rf "$out" && mkdir -p "$out"
    for patch in "$root"/scripts/bench/gpu-variants/*.patch; do
        [ -e "$patch" ] || continue
        name=$(basename "$patch" .patch)
        cp -r "$shaders" "$tmp/$name"
        (cd "$tmp/$name" && patch -s --no-backup-if-mismatch -p1 <"$patch") || { echo "variant $name: the patch no longer applies; skipped" >&2; continue; }
    done
    local -A ablations=(
        [ablate-no-loads]='s|^\( *\)\(if (kb + BK < K) \)\{0,1\}fetch(.*|\1// &|'
        [ablate-no-staging]='s|^\( *\)\(if (kb + BK < K) \)\{0,1\}fetch(.*|\1// &|; s|^\( *\)stage();|\1// &|'
        [ablate-no-products]='s|^\( *\)multiplyStaged();|\1// &|'
        [ablate-loop-only]='s|^\( *\)\(if (kb + BK < K) \)\{0,1\}fetch(.*|\1// &|; s|^\( *\)stage();|\1// &|; s|^\( *\)multiplyStaged();|\1// &|'
    )
    for name in "${!ablations[@]}"; do
        [ "${ABLATIONS:-0}" = 1 ] || break
        cp -r "$shaders" "$tmp/$name"
        sed -i "${ablations[$name]}" "$tmp/$name/conv_gemm.glsl"
        cmp -s "$shaders/conv_gemm.glsl" "$tmp/$name/conv_gemm.glsl" && { echo "variant $name: no K loop line matched; skipped" >&2; rm -rf "${tmp:?}/$name"; }
    done
    # Each experiment keeps the kernels whose SPIR-V its changes alter, compiled as
    # compile-shaders.sh compiles the embedded ones (-O but for the tensor-core kernels).
    local source spv flags
    for name in $(cd "$tmp" && ls); do
        mkdir -p "$out/$name"
        for source in "$tmp/$name"/*.comp; do
            kernel=$(basename "$source" .comp) spv=$out/$name/$kernel.spv flags=-O
            case $kernel in conv_coopmat*) flags= ;; esac
            # shellcheck disable=SC2086  # flags: none or one word
            glslc --target-env=vulkan1.1 $flags -Werror -o "$spv" "$source" ||
                { echo "variant $name: $kernel does not compile; skipped" >&2; rm -rf "${out:?}/$name"; break; }
            glslc --target-env=vulkan1.1 $flags -Werror -o "$tmp/committed.spv" "$shaders/$kernel.comp"
            cmp -s "$spv" "$tmp/committed.spv" && rm "$spv"
        done
    done
    rm -rf "$tmp"
    echo "variants: $(cd "$out" && ls | tr '\n' ' ')"
}

run() {
    local dir
    dir=$(cd "${1:-$(dirname "$0")}" && pwd) || return 1
    local out=${OUT:-$dir/out}
    mkdir -p "$out"
    run_body "$dir" "$out" 2>&1 | tee "$out/gpu-bench.txt"
}

run_body() {
    local dir=$1 out=$2 work=/tmp/ganet-seg-gpu t0=$SECONDS failed=0
    local study=${STUDY:-$dir/samples/Phantom_2026_001} model=${MODEL:-$dir/models/ganet-seg-unet.safetensors}
    [ -e "$study" ] || study=$PWD/samples/Phantom_2026_001  # DIR inside the repository: its copies
    [ -e "$model" ] || model=$PWD/models/ganet-seg-unet.safetensors
    rm -rf "$work" && mkdir -p "$work" && tar -C "$work" -xJf "$dir/$bundle" || return 1

    # Vulkan: the carried loader finds NVIDIA's driver through its ICD file (under /usr/local/nvidia
    # on the lent machines, where VK_DRIVER_FILES must name it), the driver's libraries
    # (libGLX_nvidia.so.0) through the library path, and GLVND's where `prepare` put their packages.
    local icd libpath=$work/lib d deb
    if [ "$(id -u)" = 0 ] && ! ldconfig -p | grep 'libGLX\.so\.0 ' >/dev/null; then
        for deb in "$dir"/gl/*.deb; do [ -e "$deb" ] && dpkg -x "$deb" /; done
        ldconfig
    fi
    [ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] &&
        export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
               /etc/vulkan/icd.d/nvidia_icd.json; do
        if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then
            export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
        fi
    done
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d "$d" ] && libpath+=:$d; done
    ldconfig -p | grep 'libstdc++\.so\.6 ' >/dev/null || libpath+=:$work/lib/gcc
    # Our libraries for ganet-seg alone: python3 and its torch keep the machine's own.
    local gs=(env "LD_LIBRARY_PATH=$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/bin/ganet-seg")

    echo "== $(date -u +%FT%TZ) $(uname -srm); study $study; model $model"
    echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset (no NVIDIA ICD file found)}; libraries: $libpath"
    echo "== card and driver (nvidia-smi)"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit,pstate --format=csv
    nvidia-smi -q | head -n 16
    echo "== ganet-seg devices"
    if ! VK_LOADER_DEBUG=error,warn timeout 60 "${gs[@]}" devices; then
        failed=$((failed + 1))
        ls -l /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
        ls /usr/local/nvidia/lib64 2>&1 | head -n 40
    fi
    local b size=""
    # Tensor cores (where the device has them): batch 32 with a per-kernel profile and a check of the
    # labels against the CPU backend, then batch 8; at batch 32 the tensor cores on unpacked
    # operands, then the portable fp32 shader.
    for b in 32 8 unpacked portable; do
        local env=() args=(--batch-size 32 --repeat 5)
        case $b in
            32) env=(GANET_SEG_PIPELINE_STATISTICS=1); args+=(--profile --check-against-cpu) ;;
            8) args=(--batch-size 8 --repeat 5) ;;
            unpacked) env=(GANET_SEG_PACK_HALF=0); args+=(--profile) ;;
            portable) env=(GANET_SEG_TENSOR_CORES=0); args+=(--profile) ;;
        esac
        echo "== ${env[*]} ganet-seg bench --device gpu ${args[*]}"
        env "${env[@]}" timeout 100 "${gs[@]}" bench "$study" --model "$model" --device gpu "${args[@]}" \
            | tee "$work/bench-$b.txt"
        [ "${PIPESTATUS[0]}" = 0 ] || { echo "(failed)"; failed=$((failed + 1)); }
        # "U-Net: 132 slices of 144 x 176, batch 8: ..." gives the slice size (width x height).
        [ -n "$size" ] || size=$(sed -n 's/^U-Net: [0-9]* slices of \([0-9]*\) x \([0-9]*\),.*/\1 \2/p' "$work/bench-$b.txt")
    done
    # Each experiment at batch 32; the candidates' labels checked against the CPU backend.
    local variant name
    for variant in "$dir"/variants/*/; do
        [ "${VARIANTS:-1}" = 0 ] && break
        [ -d "$variant" ] || continue
        name=$(basename "$variant")
        local args=(--batch-size 32 --repeat 3 --profile) statistics=0
        # Candidates: their labels checked, the driver's registers and spills shown.
        case $name in ablate-*) ;; *) args+=(--check-against-cpu); statistics=1 ;; esac
        echo "== variant $name: GANET_SEG_SHADER_DIR=$variant ganet-seg bench --device gpu ${args[*]}"
        GANET_SEG_PIPELINE_STATISTICS=$statistics GANET_SEG_SHADER_DIR=$variant timeout 100 "${gs[@]}" bench "$study" \
            --model "$model" --device gpu "${args[@]}" | tee "$work/variant-$name.txt"
        [ "${PIPESTATUS[0]}" = 0 ] || echo "(failed)"
    done
    echo "== per study: ganet-seg segment --device gpu (all stages and outputs)"
    local s0=$EPOCHREALTIME metrics
    timeout 60 "${gs[@]}" segment "$study" --output "$work/segment" --model "$model" --device gpu \
        || { echo "(failed)"; failed=$((failed + 1)); }
    echo "wall $(awk -v a="$s0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}') s"
    metrics=$(ls "$work"/segment/*/metrics.json 2>/dev/null | head -n 1)
    if [ -n "$metrics" ]; then
        cp "$metrics" "$out/metrics.json"
        python3 -c "import json,sys; print('timings_ms', json.load(open(sys.argv[1])).get('timings_ms'))" "$metrics"
    fi
    if [ "${BASELINE:-1}" = 0 ]; then
        echo "== PyTorch baseline skipped (BASELINE=0)"
    else
        torch_baseline "$dir" "$out" "$model" "$size" || failed=$((failed + 1))
    fi
    echo "== summary ($((SECONDS - t0)) s)"
    grep -h '^study \|^U-Net\|^labels against' "$work"/bench-*.txt
    for variant in "$work"/variant-*.txt; do
        [ -e "$variant" ] || continue
        echo "variant $(basename "$variant" .txt | sed 's/^variant-//'):"
        grep -h '^U-Net\|^labels against' "$variant" | sed 's/^/  /'
    done
    local candidates=()
    for variant in "$work"/variant-*.txt; do case $variant in */variant-ablate-*|*'*'*) ;; *) candidates+=("$variant") ;; esac; done
    compare_layers "$work"/bench-32.txt "${candidates[@]}"
    echo "$failed step(s) failed"
    [ "$failed" = 0 ]
}

# The packed convolutions' time per layer (profile lines "conv_coopmat_packed MODE,BIAS M= N= K=")
# in each bench output given, side by side: which kernel suits which layers, and what choosing the
# fastest per layer would save.
compare_layers() {
    [ -e "${2:-}" ] || return 0
    echo "packed convolutions, ms per layer shape in one profiled pass at batch 32 (columns: 1 = the committed kernel, then the experiments):"
    local i=1 file
    for file in "$@"; do echo "  $i $(basename "$file" .txt | sed 's/^variant-//; s/^bench-32$/committed/')"; i=$((i + 1)); done
    awk '
        FNR == 1 { column++; inProfile = 0 }
        /^GPU time per kernel/ { inProfile = 1; next }
        inProfile && !/^  / { inProfile = 0 }
        inProfile && $1 ~ /^conv_coopmat_packed/ {
            label = $2; for (f = 3; f <= NF - 4; f++) label = label " " $f
            if (!(label in seen)) { seen[label] = 1; order[++labels] = label }
            ms[label, column] = $(NF - 2)
        }
        END {
            printf "  %-30s", "MODE,BIAS M N K"; for (c = 1; c <= column; c++) printf "%8d", c; printf "%8s\n", "best"
            for (l = 1; l <= labels; l++) {
                label = order[l]; best = 0; printf "  %-30s", label
                for (c = 1; c <= column; c++) {
                    v = ((label, c) in ms) ? ms[label, c] : ""
                    printf "%8s", v; if (v != "") { total[c] += v; if (best == 0 || v + 0 < best) { best = v + 0; winner = c } }
                }
                printf "%8d\n", winner; bestTotal += best
            }
            printf "  %-30s", "total"; for (c = 1; c <= column; c++) printf "%8.2f", total[c]
            printf "\n  the fastest kernel per layer: %.2f ms, against the committed kernel'"'"'s %.2f\n", bestTotal, total[1]
        }' "$@"
}

# The same U-Net and weights in PyTorch/cuDNN at the slice size `bench` reported ("W H").
torch_baseline() {
    local dir=$1 out=$2 model=$3 size=$4 width height
    read -r width height <<<"${size:-144 176}"
    [ -n "$size" ] || echo "no slice size in the bench output: using 144 x 176"
    echo "== PyTorch/cuDNN, same network and weights, $width x $height slices (W x H), batch 8 and 32"
    PYTHONUNBUFFERED=1 timeout 150 python3 "$dir/torch-baseline.py" --weights "$model" --batch 8 32 \
        --height "$height" --width "$width" --dtype fp32 tf32 fp16 --memory-format nchw nhwc \
        --runs 20 --warmup 5 --json "$out/torch-baseline.json" || { echo "(failed)"; return 1; }
}

case ${1:-} in
    prepare) shift; prepare "$@" ;;
    run) shift; run "$@" ;;
    variants) shift; variants "${1:?usage: gpu.sh variants DIR/variants}" ;;
    *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
